/**
 * Float32 error bounds for the WebGPU kernels and engine, derived from the arithmetic
 * (first order in u = 2^-24), so test tolerances follow from float32 and the reduction
 * lengths instead of being picked to pass.
 *
 * Building blocks (standard results, e.g. Higham, "Accuracy and Stability of Numerical
 * Algorithms", ch. 3–4):
 * - rounding a float64 input to f32: relative error ≤ u;
 * - a dot product over L terms in order: |error| ≤ L·u·Σ|x_l θ_l| (γ_L);
 * - a binary tree sum of depth d: |error| ≤ d·u·Σ|terms|; a serial sum of m terms:
 *   (m−1)·u·Σ|terms|; compare against Σ|terms|, never the (possibly cancelling) sum;
 * - accExp / accLog (shaders/exp-log.wgsl): ≤ 1 ulp, i.e. relative ≤ 2u for exp and
 *   absolute ≤ 2u·|log| for log; exp of an argument carrying an absolute error δ has
 *   relative error δ.
 */
import { scoresF64 } from './gpu-helpers.ts';
import { expect } from 'vitest';
import { ceilDiv, splitRows, wideGroups } from '../../src/engines/webgpu/kernel.ts';
import { gramTiling, WeightedGramKernel } from '../../src/engines/webgpu/weighted-gram.ts';
import { hostPartialsCap } from '../../src/engines/webgpu/plan.ts';
export const U = 2 ** -24;

/** Depth of a binary tree over n leaves. */
export const depth = (n: number): number => Math.ceil(Math.log2(Math.max(1, n)));

/**
 * Rounding factor (× u × Σ|terms|) of the split-K sum in weighted-sum / third-moment
 * over a slice of `rows` rows: each invocation sums its rows with compensated (Kahan)
 * summation, |error| ≤ (2u + O(n·u²))·Σ|terms| for n ≤ span rows (first order: 2,
 * whatever the span); third-moment then adds the four vec4 lanes of its cascade (2
 * levels) and tree-sums its 16 row lanes (4 levels; weighted-sum owns whole spans and
 * has neither, so for it this is an over-estimate by 6), and 8 more levels (16 in
 * registers, 16 lanes) per device merge level. Partials left for the host are summed in
 * float64 (error ~1e-16, ignored). weighted-gram sums plainly: gramFactor.
 */
export function wideFactor(rows: number, mergeLevels = 0): number {
  void rows; // Kahan's first-order bound does not grow with the span
  return 2 + 2 + 4 + 8 * mergeLevels;
}

/**
 * Rounding factor (× u × Σ|terms|) of weighted-gram's split-K sum over a slice of `rows`
 * rows, the terms' own roundings not included: each output of a row group is a plain
 * float32 serial sum of its n ≤ span terms (shaders/weighted-gram.wgsl, no
 * compensation), |error| ≤ (n − 1)·u·Σ|terms| (γ_{n−1}, first order), span =
 * ⌈rows / groups⌉ as kernel.ts splitRows cuts the slice (`maxGroups` where the plan
 * caps the groups, wideGroups); then 8 levels per device merge level, as wideFactor.
 * Callers add the roundings of each term: 4 for the centred Gram w(x_a − c_a)(x_b − c_b)
 * (two subtractions, two products; a fused last product only removes one), 2 for the
 * uncentred pair moments (two products).
 */
export function gramFactor(rows: number, mergeLevels = 0, maxGroups?: number): number {
  return splitRows(Math.max(1, rows), maxGroups).span - 1 + 8 * mergeLevels;
}

/**
 * Rounding factor (× u × Σ|terms|) of weighted-sum's split-K sum, the products' own
 * rounding not included: within a stage of n ≤ R rows (the tiling's `rows`) each output
 * is a plain float32 serial sum, (R − 1)·u·Σ|stage terms|, and the stage sums go into a
 * compensated (Kahan) accumulator, 2u·Σ|terms| whatever the span (first order); then 8
 * levels per device merge level, as wideFactor.
 */
export function wsumFactor(stageRows: number, mergeLevels = 0): number {
  return stageRows - 1 + 2 + 8 * mergeLevels;
}

/** Rounding factor of the narrow sums (estep weights): a 256-row tree (8 levels) per workgroup, 8 per merge level. */
export const narrowFactor = (mergeLevels = 0): number => 8 + 8 * mergeLevels;

export interface BoundInput {
  p: number;
  L: number;
  K: number;
  /** features as the reference uses them (float64) */
  x: ArrayLike<number>;
  theta: ArrayLike<number>;
  logAlpha: ArrayLike<number>;
  counts: ArrayLike<number>;
  /** true when x and θ were rounded from float64 to f32 for the device (engine tests) */
  roundedInputs: boolean;
  /** rows per slice (for the split-K factor); default p */
  sliceRows?: number;
  /** device merge levels of the narrow / wide reductions (0 unless forced) */
  narrowMerges?: number;
  wideMerges?: number;
  /** row groups per slice of the Gram (the plan's wideGroups) where fewer than kernel.ts SPLIT_MAX_GROUPS; default SPLIT_MAX_GROUPS */
  gramGroups?: number;
  /** skip the covariance bound (a p·K·L² loop; 0s come back): for large L */
  noCovariance?: boolean;
  /**
   * The E-step with the covariance in one read of X (softmax-plan.ts buildFused): the
   * weighted sums are weighted-gram's fused sums (plain within its stages of `stageRows`
   * rows, Kahan across: wsumFactor), and σ's Gram matrices are centred at `center`
   * (K × L, as the device had it in f32), not at the means.
   */
  fused?: { stageRows: number; center: ArrayLike<number> };
}

export interface Bounds {
  logLik: number;
  weights: Float64Array;
  featureSums: Float64Array;
  logPartition: Float64Array;
  mean: Float64Array;
  covariance: Float64Array;
  /** the float64 posteriors r_jk (p×K; 0 for rows with n_j = 0 and for empty k) */
  posterior: Float64Array;
  /** ρ_jk, the relative error bound of r_jk (and of w_jk = n_j r_jk), p×K; 0 where r_jk is */
  posteriorRho: Float64Array;
  /** the float64 log π_j (p; 0 for rows with n_j = 0) */
  logPi: Float64Array;
  /** ε_j, the bound on the device's error in log π_j as the E-step uses it (δb included) */
  logPiEps: Float64Array;
}

/**
 * Bounds on |GPU − float64 reference| for every engine output. The reference
 * quantities are recomputed here in float64.
 *
 * Scores: e_jk = (L + 2r)·u·Σ_l |x_jl θ_kl| (r = 1 when x and θ are rounded to f32).
 * A_k = M_k + log S_k (host float64 log of the merged S): each lse merge level costs
 *   ≤ 4u relative in S (exp 2u, product u, sum u), rescaling by exp(m_i − m) adds
 *   u·|s_j − M_k| in total over the levels, so
 *   δA_k ≤ Σ_j σ_jk (e_jk + u|s_jk − M_k|) + 4u·depth(p).
 * E-step, per row j and component k:
 *   δt_jk ≤ e_jk + δA_k + u|s_jk − M_k| + u|t_jk|           (t = b + (s − M))
 *   δb_k  ≤ u(|log α_k| + 2|log S_k| + |b_k|) + 4u        (f32 log α, accLog, subtraction)
 *   log π_j = m + log Σ exp(t − m): ε_j ≤ max_k(δt_jk + δb_k + u|t_jk − m_j|) + (K + 2)u
 *           + 2u·log K + u|log π_j|
 *   ℓ: the host removes δb to first order (finish.ts), so per row ε^ℓ_j (same without δb)
 *      plus u|log π_j| for n_j·log π_j; the compensated sum adds O(u²).
 *   w_jk = n_j exp(t_jk − log π_j): ρ_jk ≤ δt_jk + δb_k + ε_j + u|t_jk − log π_j| + 3u;
 *   c_k ≤ Σ_j w_jk (ρ_jk + narrow·u); F_kl ≤ Σ_j w_jk |x_jl| (ρ_jk + (r + 1 + wide)·u).
 * Softmax statistics: σ̂ = σ/Σσ on the host removes every error common to a component;
 *   per row ρσ_jk = e_jk + u|s − M| + u|s − M − log S| + 2u, and
 *   ρ̂_jk = ρσ_jk + Σ_i σ_ik ρσ_ik + narrow·u (the Σσ sum);
 *   mean_kl ≤ Σ_j σ_jk |x_jl| (ρ̂_jk + (r + 1 + wide)·u);
 *   cov_kab ≤ Σ_j σ_jk [ρ̂_jk |x_a − m_a||x_b − m_b| + r·u(|x_a||x_b − m_b| + |x_b||x_a − m_a|)
 *            + (4 + gram)·u·|x_a − m_a||x_b − m_b|]   (first order: δm does not enter;
 *            4: the Gram's two subtractions and two products; gram = gramFactor, its sum).
 * Fused (inp.fused, the E-step with the covariance in one read of X): F and the means sum
 *   with wsumFactor(stageRows) for `wide`; the Gram's own term is (4 + gram)·u·|x_a − c_a|
 *   ·|x_b − c_b| at the centre c, and the host's −(m − c)(m − c)ᵀ adds ε_a|m_b − c_b| +
 *   ε_b|m_a − c_a| with ε_a = (1 + wide)·u·Σ_j σ_jk |x_ja|, the means' own rounding.
 */
export function engineBounds(inp: BoundInput): Bounds {
  const { p, L, K, x, theta, logAlpha, counts } = inp;
  const r = inp.roundedInputs ? 1 : 0;
  const fused = inp.fused;
  const wide = fused ? wsumFactor(fused.stageRows, inp.wideMerges ?? 0) : wideFactor(inp.sliceRows ?? p, inp.wideMerges ?? 0);
  const gram = gramFactor(inp.sliceRows ?? p, inp.wideMerges ?? 0, inp.gramGroups);
  const narrow = narrowFactor(inp.narrowMerges ?? 0);
  const { s, abs } = scoresF64(x, theta, p, L, K);
  const e = abs.map((a) => (L + 2 * r) * U * a);
  const M = new Float64Array(K).fill(-Infinity);
  for (let j = 0; j < p; j++) for (let k = 0; k < K; k++) M[k] = Math.max(M[k], s[j * K + k]);
  const logS = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let S = 0;
    for (let j = 0; j < p; j++) S += Math.exp(s[j * K + k] - M[k]);
    logS[k] = Math.log(S);
  }
  const A = M.map((m, k) => m + logS[k]);
  const sigma = (j: number, k: number) => Math.exp(s[j * K + k] - A[k]);
  const dA = new Float64Array(K);
  const rhoS = new Float64Array(p * K);
  const meanRhoS = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let acc = 0;
    for (let j = 0; j < p; j++) {
      const sm = Math.abs(s[j * K + k] - M[k]);
      acc += sigma(j, k) * (e[j * K + k] + U * sm);
      rhoS[j * K + k] = e[j * K + k] + U * sm + U * Math.abs(s[j * K + k] - M[k] - logS[k]) + 2 * U;
      meanRhoS[k] += sigma(j, k) * rhoS[j * K + k];
    }
    dA[k] = acc + 4 * U * depth(p);
  }
  const b = new Float64Array(K);
  const db = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    b[k] = Number.isFinite(logAlpha[k]) ? logAlpha[k] - logS[k] : -1e30;
    db[k] = Number.isFinite(logAlpha[k]) ? U * (Math.abs(logAlpha[k]) + 2 * Math.abs(logS[k]) + Math.abs(b[k])) + 4 * U : 0;
  }

  let logLik = 0;
  const weights = new Float64Array(K);
  const featureSums = new Float64Array(K * L);
  const t = new Float64Array(K);
  const dt = new Float64Array(K);
  const posterior = new Float64Array(p * K);
  const posteriorRho = new Float64Array(p * K);
  const logPiRef = new Float64Array(p);
  const logPiEps = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const n = counts[j];
    if (n === 0) continue;
    let m = -Infinity;
    for (let k = 0; k < K; k++) {
      t[k] = logAlpha[k] + s[j * K + k] - A[k];
      const sm = Math.abs(s[j * K + k] - M[k]);
      dt[k] = Number.isFinite(t[k]) ? e[j * K + k] + dA[k] + U * sm + U * Math.abs(t[k]) : 0;
      m = Math.max(m, t[k]);
    }
    let z = 0;
    for (let k = 0; k < K; k++) z += Math.exp(t[k] - m);
    const logPi = m + Math.log(z);
    let maxL = 0;
    let maxW = 0;
    for (let k = 0; k < K; k++) {
      if (!Number.isFinite(t[k])) continue;
      const arg = U * Math.abs(t[k] - m);
      maxL = Math.max(maxL, dt[k] + arg);
      maxW = Math.max(maxW, dt[k] + db[k] + arg);
    }
    const tail = (K + 2) * U + 2 * U * Math.log(K) + U * Math.abs(logPi);
    logLik += n * (maxL + tail + U * Math.abs(logPi));
    const eps = maxW + tail;
    logPiRef[j] = logPi;
    logPiEps[j] = eps;
    for (let k = 0; k < K; k++) {
      if (!Number.isFinite(t[k])) continue;
      posterior[j * K + k] = Math.exp(t[k] - logPi);
      const w = n * posterior[j * K + k];
      const rho = dt[k] + db[k] + eps + U * Math.abs(t[k] - logPi) + 3 * U;
      posteriorRho[j * K + k] = rho;
      weights[k] += w * (rho + narrow * U);
      for (let l = 0; l < L; l++) featureSums[k * L + l] += w * Math.abs(x[j * L + l]) * (rho + (r + 1 + wide) * U);
    }
  }

  const mean = new Float64Array(K * L);
  const meanRef = new Float64Array(K * L);
  for (let j = 0; j < p; j++) for (let k = 0; k < K; k++) for (let l = 0; l < L; l++) meanRef[k * L + l] += sigma(j, k) * x[j * L + l];
  const covariance = new Float64Array(inp.noCovariance ? 0 : K * L * L);
  const absSums = new Float64Array(K * L); // Σ_j σ_jk |x_ja|
  // the Gram's own rounding, per term: at |x − c| where the fused pass centres at c
  const gramDev = (j: number, k: number, a: number) => Math.abs(x[j * L + a] - (fused ? fused.center[k * L + a] : meanRef[k * L + a]));
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < K; k++) {
      const sg = sigma(j, k);
      const rho = rhoS[j * K + k] + meanRhoS[k] + narrow * U;
      for (let a = 0; a < L; a++) {
        const xa = x[j * L + a];
        const da = Math.abs(xa - meanRef[k * L + a]);
        mean[k * L + a] += sg * Math.abs(xa) * (rho + (r + 1 + wide) * U);
        absSums[k * L + a] += sg * Math.abs(xa);
        if (inp.noCovariance) continue;
        const ga = gramDev(j, k, a);
        for (let c = 0; c < L; c++) {
          const xc = x[j * L + c];
          const dc = Math.abs(xc - meanRef[k * L + c]);
          covariance[k * L * L + a * L + c] += sg * (rho * da * dc + r * U * (Math.abs(xa) * dc + Math.abs(xc) * da) + (4 + gram) * U * ga * gramDev(j, k, c));
        }
      }
    }
  }
  // Centred elsewhere than at the mean, the host's − (m − c)(m − c)ᵀ carries the means'
  // own rounding ε_a = (1 + wide)·u·Σσ|x_a| (the weights' errors are in ρ already: the
  // covariance of given weights does not depend on the centre) to first order.
  if (fused && !inp.noCovariance) {
    for (let k = 0; k < K; k++) {
      for (let a = 0; a < L; a++) {
        const ea = (1 + wide) * U * absSums[k * L + a];
        for (let c = 0; c < L; c++) {
          const ec = (1 + wide) * U * absSums[k * L + c];
          const off = (i: number) => Math.abs(meanRef[k * L + i] - fused.center[k * L + i]);
          covariance[k * L * L + a * L + c] += ea * off(c) + ec * off(a);
        }
      }
    }
  }
  return { logLik, weights, featureSums, logPartition: dA, mean, covariance, posterior, posteriorRho, logPi: logPiRef, logPiEps };
}

/**
 * Bounds for Engine.residualMoments, from log π_j and its bound ε_j of `engineBounds`.
 * The device forms n_j − N₃₂·exp(log π̂_j): N rounded to f32 (u), our exp (2u), the product
 * (u) and the subtraction (u·(n_j + Nπ_j)), so |δ(n_j − Nπ_j)| ≤ δ_j = Nπ_j·expm1(ε_j + 4u)
 * + u(n_j + Nπ_j); max(·, 0) is 1-Lipschitz, so the weight w_j = (n_j − Nπ_j)_+ moves by
 * at most δ_j too. With w̄_j = w_j + δ_j:
 *   total ≤ Σ_j (δ_j + narrow·u·w̄_j),   first_a ≤ Σ_j |x_ja|(δ_j + (r + 1 + wide)·u·w̄_j).
 */
export function residualBounds(inp: BoundInput, engine: Pick<Bounds, 'logPi' | 'logPiEps'>): { total: Float64Array; first: Float64Array } {
  const { p, L, x, counts } = inp;
  const r = inp.roundedInputs ? 1 : 0;
  const fused = inp.fused;
  const wide = wideFactor(inp.sliceRows ?? p, inp.wideMerges ?? 0);
  const narrow = narrowFactor(inp.narrowMerges ?? 0);
  let N = 0;
  for (let j = 0; j < p; j++) N += counts[j];
  const total = new Float64Array(1);
  const first = new Float64Array(L);
  for (let j = 0; j < p; j++) {
    const n = counts[j];
    if (n === 0) continue;
    const predicted = N * Math.exp(engine.logPi[j]);
    const delta = predicted * Math.expm1(engine.logPiEps[j] + 4 * U) + U * (n + predicted);
    const wBar = Math.max(n - predicted, 0) + delta;
    total[0] += delta + narrow * U * wBar;
    for (let a = 0; a < L; a++) first[a] += Math.abs(x[j * L + a]) * (delta + (r + 1 + wide) * U * wBar);
  }
  return { total, first };
}

export interface PairBounds {
  total: Float64Array;
  first: Float64Array;
  second: Float64Array;
}

/**
 * Bounds for Engine.pairMoments, from the posteriors r_jk and their bounds ρ_jk of `engineBounds`.
 * The pair weight w_jkl = n_j r_jk(δ_kl − r_jl) is two f32 products of posteriors
 * (k ≠ l), or n_j r_jk times a serial sum of the K − 1 other posteriors (k = l), so
 * |δw_jkl| ≤ |w_jkl|(2ρ_j + (K + 2)u) with ρ_j = max_k ρ_jk. Then, as for c and F:
 *   total ≤ Σ_j |w|(2ρ_j + (K + 2)u + narrow·u),
 *   first_a ≤ Σ_j |w||x_a|(2ρ_j + (K + 2)u + (r + 1 + wide)u),
 *   second_ab ≤ Σ_j |w||x_a||x_b|(2ρ_j + (K + 2)u + (2r + 2 + gram)u)  (uncentred Gram:
 *   the centre is 0, so two products per term; gram = gramFactor, its plain sum).
 * The score weights w_jkl = n_j r_jk r_jl are two f32 products of posteriors: the same
 * bound holds with w in place (|δw| ≤ |w|(2ρ_j + 2u)).
 */
export function pairBounds(inp: BoundInput, engine: Pick<Bounds, 'posterior' | 'posteriorRho'>, weights: 'information' | 'scores' = 'information'): PairBounds {
  const { p, L, K, x, counts } = inp;
  const r = inp.roundedInputs ? 1 : 0;
  const fused = inp.fused;
  const wide = wideFactor(inp.sliceRows ?? p, inp.wideMerges ?? 0);
  const gram = gramFactor(inp.sliceRows ?? p, inp.wideMerges ?? 0, inp.gramGroups);
  const narrow = narrowFactor(inp.narrowMerges ?? 0);
  const M = (K * (K + 1)) / 2;
  const total = new Float64Array(M);
  const first = new Float64Array(M * L);
  const second = new Float64Array(M * L * L);
  for (let j = 0; j < p; j++) {
    const n = counts[j];
    if (n === 0) continue;
    const post = engine.posterior.subarray(j * K, j * K + K);
    let rho = 0;
    for (let k = 0; k < K; k++) rho = Math.max(rho, engine.posteriorRho[j * K + k]);
    const base = 2 * rho + (K + 2) * U;
    let m = 0;
    for (let k = 0; k < K; k++) {
      for (let l = k; l < K; l++, m++) {
        const w = n * post[k] * (weights === 'information' ? Math.abs((k === l ? 1 : 0) - post[l]) : post[l]);
        total[m] += w * (base + narrow * U);
        for (let a = 0; a < L; a++) {
          const xa = Math.abs(x[j * L + a]);
          first[m * L + a] += w * xa * (base + (r + 1 + wide) * U);
          for (let b = 0; b < L; b++) second[m * L * L + a * L + b] += w * xa * Math.abs(x[j * L + b]) * (base + (2 * r + 2 + gram) * U);
        }
      }
    }
  }
  return { total, first, second };
}

/** The largest |got − want| / bound (≤ 1 passes), with where it happens. */
export function worst(got: ArrayLike<number>, want: ArrayLike<number>, bound: ArrayLike<number>): { ratio: number; at: number; got: number; want: number; bound: number } {
  let out = { ratio: 0, at: -1, got: NaN, want: NaN, bound: NaN };
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    const ratio = d === 0 ? 0 : d / bound[i];
    if (!(ratio <= out.ratio)) out = { ratio, at: i, got: got[i], want: want[i], bound: bound[i] };
  }
  return out;
}

/**
 * Bounds for Engine.hessianVectorProducts at (Θ, V) with (A, μ) given in float64 (the
 * device gets A_k and c_k = μ_k·v_k rounded to f32, and the stacked [Θ; V] rounded to f32).
 * Per row j and component k, with s = x·θ, t = x·v, σ = exp(s − A):
 *   σ̂: ρ_jk = e_jk + u|A_k| + u|s_jk − A_k| + 2u        (scores, f32 A, subtraction, accExp)
 *   t̂ − ĉ: δ_jk = e'_jk + u|c_k| + u|t_jk − c_k|          (e' = (L + 2r)·u·Σ_l |x_l v_l|)
 *   w = σ̂ (t̂ − ĉ): |δw_jk| ≤ σ_jk (ρ_jk |t − c| + δ_jk) + u·σ_jk|t − c|
 *   out_kl ≤ Σ_j |x_jl| (|δw_jk| + (r + 1 + wide)·u·σ_jk |t_jk − c_k|)
 */
export function hvpBounds(inp: BoundInput, A: ArrayLike<number>, mu: ArrayLike<number>, vectors: ArrayLike<number>): { want: Float64Array; bound: Float64Array } {
  const { p, L, K, x, theta } = inp;
  const r = inp.roundedInputs ? 1 : 0;
  const fused = inp.fused;
  const wide = wideFactor(inp.sliceRows ?? p, inp.wideMerges ?? 0);
  const sc = scoresF64(x, theta, p, L, K);
  const tv = scoresF64(x, vectors, p, L, K);
  const c = new Float64Array(K);
  for (let k = 0; k < K; k++) for (let l = 0; l < L; l++) c[k] += mu[k * L + l] * vectors[k * L + l];
  const want = new Float64Array(K * L);
  const bound = new Float64Array(K * L);
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < K; k++) {
      const i = j * K + k;
      const sigma = Math.exp(sc.s[i] - A[k]);
      const tc = tv.s[i] - c[k];
      const rho = (L + 2 * r) * U * sc.abs[i] + U * Math.abs(A[k]) + U * Math.abs(sc.s[i] - A[k]) + 2 * U;
      const delta = (L + 2 * r) * U * tv.abs[i] + U * Math.abs(c[k]) + U * Math.abs(tc);
      const dw = sigma * (rho * Math.abs(tc) + delta) + U * sigma * Math.abs(tc);
      for (let l = 0; l < L; l++) {
        const xl = x[j * L + l];
        want[k * L + l] += sigma * tc * xl;
        bound[k * L + l] += Math.abs(xl) * (dw + (r + 1 + wide) * U * sigma * Math.abs(tc));
      }
    }
  }
  return { want, bound };
}

/**
 * The bounds of a covariance pass (softmax-plan.ts buildFused: C = K weight columns for
 * softmaxStats, 2K for the E-step) centred at `centre`, or at the means its first pass
 * found where it went again (one pass more: centre.ts).
 */
export function fusedBounds(inp: BoundInput, C: number, slices: { rows: number }[], centre: ArrayLike<number>, mean: ArrayLike<number>, passes: number, maxHostPartials?: number) {
  expect([1, 2]).toContain(passes);
  const width = WeightedGramKernel.partialWidth(inp.K, inp.L, C);
  const nWide = slices.reduce((a, sl) => a + splitRows(sl.rows, wideGroups(width, slices.length)).groups, 0);
  return engineBounds({
    ...inp,
    wideMerges: levels(nWide, hostPartialsCap(width, maxHostPartials)),
    gramGroups: wideGroups(width, slices.length),
    fused: { stageRows: gramTiling(inp.K, inp.L).rows, center: Float32Array.from(passes === 2 ? mean : centre) },
  });
}

/** Merge levels the plan uses to get from n partials to at most `cap`. */
export function levels(n: number, cap: number): number {
  let l = 0;
  while (n > cap) {
    n = ceilDiv(n, 256);
    l++;
  }
  return l;
}
