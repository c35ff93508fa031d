/**
 * Per-item component posteriors (MATH.md §2's responsibilities without the counts):
 * r_jk = α_k σ_j(θ_k) / π_j, from the log terms v_k = log α_k + log σ_j(θ_k) shifted by
 * their largest, so that items far in a softmax's tail (π_j below the smallest double)
 * still get rows that sum to 1. Inputs must already be checked (mixture-input.ts).
 */
import { fail } from '../errors.ts';
import { logSoftmaxTable } from './mixture.ts';

export interface Posteriors {
  /** log π_j, length p */
  logPi: Float64Array;
  /** r_jk, p×K row-major; each row sums to 1 */
  r: Float64Array;
}

export function posteriorsOf(features: ArrayLike<number>, p: number, L: number, alpha: Float64Array, theta: Float64Array): Posteriors {
  const K = alpha.length;
  const joint = logSoftmaxTable(features, p, L, theta, K);
  const logPi = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      const v = (joint[j * K + k] += Math.log(alpha[k]));
      if (v > max) max = v;
    }
    let sum = 0;
    for (let k = 0; k < K; k++) sum += joint[j * K + k] = Math.exp(joint[j * K + k] - max);
    logPi[j] = max + Math.log(sum);
    // finite features and atoms give finite scores, hence a finite log π_j, unless x_j·θ_k overflowed
    if (!Number.isFinite(logPi[j])) fail('not-finite', `log π_${j} = ${logPi[j]}: the scores x_${j}·θ_k overflow float64 (the features or the atoms are too large in magnitude)`);
    // divided by their sum, not exp(· − log π_j): the row then sums to 1 within K ulps however
    // small π_j is, where exp(v − log π_j) would carry log π_j's own rounding, |log π_j|·ε
    for (let k = 0; k < K; k++) joint[j * K + k] /= sum;
  }
  return { logPi, r: joint };
}

/** argmax_k r_jk per item (the first of equal ones). */
export function argmaxRows(r: Float64Array, p: number, K: number): Int32Array {
  const out = new Int32Array(p);
  for (let j = 0; j < p; j++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (r[j * K + k] > r[j * K + best]) best = k;
    out[j] = best;
  }
  return out;
}
