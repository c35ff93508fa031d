// The tensor route on exact inputs: orthogonal decomposition, whitening, tensorMom, and momEstimate on a population engine.
import { describe, it, expect } from 'vitest';
import { Rng } from '../../src/math/rng.ts';
import { matVec, matMul, transpose } from '../../src/math/linalg.ts';
import { subspaceFromSecondMoment } from '../../src/mom/moments.ts';
import { decomposeOrthogonalTensor, whitening, tensorMom } from '../../src/mom/tensor.ts';
import { momEstimate, type MomSuccess } from '../../src/mom/index.ts';
import { randomOrthonormal, randomMixture, randomSpd, matchedErrors, toTheta, dotArr, PopulationEngine } from './helpers.ts';

describe('orthogonal tensor decomposition (Jennrich + power refinement)', () => {
  for (let K = 2; K <= 6; K++) {
    it(`recovers a planted Σ λ_k v_k^⊗3 to 1e-8 (K = ${K})`, () => {
      const rng = new Rng(100 + K);
      const V = randomOrthonormal(K, rng);
      const lambda = Float64Array.from({ length: K }, () => 1 + 2 * rng.uniform());
      // one planted with a negative sign: λ (−v)^⊗3 = −λ v^⊗3 must come back as (λ, −v)
      const sign = Float64Array.from({ length: K }, (_, k) => (k === 1 ? -1 : 1));
      const T = new Float64Array(K * K * K);
      for (let k = 0; k < K; k++)
        for (let a = 0; a < K; a++)
          for (let b = 0; b < K; b++)
            for (let c = 0; c < K; c++) T[(a * K + b) * K + c] += sign[k] * lambda[k] * V[a * K + k] * V[b * K + k] * V[c * K + k];
      const dec = decomposeOrthogonalTensor(T, K, new Rng(7));
      expect(dec.refined).toBe(true);
      const used = new Set<number>();
      for (let k = 0; k < K; k++) {
        const vk = Float64Array.from({ length: K }, (_, a) => sign[k] * V[a * K + k]);
        let best = -1;
        let bestDot = -Infinity;
        for (let j = 0; j < K; j++) {
          const d = dotArr(vk, dec.vectors.subarray(j * K, j * K + K));
          if (d > bestDot) [best, bestDot] = [j, d];
        }
        expect(used.has(best)).toBe(false);
        used.add(best);
        for (let a = 0; a < K; a++) expect(Math.abs(dec.vectors[best * K + a] - vk[a])).toBeLessThan(1e-8);
        expect(Math.abs(dec.lambda[best] - lambda[k])).toBeLessThan(1e-8);
      }
    });
  }
});

describe('whitening', () => {
  for (const [K, L] of [
    [2, 2],
    [3, 7],
    [5, 12],
  ]) {
    it(`Wᵀ M₂ W = I to 1e-10 for exact M₂ = Σ α_k β_k β_kᵀ (K = ${K}, L = ${L})`, () => {
      const rng = new Rng(K * 31 + L);
      const { alpha, beta } = randomMixture(K, L, rng);
      const M2 = new Float64Array(L * L);
      for (let k = 0; k < K; k++)
        for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) M2[a * L + b] += alpha[k] * beta[k * L + a] * beta[k * L + b];
      const sub = subspaceFromSecondMoment(M2, L, K);
      const W = whitening(sub);
      const WtMW = matMul(matMul(transpose(W, L, K), M2, K, L, L), W, K, L, K);
      for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) expect(Math.abs(WtMW[a * K + b] - (a === b ? 1 : 0))).toBeLessThan(1e-10);
      // the remaining eigenvalues of an exact rank-K M₂ vanish
      for (let i = K; i < L; i++) expect(Math.abs(sub.spectrum[i])).toBeLessThan(1e-12);
    });
  }
});

describe('the MoM map on exact moments', () => {
  for (const [K, L] of [
    [2, 3],
    [3, 3],
    [3, 8],
    [5, 9],
  ]) {
    it(`tensorMom sends Σ α_k β_k^⊗r back to α, β to 1e-8 (K = ${K}, L = ${L})`, async () => {
      const rng = new Rng(K * 7 + L);
      const { alpha, beta } = randomMixture(K, L, rng);
      const M1 = new Float64Array(L);
      const M2 = new Float64Array(L * L);
      for (let k = 0; k < K; k++)
        for (let a = 0; a < L; a++) {
          M1[a] += alpha[k] * beta[k * L + a];
          for (let b = 0; b < L; b++) M2[a * L + b] += alpha[k] * beta[k * L + a] * beta[k * L + b];
        }
      const oracle = (W: Float64Array, Kw: number) => {
        const T = new Float64Array(Kw ** 3);
        for (let k = 0; k < K; k++) {
          const y = matVec(transpose(W, L, Kw), Kw, L, beta.subarray(k * L, k * L + L));
          for (let a = 0; a < Kw; a++)
            for (let b = 0; b < Kw; b++) for (let c = 0; c < Kw; c++) T[(a * Kw + b) * Kw + c] += alpha[k] * y[a] * y[b] * y[c];
        }
        return T;
      };
      const res = await tensorMom(M1, subspaceFromSecondMoment(M2, L, K), L, K, oracle, new Rng(3));
      expect(res.ok).toBe(true);
      if (!res.ok) return;
      const e = matchedErrors(res.alpha, res.beta, alpha, beta, K, L);
      expect(e.atom).toBeLessThan(1e-8);
      expect(e.weight).toBeLessThan(1e-8);
      expect(res.firstMomentResidual).toBeLessThan(1e-8);
      expect(res.warnings).toEqual([]);
    });
  }

  for (const [K, L] of [
    [1, 4],
    [2, 2],
    [3, 6],
    [4, 10],
  ]) {
    it(`momEstimate on an exact population engine recovers α, θ to 1e-8 (K = ${K}, L = ${L}, correlated design)`, async () => {
      const rng = new Rng(K * 13 + L);
      const { alpha, beta } = randomMixture(K, L, rng);
      const S = randomSpd(L, rng);
      const engine = new PopulationEngine(L, alpha, beta, S);
      const res = await momEstimate(engine, K, { covariance: S }, { seed: 5 });
      expect(res.ok).toBe(true);
      const ok = res as MomSuccess;
      expect(ok.diagnostics.route).toBe(K === 1 ? 'mean' : 'tensor');
      const e = matchedErrors(ok.alpha, ok.theta, alpha, toTheta(beta, K, L, S), K, L);
      expect(e.atom).toBeLessThan(1e-8);
      expect(e.weight).toBeLessThan(1e-8);
      expect(ok.diagnostics.passes).toBe(K === 1 ? 1 : 2);
    });
  }

  it('fails with a reason (and still returns the subspace) when M₂ has fewer than K positive eigenvalues', async () => {
    const L = 4;
    const K = 3;
    // three atoms in a 2-dimensional plane: M₂ has rank 2
    const beta = Float64Array.from([1, 0, 0, 0, 0, 1.2, 0, 0, -0.8, -0.7, 0, 0]);
    const alpha = Float64Array.from([0.3, 0.3, 0.4]);
    const S = randomSpd(L, new Rng(1));
    const res = await momEstimate(new PopulationEngine(L, alpha, beta, S), K, { covariance: S }, { seed: 1 });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.reason).toMatch(/only 2 clearly positive eigenvalue/);
    expect(res.subspace?.r).toBe(3);
  });
});
