/**
 * The mixture itself (MATH.md §1): validation of parameters, probabilities π_j,
 * the log-likelihood, all in float64 on the host. Used by the simulator, by metrics
 * (held-out ℓ, TV) and by tests; the fit's passes over p go through a Backend.
 */
import { fail } from '../errors.ts';
import { logSumExp } from '../math/linalg.ts';

export interface MixtureParams {
  /** weights α_k > 0, Σ = 1 (K) */
  alpha: Float64Array;
  /** atoms θ_k, row-major K×L */
  theta: Float64Array;
}

/** Checks shapes and values of (α, Θ) against K and L; returns float64 copies with α renormalised to sum 1. */
export function checkParams(alpha: ArrayLike<number>, theta: ArrayLike<number>, K: number, L: number, what = 'parameters'): MixtureParams {
  if (alpha.length !== K) fail('shape', `${what}: alpha has length ${alpha.length}, expected K = ${K}`);
  if (theta.length !== K * L) fail('shape', `${what}: theta has ${theta.length} values, expected K×L = ${K}×${L} = ${K * L}`);
  const a = Float64Array.from(alpha);
  const t = Float64Array.from(theta);
  let total = 0;
  for (let k = 0; k < K; k++) {
    if (!Number.isFinite(a[k]) || a[k] < 0) fail('not-finite', `${what}: alpha[${k}] = ${a[k]} must be finite and ≥ 0`);
    total += a[k];
  }
  if (!(total > 0)) fail('options', `${what}: alpha sums to 0`);
  for (let k = 0; k < K; k++) a[k] /= total;
  for (let i = 0; i < t.length; i++) if (!Number.isFinite(t[i])) fail('not-finite', `${what}: theta[${i}] = ${t[i]} is not finite`);
  return { alpha: a, theta: t };
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

/** log π_j = logsumexp_k (log α_k + log σ_j(θ_k)), length p. */
export function mixtureLogProbabilities(features: ArrayLike<number>, p: number, L: number, params: MixtureParams): Float64Array {
  const K = params.alpha.length;
  const table = logSoftmaxTable(features, p, L, params.theta, K);
  const out = new Float64Array(p);
  const terms = new Float64Array(K);
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < K; k++) terms[k] = Math.log(params.alpha[k]) + table[j * K + k];
    out[j] = logSumExp(terms);
  }
  return out;
}

/** π_j, length p. */
export function mixtureProbabilities(features: ArrayLike<number>, p: number, L: number, params: MixtureParams): Float64Array {
  return mixtureLogProbabilities(features, p, L, params).map(Math.exp);
}

/** ℓ = Σ_j n_j log π_j (terms with n_j = 0 contribute 0 even where π_j = 0). */
export function logLikelihood(counts: ArrayLike<number>, logPi: ArrayLike<number>): number {
  let total = 0;
  for (let j = 0; j < counts.length; j++) if (counts[j] > 0) total += counts[j] * logPi[j];
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
