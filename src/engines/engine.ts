/**
 * The seam between the host algorithm (EM, Newton, MoM, restarts — written once)
 * and the passes over the p support points (one implementation per backend).
 *
 * An `Engine` holds one data set on its device: the centred features (p×L) and the
 * counts n_j. Every method is one or a few passes over p and returns only small
 * results: O(K), O(K·L) or O(K·L²). Nothing of size p comes back.
 *
 * Parameters travel in float64 on the host side of the seam; a float32 backend
 * rounds them on upload. Θ is row-major K×L.
 */
import { fail } from '../errors.ts';
import type { FloatArray } from '../math/float-array.ts';

export interface EStepResult {
  /** ℓ = Σ_j n_j log π_j */
  logLik: number;
  /** c_k = Σ_j n_j r_jk (K) */
  weights: Float64Array;
  /** Σ_j n_j r_jk x_j, row-major K×L (the M-step's target mean times c_k) */
  featureSums: Float64Array;
  /** the softmax statistics at the same Θ, when eStep was asked for them (`stats`) */
  softmax?: SoftmaxStats;
}

/** Which softmax statistics beyond A a pass returns (Engine.softmaxStats, Engine.eStep). */
export interface StatsWanted {
  mean: boolean;
  covariance: boolean;
  /**
   * eStep or softmaxStats with the covariance on WebGPU: a point near the σ-means (K × L),
   * where the device centres its sums (webgpu/centre.ts); by default the means of its last
   * pass at this K. The cpu engine sums in float64 and needs none.
   */
  centre?: Float64Array;
}

export interface SoftmaxStats {
  /** A_k = log Σ_j exp(x_j·θ_k) (K) */
  logPartition: Float64Array;
  /** ∇A(θ_k) = Σ_j σ_j(θ_k) x_j, row-major K×L; present when asked for */
  mean?: Float64Array;
  /** ∇²A(θ_k) = Σ_j σ_j x_j x_jᵀ − ∇A ∇Aᵀ, K blocks of L×L (full, symmetric); present when asked for */
  covariance?: Float64Array;
}

/** What a fit will ask of an engine besides the E-step and the softmax means (Engine.prepare). */
export interface PlanNeeds {
  /** the dense Hessian pass (the M-step's dense Newton route) */
  denseHessian: boolean;
  /** the Hessian–vector pass (the matrix-free route) */
  hessianProducts: boolean;
  /** Σπ̂xxᵀ (the MoM warm start where it forms M̂_2: L < 1024 or K > L) */
  moments: boolean;
}

/** Where a Hessian–vector product is taken: A(θ_k) and ∇A(θ_k) from a softmaxStats pass at Θ. */
export interface HessianPoint {
  /** A_k (K) */
  logPartition: Float64Array;
  /** μ_k = ∇A(θ_k), K×L row-major */
  mean: Float64Array;
}

/**
 * Moments of the features under pair weights of the posteriors r at (log α, Θ), for the
 * pairs k ≤ l in the order (0,0), (0,1), …, (0,K−1), (1,1), …, (K−1,K−1): M = K(K+1)/2
 * pairs, index `pairIndex(k, l, K)`. The weights are (see `PairWeights`)
 *   'information'  w_jkl = n_j r_jk (δ_kl − r_jl): what the observed information of ℓ
 *                  needs beyond the E-step (em/observed-newton.ts);
 *   'scores'       w_jkl = n_j r_jk r_jl: what the outer products of the per-draw scores
 *                  need, Σ_j n_j s_j s_jᵀ (the sandwich's meat, src/inference/).
 */
export interface PairMoments {
  /** Σ_j w_jkl (M) */
  total: Float64Array;
  /** Σ_j w_jkl x_j, M×L row-major */
  first: Float64Array;
  /** Σ_j w_jkl x_j x_jᵀ, M blocks of L×L (full, symmetric) */
  second: Float64Array;
}

/**
 * Where the mixture under-predicts the counts: w_j = (n_j − N π_j)_+, π_j the mixture's
 * probability of item j (see `Engine.residualMoments`).
 */
export interface ResidualMoments {
  /** Σ_j w_j */
  total: number;
  /** Σ_j w_j x_j (L) */
  first: Float64Array;
}

/** Which pair weights `Engine.pairMoments` sums (see `PairMoments`). */
export type PairWeights = 'information' | 'scores';

/** Throws unless `weights` names pair weights (a caller in plain JavaScript can pass anything). */
export function checkPairWeights(weights: unknown): asserts weights is PairWeights {
  if (weights !== 'information' && weights !== 'scores') fail('options', `pair weights must be 'information' or 'scores', got ${String(weights)}`);
}

/** Throws unless the arguments of `Engine.hessianVectorProducts` have the shapes K and L give, with finite values. */
export function checkHessianPoint(theta: Float64Array, K: number, L: number, at: HessianPoint, vectors: Float64Array): void {
  const shape = (name: string, a: ArrayLike<number> | undefined, n: number) => {
    if (!a || a.length !== n) fail('shape', `hessianVectorProducts: ${name} must hold ${n} values, got ${a ? a.length : 'none'}`);
    for (let i = 0; i < n; i++) if (!Number.isFinite(a[i])) fail('not-finite', `hessianVectorProducts: ${name}[${i}] is ${a[i]}`);
  };
  if (!Number.isInteger(K) || K < 1) fail('options', `hessianVectorProducts: K must be a positive integer, got ${K}`);
  shape('theta', theta, K * L);
  shape('logPartition', at.logPartition, K);
  shape('mean', at.mean, K * L);
  shape('vectors', vectors, K * L);
}

/** c_k = μ_k·v_k (K), the centre of the projections x_j·v_k under σ(θ_k): what every backend's product subtracts. */
export function meanProjections(at: HessianPoint, vectors: Float64Array, K: number, L: number): Float64Array {
  const c = new Float64Array(K);
  for (let k = 0; k < K; k++) for (let l = 0; l < L; l++) c[k] += at.mean[k * L + l] * vectors[k * L + l];
  return c;
}

/** Position of the pair (k, l), k ≤ l, in `PairMoments`. */
export function pairIndex(k: number, l: number, K: number): number {
  return (k * (2 * K - k + 1)) / 2 + (l - k);
}

/** Raw count-weighted moments of the centred features (see `Engine.countMoments`). */
export interface LatentCountMoments {
  /** Σ_j π̂_j x_j (L) */
  mean: Float64Array;
  /** Σ_j π̂_j x_j x_jᵀ (L×L row-major, symmetric) */
  second: Float64Array;
}

/** Raw count-weighted moments of projected features y_j = P x_j (see `Engine.projectedMoments`). */
export interface ProjectedMoments {
  /** Σ_j π̂_j y_j (K) */
  first: Float64Array;
  /** Σ_j π̂_j y_j ⊗ y_j ⊗ y_j (K³, index (a·K + b)·K + c) */
  third: Float64Array;
}

/**
 * Counters of device work, for the result's `stats` (what one EM iteration costs). None
 * depends on the device's speed: they follow from p, L, K, the passes asked for and (for
 * dispatches, through the chunking of X) the device's binding limits.
 */
export interface EngineCounters {
  /** passes over the p support points (E-steps, softmax-statistics and latent-moment calls) */
  passes: number;
  /**
   * full reads of the p×L feature matrix X the passes request (fractional where a pass reads
   * part of it). WebGPU: what the dispatches' workgroups load, a load shared inside one
   * workgroup counted once (the traffic of a GPU without cache reuse across workgroups; see
   * `Dispatch.x` in webgpu/kernel.ts). cpu: its own loops over the rows of X (a loop that
   * skips the rows with n_j = 0 counts the fraction it reads).
   */
  xReads: number;
  /** compute dispatches issued (0 on cpu) */
  dispatches: number;
  /** queue submissions (WebGPU: one per engine call; 0 on cpu) */
  submits: number;
  /** bytes read back from the device (0 on cpu) */
  bytesRead: number;
  /**
   * of `passes`, those made again because the centre of their covariance sums was too far
   * from the means the pass found (WebGPU, webgpu/centre.ts; 0 on cpu)
   */
  recentred: number;
}

export interface DeviceInfo {
  backend: 'cpu' | 'webgpu';
  /** e.g. "SwiftShader Device (Subzero)" or "float64 reference (JavaScript)" */
  description: string;
  vendor?: string;
  architecture?: string;
  limits?: Record<string, number>;
  /**
   * Which WebGPU implementation ran the fit, where the caller knows it: the CLI sets
   * "Dawn (Node)" or "Chromium <version>"; absent otherwise.
   */
  runtime?: string;
  /** WebGPU: how X is stored on the device, 'f32' or 'f16' (webgpu/x-storage.ts) */
  xStorage?: XStorage;
}

/**
 * How the WebGPU engine stores X on the device: 'f32', or 'f16' (half the bytes; each
 * feature rounded to 11 significant bits; webgpu/x-storage.ts). Named here, where options,
 * the CLI and the page import it without reaching the shaders.
 */
export const X_STORAGES = ['f32', 'f16'] as const;
export type XStorage = (typeof X_STORAGES)[number];

export interface Engine {
  readonly backend: 'cpu' | 'webgpu';
  /** Unit roundoff of the arithmetic on the device (2^-53 or 2^-24). */
  readonly unitRoundoff: number;
  readonly p: number;
  readonly L: number;
  /** Σ_j n_j */
  readonly N: number;
  readonly device: DeviceInfo;
  readonly counters: EngineCounters;

  /**
   * One fused E-step at (log α, Θ): ℓ, c_k and Σ n_j r_jk x_j. `logAlpha` may hold
   * -Infinity for an empty component. With `stats`, also the softmax statistics at Θ
   * (`softmax`: what softmaxStats(theta, K, stats) returns) from the same pass: the scores
   * and log-partitions are shared, so the E-step and the next M-step's first Newton step
   * cost one pass, one submit and one readback. An engine may ignore `stats` (no `softmax`):
   * the M-step then asks softmaxStats for them.
   */
  eStep(logAlpha: Float64Array, theta: Float64Array, K: number, stats?: StatsWanted): Promise<EStepResult>;

  /** Log-partitions (always) and, when asked, means and covariances of x under σ(θ_k), for all K rows of Θ at once. */
  softmaxStats(theta: Float64Array, K: number, want: StatsWanted): Promise<SoftmaxStats>;

  /**
   * Hessian–vector products of the log-partitions at Θ, for all K rows at once:
   * out_k = ∇²A(θ_k) v_k = Σ_j σ_j(θ_k) ((x_j − μ_k)·v_k) x_j  (K×L row-major), with
   * v_k row k of `vectors` (K×L) and (A_k, μ_k) = `at` (logPartition, mean), the
   * statistics a softmaxStats pass returned at exactly this Θ. One pass, cost about
   * 4pLK and nothing of size L²: what the matrix-free Newton–CG M-step (em/newton-cg.ts)
   * spends per CG iteration.
   */
  hessianVectorProducts(theta: Float64Array, K: number, at: HessianPoint, vectors: Float64Array): Promise<Float64Array>;

  /**
   * Pair moments of the posteriors at (log α, Θ) (see `PairMoments`) under the weights
   * `weights` (default 'information'): one pass, cost pL²K²/4. Components with
   * log α = −∞ are allowed (their pairs are 0).
   */
  pairMoments(logAlpha: Float64Array, theta: Float64Array, K: number, weights?: PairWeights): Promise<PairMoments>;

  /**
   * Moments of the positive residual w_j = (n_j − N π_j)_+ at (log α, Θ): the counts the
   * mixture leaves unexplained, which a new component could take (src/fit/replace.ts). One
   * pass, cost pLK.
   */
  residualMoments(logAlpha: Float64Array, theta: Float64Array, K: number): Promise<ResidualMoments>;

  // ---- Latent moments (MATH.md §3–4). Raw moments of the centred features x_j the
  // engine holds, weighted by π̂_j = n_j / N (so every result is normalised by N).
  // Standardisation (z = S^{-1/2} x) and the Hermite corrections are the host's job
  // (src/mom/). Each call is one pass over p; nothing of size p comes back.

  /**
   * mean = Σ_j π̂_j x_j (L) and second = Σ_j π̂_j x_j x_jᵀ (L×L row-major, full and
   * symmetric). Cost pL². The host forms M̂_1 = S^{-1/2} mean, M̂_2 = S^{-1/2} second S^{-1/2} − I.
   */
  countMoments(): Promise<LatentCountMoments>;

  /**
   * For y_j = P x_j ∈ R^K with P = `projection` (K×L row-major): first = Σ_j π̂_j y_j (K)
   * and third = Σ_j π̂_j y_j ⊗ y_j ⊗ y_j (K×K×K, index (a·K + b)·K + c, fully symmetric).
   * Cost p(LK + K³) (a backend may accumulate only a ≤ b ≤ c and fill the rest).
   */
  projectedMoments(projection: Float64Array, K: number): Promise<ProjectedMoments>;

  /**
   * Power moments along one direction d = `direction` (L): out[r] = Σ_j π̂_j t_j^r,
   * t_j = d·x_j, r = 0..maxOrder (out[0] = 1 up to rounding). Cost p(L + maxOrder).
   */
  directionMoments(direction: Float64Array, maxOrder: number): Promise<Float64Array>;

  /**
   * Power moments along d crossed with the features: out[r·L + l] = Σ_j π̂_j t_j^r x_jl,
   * t_j = d·x_j, r = 0..maxOrder ((maxOrder+1)×L row-major). Cost p·L·(maxOrder+1).
   * Lets the univariate MoM route (K > L ≥ 2) recover full atoms, not just their
   * projections on d.
   */
  directionCrossMoments(direction: Float64Array, maxOrder: number): Promise<Float64Array>;

  /**
   * Builds, ahead of the fit, what the passes a fit with K components will make need on
   * the device (`needs`: the dense Hessian pass, the latent moments), so that a shape the
   * device cannot hold fails at once with an error naming the limit, not minutes into a
   * fit. Optional: an engine without device limits (cpu) has nothing to check.
   */
  prepare?(K: number, needs: PlanNeeds): void;

  /**
   * Frees what the engine keeps for passes with K components (WebGPU: the cached plans'
   * partial buffers, uniforms and staging), after a pass made once: the design covariance's
   * K = 1 pass (fit/design-covariance.ts) would otherwise hold its 33.6 MB of partials at
   * L = 4096 through the fit. A later pass with K components builds them again; a pass in
   * flight finishes first. Optional.
   */
  releasePlans?(K: number): Promise<void>;

  /**
   * Bytes of the buffers the engine holds now, by label (WebGPU: the X and count chunks, the
   * score/weight scratch, and each cached plan's buffers, uniforms and readback staging; cpu:
   * its features and counts), and under `total` their sum. Optional.
   */
  bufferSizes?(): Record<string, number>;

  /** Frees device memory. The engine is unusable afterwards. */
  dispose(): void;
}

/** What every backend is built from: centred features and counts, already validated. */
export interface EngineInput {
  p: number;
  L: number;
  /** centred features, row-major p×L (float32 or float64: see FloatArray) */
  features: FloatArray;
  /** n_j ≥ 0, Σ > 0 */
  counts: Float64Array;
}
