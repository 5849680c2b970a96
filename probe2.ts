import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
async function main() {
  await tf.setBackend(process.argv[2]); await tf.ready();
  for (const [m,k,n] of [[256,256,256],[2048,784,256]]) {
  const a = tf.randomNormal([m,k]); const b = tf.randomNormal([k,n]);
  for (let i=0;i<3;i++) tf.matMul(a,b).dataSync();
  let t=performance.now(); for (let i=0;i<5;i++) tf.tidy(()=>tf.matMul(a,b).dataSync()); const ms=(performance.now()-t)/5; console.log(process.argv[2], m,k,n, ms.toFixed(2), 'ms', (2*m*k*n/ms/1e6).toFixed(2),'GF');
  }
}
main();
