/**
 * matMul (src/math/linalg.ts) takes four rows of A at a time; each entry of C must still be
 * the sum over l in order, so the result is the one-row loop's to the bit, for row counts
 * that leave every tail, and with zero entries (which the one-row loop skips).
 */
import { describe, it, expect } from 'vitest';
import { matMul, spectralFunction, symmetricEigen } from '../src/math/linalg.ts';
import { Rng } from '../src/math/rng.ts';

function plainMatMul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let l = 0; l < k; l++) for (let j = 0; j < m; j++) c[i * m + j] += a[i * k + l] * b[l * m + j];
  return c;
}

describe('matMul', () => {
  const rng = new Rng(9);
  for (const n of [1, 3, 4, 5, 8, 11]) {
    it(`equals the one-row product exactly (n = ${n}, k = 7, m = 6, a third of A zero)`, () => {
      const [k, m] = [7, 6];
      const a = rng.normals(n * k).map((v, i) => (i % 3 === 0 ? 0 : v));
      const b = rng.normals(k * m);
      expect(Array.from(matMul(a, b, n, k, m))).toEqual(Array.from(plainMatMul(a, b, n, k, m)));
    });
  }
});

describe('spectralFunction', () => {
  it('is V diag(f(λ)) Vᵀ summed over k in order: the column loop it replaced, to the bit', () => {
    const rng = new Rng(10);
    const n = 9;
    const a = rng.normals(n * n);
    const S = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) S[i * n + j] += a[i * n + k] * a[j * n + k];
    const eig = symmetricEigen(S, n);
    const f = (x: number) => 1 / Math.sqrt(x);
    const want = new Float64Array(n * n);
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) want[i * n + j] += eig.vectors[i * n + k] * f(eig.values[k]) * eig.vectors[j * n + k];
    expect(Array.from(spectralFunction(eig, n, f))).toEqual(Array.from(want));
  });
});
