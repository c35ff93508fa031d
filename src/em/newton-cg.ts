/**
 * Newton directions without the Hessian, for large L: (∇²A(θ_k) + λ_k I) d_k = g_k solved
 * by preconditioned conjugate gradients, all K components at once. Each CG iteration is
 * one Hessian–vector product pass over p (Engine.hessianVectorProducts, about 4pLK flops)
 * and K preconditioner solves of L² each on the host: nothing of size K·L² is built on the
 * device or read back, and nothing costs L³ per iteration (the dense route's Hessian pass
 * is pL²K/2 and its factorisations K·L³/3; see DENSE_NEWTON_MAX_L).
 *
 * The preconditioner is the design covariance S + λI (one Cholesky factor per fit), or above
 * EXACT_PRECONDITIONER_MAX_L its top eigenpairs plus a diagonal (low-rank-preconditioner.ts): S is
 * ∇²A(0) exactly and ∇²A(θ) ≈ c·S over the items the softmax spreads on, so CG needs few
 * iterations where the softmax is broad. The solve is truncated (inexact Newton): CG stops
 * when the residual's P⁻¹-norm falls below η‖g‖ with η = min(0.5, √‖g‖) (Eisenstat and
 * Walker's forcing term: coarse far from the maximiser, exact near it, which keeps Newton's
 * local superlinear rate), or at negative curvature (float32 noise on a flat direction),
 * where it returns the iterate so far (at the first iteration, the preconditioned gradient).
 */
import type { Engine, HessianPoint } from '../engines/engine.ts';
import { choleskyInPlace } from '../math/linalg.ts';
import { solveRows, withTranspose, type CholeskyFactor } from '../math/triangular.ts';
import { SoftmixError } from '../errors.ts';
import { applyLowRankPlusDiagonal, lowRankPlusDiagonal, type LowRankPlusDiagonal } from './low-rank-preconditioner.ts';

/**
 * Above this L the M-step solves Newton's equations by CG (matrix-free); at or below it, it
 * forms and factors the Hessians (the dense pass's partials are K·L²/2 floats per split,
 * its host solves K·L³/3 flops). Measured by time to solution on the simulated designs
 * (bench/newton-solver.ts).
 */
export const DENSE_NEWTON_MAX_L = 64;

/** CG iterations per Newton step at most (each one pass over p). */
export const CG_MAX_ITERATIONS = 50;

export type NewtonSolver = 'auto' | 'dense' | 'cg';

/** Whether the M-step on `L` features takes the matrix-free route. */
export function usesCg(solver: NewtonSolver | undefined, L: number): boolean {
  return solver === 'cg' || ((solver ?? 'auto') === 'auto' && L > DENSE_NEWTON_MAX_L);
}

export interface CgDirections {
  /** d_k (K×L); 0 for components not asked for */
  directions: Float64Array;
  /** Hessian–vector passes spent */
  passes: number;
  /** CG iterations of the slowest component */
  iterations: number;
}

/**
 * d_k ≈ (∇²A(θ_k) + λ_k I)⁻¹ g_k for every k with `pending[k]`, at Θ = `theta` whose softmax
 * statistics (A, μ) are `at`. `gradients` is K×L; `precondition` solves P d = r for the rows
 * of a K×L block.
 */
export async function cgDirections(
  engine: Engine,
  theta: Float64Array,
  K: number,
  at: HessianPoint,
  gradients: Float64Array,
  pending: readonly boolean[],
  lambda: (k: number) => number,
  precondition: (r: Float64Array, rows: readonly boolean[]) => Float64Array,
  maxIterations = CG_MAX_ITERATIONS,
): Promise<CgDirections> {
  const L = engine.L;
  const x = new Float64Array(K * L);
  const r = Float64Array.from(gradients);
  let z = precondition(r, pending);
  const p = Float64Array.from(z);
  const rz = new Float64Array(K);
  const target = new Float64Array(K);
  const running = pending.slice();
  for (let k = 0; k < K; k++) {
    if (!running[k]) continue;
    rz[k] = dot(r, z, k, L);
    const gNorm = Math.sqrt(Math.max(rz[k], 0));
    target[k] = Math.min(0.5, Math.sqrt(gNorm)) * gNorm;
    if (!(rz[k] > 0)) running[k] = false;
  }
  let passes = 0;
  let iterations = 0;
  for (let it = 0; it < maxIterations && running.some(Boolean); it++) {
    const vectors = new Float64Array(K * L);
    for (let k = 0; k < K; k++) if (running[k]) vectors.set(p.subarray(k * L, k * L + L), k * L);
    const q = await engine.hessianVectorProducts(theta, K, at, vectors);
    passes++;
    iterations = it + 1;
    for (let k = 0; k < K; k++) {
      if (!running[k]) continue;
      const lk = lambda(k);
      for (let a = 0; a < L; a++) q[k * L + a] += lk * p[k * L + a];
      const curvature = dot(p, q, k, L);
      if (!(curvature > 0)) {
        // No positive curvature along p: the iterate so far (or, first time, the
        // preconditioned gradient, the 'design' direction) is the step.
        if (it === 0) x.set(z.subarray(k * L, k * L + L), k * L);
        running[k] = false;
        continue;
      }
      const step = rz[k] / curvature;
      for (let a = 0; a < L; a++) {
        x[k * L + a] += step * p[k * L + a];
        r[k * L + a] -= step * q[k * L + a];
      }
    }
    z = precondition(r, running);
    for (let k = 0; k < K; k++) {
      if (!running[k]) continue;
      const rzNew = dot(r, z, k, L);
      if (!(Math.sqrt(Math.max(rzNew, 0)) > target[k])) {
        running[k] = false;
        continue;
      }
      const beta = rzNew / rz[k];
      rz[k] = rzNew;
      for (let a = 0; a < L; a++) p[k * L + a] = z[k * L + a] + beta * p[k * L + a];
    }
  }
  return { directions: x, passes, iterations };
}

/**
 * Which preconditioner CG uses: 'exact', S + λI by its Cholesky factor (L³/3 flops once per
 * fit, 2L² per vector); 'lowRank', S's top eigenpairs plus a diagonal (low-rank-preconditioner.ts:
 * O(L²r) once, about 2Lr per vector); 'auto' the exact one up to EXACT_PRECONDITIONER_MAX_L.
 */
export type PreconditionerKind = 'auto' | 'exact' | 'lowRank';

/**
 * Above this L, 'auto' takes the low-rank-plus-diagonal preconditioner. On a GPU the host's
 * work is most of a CG iteration's cost: 19 ms per CG iteration with the exact factor, 5.7 ms
 * with the low-rank one, at p = 2·10⁴, L = 1024, K = 8 (bench/host-time.ts, 4 iterations from
 * a random start), where the Hessian–vector pass is tens of microseconds. On the float64 cpu
 * engine the pass is the cost, and the low-rank one took 18% more of them there (419 against
 * 356), so the cpu engine keeps the exact factor up to L = 2048 (its factor is 23 GFLOP at 4096).
 */
export const EXACT_PRECONDITIONER_MAX_L = { device: 256, cpu: 2048 };

/** The preconditioner 'auto' (or `kind`) means for L features on this backend. */
export function preconditionerFor(kind: PreconditionerKind | undefined, L: number, backend: 'cpu' | 'webgpu'): 'exact' | 'lowRank' {
  if (kind === 'exact' || kind === 'lowRank') return kind;
  return L <= EXACT_PRECONDITIONER_MAX_L[backend === 'cpu' ? 'cpu' : 'device'] ? 'exact' : 'lowRank';
}

const factors = new WeakMap<Float64Array, Map<string, CholeskyFactor | LowRankPlusDiagonal>>();

/**
 * Solves P d = r for rows of a K×L block, P ≈ S + λI (S the design covariance) as `kind`
 * says: built once per (S, λ, kind) and kept while S lives (one fit).
 */
export function designPreconditioner(S: Float64Array, L: number, ridge: number, kind: 'exact' | 'lowRank'): (r: Float64Array, rows: readonly boolean[]) => Float64Array {
  const exact = kind === 'exact';
  let cache = factors.get(S);
  if (!cache) factors.set(S, (cache = new Map()));
  const key = `${exact ? 'exact' : 'lowRank'} ${ridge}`;
  let f = cache.get(key);
  if (!f) {
    if (exact) {
      f = withTranspose(designCholesky(S, L, ridge), L);
    } else {
      f = lowRankPlusDiagonal(S, L, ridge);
    }
    cache.set(key, f);
  }
  const factor = f;
  if ('dInv' in factor) return (r, rows) => applyLowRankPlusDiagonal(factor, L, r, rows);
  return (r, rows) => solveRows(factor, r, rows.length, rows);
}

/** The lower Cholesky factor of S + λI (L×L row-major): the exact preconditioner, and the 'design' direction's. */
export function designCholesky(S: Float64Array, L: number, ridge: number): Float64Array {
  const lower = Float64Array.from(S);
  for (let a = 0; a < L; a++) lower[a * L + a] += ridge;
  if (!choleskyInPlace(lower, L)) throw new SoftmixError('rank-deficient', 'the design covariance is not positive definite');
  return lower;
}

function dot(a: Float64Array, b: Float64Array, k: number, L: number): number {
  let s = 0;
  for (let i = k * L; i < (k + 1) * L; i++) s += a[i] * b[i];
  return s;
}
