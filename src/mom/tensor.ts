/**
 * The tensor route (MATH.md §4, 2 ≤ K ≤ L): whiten with M̂_2's top-K eigenpairs, take the
 * whitened third moment T = M̂_3(W, W, W) (K³, never L³) from an oracle, decompose it
 * orthogonally (Jennrich, then tensor power refinement), and map the components back to
 * weights and atoms. `tensorMom` is a pure map of the moments, so exact moments test it.
 */
import type { Rng } from '../math/rng.ts';
import { symmetricEigen, norm2, dot } from '../math/linalg.ts';
import type { Subspace, ThirdMomentOracle } from './moments.ts';

// ---------------------------------------------------------------------------
// Whitening

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
 * MATH.md §4 for 2 ≤ K ≤ L in z coordinates: (M̂_1, M̂_2's top-K subspace, T-oracle) →
 * (α, β). Exact moments Σ α_k β_k^{⊗r} (linearly independent β_k) give α, β back exactly.
 * The subspace comes from `latentSubspace` (M̂_2 formed, or applied by Lanczos at large L).
 */
export async function tensorMom(
  M1: Float64Array,
  subspace: Subspace,
  L: number,
  K: number,
  oracle: ThirdMomentOracle,
  rng: Rng,
  options: { trials?: number; maxPowerIterations?: number } = {},
): Promise<TensorMomResult> {
  if (K > L) throw new RangeError(`tensorMom needs K ≤ L, got K = ${K}, L = ${L}`);
  if (subspace.r !== K || subspace.L !== L) throw new RangeError(`tensorMom needs M̂_2's top K = ${K} eigenpairs in L = ${L}, got r = ${subspace.r}, L = ${subspace.L}`);
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
