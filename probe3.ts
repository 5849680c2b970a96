import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
async function main() {
  await tf.setBackend('wasm'); await tf.ready();
  const a = tf.randomNormal([1024,1024]); const b = tf.randomNormal([1024,1024]);
  for (let i=0;i<3;i++) tf.matMul(a,b).dataSync();
}
main();
