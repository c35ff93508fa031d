/**
 * Latent moments (MATH.md §3): what the engine's count-weighted passes over p become in
 * z = S^{-1/2} x coordinates, M̂_r = Σ_j π̂_j He_r(z_j) ≈ Σ_k α_k β_k^{⊗r}. Here are M̂_1 and
 * M̂_2, the subspace M̂_2 reveals (shared by the tensor route, the univariate route's
 * candidate directions and the subspace starts), the third-moment oracle (the tensor
 * route's whitened T, and the univariate route's full M̂_3), and the sizes of β beyond
 * which the latent moments stop meaning anything.
 */
import type { Engine } from '../engines/engine.ts';
import { symmetricEigen, matVec, matMul, transpose, norm2, JACOBI_MAX_N } from '../math/linalg.ts';
import { symmetricEigenTop } from '../math/tridiagonal-eigen.ts';
import { lanczosTop } from '../math/lanczos.ts';
import type { Whitening } from '../model/whitening.ts';

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
  /**
   * M̂_2's eigenvalues, descending: spectrum[r] (if any) is a noise-level reference. All L
   * when M̂_2 was formed; by Lanczos, the Ritz values of its last step (the top r accurate,
   * the next a rough estimate of where the rest begins).
   */
  spectrum: Float64Array;
}

/**
 * How M̂_2's top eigenpairs are found. 'dense' forms M̂_2: one `countMoments` pass (a Gram
 * pass over X) and about (4 + 8/3)L³ host flops (two whitening products and a partial
 * decomposition). 'lanczos' only applies it, v ↦ S^{-1/2} (Σ π̂ x xᵀ)(S^{-1/2} v) − v: one
 * `directionCrossMoments` pass per Lanczos step (X read twice) and 2L² host flops, a few
 * tens of steps where the top r stand clear of the rest. 'auto' takes Lanczos from
 * LANCZOS_MIN_L, where the L³ costs tens of seconds in JavaScript and more (minutes at
 * L = 4096), and the count Gram's split-K partials (L(L+1)/2 floats each) crowd the
 * device's memory.
 */
export type SecondMomentMethod = 'auto' | 'dense' | 'lanczos';
export const LANCZOS_MIN_L = 1024;

/** M̂_1 and M̂_2's top-r subspace, and how they were found (`latentSubspace`). */
export interface LatentSubspace {
  M1: Float64Array;
  /** M̂_2 itself: formed by the dense method only */
  M2?: Float64Array;
  subspace: Subspace;
  method: 'dense' | 'lanczos';
  /** Lanczos: products (engine passes) taken, and whether the top r converged */
  steps?: number;
  converged?: boolean;
}

/**
 * M̂_1 and M̂_2's top-r eigenpairs (`method`, above). Lanczos stops when every top-r Ritz
 * residual is below 64·u·max|θ| (u the engine's unit roundoff: the products are no more
 * accurate than that), or after min(L, 4r + 40) products.
 */
export async function latentSubspace(engine: Engine, whitening: Whitening, r: number, method: SecondMomentMethod = 'auto'): Promise<LatentSubspace> {
  const L = engine.L;
  if (method === 'dense' || (method === 'auto' && L < LANCZOS_MIN_L)) {
    const { M1, M2 } = await latentMoments(engine, whitening);
    return { M1, M2, subspace: subspaceFromSecondMoment(M2, L, r), method: 'dense' };
  }
  let M1: Float64Array | undefined;
  const apply = async (v: Float64Array) => {
    const u = whitening.atom(v);
    // rows r = 0, 1 of Σ π̂ (xᵀu)^r x: the mean, and the raw second moment times u
    const cross = await engine.directionCrossMoments(u, 1);
    M1 ??= whitening.whiten(cross.subarray(0, L));
    const out = whitening.whiten(cross.subarray(L, 2 * L));
    for (let i = 0; i < L; i++) out[i] -= v[i];
    return out;
  };
  const res = await lanczosTop(apply, L, r, { tol: Math.max(1e-10, 64 * engine.unitRoundoff), maxSteps: Math.min(L, 4 * r + 40) });
  return { M1: M1!, subspace: { L, r, U: res.vectors, D: res.values, spectrum: res.ritz }, method: 'lanczos', steps: res.steps, converged: res.converged };
}

/**
 * M̂_1 = S^{-1/2} Σ π̂ x and M̂_2 = S^{-1/2} (Σ π̂ x xᵀ) S^{-1/2} − I (z coordinates),
 * from one `countMoments` pass.
 */
export async function latentMoments(engine: Engine, whitening: Whitening): Promise<{ M1: Float64Array; M2: Float64Array }> {
  const L = engine.L;
  const { mean, second } = await engine.countMoments();
  const M1 = whitening.whiten(mean);
  const M2 = whitening.congruence(second);
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
  // Above Jacobi's range only the top r eigenvectors are formed (inverse iteration): a
  // fraction of the full decomposition's cost at L in the hundreds or thousands.
  const top = L > JACOBI_MAX_N;
  const eig = top ? symmetricEigenTop(M2, L, r) : symmetricEigen(M2, L);
  const width = top ? r : L;
  const U = new Float64Array(L * r);
  for (let i = 0; i < L; i++) for (let k = 0; k < r; k++) U[i * r + k] = eig.vectors[i * width + k];
  return { L, r, U, D: eig.values.slice(0, r), spectrum: eig.values };
}

// ---------------------------------------------------------------------------
// The third moment, through a projection

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

export function engineThirdMomentOracle(engine: Engine, whitening: Whitening): ThirdMomentOracle {
  const L = engine.L;
  return async (W, K) => {
    const projection = whitening.projection(W, K);
    const { first, third } = await engine.projectedMoments(projection, K);
    const G = matMul(transpose(W, L, K), W, K, L, K);
    return hermiteThirdFromRaw(first, third, G, K);
  };
}

// ---------------------------------------------------------------------------
// How large an atom the moments can believably describe

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

/** max_k |β_k| over the K rows of β (K×L); NaN if any norm is NaN, so `!(worst <= bound)` rejects it. */
export function largestAtomNorm(beta: Float64Array, K: number, L: number): number {
  let worst = 0;
  for (let k = 0; k < K; k++) {
    const n = norm2(beta, L, k * L);
    if (!(n <= worst)) worst = n; // NaN propagates as "worst"
  }
  return worst;
}
