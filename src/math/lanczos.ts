/**
 * The top eigenpairs of a symmetric operator known only through its products, by Lanczos
 * iteration with full reorthogonalisation (Golub & Van Loan, "Matrix Computations", §10.1).
 *
 * Why it exists: the method-of-moments warm start needs the top K eigenpairs of the latent
 * second moment M̂_2 (L × L). Forming M̂_2 costs a Gram pass and L³ flops on the host (two
 * whitening products and a decomposition: minutes at L = 4096 in JavaScript); each product
 * M̂_2·v is instead one pass over X on the device plus O(L²) on the host, and a well-separated
 * top K converges in a few tens of products.
 *
 * After m steps the basis Q_m (m orthonormal vectors) and the tridiagonal T_m = Q_mᵀ A Q_m
 * (diagonal a, off-diagonal b) give Ritz pairs (θ_i, Q_m y_i); the residual of pair i is
 * exactly |b_m · y_i[m−1]| (‖A u − θ u‖ for u = Q_m y_i, in exact arithmetic). Iteration
 * stops when the top r residuals are below tol·max|θ|, when an invariant subspace is found
 * (b_m ≈ 0: the Ritz pairs are then exact), or at maxSteps. Every new vector is
 * orthogonalised twice against the whole basis ("twice is enough"), so no ghost copies of
 * converged eigenvalues appear: O(n·m) per step beside the product.
 */
import { Rng } from './rng.ts';
import { tridiagonalEigen } from './tridiagonal-eigen.ts';
import { dot, norm2 } from './linalg.ts';

export interface LanczosOptions {
  /** relative residual ‖Au − θu‖ / max|θ| below which a Ritz pair has converged (default 1e-8) */
  tol?: number;
  /** products at most (default min(n, max(4r + 40, 80))) */
  maxSteps?: number;
  /** seeds the start vector (default 1) */
  seed?: number;
}

export interface LanczosResult {
  /** the top r Ritz values, descending */
  values: Float64Array;
  /** their Ritz vectors as the columns of a row-major n × r matrix */
  vectors: Float64Array;
  /** every Ritz value of the last T_m, descending (values[r] of it: where the rest of the spectrum starts, roughly) */
  ritz: Float64Array;
  /** the top r residuals ‖Au − θu‖ */
  residuals: Float64Array;
  /** products taken (m) */
  steps: number;
  /** every top-r residual below tol·max|θ|, or an invariant subspace reached */
  converged: boolean;
}

/** The top r eigenpairs of the symmetric n × n operator `apply` (v ↦ A v; may be asynchronous: one device pass). */
export async function lanczosTop(apply: (v: Float64Array) => Float64Array | Promise<Float64Array>, n: number, r: number, options: LanczosOptions = {}): Promise<LanczosResult> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`lanczosTop: n must be an integer ≥ 1, got ${n}`);
  if (!Number.isInteger(r) || r < 1 || r > n) throw new RangeError(`lanczosTop: r must be an integer in 1..n = ${n}, got ${r}`);
  const tol = options.tol ?? 1e-8;
  const maxSteps = Math.min(n, options.maxSteps ?? Math.max(4 * r + 40, 80));
  if (!(tol > 0) || !Number.isInteger(maxSteps) || maxSteps < r) throw new RangeError(`lanczosTop: tol must be > 0 and maxSteps an integer ≥ r, got tol = ${tol}, maxSteps = ${maxSteps}`);

  const basis: Float64Array[] = [];
  const a: number[] = [];
  const b: number[] = [];
  let q = unit(new Rng(options.seed ?? 1).normals(n));
  let done: { eig: Tridiagonal; converged: boolean; beta: number } | null = null;
  while (!done) {
    basis.push(q);
    const w = Float64Array.from(await apply(q));
    if (w.length !== n) throw new RangeError(`lanczosTop: the product has ${w.length} values, expected n = ${n}`);
    for (let i = 0; i < n; i++) if (!Number.isFinite(w[i])) throw new RangeError(`lanczosTop: the product is not finite (${w[i]} at ${i})`);
    a.push(dot(q, w));
    orthogonalise(w, basis);
    orthogonalise(w, basis);
    const beta = norm2(w);
    const m = basis.length;
    // Ritz values every step once r are there (T_m is m × m: microseconds beside a pass)
    if (m >= r) {
      const eig = tridiagonal(a, b, m);
      const scale = Math.max(...eig.values.map(Math.abs), Number.MIN_VALUE);
      const invariant = beta <= 1e-12 * scale || m === n;
      let converged = true;
      for (let i = 0; i < r; i++) if (Math.abs(beta * eig.vectors[(m - 1) * m + i]) > tol * scale) converged = false;
      if (invariant || converged || m === maxSteps) done = { eig, converged: converged || invariant, beta };
    }
    if (!done) {
      b.push(beta);
      q = w.map((v) => v / beta);
    }
  }
  const { eig, converged, beta } = done;
  const m = basis.length;
  const vectors = new Float64Array(n * r);
  const residuals = new Float64Array(r);
  for (let i = 0; i < r; i++) {
    residuals[i] = Math.abs(beta * eig.vectors[(m - 1) * m + i]);
    for (let j = 0; j < m; j++) {
      const y = eig.vectors[j * m + i];
      const qj = basis[j];
      for (let l = 0; l < n; l++) vectors[l * r + i] += y * qj[l];
    }
  }
  return { values: eig.values.slice(0, r), vectors, ritz: eig.values, residuals, steps: m, converged };
}

interface Tridiagonal {
  values: Float64Array;
  /** eigenvectors of T_m as columns, row-major m × m */
  vectors: Float64Array;
}

function tridiagonal(a: readonly number[], b: readonly number[], m: number): Tridiagonal {
  const t = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    t[i * m + i] = a[i];
    if (i + 1 < m) t[i * m + i + 1] = t[(i + 1) * m + i] = b[i];
  }
  return tridiagonalEigen(t, m);
}

function orthogonalise(w: Float64Array, basis: readonly Float64Array[]): void {
  for (const q of basis) {
    const c = dot(q, w);
    for (let i = 0; i < w.length; i++) w[i] -= c * q[i];
  }
}

function unit(x: Float64Array): Float64Array {
  const s = norm2(x);
  return x.map((v) => v / s);
}
