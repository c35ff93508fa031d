/**
 * The method-of-moments estimate's public result and option types, and the context the
 * route helpers share (built once by `momEstimate`, read by each route and by the
 * acceptance checks).
 */
import type { Engine } from '../engines/engine.ts';
import type { Rng } from '../math/rng.ts';
import type { Whitening } from '../model/whitening.ts';
import type { SecondMomentMethod, Subspace } from './moments.ts';

export type MomRoute = 'mean' | 'tensor' | 'univariate';

export interface MomDiagnostics {
  route: MomRoute;
  /** |Σ α_k β_k − M̂_1| in z coordinates: how well the estimate reproduces the first moment */
  firstMomentResidual?: number;
  /** tensor: best relative eigenvalue gap of T(I,I,u) over the Jennrich trials */
  jennrichSeparation?: number;
  /** tensor: λ_k = T(v_k, v_k, v_k) (≈ α_k^{-1/2}) */
  lambda?: Float64Array;
  /** tensor: total tensor power iterations */
  powerIterations?: number;
  /** tensor: false when power refinement collapsed some vectors and Jennrich's were kept */
  refined?: boolean;
  /** how M̂_2's top eigenpairs were found (moments.ts latentSubspace): formed ('dense') or applied ('lanczos', with its products and whether they converged) */
  secondMoment?: { method: 'dense' | 'lanczos'; steps?: number; converged?: boolean };
  /** univariate: the direction u (unit, z coordinates) */
  direction?: Float64Array;
  /** univariate: Hermite moments m_r = Σ π̂ He_r(z·u), r = 0..2K−1, as measured */
  hermiteMoments?: Float64Array;
  /** univariate: the moment sequence had to be projected onto valid ones */
  denoised?: boolean;
  /** univariate: size of that projection, √(Σ_r (Δm_r)²/r!) */
  denoiseAdjustment?: number;
  /** univariate, K > L ≥ 2: full atoms from cross moments (true) or projections on u only (false) */
  crossMoments?: boolean;
  /** univariate, K > L ≥ 2: relative misfit of the estimate to M̂_1, M̂_2, M̂_3 (sum of three relative Frobenius errors), the direction-selection score */
  momentMisfit?: number;
  /** engine passes spent */
  passes: number;
}

export interface MomSuccess {
  ok: true;
  /** weights, Σ = 1 (K), in the order of the atoms (not sorted) */
  alpha: Float64Array;
  /** atoms θ_k, row-major K×L, original (centred) feature coordinates */
  theta: Float64Array;
  /** the same atoms in z coordinates: β_k = S^{1/2} θ_k */
  beta: Float64Array;
  subspace: Subspace;
  diagnostics: MomDiagnostics;
  /** things a user should know (weak eigen-gap, denoised moments, projections only) */
  warnings: string[];
}

export interface MomFailure {
  ok: false;
  /** why the moments could not give K atoms (for the fit's warnings) */
  reason: string;
  /** present whenever M̂_2 was computed: subspace starts can still use it */
  subspace?: Subspace;
  diagnostics?: MomDiagnostics;
}

export type MomResult = MomSuccess | MomFailure;

export interface MomOptions {
  /** seeds the Jennrich directions and the random candidate directions */
  seed: number;
  /** random contractions tried by Jennrich (default 8): the best-separated one is used */
  jennrichTrials?: number;
  /** cap on tensor power iterations per vector (default 50) */
  maxPowerIterations?: number;
  /** univariate route with L ≥ 2: random directions tried besides the top eigenvectors of M̂_2 (default 3) */
  randomDirections?: number;
  /** how M̂_2's top eigenpairs are found (moments.ts SecondMomentMethod; default 'auto': Lanczos from L = 1024). The univariate route (K > L) always forms M̂_2. */
  secondMoment?: SecondMomentMethod;
}

// ---------------------------------------------------------------------------
// Shared by momEstimate's route helpers (not public)

/** What `momEstimate` knows before choosing a route: the engine, the design, M̂_1, M̂_2 and its subspace. */
export interface MomContext {
  engine: Engine;
  K: number;
  L: number;
  /** min(K, L): the subspace's rank */
  r: number;
  /** engine.counters.passes before the estimate: diagnostics report the passes since */
  passes0: number;
  /** z = A x, θ = Aᵀβ (model/whitening.ts) */
  whitening: Whitening;
  /** seeded once from options.seed; only the chosen route draws from it */
  rng: Rng;
  options: MomOptions;
  M1: Float64Array;
  /** M̂_2 formed (always on the univariate route, K > L); undefined where Lanczos only applied it */
  M2?: Float64Array;
  subspace: Subspace;
  /** how the subspace was found, for the diagnostics */
  secondMoment: MomDiagnostics['secondMoment'];
}

/** A route's estimate in z coordinates, before the acceptance checks; or why it has none. */
export type RouteOutcome =
  | { ok: true; alpha: Float64Array; beta: Float64Array; diagnostics: MomDiagnostics; warnings: string[] }
  | MomFailure;
