import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `work` in a TF.js scope and frees every tensor it made except those it kept with tf.keep
 * (tf.tidy only lets tensors out through its return value; callers here return plain numbers).
 */
export function scoped<T>(work: () => T): T {
  tf.engine().startScope();
  try {
    return work();
  } finally {
    tf.engine().endScope();
  }
}
