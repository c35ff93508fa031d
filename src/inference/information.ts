/**
 * The observed information of ℓ_λ and the outer products of the per-draw scores at a fit,
 * in the free coordinates φ = (η_1, …, η_{K−1}, θ_0, …, θ_{K−1}), η_k = log(α_k/α_0).
 *
 * ℓ depends on η = log α only up to a common shift (α = softmax(η)), so the information in
 * u = (η_0, …, η_{K−1}, Θ) (em/observed-newton.ts) is singular along (1, …, 1, 0, …).
 * Fixing η_0 = 0 removes that direction: with component 0 as the reference, φ holds
 * K − 1 + KL free parameters (BIC's d) and the information in φ is the one in u without
 * η_0's row and column. Component 0 is the largest weight in the output order, the
 * reference with the smallest relative error.
 *
 * The scores of one draw of item j, s_j = ∇_u log π_j, are
 *   ∂/∂η_k = r_jk − α_k,   ∂/∂θ_k = r_jk (x_j − μ_k),
 * so with the score pair moments Q_kl = Σ_j n_j r_jk r_jl (1, x_j, x_j x_jᵀ)
 * (Engine.pairMoments, weights 'scores') the meat B = Σ_j n_j s_j s_jᵀ is
 *   B[η_k, η_l]   = Q⁰_kl − α_l c_k − α_k c_l + N α_k α_l,
 *   B[η_k, θ_l]   = (Q¹_kl − Q⁰_kl μ_l) − α_k (m_l − c_l μ_l),
 *   B[θ_k, θ_l]   = Q²_kl − Q¹_kl μ_lᵀ − μ_k Q¹_klᵀ + Q⁰_kl μ_k μ_lᵀ,
 * with c_k, m_k the E-step's sums. The meat is centred, B − g gᵀ/N with g = Σ_j n_j s_j = ∇ℓ:
 * g is 0 at an unpenalised maximum and the penalty's gradient under a ridge.
 */
import type { Engine, PairMoments } from '../engines/engine.ts';
import { pairIndex } from '../engines/engine.ts';
import { observedDerivatives } from '../em/index.ts';

export interface InformationAt {
  /** free parameters: K − 1 + K·L */
  n: number;
  /** −∇²ℓ_λ in φ, n×n row-major */
  information: Float64Array;
  /** Σ_j n_j s_j s_jᵀ − g gᵀ/N in φ, n×n row-major */
  meat: Float64Array;
  /** ∇ℓ_λ in φ (≈ 0 at a converged fit) */
  gradient: Float64Array;
}

/**
 * Four passes over p at (α, Θ) (Θ in the engine's units): the E-step, the softmax
 * statistics, and the pair moments under both weights.
 */
export async function informationAt(engine: Engine, alpha: Float64Array, theta: Float64Array, K: number, ridge: number): Promise<InformationAt> {
  const { L, N } = engine;
  const logAlpha = alpha.map(Math.log);
  const e = await engine.eStep(logAlpha, theta, K);
  const stats = await engine.softmaxStats(theta, K, { mean: true, covariance: true });
  const pairs = await engine.pairMoments(logAlpha, theta, K, 'information');
  const scorePairs = await engine.pairMoments(logAlpha, theta, K, 'scores');
  const point = { alpha, theta, e, stats, pairs };
  const penalised = observedDerivatives(point, K, L, N, ridge);
  // the data part's gradient, Σ_j n_j s_j, to centre the meat
  const dataGradient = ridge > 0 ? observedDerivatives(point, K, L, N, 0).gradient : penalised.gradient;
  const meatU = scoreOuterProducts(scorePairs, alpha, e.weights, e.featureSums, stats.mean!, K, L, N);
  const nu = K + K * L;
  for (let i = 0; i < nu; i++) for (let j = 0; j < nu; j++) meatU[i * nu + j] -= (dataGradient[i] * dataGradient[j]) / N;
  const information = penalised.hessian.map((v) => -v);
  return {
    n: nu - 1,
    information: dropFirst(information, nu),
    meat: dropFirst(meatU, nu),
    gradient: penalised.gradient.subarray(1),
  };
}

/** Σ_j n_j s_j s_jᵀ in u = (η, Θ), (K + KL)² row-major (see the header). */
export function scoreOuterProducts(
  Q: PairMoments,
  alpha: ArrayLike<number>,
  c: ArrayLike<number>,
  m: ArrayLike<number>,
  mu: ArrayLike<number>,
  K: number,
  L: number,
  N: number,
): Float64Array {
  const n = K + K * L;
  const B = new Float64Array(n * n);
  const th = (k: number) => K + k * L;
  for (let k = 0; k < K; k++) {
    for (let l = 0; l < K; l++) {
      const q = k <= l ? pairIndex(k, l, K) : pairIndex(l, k, K);
      const Q0 = Q.total[q];
      B[k * n + l] = Q0 - alpha[l] * c[k] - alpha[k] * c[l] + N * alpha[k] * alpha[l];
      for (let b = 0; b < L; b++) {
        const v = Q.first[q * L + b] - Q0 * mu[l * L + b] - alpha[k] * (m[l * L + b] - c[l] * mu[l * L + b]);
        B[k * n + th(l) + b] = v;
        B[(th(l) + b) * n + k] = v;
      }
      for (let a = 0; a < L; a++) {
        const muKa = mu[k * L + a];
        const Q1a = Q.first[q * L + a];
        for (let b = 0; b < L; b++) {
          B[(th(k) + a) * n + th(l) + b] = Q.second[q * L * L + a * L + b] - Q1a * mu[l * L + b] - muKa * Q.first[q * L + b] + Q0 * muKa * mu[l * L + b];
        }
      }
    }
  }
  return B;
}

/** The (n − 1)×(n − 1) matrix without the first row and column. */
function dropFirst(a: Float64Array, n: number): Float64Array {
  const out = new Float64Array((n - 1) * (n - 1));
  for (let i = 1; i < n; i++) out.set(a.subarray(i * n + 1, i * n + n), (i - 1) * (n - 1));
  return out;
}
