// Subspace starts (MATH.md §5): atoms in the subspace, uniform α, reproducible seeds, scale.
import { describe, it, expect } from 'vitest';
import { Rng } from '../../src/math/rng.ts';
import { designWhitening } from '../../src/model/whitening.ts';
import { symmetricEigen, spectralFunction, matVec, transpose } from '../../src/math/linalg.ts';
import { subspaceFromSecondMoment } from '../../src/mom/moments.ts';
import { subspaceStarts, subspaceStart } from '../../src/mom/subspace.ts';
import { randomSpd, randomMixture, dotArr } from './helpers.ts';

describe('subspace starts', () => {
  it('θ_k = S^{-1/2} U g_k: atoms lie in the subspace, α uniform, reproducible per seed', () => {
    const L = 6;
    const K = 3;
    const rng = new Rng(8);
    const S = randomSpd(L, rng);
    const { alpha, beta } = randomMixture(K, L, rng);
    const M2 = new Float64Array(L * L);
    for (let k = 0; k < K; k++)
      for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) M2[a * L + b] += alpha[k] * beta[k * L + a] * beta[k * L + b];
    const sub = subspaceFromSecondMoment(M2, L, K);
    const inv = designWhitening(S, L, 'symmetric');
    const sqrtS = spectralFunction(symmetricEigen(S, L), L, Math.sqrt);
    const starts = subspaceStarts(sub, K, L, inv, 4, 123);
    expect(starts).toHaveLength(4);
    expect(new Set(starts.map((s) => s.seed)).size).toBe(4);
    for (const s of starts) {
      expect(s.kind).toBe('subspace');
      expect(Array.from(s.alpha)).toEqual([1 / 3, 1 / 3, 1 / 3]);
      for (let k = 0; k < K; k++) {
        // β = S^{1/2} θ must equal U Uᵀ β
        const b = matVec(sqrtS, L, L, s.theta.subarray(k * L, k * L + L));
        const coef = matVec(transpose(sub.U, L, K), K, L, b);
        const back = matVec(sub.U, L, K, coef);
        for (let l = 0; l < L; l++) expect(Math.abs(back[l] - b[l])).toBeLessThan(1e-12);
      }
      const again = subspaceStart(sub, K, inv, s.seed!);
      expect(Array.from(again.theta)).toEqual(Array.from(s.theta));
    }
    // scale: E|g|² = Σ D / K, checked loosely over many draws
    const many = subspaceStarts(sub, K, L, inv, 400, 9);
    let sq = 0;
    for (const s of many)
      for (let k = 0; k < K; k++) sq += norm2Sq(matVec(sqrtS, L, L, s.theta.subarray(k * L, k * L + L)));
    const expected = sub.D.reduce((a, b) => a + b, 0) / K;
    expect(sq / (400 * K)).toBeGreaterThan(0.85 * expected);
    expect(sq / (400 * K)).toBeLessThan(1.15 * expected);
  });
});

function norm2Sq(v: ArrayLike<number>): number {
  return dotArr(v, v);
}
