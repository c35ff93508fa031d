/**
 * Host side of one call: turns the float32 readback (per-component state and the last
 * few partials of each reduction) into the float64 results of the Engine interface.
 * Everything here is O(K·L²·partials), never O(p).
 */
import { SoftmixError } from '../../errors.ts';
import type { EStepResult, StatsWanted, LatentCountMoments, PairMoments, ProjectedMoments, ResidualMoments, SoftmaxStats } from '../engine.ts';
import { covarianceFromMoments, fillLowerHalves } from '../cpu.ts';
import type { Section } from './plan.ts';
import type { SoftmaxLayout } from './softmax-plan.ts';
import type { CountMomentsLayout, DirectionLayout, ProjectedLayout } from './moment-plan.ts';
import { unpackUpper } from './weighted-gram.ts';
import { unpackThird } from './third-moment.ts';

export interface LogPartitions {
  /** A_k = M_k + log S_k in float64, S_k merged on the host from the last partials */
  A: Float64Array;
  /** log S_k (float64), the same S_k */
  logS: Float64Array;
  /** b_k = f32(log α_k) − f32(log S_k) as the device used it */
  b: Float64Array;
}

/** Σ over the n partials of a section, in float64: its `count` (default `width`) values. */
export function sumSection(data: Float32Array, sec: Section): Float64Array {
  const count = sec.count ?? sec.width;
  const out = new Float64Array(count);
  for (let i = 0; i < sec.n; i++) {
    const base = sec.offset + i * sec.width + (sec.first ?? 0);
    for (let v = 0; v < count; v++) out[v] += data[base + v];
  }
  return out;
}

/**
 * A_k from the device's max M_k and the last (m, t) partials merged in float64:
 * S_k = Σ_i t_ik exp(m_ik − M_k), A_k = M_k + log S_k.
 */
export function finishLogPartitions(data: Float32Array, layout: SoftmaxLayout, K: number): LogPartitions {
  const A = new Float64Array(K);
  const logS = new Float64Array(K);
  const b = new Float64Array(K);
  const { state, lse } = layout;
  for (let k = 0; k < K; k++) {
    const M = data[state.offset + 4 * k];
    b[k] = data[state.offset + 4 * k + 3];
    let S = 0;
    for (let i = 0; i < lse.n; i++) {
      const at = lse.offset + i * lse.width + 2 * k;
      const t = data[at + 1];
      if (t > 0) S += t * Math.exp(data[at] - M);
    }
    logS[k] = Math.log(S);
    A[k] = M + logS[k];
  }
  return { A, logS, b };
}

/**
 * ℓ, c and Σ n r x. The device computed t_jk = b_k + (s_jk − M_k), whose offset b_k
 * carries the float32 roundings of log α_k and log S_k (the same for every j: a
 * systematic error of up to ~1e-7 relative in ℓ). With δ_k = log α_k − log S_k − b_k
 * (exact in float64), log π_j moves by Σ_k r_jk δ_k to first order, so
 * ℓ = ℓ_device + Σ_k c_k δ_k (the second-order remainder is O(N δ²) ≈ 1e-13 N).
 */
export function finishEStep(data: Float32Array, layout: SoftmaxLayout, K: number, L: number, logAlpha: Float64Array, stats?: StatsWanted): EStepResult {
  const lp = finishLogPartitions(data, layout, K);
  const weights = sumSection(data, layout.weights!);
  const ell = sumSection(data, layout.ell!);
  let logLik = ell[0] + ell[1];
  for (let k = 0; k < K; k++) {
    if (weights[k] > 0 && Number.isFinite(logAlpha[k])) logLik += weights[k] * (logAlpha[k] - lp.logS[k] - lp.b[k]);
  }
  const featureSums = sumSection(data, layout.wsum!);
  const out: EStepResult = { logLik, weights, featureSums };
  assertFinite('eStep', [logLik], weights, featureSums);
  // the softmax statistics of the same pass (modes estepMean, estepCovariance): the σ sums
  if (stats) out.softmax = finishStats(data, { ...layout, weights: layout.sigma?.weights, wsum: layout.sigma?.wsum }, K, L, stats);
  return out;
}

/** The pair moments (Engine.pairMoments): sums of the partials; the Gram's lower halves filled in. */
export function finishPairs(data: Float32Array, layout: SoftmaxLayout, K: number, L: number): PairMoments {
  const M = (K * (K + 1)) / 2;
  const total = sumSection(data, layout.weights!);
  const first = sumSection(data, layout.wsum!);
  const second = unpackUpper(sumSection(data, layout.gram!), M, L);
  fillLowerHalves(second, M, L);
  assertFinite('pairMoments', total, first, second);
  return { total, first, second };
}

/** The residual moments (Engine.residualMoments): sums of the partials. */
export function finishResidual(data: Float32Array, layout: SoftmaxLayout): ResidualMoments {
  const total = sumSection(data, layout.weights!);
  const first = sumSection(data, layout.wsum!);
  assertFinite('residualMoments', total, first);
  return { total: total[0], first };
}

/**
 * A, and on request ∇A and ∇²A. The σ the device used sum to S0_k = Σ_j σ_jk ≈ 1 (off
 * by the float32 error of A); dividing by it makes the mean and covariance those of
 * exactly normalised weights. The device's Gram matrices are centred at c_k:
 * G = Σ σ (x − c)(x − c)ᵀ, so the raw second moment of the normalised weights is
 * G/S0 + m cᵀ + c mᵀ − c cᵀ with m the normalised mean; covarianceFromMoments then
 * subtracts m mᵀ, in float64, where the cancellation costs nothing.
 */
export function finishStats(
  data: Float32Array,
  layout: SoftmaxLayout,
  K: number,
  L: number,
  want: StatsWanted,
): SoftmaxStats {
  const lp = finishLogPartitions(data, layout, K);
  const out: SoftmaxStats = { logPartition: lp.A };
  assertFinite('softmaxStats', lp.A);
  if (!want.mean && !want.covariance) return out;
  const s0 = sumSection(data, layout.weights!);
  const sums = sumSection(data, layout.wsum!);
  const mean = new Float64Array(K * L);
  for (let k = 0; k < K; k++) for (let l = 0; l < L; l++) mean[k * L + l] = sums[k * L + l] / s0[k];
  assertFinite('softmaxStats', mean);
  if (want.mean) out.mean = mean;
  if (want.covariance) {
    const G = unpackUpper(sumSection(data, layout.gram!), K, L);
    const c = layout.center!.offset;
    for (let k = 0; k < K; k++) {
      const base = k * L * L;
      for (let a = 0; a < L; a++) {
        const ca = data[c + k * L + a];
        const ma = mean[k * L + a];
        for (let b = a; b < L; b++) {
          const cb = data[c + k * L + b];
          const mb = mean[k * L + b];
          G[base + a * L + b] = G[base + a * L + b] / s0[k] + ma * cb + ca * mb - ca * cb;
        }
      }
    }
    out.covariance = covarianceFromMoments(G, mean, K, L);
    assertFinite('softmaxStats', out.covariance);
  }
  return out;
}

/**
 * Σ π̂ x and Σ π̂ x xᵀ. The device's Gram matrix is centred at c (near the count-weighted
 * mean): Σ n x xᵀ = G + F cᵀ + c Fᵀ − N c cᵀ with F = Σ n x, exactly, in float64.
 */
export function finishCountMoments(data: Float32Array, layout: CountMomentsLayout, L: number, N: number): LatentCountMoments {
  const F = sumSection(data, layout.wsum);
  const G = unpackUpper(sumSection(data, layout.gram), 1, L);
  const c = layout.center.offset;
  const mean = F.map((v) => v / N);
  const second = new Float64Array(L * L);
  for (let a = 0; a < L; a++) {
    for (let b = a; b < L; b++) {
      const ca = data[c + a];
      const cb = data[c + b];
      const v = (G[a * L + b] + F[a] * cb + ca * F[b] - N * ca * cb) / N;
      second[a * L + b] = v;
      second[b * L + a] = v;
    }
  }
  assertFinite('countMoments', mean, second);
  return { mean, second };
}

/** Σ π̂ t^r (orders values). */
export function finishDirection(data: Float32Array, layout: DirectionLayout, N: number): Float64Array {
  const out = sumSection(data, layout.sums).map((v) => v / N);
  assertFinite('directionMoments', out);
  return out;
}

/** Σ π̂ t^r x (orders × L). */
export function finishDirectionCross(data: Float32Array, layout: DirectionLayout, N: number): Float64Array {
  const out = sumSection(data, layout.cross!).map((v) => v / N);
  assertFinite('directionCrossMoments', out);
  return out;
}

/** Σ π̂ y and Σ π̂ y⊗y⊗y (full symmetric K³). */
export function finishProjected(data: Float32Array, layout: ProjectedLayout, K: number, N: number): ProjectedMoments {
  const first = sumSection(data, layout.first).map((v) => v / N);
  const third = unpackThird(sumSection(data, layout.third), K, 1 / N);
  assertFinite('projectedMoments', first, third);
  return { first, third };
}

/** Σ over the partials of the Hessian–vector products (K·L), checked finite. */
export function finishHvp(data: Float32Array, products: Section): Float64Array {
  const out = sumSection(data, products);
  assertFinite('hessianVectorProducts', out);
  return out;
}

function assertFinite(what: string, ...arrays: ArrayLike<number>[]): void {
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i])) throw new SoftmixError('internal', `${what}: the GPU produced a non-finite result (${a[i]} at ${i}); the parameters are probably extreme`);
    }
  }
}
