/**
 * The ridge as a penalty on one fixed objective (issue 6; MATH.md §2 departs from this):
 *
 *   ℓ_λ(α, Θ) = ℓ(α, Θ) − (λN/2) Σ_k α_k |θ_k|².
 *
 * MATH.md's M-step, θ_k ← argmax m_k·θ − A(θ) − (λ/2)|θ|² with α = c/N, is not the EM of any
 * fixed objective: measured, ℓ drops in 128 of 1000 plain-EM iterations at λ = 0.01, and so
 * does ℓ − (λN/2)Σα_k|θ_k|². An accelerated EM needs an objective for its safeguard and its
 * convergence test, so the fit maximises ℓ_λ by ECM, in two conditional maximisations of
 * Q − (λN/2)Σα_k|θ_k|²:
 *   α given Θ:  α_k = ĉ_k / (ν + (λ/2)|θ_k|²)   (ĉ = c/N; ν makes Σα = 1),
 *   Θ given α:  θ_k ← argmax m_k·θ − A(θ) − (λ_k/2)|θ|²  with  λ_k = λNα_k/c_k = λ/(ν + (λ/2)|θ_k|²).
 * At λ = 0 both are MATH.md's steps. For λ > 0 the per-component ridge λ_k differs from
 * MATH.md's λ by the factor 1/(ν + (λ/2)|θ_k|²), 1 to within about (λ/2)·max|θ_k|² (0.90–1.02
 * on the books fit at λ = 1e-3, the smallest, most peaked component lowest); every step is
 * monotone in ℓ_λ.
 */

import { SoftmixError } from '../errors.ts';

function squaredNorm(theta: Float64Array, k: number, L: number): number {
  let q = 0;
  for (let l = 0; l < L; l++) q += theta[k * L + l] ** 2;
  return q;
}

/** (λN/2) Σ_k α_k |θ_k|²: what ℓ_λ subtracts from ℓ. */
export function ridgePenalty(alpha: Float64Array, theta: Float64Array, K: number, L: number, ridge: number, N: number): number {
  if (ridge === 0) return 0;
  let s = 0;
  for (let k = 0; k < K; k++) {
    if (alpha[k] > 0) s += alpha[k] * squaredNorm(theta, k, L);
  }
  return 0.5 * ridge * N * s;
}

export interface PenalisedWeights {
  alpha: Float64Array;
  /** λ_k for the Θ step; 0 for empty components */
  componentRidge: Float64Array;
}

/**
 * The α step of ℓ_λ's ECM, and the per-component ridge of the Θ step that follows.
 * `weights` are c_k = Σ_j n_j r_jk (summing to N), `theta` the current atoms.
 */
export function penalisedWeights(weights: Float64Array, theta: Float64Array, K: number, L: number, ridge: number, N: number): PenalisedWeights {
  const share = weights.map((c) => c / N);
  if (ridge === 0) {
    // α_k = c_k/Σc: Σc is N in exact arithmetic, but from float32 passes (WebGPU) only to
    // ~1e-8 (3.2e-8 on the books), and dividing by the sum itself keeps α on the simplex to
    // float64 rounding, as the ridge branch below does with its total.
    const total = share.reduce((a, b) => a + b, 0);
    return { alpha: share.map((a) => a / total), componentRidge: new Float64Array(K) };
  }
  const b = new Float64Array(K);
  for (let k = 0; k < K; k++) b[k] = 0.5 * ridge * squaredNorm(theta, k, L);
  // h(ν) = Σ ĉ_k/(ν + b_k) is convex and decreasing where defined; h(ν) = 1 has its root in
  // [max_k(ĉ_k − b_k), 1]: at the left end one term alone is 1, at ν = 1 every term is ≤ ĉ_k.
  // Newton from the left end climbs monotonically to the root (convexity), staying in range.
  let nu = -Infinity;
  for (let k = 0; k < K; k++) if (share[k] > 0) nu = Math.max(nu, share[k] - b[k]);
  for (let it = 0; it < 100; it++) {
    let h = 0;
    let dh = 0;
    for (let k = 0; k < K; k++) {
      if (!(share[k] > 0)) continue;
      const t = share[k] / (nu + b[k]);
      h += t;
      dh -= t / (nu + b[k]);
    }
    const next = Math.min(1, nu - (h - 1) / dh);
    if (!(next > nu)) break; // no more progress: at the root to rounding
    nu = next;
  }
  const alpha = new Float64Array(K);
  const componentRidge = new Float64Array(K);
  let total = 0;
  for (let k = 0; k < K; k++) {
    if (!(share[k] > 0)) continue;
    alpha[k] = share[k] / (nu + b[k]);
    total += alpha[k];
    componentRidge[k] = ridge / (nu + b[k]);
  }
  // With λ so large that (λ/2)|θ_k|² swamps ĉ_k in float64, ν + b_k cancels to 0 and the
  // step is undefined: say so instead of carrying NaN into ℓ.
  if (!(total > 0 && Number.isFinite(total)) || !componentRidge.every(Number.isFinite)) {
    throw new SoftmixError(
      'options',
      `ridge λ = ${ridge} is too large: the penalty (λ/2)|θ_k|² (up to ${Math.max(...b).toExponential(2)}) swamps the data's weights, ` +
        'so the α step of ℓ_λ cannot be solved in float64. A ridge this strong pins every atom at 0; choose a smaller λ (the books fit uses 1e-4).',
    );
  }
  for (let k = 0; k < K; k++) alpha[k] /= total; // the last ulps of Σα = 1
  return { alpha, componentRidge };
}
