/**
 * Standardised (z) coordinates for the design (MATH.md §3): z = A x for a matrix A with
 * A S Aᵀ = I, where S is the design covariance. An atom β in z coordinates is θ = Aᵀβ in
 * the features' own (xᵀθ = zᵀβ), and a moment in x coordinates comes to z by A.
 *
 * MATH.md writes A = S^{-1/2}. Any A with A S Aᵀ = I serves: two differ by a rotation Q
 * (A' = QA), under which the latent moments rotate (M̂₂' = Q M̂₂ Qᵀ, M̂₃ likewise), their
 * eigenvectors and tensor components rotate with them, and every atom Aᵀβ they give back is
 * the same (A'ᵀQβ = Aᵀβ); a random start Aᵀg with g ~ N(0, I/L) has the same law, since
 * AᵀA = S⁻¹ for every such A. So the choice is cost:
 * - up to L = 256, A = S^{-1/2} (`inverseSqrt`, an eigendecomposition: ~10 L³ flops, 0.1 s
 *   at L = 256), the results of every fit at these sizes as they were;
 * - above, A = G⁻¹ for the Cholesky factor S = G Gᵀ: L³/3 flops, and each use a triangular
 *   solve of L² flops, the cost of a product with S^{-1/2}. Measured here
 *   (`npx tsx bench/host-setup.ts --p 5000 --L 1024`, `--p 4096 --L 2048`): 0.30 s against
 *   S^{-1/2}'s 4.9 s at L = 1024, 2.4 s against 38.3 s at L = 2048; by the L³ scaling about
 *   20 s against 5 minutes at L = 4096.
 */
import { fail } from '../errors.ts';
import { choleskyInPlace, matMul, matVec, spectralFunction, symmetricEigen, transpose } from '../math/linalg.ts';
import { solveLower, solveUpper, withTranspose, type CholeskyFactor } from '../math/triangular.ts';

/** Above this L the whitening is Cholesky's, not S^{-1/2} (see the file's comment). */
export const SYMMETRIC_WHITENING_MAX_L = 256;

export type WhiteningMethod = 'symmetric' | 'cholesky';

export interface Whitening {
  readonly L: number;
  readonly method: WhiteningMethod;
  /** z = A x: a vector in feature coordinates (a moment, a feature row) to z coordinates */
  whiten(x: ArrayLike<number>): Float64Array;
  /** θ = Aᵀβ: an atom (or a direction) in z coordinates to feature coordinates */
  atom(beta: ArrayLike<number>): Float64Array;
  /** A M Aᵀ for a symmetric L×L M in feature coordinates (M̂₂ from the raw second moment) */
  congruence(M: Float64Array): Float64Array;
  /** (Aᵀ W)ᵀ = Wᵀ A (K×L) for W (L×K, z coordinates): row k maps x to z's coordinate along W's column k */
  projection(W: Float64Array, K: number): Float64Array;
}

/** S^{-1/2} for the design covariance S (L×L, SPD after the rank check). */
export function inverseSqrt(covariance: Float64Array, L: number): Float64Array {
  return spectralFunction(symmetricEigen(covariance, L), L, (v) => 1 / Math.sqrt(v));
}

/** The fit's whitening of S: S^{-1/2} up to `SYMMETRIC_WHITENING_MAX_L`, Cholesky's above (or as `method` says). */
export function designWhitening(covariance: Float64Array, L: number, method: WhiteningMethod = L > SYMMETRIC_WHITENING_MAX_L ? 'cholesky' : 'symmetric'): Whitening {
  return method === 'cholesky' ? choleskyWhitening(covariance, L) : symmetricWhitening(covariance, L);
}

/** A = S^{-1/2}: symmetric, so `whiten` and `atom` are the same product (the bits every fit had before Cholesky's). */
function symmetricWhitening(covariance: Float64Array, L: number): Whitening {
  const A = inverseSqrt(covariance, L);
  return {
    L,
    method: 'symmetric',
    whiten: (x) => matVec(A, L, L, x),
    atom: (beta) => matVec(A, L, L, beta),
    congruence: (M) => matMul(matMul(A, M, L, L, L), A, L, L, L),
    projection: (W, K) => matMul(transpose(W, L, K), A, K, L, L),
  };
}

/** A = G⁻¹ for S = G Gᵀ: `whiten` a forward substitution, `atom` a back substitution (G⁻ᵀ). */
function choleskyWhitening(covariance: Float64Array, L: number): Whitening {
  const lower = Float64Array.from(covariance.subarray(0, L * L));
  if (!choleskyInPlace(lower, L)) {
    fail('rank-deficient', `the design covariance (L = ${L}) has no Cholesky factor: it is not numerically positive definite, so the features cannot be standardised`);
  }
  const G: CholeskyFactor = withTranspose(lower, L);
  const whiten = (x: ArrayLike<number>) => solveLower(G, x);
  const rowsOf = (M: Float64Array, f: (row: Float64Array) => Float64Array) => {
    const out = new Float64Array(L * L);
    for (let i = 0; i < L; i++) out.set(f(M.subarray(i * L, i * L + L)), i * L);
    return out;
  };
  return {
    L,
    method: 'cholesky',
    whiten,
    atom: (beta) => solveUpper(G, beta),
    // M symmetric, so G⁻¹ applied to M's rows gives the columns of Y = G⁻¹M (the rows of
    // Yᵀ); then row i of Y G⁻ᵀ is G⁻¹ applied to row i of Y
    congruence: (M) => rowsOf(transpose(rowsOf(M, whiten), L, L), whiten),
    projection: (W, K) => {
      const Wt = transpose(W, L, K);
      const out = new Float64Array(K * L);
      for (let k = 0; k < K; k++) out.set(solveUpper(G, Wt.subarray(k * L, k * L + L)), k * L);
      return out;
    },
  };
}
