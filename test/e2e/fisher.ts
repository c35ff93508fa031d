/**
 * The asymptotic sampling error of the MLE of a softmax mixture, from the Fisher
 * information at the true parameters (host float64). Used by the page test to derive
 * its bound on the atom error instead of picking one that happens to pass.
 *
 * Parameters: the K atoms θ_k ∈ R^L and α_1..α_{K−1} (α_K = 1 − Σ). One draw's score is
 *   ∂ log π_j / ∂θ_k = r_jk (x_j − μ_k),   μ_k = Σ_i σ_i(θ_k) x_i,
 *   ∂ log π_j / ∂α_k = (σ_j(θ_k) − σ_j(θ_K)) / π_j,
 * and the information per draw is I = Σ_j π_j s_j s_jᵀ; Cov(θ̂) ≈ I⁻¹ / N.
 */
import { logSoftmaxTable } from '../../src/model/mixture.ts';
import { solveLinear } from '../../src/math/linalg.ts';

/** tr Cov(θ̂_k) for each component k (the expected |θ̂_k − θ_k|² at this N). */
export function atomErrorVariance(features: ArrayLike<number>, p: number, L: number, alpha: ArrayLike<number>, theta: ArrayLike<number>, N: number): number[] {
  const K = alpha.length;
  const D = K * L + K - 1;
  const logS = logSoftmaxTable(features, p, L, theta, K);
  const sigma = logS.map(Math.exp);
  const mu = new Float64Array(K * L);
  for (let j = 0; j < p; j++) for (let k = 0; k < K; k++) for (let l = 0; l < L; l++) mu[k * L + l] += sigma[j * K + k] * features[j * L + l];
  const info = new Float64Array(D * D);
  const s = new Float64Array(D);
  for (let j = 0; j < p; j++) {
    let pi = 0;
    for (let k = 0; k < K; k++) pi += alpha[k] * sigma[j * K + k];
    for (let k = 0; k < K; k++) {
      const r = (alpha[k] * sigma[j * K + k]) / pi;
      for (let l = 0; l < L; l++) s[k * L + l] = r * (features[j * L + l] - mu[k * L + l]);
    }
    for (let k = 0; k < K - 1; k++) s[K * L + k] = (sigma[j * K + k] - sigma[j * K + K - 1]) / pi;
    for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) info[a * D + b] += pi * s[a] * s[b];
  }
  const identity = new Float64Array(D * D);
  for (let a = 0; a < D; a++) identity[a * D + a] = 1;
  const inverse = solveLinear(info, D, identity, D);
  if (!inverse) throw new Error('the Fisher information is singular at the truth');
  return Array.from({ length: K }, (_, k) => {
    let tr = 0;
    for (let l = 0; l < L; l++) tr += inverse[(k * L + l) * D + k * L + l];
    return tr / N;
  });
}
