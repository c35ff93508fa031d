/**
 * Newton–Raphson on the objective itself (issue 6): the step EM cannot take.
 *
 * EM and its extrapolations converge linearly; near a maximum, where the objective is
 * close to quadratic, a Newton step on ℓ_λ = ℓ − (λN/2)Σα_k|θ_k|² (ridge.ts) converges
 * quadratically. It works in the same coordinates as SQUAREM, u = (η, Θ) with
 * α = softmax(η) (η = log α at the current point), and needs the observed information,
 * assembled here on the host from one pass over p (Engine.pairMoments) plus the softmax
 * statistics μ_k = ∇A(θ_k), Σ_k = ∇²A(θ_k) the M-step computes anyway.
 *
 * With d_jk = x_j − μ_k, r_jk the posteriors and w_jkl = n_j r_jk(δ_kl − r_jl):
 *   ∂ℓ/∂η_k = c_k − Nα_k,                 ∂ℓ/∂θ_k = m_k − c_k μ_k,
 *   ∂²ℓ/∂η_k∂η_l = Σ_j w_jkl − N(δ_kl α_k − α_k α_l),
 *   ∂²ℓ/∂η_k∂θ_l = Σ_j w_jkl d_jl,
 *   ∂²ℓ/∂θ_k∂θ_l = Σ_j w_jkl d_jk d_jlᵀ − δ_kl c_k Σ_k,
 * and the ridge adds the derivatives of −(λN/2)Σα_m|θ_m|² (see `addRidge`).
 * ℓ is unchanged when every η_k moves by the same amount: the Hessian is singular along
 * e = (1, …, 1, 0, …)/√K. The direction solves (−H + N e eᵀ) δ = g, which, as g ⊥ e, is the
 * Newton step within the complement of e. Only when −H + N e eᵀ is positive definite (a
 * Cholesky factor exists) is there a Newton step: otherwise the point is not in the concave
 * region around a maximum and EM is the right tool.
 */
import type { EStepResult, PairMoments, SoftmaxStats } from '../engines/engine.ts';
import { pairIndex } from '../engines/engine.ts';
import { choleskyInPlace, choleskySolve, dot } from '../math/linalg.ts';

export interface NewtonPoint {
  alpha: Float64Array;
  theta: Float64Array;
  /** the E-step at (alpha, theta): c_k and m_k */
  e: EStepResult;
  /** μ_k and Σ_k at theta */
  stats: SoftmaxStats;
  pairs: PairMoments;
}

export interface ObservedNewton {
  /** ∇ℓ_λ in u = (η, Θ), K + KL */
  gradient: Float64Array;
  /** the Hessian of ℓ_λ in u, (K + KL)² row-major */
  hessian: Float64Array;
}

/** Gradient and Hessian of ℓ_λ at the point, in u = (η, Θ). */
export function observedDerivatives(pt: NewtonPoint, K: number, L: number, N: number, ridge: number): ObservedNewton {
  const n = K + K * L;
  const g = new Float64Array(n);
  const H = new Float64Array(n * n);
  const mu = pt.stats.mean!;
  const cov = pt.stats.covariance!;
  const { total, first, second } = pt.pairs;
  const th = (k: number) => K + k * L; // offset of θ_k in u
  for (let k = 0; k < K; k++) {
    g[k] = pt.e.weights[k] - N * pt.alpha[k];
    for (let a = 0; a < L; a++) g[th(k) + a] = pt.e.featureSums[k * L + a] - pt.e.weights[k] * mu[k * L + a];
  }
  for (let k = 0; k < K; k++) {
    for (let l = 0; l < K; l++) {
      // w is symmetric in (k, l): the moments of (k, l) are those of (min, max).
      const m = k <= l ? pairIndex(k, l, K) : pairIndex(l, k, K);
      const W = total[m];
      H[k * n + l] = W - N * ((k === l ? pt.alpha[k] : 0) - pt.alpha[k] * pt.alpha[l]);
      for (let b = 0; b < L; b++) {
        // ∂²ℓ/∂η_k∂θ_lb = Σ_j w_jkl (x_jb − μ_lb)
        const v = first[m * L + b] - W * mu[l * L + b];
        H[k * n + th(l) + b] = v;
        H[(th(l) + b) * n + k] = v;
      }
      if (l < k) continue; // θθ blocks: fill (k, l) and its transpose (l, k) at once
      for (let a = 0; a < L; a++) {
        const fa = first[m * L + a];
        const muKa = mu[k * L + a];
        for (let b = 0; b < L; b++) {
          // Σ_j w (x_a − μ_ka)(x_b − μ_lb) = Σ w x_a x_b − f_a μ_lb − μ_ka f_b + W μ_ka μ_lb
          let v = second[m * L * L + a * L + b] - fa * mu[l * L + b] - muKa * first[m * L + b] + W * muKa * mu[l * L + b];
          if (k === l) v -= pt.e.weights[k] * cov[k * L * L + a * L + b];
          H[(th(k) + a) * n + th(l) + b] = v;
          H[(th(l) + b) * n + th(k) + a] = v;
        }
      }
    }
  }
  if (ridge > 0) addRidge(g, H, pt.alpha, pt.theta, K, L, ridge * N);
  return { gradient: g, hessian: H };
}

/** Adds the derivatives of −R, R = (κ/2) Σ_m α_m q_m with q_m = |θ_m|², α = softmax(η), κ = λN. */
function addRidge(g: Float64Array, H: Float64Array, alpha: Float64Array, theta: Float64Array, K: number, L: number, kappa: number): void {
  const n = K + K * L;
  const q = new Float64Array(K);
  for (let k = 0; k < K; k++) q[k] = dot(theta, theta, L, k * L, k * L);
  const f = dot(alpha, q);
  for (let k = 0; k < K; k++) {
    // ∂R/∂η_k = (κ/2) α_k (q_k − f),  ∂R/∂θ_k = κ α_k θ_k
    g[k] -= 0.5 * kappa * alpha[k] * (q[k] - f);
    for (let a = 0; a < L; a++) g[K + k * L + a] -= kappa * alpha[k] * theta[k * L + a];
    for (let l = 0; l < K; l++) {
      // ∂²R/∂η_k∂η_l = (κ/2)[α_k(δ_kl − α_l)(q_k − f) − α_k α_l (q_l − f)]
      H[k * n + l] -= 0.5 * kappa * (alpha[k] * ((k === l ? 1 : 0) - alpha[l]) * (q[k] - f) - alpha[k] * alpha[l] * (q[l] - f));
      // ∂²R/∂η_k∂θ_l = κ α_l (δ_kl − α_k) θ_l
      const c = kappa * alpha[l] * ((k === l ? 1 : 0) - alpha[k]);
      for (let b = 0; b < L; b++) {
        H[k * n + K + l * L + b] -= c * theta[l * L + b];
        H[(K + l * L + b) * n + k] -= c * theta[l * L + b];
      }
    }
    // ∂²R/∂θ_k² = κ α_k I
    for (let a = 0; a < L; a++) H[(K + k * L + a) * n + K + k * L + a] -= kappa * alpha[k];
  }
}

export interface NewtonStep {
  /** u + δ, the Newton point in u = (η, Θ) */
  u: Float64Array;
  /** ½ gᵀδ: the gain the quadratic model predicts */
  predictedGain: number;
}

/**
 * The Newton step from u (= toU of the point) given the derivatives there, or null where the
 * objective is not locally concave (no Cholesky factor of −H + N e eᵀ).
 */
export function newtonStep(u: Float64Array, d: ObservedNewton, K: number, N: number): NewtonStep | null {
  const n = u.length;
  const A = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) A[i] = -d.hessian[i];
  for (let k = 0; k < K; k++) for (let l = 0; l < K; l++) A[k * n + l] += N / K;
  if (!choleskyInPlace(A, n)) return null;
  const delta = choleskySolve(A, n, d.gradient);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = u[i] + delta[i];
  return { u: out, predictedGain: 0.5 * dot(d.gradient, delta) };
}
