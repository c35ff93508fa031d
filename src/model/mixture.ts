/**
 * The mixture itself (MATH.md §1): validation of parameters, probabilities π_j,
 * the log-likelihood, all in float64 on the host. Used by the simulator, by metrics
 * (held-out ℓ, TV), by FittedModel and by tests; the fit's passes over p go through a
 * Backend. The public functions check what they are given (mixture-input.ts);
 * logProbabilitiesOf and logSoftmaxTable are for inputs already checked.
 */
import { fail } from '../errors.ts';
import { logSumExp } from '../math/linalg.ts';
import { describeValue } from './data.ts';
import { checkAtoms, checkFlatFeatures, checkMixtureParams, type MixtureParamsInput } from './mixture-input.ts';

export type { MixtureParamsInput } from './mixture-input.ts';

export interface MixtureParams {
  /** weights α_k > 0, Σ = 1 (K) */
  alpha: Float64Array;
  /** atoms θ_k, row-major K×L */
  theta: Float64Array;
}

/**
 * Checks shapes and values of (α, Θ) against K and L; returns float64 copies with α
 * renormalised to sum 1 (a start or a design may give weights in any scale, unlike a fitted
 * model: mixture-input.ts's checkSimplex). Θ flat K×L or K rows of L (checkAtoms).
 */
export function checkParams(alpha: ArrayLike<number>, theta: MixtureParamsInput['theta'], K: number, L: number, what = 'parameters'): MixtureParams {
  if (alpha.length !== K) fail('shape', `${what}: alpha has length ${alpha.length}, expected K = ${K}`);
  const a = Float64Array.from(alpha);
  let total = 0;
  for (let k = 0; k < K; k++) {
    if (!Number.isFinite(a[k]) || a[k] < 0) fail('not-finite', `${what}: alpha[${k}] = ${a[k]} must be finite and ≥ 0`);
    total += a[k];
  }
  if (!(total > 0)) fail('options', `${what}: alpha sums to 0`);
  for (let k = 0; k < K; k++) a[k] /= total;
  return { alpha: a, theta: checkAtoms(theta, K, L, what) };
}

/** log σ_j(θ_k) for all j, k: p×K row-major. */
export function logSoftmaxTable(features: ArrayLike<number>, p: number, L: number, theta: ArrayLike<number>, K: number): Float64Array {
  const s = new Float64Array(p * K);
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < K; k++) {
      let v = 0;
      for (let l = 0; l < L; l++) v += features[j * L + l] * theta[k * L + l];
      s[j * K + k] = v;
    }
  }
  const column = new Float64Array(p);
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < p; j++) column[j] = s[j * K + k];
    const A = logSumExp(column);
    for (let j = 0; j < p; j++) s[j * K + k] -= A;
  }
  return s;
}

/**
 * log π_j = logsumexp_k (log α_k + log σ_j(θ_k)), length p. Checks its inputs (features p×L
 * flat, α on the simplex, θ flat K×L or K rows of L): a wrong shape is an error, not NaN.
 */
export function mixtureLogProbabilities(features: ArrayLike<number>, p: number, L: number, params: MixtureParamsInput): Float64Array {
  const x = checkFlatFeatures(features, p, L, 'mixtureLogProbabilities');
  const { alpha, theta } = checkMixtureParams(params, L, 'mixtureLogProbabilities');
  return logProbabilitiesOf(x, p, L, alpha, theta);
}

/** π_j, length p (checks its inputs as mixtureLogProbabilities does). */
export function mixtureProbabilities(features: ArrayLike<number>, p: number, L: number, params: MixtureParamsInput): Float64Array {
  const x = checkFlatFeatures(features, p, L, 'mixtureProbabilities');
  const { alpha, theta } = checkMixtureParams(params, L, 'mixtureProbabilities');
  return logProbabilitiesOf(x, p, L, alpha, theta).map(Math.exp);
}

/**
 * log π_j and the per-item posteriors r_jk = α_k σ_j(θ_k) / π_j (MATH.md §2's
 * responsibilities without the counts), for inputs already checked (finite features p×L, α on
 * the simplex, θ flat K×L). The log terms v_k = log α_k + log σ_j(θ_k) are shifted by their
 * largest, so items far in a softmax's tail (π_j below the smallest double) still get rows
 * that sum to 1. With finite scores every log π_j is finite, so a non-finite one means
 * x_j·θ_k overflowed float64: an error, not a silent −Infinity or NaN.
 */
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

/** log π_j for inputs already checked, as posteriorsOf computes it. */
export function logProbabilitiesOf(features: ArrayLike<number>, p: number, L: number, alpha: Float64Array, theta: Float64Array): Float64Array {
  return posteriorsOf(features, p, L, alpha, theta).logPi;
}

/**
 * ℓ = Σ_j n_j log π_j (terms with n_j = 0 contribute 0 even where π_j = 0). Counts must be
 * finite and ≥ 0 (fractions allowed: weights); a draw on an item of probability 0 is an
 * error naming the item, not ℓ = −Infinity.
 */
export function logLikelihood(counts: ArrayLike<number>, logPi: ArrayLike<number>): number {
  if (!counts || typeof counts.length !== 'number') fail('shape', 'logLikelihood: counts must be an array of p numbers');
  if (!logPi || typeof logPi.length !== 'number') fail('shape', 'logLikelihood: logPi must be an array of p numbers (from mixtureLogProbabilities)');
  if (counts.length !== logPi.length) fail('shape', `logLikelihood: counts has length ${counts.length} but logPi has ${logPi.length}: both are one value per item`);
  let total = 0;
  for (let j = 0; j < counts.length; j++) {
    const n = counts[j];
    const lp = logPi[j];
    if (typeof n !== 'number' || !Number.isFinite(n)) fail('counts', `logLikelihood: counts[${j}] is ${describeValue(n)}, not a finite number`);
    if (n < 0) fail('counts', `logLikelihood: counts[${j}] = ${n} is negative`);
    if (typeof lp !== 'number' || Number.isNaN(lp) || lp === Infinity) fail('not-finite', `logLikelihood: logPi[${j}] is ${describeValue(lp)}, not a log-probability`);
    if (n === 0) continue;
    if (lp === -Infinity) fail('counts', `logLikelihood: item ${j} has ${n} draws but probability 0 under the model (log π_${j} = −∞)`);
    total += n * lp;
  }
  return total;
}

/** Components sorted by α descending (components are unordered; this is the output convention). */
export function sortByWeight(params: MixtureParams, L: number): MixtureParams & { order: number[] } {
  const K = params.alpha.length;
  const order = Array.from({ length: K }, (_, k) => k).sort((a, b) => params.alpha[b] - params.alpha[a]);
  const alpha = new Float64Array(K);
  const theta = new Float64Array(K * L);
  order.forEach((src, dst) => {
    alpha[dst] = params.alpha[src];
    theta.set(params.theta.subarray(src * L, src * L + L), dst * L);
  });
  return { alpha, theta, order };
}
