/**
 * A cheap preconditioner for Newton–CG at large L: the design covariance S approximated
 * by its top r eigenpairs plus a diagonal,
 *   P = D + V Λ Vᵀ,  D = diag(S − V Λ Vᵀ) + λI  (the rest of S's diagonal, ≥ 0),
 * applied by the Woodbury identity
 *   P⁻¹g = D⁻¹g − D⁻¹V (Λ⁻¹ + Vᵀ D⁻¹ V)⁻¹ Vᵀ D⁻¹ g
 * in about 2Lr flops per vector, where the exact S + λI costs 2L² (two triangular solves)
 * and its factor L³/3 once. Why: on a GPU the Hessian–vector pass of a CG iteration takes
 * tens of microseconds at (p, L, K) = (2·10⁴, 1024, 8), while the exact solves took 24 ms
 * of host time per iteration (bench/host-time.ts); the low-rank part keeps what makes
 * embeddings ill-conditioned, a few dominant directions, and the diagonal the rest's scale.
 *
 * V and Λ come from a randomized range finder (Halko, Martinsson and Tropp 2011, §4.4):
 * Y = S Ω for r + 8 Gaussian columns, two power iterations with re-orthonormalisation,
 * then the eigenpairs of the small projection QᵀSQ: O(L²r) once per fit, no L³.
 */
import { choleskyInPlace, choleskySolve, dot, matMul, symmetricEigen } from '../math/linalg.ts';
import { Rng } from '../math/rng.ts';
import { matVecFour } from '../math/four-vectors.ts';

/** The rank r of the low-rank part (at most L − 1). */
export const LOW_RANK_PRECONDITIONER_RANK = 64;
const OVERSAMPLE = 8;
const POWER_ITERATIONS = 2;

export interface LowRankPlusDiagonal {
  /** r eigenvectors of S as rows (r × L) */
  V: Float64Array;
  /** their eigenvalues (r), positive */
  values: Float64Array;
  /** 1 / D (L) */
  dInv: Float64Array;
  /** D⁻¹V as rows (r × L): the correction's directions */
  scaled: Float64Array;
  /** Cholesky factor of Λ⁻¹ + Vᵀ D⁻¹ V (r × r, lower) */
  inner: Float64Array;
  r: number;
}

/** P = D + V Λ Vᵀ for the L×L covariance S and ridge λ (see the file's comment). */
export function lowRankPlusDiagonal(S: Float64Array, L: number, ridge: number, rank = LOW_RANK_PRECONDITIONER_RANK): LowRankPlusDiagonal {
  const q = Math.min(L, rank + OVERSAMPLE);
  const rng = new Rng(1);
  // columns of Y stored as rows (q × L): y_i = S ω_i
  let Y: Float64Array = new Float64Array(q * L);
  for (let i = 0; i < q * L; i++) Y[i] = rng.normal();
  Y = times(S, orthonormalRows(Y, q, L), q, L);
  for (let it = 0; it < POWER_ITERATIONS; it++) Y = times(S, orthonormalRows(Y, q, L), q, L);
  const Q = orthonormalRows(Y, q, L);
  const SQ = times(S, Q, q, L);
  const B = new Float64Array(q * q);
  for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) B[i * q + j] = rowDot(Q, i, SQ, j, L);
  const eig = symmetricEigen(B, q);
  let r = 0;
  while (r < Math.min(rank, q, L - 1) && eig.values[r] > 1e-12 * eig.values[0]) r++;
  const V = new Float64Array(r * L);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < q; j++) {
      const u = eig.vectors[j * q + i];
      for (let a = 0; a < L; a++) V[i * L + a] += u * Q[j * L + a];
    }
  }
  const values = eig.values.slice(0, r);
  let trace = 0;
  for (let a = 0; a < L; a++) trace += S[a * L + a];
  // D: the diagonal S's low-rank part leaves (≥ 0 up to rounding), plus λ; floored so that
  // an exactly low-rank S still gives an invertible P
  const floor = 1e-8 * (trace / L) + ridge;
  const dInv = new Float64Array(L);
  for (let a = 0; a < L; a++) {
    let low = 0;
    for (let i = 0; i < r; i++) low += values[i] * V[i * L + a] ** 2;
    dInv[a] = 1 / Math.max(S[a * L + a] - low + ridge, floor);
  }
  const inner = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let a = 0; a < L; a++) s += V[i * L + a] * dInv[a] * V[j * L + a];
      inner[i * r + j] = inner[j * r + i] = s + (i === j ? 1 / values[i] : 0);
    }
  }
  if (!choleskyInPlace(inner, r)) throw new Error('lowRankPlusDiagonal: Λ⁻¹ + VᵀD⁻¹V is not positive definite');
  const scaled = V.map((v, i) => v * dInv[i % L]);
  return { V, values, dInv, scaled, inner, r };
}

/**
 * P⁻¹ applied to the rows k of the K×L block `g` with `rows[k]` (0 elsewhere). The rows are
 * packed and go four at a time through V and D⁻¹V, so that each load of those serves four
 * vectors (independent sums, where one vector's dot products wait on their own adds).
 */
export function applyLowRankPlusDiagonal(P: LowRankPlusDiagonal, L: number, g: Float64Array, rows: readonly boolean[]): Float64Array {
  const { V, dInv, scaled, inner, r } = P;
  const ks = rows.flatMap((on, k) => (on ? [k] : []));
  // D⁻¹g for the rows asked for, packed; padded with zero rows to a multiple of 4 (P⁻¹0 = 0)
  const work = new Float64Array(Math.ceil(ks.length / 4) * 4 * L);
  ks.forEach((k, n) => {
    for (let a = 0; a < L; a++) work[n * L + a] = g[k * L + a] * dInv[a];
  });
  for (let o0 = 0; o0 < work.length; o0 += 4 * L) {
    const [o1, o2, o3] = [o0 + L, o0 + 2 * L, o0 + 3 * L];
    // t = V·(D⁻¹g) for each of the four (math/four-vectors.ts), then u = (Λ⁻¹ + VᵀD⁻¹V)⁻¹ t
    const t = matVecFour(V, r, L, work, [o0, o1, o2, o3]);
    const [u0, u1, u2, u3] = t.map((ti) => choleskySolve(inner, r, ti));
    // D⁻¹g − (D⁻¹V)ᵀu
    for (let i = 0; i < r; i++) {
      const row = i * L;
      const [c0, c1, c2, c3] = [u0[i], u1[i], u2[i], u3[i]];
      for (let a = 0; a < L; a++) {
        const w = scaled[row + a];
        work[o0 + a] -= w * c0;
        work[o1 + a] -= w * c1;
        work[o2 + a] -= w * c2;
        work[o3 + a] -= w * c3;
      }
    }
  }
  const out = new Float64Array(g.length);
  ks.forEach((k, n) => out.set(work.subarray(n * L, n * L + L), k * L));
  return out;
}

/** S·y_i for the q rows y_i of Y, as rows: Y S (S symmetric). */
const times = (S: Float64Array, Y: Float64Array, q: number, L: number): Float64Array => matMul(Y, S, q, L, L);

/** The q rows of Y (q × L) made orthonormal by modified Gram–Schmidt, twice (re-orthogonalised). */
function orthonormalRows(Y: Float64Array, q: number, L: number): Float64Array {
  const Q = Float64Array.from(Y);
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < q; i++) {
      for (let j = 0; j < i; j++) {
        const c = rowDot(Q, i, Q, j, L);
        for (let a = 0; a < L; a++) Q[i * L + a] -= c * Q[j * L + a];
      }
      const n = Math.sqrt(rowDot(Q, i, Q, i, L));
      for (let a = 0; a < L; a++) Q[i * L + a] = n > 0 ? Q[i * L + a] / n : 0;
    }
  }
  return Q;
}

/** Row i of A · row j of B (rows of length L). */
const rowDot = (A: Float64Array, i: number, B: Float64Array, j: number, L: number): number => dot(A, B, L, i * L, j * L);
