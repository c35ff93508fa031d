/**
 * The method-of-moments warm start (MATH.md §3–5), host float64, written against the
 * Engine seam: the engine returns raw count-weighted moments of the centred features
 * (one pass over p each), and everything below is small dense algebra on the host.
 *
 * Coordinates: x are the centred features the engine holds, S their covariance,
 * z = S^{-1/2} x the standardised ones. Latent moments live in z coordinates:
 * M̂_r = Σ_j π̂_j He_r(z_j) ≈ Σ_k α_k β_k^{⊗r} with β_k = S^{1/2} θ_k, so every
 * estimate is made for β and mapped back by θ_k = S^{-1/2} β_k.
 *
 * Routes (chosen by `momEstimate`):
 * - `mean`       K = 1: β = M̂_1 (the first moment alone identifies one atom).
 * - `tensor`     2 ≤ K ≤ L (L ≥ 2): top-K eigenpairs of M̂_2, whitening, the whitened
 *                third moment T (never an L³ tensor), Jennrich + tensor power refinement.
 * - `univariate` L = 1, or K > L: Hermite moments along one direction u (unit, z
 *                coordinates) up to order 2K−1, Gauss quadrature (Chebyshev algorithm +
 *                Golub–Welsch). Moments that are not those of K atoms in
 *                [−√(2 ln p), √(2 ln p)] are first projected onto ones that are
 *                (`gaussQuadrature`). For K > L ≥ 2 the atoms' other coordinates come
 *                from cross moments Σ π̂ z He_r(z·u) (`directionCrossMoments`, see
 *                `atomsFromCrossMoments`), or are only their projections b_k u when
 *                the nodes are too close or the solution implausible. Candidate directions: the top
 *                min(L, 3) eigenvectors of M̂_2 and 3 seeded random ones; the estimate
 *                that best reproduces M̂_1, M̂_2 and the full M̂_3 (L³, small as L < K)
 *                wins. This route is weak for K ≥ 3: it needs moments of order 2K−1,
 *                whose design noise grows fast (MATH.md §5's restarts are the remedy).
 *
 * Estimates that the moments cannot support (non-positive eigenvalues of M̂_2, a
 * near-zero λ, weights below 10⁻³/K, atoms beyond 2√(2 ln p)) come back as
 * `{ ok: false, reason }` with the subspace, for the caller's fallback to
 * `subspaceStarts`.
 */
import type { Engine } from '../engines/engine.ts';
import { Rng } from '../math/rng.ts';
import { symmetricEigen, matVec, matMul, transpose, solveLinear, norm2, dot, nonNegativeLeastSquares } from '../math/linalg.ts';
import { inverseSqrt, type StartPoint } from '../model/starts.ts';

// ---------------------------------------------------------------------------
// Types

/** The K-dimensional (or L-dimensional, if K > L) subspace M̂_2 reveals, in z coordinates. */
export interface Subspace {
  /** feature dimension */
  L: number;
  /** r = min(K, L): columns of U */
  r: number;
  /** top-r eigenvectors of M̂_2 as columns of a row-major L×r matrix (orthonormal) */
  U: Float64Array;
  /** their eigenvalues, descending (may be ≤ 0 when the data cannot support K atoms) */
  D: Float64Array;
  /** all L eigenvalues of M̂_2, descending: spectrum[r] (if any) is a noise-level reference */
  spectrum: Float64Array;
}

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
}

// ---------------------------------------------------------------------------
// Latent moments from the engine

/**
 * M̂_1 = S^{-1/2} Σ π̂ x and M̂_2 = S^{-1/2} (Σ π̂ x xᵀ) S^{-1/2} − I (z coordinates),
 * from one `countMoments` pass.
 */
export async function latentMoments(engine: Engine, covarianceInvSqrt: Float64Array): Promise<{ M1: Float64Array; M2: Float64Array }> {
  const L = engine.L;
  const { mean, second } = await engine.countMoments();
  const M1 = matVec(covarianceInvSqrt, L, L, mean);
  const M2 = matMul(matMul(covarianceInvSqrt, second, L, L, L), covarianceInvSqrt, L, L, L);
  for (let a = 0; a < L; a++) {
    M2[a * L + a] -= 1;
    for (let b = a + 1; b < L; b++) {
      const v = 0.5 * (M2[a * L + b] + M2[b * L + a]);
      M2[a * L + b] = v;
      M2[b * L + a] = v;
    }
  }
  return { M1, M2 };
}

/** Top-r eigenpairs of the symmetric L×L matrix M̂_2. */
export function subspaceFromSecondMoment(M2: Float64Array, L: number, r: number): Subspace {
  const eig = symmetricEigen(M2, L);
  const U = new Float64Array(L * r);
  for (let i = 0; i < L; i++) for (let k = 0; k < r; k++) U[i * r + k] = eig.vectors[i * L + k];
  return { L, r, U, D: eig.values.slice(0, r), spectrum: eig.values };
}

/** Why D cannot be used for whitening, or null if all r eigenvalues are clearly positive. */
export function whiteningProblem(subspace: Subspace): string | null {
  const { D, r } = subspace;
  const top = Math.max(D[0], 0);
  for (let k = 0; k < r; k++) {
    if (!(D[k] > 1e-10 * top) || !Number.isFinite(D[k])) {
      const positives = Array.from(D).filter((d) => d > 1e-10 * top).length;
      return (
        `the latent second moment M̂_2 has only ${positives} clearly positive eigenvalue(s) among its top ${r} ` +
        `(eigenvalue ${k + 1} is ${D[k].toExponential(3)}, the largest ${D[0].toExponential(3)}): ` +
        `the data cannot support ${r} components through the moments`
      );
    }
  }
  return null;
}

/** W = U D^{-1/2} (L×r row-major), so that Wᵀ M̂_2 W = I_r when U, D are M̂_2's top eigenpairs. */
export function whitening(subspace: Subspace): Float64Array {
  const { L, r, U, D } = subspace;
  const W = new Float64Array(L * r);
  for (let i = 0; i < L; i++) for (let k = 0; k < r; k++) W[i * r + k] = U[i * r + k] / Math.sqrt(D[k]);
  return W;
}

/**
 * The whitened third latent moment T = M̂_3(W, W, W) from raw projected moments of
 * y_j = Wᵀ z_j: T_abc = Σ π̂ y_a y_b y_c − (μ_a G_bc + μ_b G_ac + μ_c G_ab), μ = Σ π̂ y,
 * G = WᵀW (MATH.md §4, step 3).
 */
export function hermiteThirdFromRaw(first: Float64Array, third: Float64Array, G: Float64Array, K: number): Float64Array {
  const T = new Float64Array(K * K * K);
  for (let a = 0; a < K; a++) {
    for (let b = 0; b < K; b++) {
      for (let c = 0; c < K; c++) {
        T[(a * K + b) * K + c] = third[(a * K + b) * K + c] - (first[a] * G[b * K + c] + first[b] * G[a * K + c] + first[c] * G[a * K + b]);
      }
    }
  }
  return T;
}

/**
 * The oracle the tensor route uses: given a whitening W (L×K, z coordinates) returns
 * T = M̂_3(W, W, W) (K³). On data it is one `projectedMoments` pass with the projection
 * (S^{-1/2} W)ᵀ, since y_j = Wᵀ z_j = (S^{-1/2} W)ᵀ x_j.
 */
export type ThirdMomentOracle = (W: Float64Array, K: number) => Promise<Float64Array> | Float64Array;

export function engineThirdMomentOracle(engine: Engine, covarianceInvSqrt: Float64Array): ThirdMomentOracle {
  const L = engine.L;
  return async (W, K) => {
    const projection = matMul(transpose(W, L, K), covarianceInvSqrt, K, L, L);
    const { first, third } = await engine.projectedMoments(projection, K);
    const G = matMul(transpose(W, L, K), W, K, L, K);
    return hermiteThirdFromRaw(first, third, G, K);
  };
}

// ---------------------------------------------------------------------------
// Orthogonal tensor decomposition

/** T(I, I, u): the K×K matrix Σ_c T_abc u_c (symmetric for a symmetric T). */
export function contractLast(T: Float64Array, K: number, u: ArrayLike<number>): Float64Array {
  const M = new Float64Array(K * K);
  for (let a = 0; a < K; a++) {
    for (let b = 0; b < K; b++) {
      let s = 0;
      for (let c = 0; c < K; c++) s += T[(a * K + b) * K + c] * u[c];
      M[a * K + b] = s;
    }
  }
  return M;
}

/** T(I, v, v): the K-vector Σ_bc T_abc v_b v_c. */
export function contractTwice(T: Float64Array, K: number, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(K);
  for (let a = 0; a < K; a++) {
    let s = 0;
    for (let b = 0; b < K; b++) {
      let t = 0;
      for (let c = 0; c < K; c++) t += T[(a * K + b) * K + c] * v[c];
      s += t * v[b];
    }
    out[a] = s;
  }
  return out;
}

export interface TensorDecomposition {
  /** v_k as rows of a row-major K×K matrix (unit vectors) */
  vectors: Float64Array;
  /** λ_k = T(v_k, v_k, v_k) ≥ 0 (signs of v_k flipped to make it so) */
  lambda: Float64Array;
  /** relative eigenvalue gap of the Jennrich contraction used: min_{i≠j} |e_i − e_j| / max |e| */
  separation: number;
  /** tensor power iterations spent (all vectors) */
  iterations: number;
  /** false when some refined vectors collapsed onto others and the Jennrich ones were kept */
  refined: boolean;
}

/**
 * Decomposes a symmetric K×K×K tensor T ≈ Σ λ_k v_k^{⊗3} with orthonormal v_k:
 * Jennrich (eigenvectors of the symmetric T(I, I, u) for the best-separated of
 * `trials` random unit u from `rng`), then deflation-free tensor power refinement
 * v ← T(I, v, v)/|·| of each vector from its Jennrich start. A refined vector that
 * lands within 60° of one already accepted (the iteration fell into another basin,
 * which only happens on noisy T) is replaced by its Jennrich start.
 */
export function decomposeOrthogonalTensor(
  T: Float64Array,
  K: number,
  rng: Rng,
  options: { trials?: number; maxPowerIterations?: number } = {},
): TensorDecomposition {
  const trials = Math.max(1, options.trials ?? 8);
  const maxIter = options.maxPowerIterations ?? 50;
  let bestSep = -Infinity;
  let bestVectors: Float64Array | null = null;
  let bestValues: Float64Array | null = null;
  for (let t = 0; t < trials; t++) {
    const u = rng.normals(K);
    const nu = norm2(u);
    for (let i = 0; i < K; i++) u[i] /= nu;
    const eig = symmetricEigen(contractLast(T, K, u), K);
    let maxAbs = 0;
    for (let i = 0; i < K; i++) maxAbs = Math.max(maxAbs, Math.abs(eig.values[i]));
    let gap = Infinity;
    for (let i = 0; i + 1 < K; i++) gap = Math.min(gap, eig.values[i] - eig.values[i + 1]);
    const sep = K === 1 ? 1 : maxAbs > 0 ? gap / maxAbs : 0;
    if (sep > bestSep) {
      bestSep = sep;
      bestVectors = eig.vectors;
      bestValues = eig.values;
    }
  }
  // Columns of the eigenvector matrix, processed by decreasing |eigenvalue| (the
  // best-determined first) when resolving collapses.
  const order = Array.from({ length: K }, (_, i) => i).sort((i, j) => Math.abs(bestValues![j]) - Math.abs(bestValues![i]));
  const vectors = new Float64Array(K * K);
  const lambda = new Float64Array(K);
  let iterations = 0;
  let refined = true;
  const accepted: Float64Array[] = [];
  for (const col of order) {
    const start = new Float64Array(K);
    for (let i = 0; i < K; i++) start[i] = bestVectors![i * K + col];
    let v: Float64Array = Float64Array.from(start);
    for (let it = 0; it < maxIter; it++) {
      const w = contractTwice(T, K, v);
      const nw = norm2(w);
      if (!(nw > 0) || !Number.isFinite(nw)) break;
      let dPlus = 0;
      let dMinus = 0;
      for (let i = 0; i < K; i++) {
        w[i] /= nw;
        dPlus += (w[i] - v[i]) ** 2;
        dMinus += (w[i] + v[i]) ** 2;
      }
      v = w;
      iterations++;
      if (Math.min(dPlus, dMinus) < 1e-30) break;
    }
    if (accepted.some((a) => Math.abs(dot(a, v)) > 0.5)) {
      v = start;
      refined = false;
    }
    accepted.push(v);
    let lam = dot(v, contractTwice(T, K, v));
    if (lam < 0) {
      lam = -lam;
      for (let i = 0; i < K; i++) v[i] = -v[i];
    }
    const k = accepted.length - 1;
    vectors.set(v, k * K);
    lambda[k] = lam;
  }
  return { vectors, lambda, separation: bestSep, iterations, refined };
}

// ---------------------------------------------------------------------------
// The tensor route as a pure map (testable on exact moments)

export interface LatentEstimate {
  alpha: Float64Array;
  /** atoms in z coordinates, K×L */
  beta: Float64Array;
}

export type TensorMomResult =
  | (LatentEstimate & {
      ok: true;
      subspace: Subspace;
      decomposition: TensorDecomposition;
      /** |Σ α_k β_k − M̂_1|: the first moment is not used by the estimate, so this is a check */
      firstMomentResidual: number;
      warnings: string[];
    })
  | { ok: false; reason: string; subspace: Subspace };

/**
 * MATH.md §4 for 2 ≤ K ≤ L in z coordinates: (M̂_1, M̂_2, T-oracle) → (α, β). Exact
 * moments Σ α_k β_k^{⊗r} (linearly independent β_k) give α, β back exactly.
 */
export async function tensorMom(
  M1: Float64Array,
  M2: Float64Array,
  L: number,
  K: number,
  oracle: ThirdMomentOracle,
  rng: Rng,
  options: { trials?: number; maxPowerIterations?: number } = {},
): Promise<TensorMomResult> {
  if (K > L) throw new RangeError(`tensorMom needs K ≤ L, got K = ${K}, L = ${L}`);
  const subspace = subspaceFromSecondMoment(M2, L, K);
  const problem = whiteningProblem(subspace);
  if (problem) return { ok: false, reason: problem, subspace };
  const warnings: string[] = [];
  const { U, D, spectrum } = subspace;
  if (K < L && D[K - 1] < 2 * Math.abs(spectrum[K])) {
    warnings.push(
      `MoM: eigenvalue ${K} of M̂_2 (${D[K - 1].toExponential(3)}, descending order) is not well above the next one ` +
        `(${spectrum[K].toExponential(3)}, the noise level): the moment estimate of the subspace is unreliable`,
    );
  }
  const W = whitening(subspace);
  const T = await oracle(W, K);
  const dec = decomposeOrthogonalTensor(T, K, rng, options);
  const lamMax = Math.max(...dec.lambda);
  for (let k = 0; k < K; k++) {
    if (!(dec.lambda[k] > 1e-8 * lamMax) || !Number.isFinite(dec.lambda[k])) {
      return {
        ok: false,
        reason: `the whitened third moment has a (near-)zero eigenvalue λ = ${dec.lambda[k].toExponential(3)} (largest ${lamMax.toExponential(3)}): no weight can be assigned to component ${k + 1}`,
        subspace,
      };
    }
  }
  const alpha = new Float64Array(K);
  let total = 0;
  for (let k = 0; k < K; k++) total += (alpha[k] = dec.lambda[k] ** -2);
  for (let k = 0; k < K; k++) alpha[k] /= total;
  if (Math.abs(total - 1) > 0.5) {
    warnings.push(`MoM: Σ λ_k^{-2} = ${total.toFixed(3)} (1 for exact moments): the weights were renormalised`);
  }
  // β_k = λ_k U D^{1/2} v_k
  const beta = new Float64Array(K * L);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < L; i++) {
      let s = 0;
      for (let a = 0; a < K; a++) s += U[i * K + a] * Math.sqrt(D[a]) * dec.vectors[k * K + a];
      beta[k * L + i] = dec.lambda[k] * s;
    }
  }
  const residual = M1.map((v, i) => {
    let s = v;
    for (let k = 0; k < K; k++) s -= alpha[k] * beta[k * L + i];
    return s;
  });
  return { ok: true, alpha, beta, subspace, decomposition: dec, firstMomentResidual: norm2(residual), warnings };
}

// ---------------------------------------------------------------------------
// Univariate moments and Gauss quadrature

/**
 * Probabilists' Hermite moments from power moments: m_r = Σ π̂ He_r(t) from
 * raw[i] = Σ π̂ t^i (He_{r+1} = t He_r − r He_{r−1}). For t = z·u with |u| = 1 (so t is
 * standard normal under the design) m_r ≈ Σ α_k (β_k·u)^r.
 */
export function hermiteFromPower(raw: ArrayLike<number>): Float64Array {
  const R = raw.length - 1;
  const coeffs = hermiteCoefficients(R);
  const m = new Float64Array(R + 1);
  for (let r = 0; r <= R; r++) {
    let s = 0;
    for (let i = 0; i <= r; i++) s += coeffs[r][i] * raw[i];
    m[r] = s;
  }
  return m;
}

/** c[r][i]: He_r(t) = Σ_i c[r][i] t^i, r = 0..R. */
export function hermiteCoefficients(R: number): Float64Array[] {
  const c: Float64Array[] = [];
  for (let r = 0; r <= R; r++) {
    const row = new Float64Array(r + 1);
    if (r === 0) row[0] = 1;
    else {
      for (let i = 0; i < r; i++) row[i + 1] += c[r - 1][i];
      if (r >= 2) for (let i = 0; i <= r - 2; i++) row[i] -= (r - 1) * c[r - 2][i];
    }
    c.push(row);
  }
  return c;
}

/** Moments of (b − c)/s from moments of b: μ_r = s^{-r} Σ_i C(r,i) (−c)^{r−i} m_i. Rows of `width` values each. */
function shiftScaleMoments(m: ArrayLike<number>, R: number, c: number, s: number, width = 1): Float64Array {
  const out = new Float64Array((R + 1) * width);
  for (let r = 0; r <= R; r++) {
    let binom = 1; // C(r, i)
    for (let i = 0; i <= r; i++) {
      const f = (binom * (-c) ** (r - i)) / s ** r;
      for (let w = 0; w < width; w++) out[r * width + w] += f * m[i * width + w];
      binom = (binom * (r - i)) / (i + 1);
    }
  }
  return out;
}

/**
 * Recurrence coefficients a_0..a_{n−1}, b_0..b_{n−1} of the orthogonal polynomials of a
 * measure from its moments μ_0..μ_{2n−1} (Chebyshev's algorithm, Gautschi 2004 §2.1.7).
 * Returns null if some b_k ≤ `tol` (k ≥ 1), i.e. the n×n Hankel matrix of μ_0..μ_{2n−2}
 * is not (numerically) positive definite: not the moments of a measure with n atoms.
 */
export function chebyshevAlgorithm(mu: ArrayLike<number>, n: number, tol = 1e-12): { a: Float64Array; b: Float64Array } | null {
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  if (!(mu[0] > 0)) return null;
  let prev = new Float64Array(2 * n); // σ_{k−2}
  let cur = Float64Array.from({ length: 2 * n }, (_, l) => mu[l]); // σ_{k−1}
  a[0] = mu[1] / mu[0];
  b[0] = mu[0];
  for (let k = 1; k < n; k++) {
    const next = new Float64Array(2 * n);
    for (let l = k; l <= 2 * n - k - 1; l++) next[l] = cur[l + 1] - a[k - 1] * cur[l] - b[k - 1] * prev[l];
    b[k] = next[k] / cur[k - 1];
    if (!(b[k] > tol) || !Number.isFinite(b[k])) return null;
    a[k] = next[k + 1] / next[k] - cur[k] / cur[k - 1];
    prev = cur;
    cur = next;
  }
  for (let k = 0; k < n; k++) if (!Number.isFinite(a[k])) return null;
  return { a, b };
}

/** Gauss rule from recurrence coefficients (Golub–Welsch): nodes = eig(J), weights = b_0 · (first eigenvector components)². */
function golubWelsch(a: Float64Array, b: Float64Array, n: number): { nodes: Float64Array; weights: Float64Array } {
  const J = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    J[k * n + k] = a[k];
    if (k + 1 < n) J[k * n + k + 1] = J[(k + 1) * n + k] = Math.sqrt(b[k + 1]);
  }
  const eig = symmetricEigen(J, n);
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    nodes[k] = eig.values[k];
    weights[k] = b[0] * eig.vectors[k] ** 2; // row 0, column k
  }
  return { nodes, weights };
}

/**
 * The nearest moment sequence of a probability measure on [lo, hi]: the moment cone is
 * the conic hull of the moment curve (1, t, …, t^{2K−1}), t ∈ [lo, hi], so with t on a
 * fine grid the projection is a non-negative least-squares problem over grid weights
 * (Lawson–Hanson). Row r is weighted by 1/√(r!) — the scale of He_r's noise under a
 * standard Gaussian — so the noisy high-order moments take most of the correction, and
 * m_0 = 1 is held by a heavy row (and exactly by renormalising). Returns the projected
 * moments and how many grid atoms carry them.
 */
export function projectOntoMomentSpace(
  moments: ArrayLike<number>,
  K: number,
  support: [number, number],
  gridSize = 401,
): { moments: Float64Array; atoms: number; nodes: Float64Array; weights: Float64Array } {
  const R = 2 * K;
  const [lo, hi] = support;
  const grid = Float64Array.from({ length: gridSize }, (_, g) => lo + ((hi - lo) * g) / (gridSize - 1));
  const rowWeight = new Float64Array(R);
  let factorial = 1;
  for (let r = 0; r < R; r++) {
    if (r > 0) factorial *= r;
    rowWeight[r] = r === 0 ? 1e3 : 1 / Math.sqrt(factorial);
  }
  const A = new Float64Array(R * gridSize);
  const b = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    b[r] = rowWeight[r] * (r === 0 ? 1 : moments[r]);
    for (let g = 0; g < gridSize; g++) A[r * gridSize + g] = rowWeight[r] * grid[g] ** r;
  }
  const w = nonNegativeLeastSquares(A, R, gridSize, b);
  let total = 0;
  for (let g = 0; g < gridSize; g++) total += w[g];
  const out = new Float64Array(R);
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let g = 0; g < gridSize; g++) {
    if (!(w[g] > 0)) continue;
    const wg = w[g] / total;
    nodes.push(grid[g]);
    weights.push(wg);
    for (let r = 0; r < R; r++) out[r] += wg * grid[g] ** r;
  }
  out[0] = 1;
  return { moments: out, atoms: nodes.length, nodes: Float64Array.from(nodes), weights: Float64Array.from(weights) };
}

export interface QuadratureSuccess {
  ok: true;
  /** atoms, ascending */
  nodes: Float64Array;
  /** weights, Σ = 1 */
  weights: Float64Array;
  /** whether the moments had to be projected onto valid sequences */
  denoised: boolean;
  /** size of that projection, √(Σ_r (Δm_r)²/r!) over r = 1..2K−1 (0 if none) */
  adjustment: number;
}

/** K-point Gauss rule of moments m (m_0 = 1), or null if they are not those of K distinct atoms (inside `support` if given). */
function gaussRule(m: Float64Array, K: number, support: [number, number] | null): { nodes: Float64Array; weights: Float64Array } | null {
  // centre and scale for conditioning: moments of (b − c)/s
  const c = m[1];
  const variance = m[2] - c * c;
  if (!(variance > 0)) return null;
  const s = Math.sqrt(variance);
  const mu = shiftScaleMoments(m, 2 * K - 1, c, s);
  mu[0] = 1;
  mu[1] = 0;
  const rec = chebyshevAlgorithm(mu, K);
  if (!rec) return null;
  const rule = golubWelsch(rec.a, rec.b, K);
  const order = Array.from({ length: K }, (_, i) => i).sort((i, j) => rule.nodes[i] - rule.nodes[j]);
  const nodes = Float64Array.from(order, (i) => c + s * rule.nodes[i]);
  let wsum = 0;
  for (const i of order) wsum += rule.weights[i];
  const weights = Float64Array.from(order, (i) => rule.weights[i] / wsum);
  for (let k = 0; k < K; k++) {
    if (!Number.isFinite(nodes[k]) || !(weights[k] > 0)) return null;
    if (support) {
      const slack = 1e-9 * (support[1] - support[0]);
      if (nodes[k] < support[0] - slack || nodes[k] > support[1] + slack) return null;
    }
  }
  return { nodes, weights };
}

/**
 * K atoms and weights from moments m_0..m_{2K−1} of a discrete measure (K-point Gauss
 * quadrature). Moments are centred and scaled (mean m_1/m_0, standard deviation from
 * m_2) for conditioning; recurrence coefficients come from Chebyshev's algorithm and
 * the rule from the Jacobi matrix (Golub–Welsch).
 *
 * Noisy moments ("denoised" method of moments, cf. Wu & Yang 2020): the sequence is
 * valid when its K×K Hankel matrix is positive definite and, if `support` = [lo, hi] is
 * given, the K atoms lie in it. Otherwise (with a support and `denoise` not false) the
 * moments are replaced by their projection onto the moments of probability measures on
 * [lo, hi] (`projectOntoMomentSpace`) and the rule is computed from those; its atoms then
 * lie in [lo, hi] (Gauss nodes lie in the convex hull of the measure's support). Giving a
 * support matters: without it m_{2K−1} is unconstrained, and a nearly singular Hankel
 * matrix sends one atom (of negligible weight) far away. Fails only if the projected
 * measure has fewer than K atoms: the moments then support fewer than K components.
 */
export function gaussQuadrature(
  moments: ArrayLike<number>,
  K: number,
  options: { support?: [number, number]; denoise?: boolean } = {},
): QuadratureSuccess | { ok: false; reason: string } {
  if (moments.length < 2 * K) return { ok: false, reason: `need 2K = ${2 * K} moments, got ${moments.length}` };
  for (let r = 0; r < 2 * K; r++) {
    if (!Number.isFinite(moments[r])) return { ok: false, reason: `moment ${r} is ${moments[r]}` };
  }
  const m0 = moments[0];
  if (!(m0 > 0)) return { ok: false, reason: `the zeroth moment is ${m0}, not positive` };
  const m = Float64Array.from({ length: 2 * K }, (_, r) => moments[r] / m0);
  const support = options.support ?? null;
  if (support && !(support[0] < support[1])) return { ok: false, reason: `empty support [${support[0]}, ${support[1]}]` };
  if (K === 1) {
    if (support && (m[1] < support[0] || m[1] > support[1])) {
      return { ok: false, reason: `the mean ${m[1].toPrecision(4)} lies outside the support [${support[0].toPrecision(4)}, ${support[1].toPrecision(4)}]` };
    }
    return { ok: true, nodes: Float64Array.of(m[1]), weights: Float64Array.of(1), denoised: false, adjustment: 0 };
  }
  const plain = gaussRule(m, K, support);
  if (plain) return { ok: true, ...plain, denoised: false, adjustment: 0 };
  const invalid = `the moments are not those of ${K} distinct atoms${support ? ` in [${support[0].toPrecision(4)}, ${support[1].toPrecision(4)}]` : ''}`;
  if (options.denoise === false || !support) return { ok: false, reason: `${invalid}${support ? '' : ' (no support given to project onto)'}` };
  const projected = projectOntoMomentSpace(m, K, support);
  const rule = projected.atoms >= K ? gaussRule(projected.moments, K, support) : null;
  if (!rule) {
    return {
      ok: false,
      reason: `${invalid}, and their projection onto valid moment sequences is carried by ${projected.atoms} atom(s): the moments support fewer than ${K} components`,
    };
  }
  let adjustment = 0;
  let factorial = 1;
  for (let r = 1; r < 2 * K; r++) {
    factorial *= r;
    adjustment += (projected.moments[r] - m[r]) ** 2 / factorial;
  }
  return { ok: true, ...rule, denoised: true, adjustment: Math.sqrt(adjustment) };
}

/**
 * Full atoms from moments crossed with z along the unit direction u:
 * q_r = Σ π̂ [z He_r(t) − r u He_{r−1}(t)] ≈ Σ_k α_k β_k b_k^r (t = z·u, b_k = β_k·u;
 * the bracket is the Hermite tensor He_{r+1}(z) contracted with one free index and r
 * copies of u). Given the quadrature's nodes b_k and weights α_k, the K equations
 * r = 0..K−1 are a Vandermonde system for α_k β_k (solved in the centred, scaled node
 * variable for conditioning). `zCross` holds Σ π̂ z t^i, i = 0..K−1, as rows of L;
 * `hermite` the univariate Hermite moments m_0..m_{K−2} along u.
 * Returns null when the nodes are too close to solve for (singular Vandermonde).
 */
export function atomsFromCrossMoments(
  zCross: Float64Array,
  hermite: ArrayLike<number>,
  u: ArrayLike<number>,
  nodes: Float64Array,
  weights: Float64Array,
  L: number,
): Float64Array | null {
  const K = nodes.length;
  const coeffs = hermiteCoefficients(K - 1);
  const q = new Float64Array(K * L);
  for (let r = 0; r < K; r++) {
    for (let i = 0; i <= r; i++) for (let l = 0; l < L; l++) q[r * L + l] += coeffs[r][i] * zCross[i * L + l];
    if (r >= 1) for (let l = 0; l < L; l++) q[r * L + l] -= r * u[l] * hermite[r - 1];
  }
  let c = 0;
  for (let k = 0; k < K; k++) c += weights[k] * nodes[k];
  let v = 0;
  for (let k = 0; k < K; k++) v += weights[k] * (nodes[k] - c) ** 2;
  const s = v > 0 ? Math.sqrt(v) : 1;
  const qs = shiftScaleMoments(q, K - 1, c, s, L);
  const V = new Float64Array(K * K);
  for (let r = 0; r < K; r++) for (let k = 0; k < K; k++) V[r * K + k] = ((nodes[k] - c) / s) ** r;
  const A = solveLinear(V, K, qs, L);
  if (!A) return null;
  const beta = new Float64Array(K * L);
  for (let k = 0; k < K; k++) for (let l = 0; l < L; l++) beta[k * L + l] = A[k * L + l] / weights[k];
  for (let i = 0; i < beta.length; i++) if (!Number.isFinite(beta[i])) return null;
  return beta;
}

// ---------------------------------------------------------------------------
// The estimator

/**
 * √(2 ln p): the support [−R, R] the univariate route assumes for atoms along a
 * direction (z coordinates). At |β| ≈ √(2 ln p) the softmax already puts most of its
 * mass on the few most extreme of p Gaussian points, so the Gaussian-shift picture of
 * MATH.md §3 behind the latent moments is gone.
 */
export function momentSupportRadius(p: number): number {
  return Math.sqrt(2 * Math.log(Math.max(p, 3)));
}

/** Largest believable atom norm in z coordinates, 2√(2 ln p): anything beyond is noise the moments blew up. */
export function plausibleAtomNorm(p: number): number {
  return 2 * momentSupportRadius(p);
}

function identity(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

function largestAtomNorm(beta: Float64Array, K: number, L: number): number {
  let worst = 0;
  for (let k = 0; k < K; k++) {
    const n = norm2(beta, L, k * L);
    if (!(n <= worst)) worst = n; // NaN propagates as "worst"
  }
  return worst;
}

/**
 * The MoM estimate of (α, Θ) for K components (MATH.md §4) on the engine's data.
 * `design.covariance` is S (L×L) of the centred features the engine holds.
 * Deterministic given `options.seed`. Never throws on data the moments cannot
 * explain: returns `{ ok: false, reason }` (with the subspace when M̂_2 is known, so
 * the caller can fall back to `subspaceStarts`).
 */
export async function momEstimate(
  engine: Engine,
  K: number,
  design: { covariance: Float64Array },
  options: MomOptions,
): Promise<MomResult> {
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`momEstimate: K must be an integer ≥ 1, got ${K}`);
  const L = engine.L;
  const passes0 = engine.counters.passes;
  const invSqrt = inverseSqrt(design.covariance, L);
  const rng = new Rng(options.seed);
  const { M1, M2 } = await latentMoments(engine, invSqrt);
  const r = Math.min(K, L);
  const subspace = subspaceFromSecondMoment(M2, L, r);
  const betaMax = plausibleAtomNorm(engine.p);
  const finish = (alpha: Float64Array, beta: Float64Array, diagnostics: MomDiagnostics, warnings: string[]): MomResult => {
    diagnostics.passes = engine.counters.passes - passes0;
    const worst = largestAtomNorm(beta, K, L);
    if (!(worst <= betaMax)) {
      return {
        ok: false,
        reason:
          `the moment estimate has an atom of standardised norm ${worst.toPrecision(3)}, beyond ${betaMax.toPrecision(3)} = 2√(2 ln p) ` +
          `where the softmax sits on a handful of points and the latent moments mean nothing: the moments are too noisy for ${K} components`,
        subspace,
        diagnostics,
      };
    }
    const minWeight = Math.min(...alpha);
    if (!(minWeight >= 1e-3 / K)) {
      return {
        ok: false,
        reason: `the moment estimate gives a component weight ${minWeight.toExponential(2)} (below 10⁻³/K): the moments support fewer than ${K} components`,
        subspace,
        diagnostics,
      };
    }
    const theta = new Float64Array(K * L);
    const mean = new Float64Array(L);
    for (let k = 0; k < K; k++) {
      const b = beta.subarray(k * L, k * L + L);
      theta.set(matVec(invSqrt, L, L, b), k * L);
      for (let l = 0; l < L; l++) mean[l] += alpha[k] * b[l];
    }
    for (let i = 0; i < theta.length; i++) {
      if (!Number.isFinite(theta[i])) {
        return { ok: false, reason: 'the moment estimate is not finite', subspace, diagnostics };
      }
    }
    diagnostics.firstMomentResidual = norm2(mean.map((v, l) => v - M1[l]));
    return { ok: true, alpha, theta, beta, subspace, diagnostics, warnings };
  };

  if (K === 1) {
    return finish(Float64Array.of(1), Float64Array.from(M1), { route: 'mean', passes: 0 }, []);
  }

  if (K <= L) {
    const result = await tensorMom(M1, M2, L, K, engineThirdMomentOracle(engine, invSqrt), rng, {
      trials: options.jennrichTrials,
      maxPowerIterations: options.maxPowerIterations,
    });
    if (!result.ok) {
      return { ok: false, reason: result.reason, subspace, diagnostics: { route: 'tensor', passes: engine.counters.passes - passes0 } };
    }
    const dec = result.decomposition;
    return finish(
      result.alpha,
      result.beta,
      { route: 'tensor', jennrichSeparation: dec.separation, lambda: dec.lambda, powerIterations: dec.iterations, refined: dec.refined, passes: 0 },
      result.warnings,
    );
  }

  // Univariate route: L = 1, or K > L along the best of a few directions.
  const radius = momentSupportRadius(engine.p);
  const candidates: Float64Array[] = [];
  if (L === 1) candidates.push(Float64Array.of(1));
  else {
    for (let k = 0; k < Math.min(L, 3); k++) candidates.push(Float64Array.from({ length: L }, (_, i) => subspace.U[i * r + k]));
    for (let t = 0; t < (options.randomDirections ?? 3); t++) {
      const u = rng.normals(L);
      const nu = norm2(u);
      candidates.push(u.map((v) => v / nu));
    }
  }
  // Moments along every candidate first; denoise only if none is valid as measured.
  const measured: { u: Float64Array; d: Float64Array; m: Float64Array }[] = [];
  for (const u of candidates) {
    const d = matVec(invSqrt, L, L, u);
    measured.push({ u, d, m: hermiteFromPower(await engine.directionMoments(d, 2 * K - 1)) });
  }
  // Atoms along one candidate: nodes b_k, weights; for L ≥ 2 full atoms from cross
  // moments, or only their projections b_k u when those cannot be solved for.
  const atomsAlong = async (cand: (typeof measured)[number], q: QuadratureSuccess) => {
    const notes: string[] = [];
    const beta = new Float64Array(K * L);
    let full: Float64Array | null = null;
    if (L === 1) full = Float64Array.from(q.nodes);
    else {
      const xCross = await engine.directionCrossMoments(cand.d, K - 1);
      const zCross = new Float64Array(K * L);
      for (let i = 0; i < K; i++) zCross.set(matVec(invSqrt, L, L, xCross.subarray(i * L, i * L + L)), i * L);
      full = atomsFromCrossMoments(zCross, cand.m, cand.u, q.nodes, q.weights, L);
      if (!full) notes.push('MoM: the atoms along the chosen direction are too close to solve for their other coordinates');
      else if (!(largestAtomNorm(full, K, L) <= radius)) {
        notes.push(
          `MoM: the atoms solved from cross moments are implausibly large (norm ${largestAtomNorm(full, K, L).toPrecision(3)} in standardised units): kept only their projections on the direction`,
        );
        full = null;
      }
    }
    if (full) beta.set(full);
    else for (let k = 0; k < K; k++) for (let l = 0; l < L; l++) beta[k * L + l] = q.nodes[k] * cand.u[l];
    return { beta, full: full !== null, notes };
  };

  // With several candidate directions (K > L ≥ 2), choose the estimate that best
  // reproduces the latent moments the univariate fit did not use: M̂_1, M̂_2 and the full
  // M̂_3 (L³, small since L < K), relative Frobenius misfit.
  const M3 = candidates.length > 1 ? await engineThirdMomentOracle(engine, invSqrt)(identity(L), L) : null;
  const misfit = (alpha: Float64Array, beta: Float64Array) => {
    let e1 = 0, n1 = 0, e2 = 0, n2 = 0, e3 = 0, n3 = 0;
    for (let a = 0; a < L; a++) {
      let s1 = 0;
      for (let k = 0; k < K; k++) s1 += alpha[k] * beta[k * L + a];
      e1 += (s1 - M1[a]) ** 2;
      n1 += M1[a] ** 2;
      for (let b = 0; b < L; b++) {
        let s2 = 0;
        for (let k = 0; k < K; k++) s2 += alpha[k] * beta[k * L + a] * beta[k * L + b];
        e2 += (s2 - M2[a * L + b]) ** 2;
        n2 += M2[a * L + b] ** 2;
        for (let c = 0; c < L; c++) {
          let s3 = 0;
          for (let k = 0; k < K; k++) s3 += alpha[k] * beta[k * L + a] * beta[k * L + b] * beta[k * L + c];
          const t = M3![(a * L + b) * L + c];
          e3 += (s3 - t) ** 2;
          n3 += t * t;
        }
      }
    }
    return Math.sqrt(e1 / Math.max(n1, 1e-300)) + Math.sqrt(e2 / Math.max(n2, 1e-300)) + Math.sqrt(e3 / Math.max(n3, 1e-300));
  };

  let best: { cand: (typeof measured)[number]; q: QuadratureSuccess; beta: Float64Array; full: boolean; notes: string[]; score: number } | null = null;
  let firstFailure = '';
  for (const denoise of [false, true]) {
    for (const cand of measured) {
      const q = gaussQuadrature(cand.m, K, { support: [-radius, radius], denoise });
      if (!q.ok) {
        if (denoise) firstFailure ||= q.reason;
        continue;
      }
      const atoms = await atomsAlong(cand, q);
      const score = M3 ? misfit(q.weights, atoms.beta) : 0;
      if (!best || score < best.score) best = { cand, q, ...atoms, score };
    }
    if (best) break;
  }
  if (!best) {
    return {
      ok: false,
      reason: `univariate MoM failed along every direction tried: ${firstFailure}`,
      subspace,
      diagnostics: { route: 'univariate', passes: engine.counters.passes - passes0 },
    };
  }
  const { q } = best;
  const warnings = [...best.notes];
  if (q.denoised) {
    warnings.push(
      `MoM: the measured moments along the chosen direction were not a valid moment sequence; they were projected onto valid ones (adjustment ${q.adjustment.toExponential(2)})`,
    );
  }
  const diagnostics: MomDiagnostics = {
    route: 'univariate',
    direction: best.cand.u,
    hermiteMoments: best.cand.m,
    denoised: q.denoised,
    denoiseAdjustment: q.adjustment,
    passes: 0,
  };
  if (L > 1) {
    diagnostics.crossMoments = best.full;
    diagnostics.momentMisfit = best.score;
  }
  return finish(q.weights, best.beta, diagnostics, warnings);
}

// ---------------------------------------------------------------------------
// Restarts in the estimated subspace (MATH.md §5)

/**
 * Per-direction variances of subspace starts: D_i / K (MATH.md §5), with D_i floored at
 * a tenth of the largest positive one (at 1 if none is positive) so that directions the
 * moments could not resolve still get some spread.
 */
function subspaceVariances(subspace: Subspace, K: number): Float64Array {
  const top = Math.max(...subspace.D);
  const floor = top > 0 ? 0.1 * top : 1;
  return subspace.D.map((d) => Math.max(d, floor) / K);
}

/** One subspace start: θ_k = S^{-1/2} U g_k, g_k ~ N(0, diag(D)/K), uniform α. Reproducible from `seed`. */
export function subspaceStart(subspace: Subspace, K: number, covarianceInvSqrt: Float64Array, seed: number): StartPoint {
  const { L, r, U } = subspace;
  const sd = subspaceVariances(subspace, K).map(Math.sqrt);
  const rng = new Rng(seed);
  const theta = new Float64Array(K * L);
  for (let k = 0; k < K; k++) {
    const g = rng.normals(r);
    for (let i = 0; i < r; i++) g[i] *= sd[i];
    const beta = matVec(U, L, r, g);
    theta.set(matVec(covarianceInvSqrt, L, L, beta), k * L);
  }
  return { kind: 'subspace', seed, alpha: new Float64Array(K).fill(1 / K), theta };
}

/** R subspace starts; start i uses the seed `new Rng(seed)`'s i-th `nextUint32()` (recorded in `seed`). */
export function subspaceStarts(
  subspace: Subspace,
  K: number,
  L: number,
  covarianceInvSqrt: Float64Array,
  R: number,
  seed: number,
): StartPoint[] {
  if (subspace.L !== L) throw new RangeError(`subspaceStarts: subspace has L = ${subspace.L}, expected ${L}`);
  const seeds = new Rng(seed);
  const out: StartPoint[] = [];
  for (let i = 0; i < R; i++) out.push(subspaceStart(subspace, K, covarianceInvSqrt, seeds.nextUint32()));
  return out;
}
