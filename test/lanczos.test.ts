/**
 * math/lanczos.ts against the known spectra of Q diag(λ) Qᵀ: the top r values to the
 * residual bound, the vectors up to sign, an early invariant subspace, and bad input.
 */
import { describe, it, expect } from 'vitest';
import { lanczosTop } from '../src/math/lanczos.ts';
import { Rng } from '../src/math/rng.ts';
import { matVec, symmetricEigen } from '../src/math/linalg.ts';

/** A random orthogonal Q (Gram–Schmidt on normals) and A = Q diag(λ) Qᵀ. */
function withSpectrum(lambda: number[], seed: number): { A: Float64Array; Q: Float64Array } {
  const n = lambda.length;
  const rng = new Rng(seed);
  const Q = new Float64Array(n * n); // columns are the eigenvectors
  for (let c = 0; c < n; c++) {
    const v = rng.normals(n);
    for (let pass = 0; pass < 2; pass++) {
      for (let d = 0; d < c; d++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += Q[i * n + d] * v[i];
        for (let i = 0; i < n; i++) v[i] -= s * Q[i * n + d];
      }
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < n; i++) Q[i * n + c] = v[i] / norm;
  }
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let c = 0; c < n; c++) A[i * n + j] += Q[i * n + c] * lambda[c] * Q[j * n + c];
  return { A, Q };
}

describe('lanczosTop', () => {
  it('finds the top 4 of 200 (a spiked spectrum over a bulk) in far fewer than 200 products', async () => {
    const n = 200;
    const lambda = [50, 30, 20, 12, ...Array.from({ length: n - 4 }, (_, i) => 1 - (2 * i) / n)];
    const { A, Q } = withSpectrum(lambda, 1);
    let products = 0;
    const res = await lanczosTop((v) => (products++, matVec(A, n, n, v)), n, 4, { tol: 1e-10 });
    expect(res.converged).toBe(true);
    expect(res.steps).toBe(products);
    expect(res.steps).toBeLessThan(60);
    for (let k = 0; k < 4; k++) {
      // a Ritz value is within its residual of an eigenvalue (and here the nearest is λ_k)
      expect(Math.abs(res.values[k] - lambda[k])).toBeLessThanOrEqual(res.residuals[k] + 1e-12 * lambda[0]);
      expect(res.residuals[k]).toBeLessThanOrEqual(1e-10 * 50);
      // the vector, up to sign: |⟨u, q_k⟩| = 1 to the residual over the gap (≥ 8)
      let c = 0;
      for (let i = 0; i < n; i++) c += res.vectors[i * 4 + k] * Q[i * n + k];
      expect(1 - Math.abs(c)).toBeLessThan(1e-12);
    }
    // the next Ritz value sits in the bulk, below the 4th
    expect(res.ritz[4]).toBeLessThan(12);
  });

  it('matches symmetricEigen on a small dense matrix where every product is needed (n = 12, r = 12)', async () => {
    const n = 12;
    const rng = new Rng(5);
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = rng.normal();
    const res = await lanczosTop((v) => matVec(A, n, n, v), n, n);
    const want = symmetricEigen(A, n).values;
    expect(res.steps).toBe(n);
    for (let k = 0; k < n; k++) expect(Math.abs(res.values[k] - want[k])).toBeLessThan(1e-10);
  });

  it('stops at an invariant subspace: a rank-2 operator is exhausted after 3 products (its range and the start vector)', async () => {
    const n = 50;
    const { A } = withSpectrum([3, 2, ...new Array(n - 2).fill(0)], 2);
    const res = await lanczosTop((v) => matVec(A, n, n, v), n, 2);
    // the Krylov space of a start q with a null-space part: q, then A q and A² q in the range
    expect(res.steps).toBe(3);
    expect(res.converged).toBe(true);
    expect(res.values[0]).toBeCloseTo(3, 12);
    expect(res.values[1]).toBeCloseTo(2, 12);
  });

  it('n = 1', async () => {
    const res = await lanczosTop((v) => v.map((x) => -2 * x), 1, 1);
    expect([...res.values]).toEqual([-2]);
    expect(Math.abs(res.vectors[0])).toBeCloseTo(1, 15);
  });

  it('reports no convergence when maxSteps runs out', async () => {
    const n = 300;
    // a flat spectrum (no gap at r = 5): 6 products cannot resolve the top 5
    const { A } = withSpectrum(Array.from({ length: n }, (_, i) => 1 - i / n), 3);
    const res = await lanczosTop((v) => matVec(A, n, n, v), n, 5, { maxSteps: 6 });
    expect(res.steps).toBe(6);
    expect(res.converged).toBe(false);
  });

  it('rejects bad input with the reason', async () => {
    const id = (v: Float64Array) => v;
    await expect(lanczosTop(id, 0, 1)).rejects.toThrow(/n must be an integer ≥ 1/);
    await expect(lanczosTop(id, 3, 4)).rejects.toThrow(/r must be an integer in 1\.\.n = 3/);
    await expect(lanczosTop(() => new Float64Array(2), 3, 1)).rejects.toThrow(/the product has 2 values, expected n = 3/);
    await expect(lanczosTop((v) => v.map(() => NaN), 3, 1)).rejects.toThrow(/the product is not finite/);
    await expect(lanczosTop(id, 3, 1, { tol: 0 })).rejects.toThrow(/tol must be > 0/);
  });
});
