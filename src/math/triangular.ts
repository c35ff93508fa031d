/**
 * Solves with one Cholesky factor for many right-hand sides at once, in the layout the
 * M-step keeps them (K rows of length n): what the Newton–CG preconditioner (em/newton-cg.ts)
 * applies K times per CG iteration at L up to thousands. `choleskySolve` (linalg.ts) walks
 * a column of the factor in its back substitution, a stride of n per element; here both
 * substitutions stream along rows, the back one along the factor's transpose, which
 * `CholeskyFactor` keeps beside it.
 */

/** A Cholesky factor G (lower, G Gᵀ = A) and its transpose, both row-major n×n. */
export interface CholeskyFactor {
  n: number;
  lower: Float64Array;
  upper: Float64Array;
}

/** The factor of `choleskyInPlace` (lower triangle of `lower` used), with its transpose. */
export function withTranspose(lower: Float64Array, n: number): CholeskyFactor {
  const upper = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k <= i; k++) upper[k * n + i] = lower[i * n + k];
  return { n, lower, upper };
}

/**
 * X with A xᵣ = bᵣ for each row r of B (m × n, row-major) where `active[r]` is true (the
 * other rows of X are 0).
 */
export function solveRows(f: CholeskyFactor, B: Float64Array, m: number, active?: readonly boolean[]): Float64Array {
  const { n } = f;
  const X = new Float64Array(m * n);
  for (let r = 0; r < m; r++) {
    if (active && !active[r]) continue;
    X.set(solveUpper(f, solveLower(f, B.subarray(r * n, r * n + n))), r * n);
  }
  return X;
}

/** x with G x = b (forward substitution along G's rows). */
export function solveLower(f: CholeskyFactor, b: ArrayLike<number>): Float64Array {
  const { n, lower } = f;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    const row = i * n;
    for (let k = 0; k < i; k++) s -= lower[row + k] * x[k];
    x[i] = s / lower[row + i];
  }
  return x;
}

/** x with Gᵀ x = b (back substitution along the rows of Gᵀ, kept as `upper`). */
export function solveUpper(f: CholeskyFactor, b: ArrayLike<number>): Float64Array {
  const { n, upper } = f;
  const x = Float64Array.from({ length: n }, (_, i) => b[i]);
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    const row = i * n;
    for (let k = i + 1; k < n; k++) s -= upper[row + k] * x[k];
    x[i] = s / upper[row + i];
  }
  return x;
}
