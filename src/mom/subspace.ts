/**
 * Restarts in the estimated subspace (MATH.md §5): random atoms drawn inside the span of
 * M̂_2's top eigenvectors, scaled by its eigenvalues. The fit's fallback when the moment
 * estimate fails, and its restarts besides the warm start.
 */
import { Rng } from '../math/rng.ts';
import { matVec } from '../math/linalg.ts';
import type { Whitening } from '../model/whitening.ts';
import type { StartPoint } from '../model/starts.ts';
import type { Subspace } from './moments.ts';

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

/** One subspace start: θ_k = S^{-1/2} U g_k (Aᵀ U g_k for the whitening A), g_k ~ N(0, diag(D)/K), uniform α. Reproducible from `seed`. */
export function subspaceStart(subspace: Subspace, K: number, whitening: Whitening, seed: number): StartPoint {
  const { L, r, U } = subspace;
  const sd = subspaceVariances(subspace, K).map(Math.sqrt);
  const rng = new Rng(seed);
  const theta = new Float64Array(K * L);
  for (let k = 0; k < K; k++) {
    const g = rng.normals(r);
    for (let i = 0; i < r; i++) g[i] *= sd[i];
    const beta = matVec(U, L, r, g);
    theta.set(whitening.atom(beta), k * L);
  }
  return { kind: 'subspace', seed, alpha: new Float64Array(K).fill(1 / K), theta };
}

/** R subspace starts; start i uses the seed `new Rng(seed)`'s i-th `nextUint32()` (recorded in `seed`). */
export function subspaceStarts(
  subspace: Subspace,
  K: number,
  L: number,
  whitening: Whitening,
  R: number,
  seed: number,
): StartPoint[] {
  if (subspace.L !== L) throw new RangeError(`subspaceStarts: subspace has L = ${subspace.L}, expected ${L}`);
  const seeds = new Rng(seed);
  const out: StartPoint[] = [];
  for (let i = 0; i < R; i++) out.push(subspaceStart(subspace, K, whitening, seeds.nextUint32()));
  return out;
}
