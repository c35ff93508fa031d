// The univariate route through momEstimate on exact population moments: L = 1, and K > L with cross moments.
import { describe, it, expect } from 'vitest';
import { Rng } from '../../src/math/rng.ts';
import { momEstimate, type MomSuccess } from '../../src/mom/index.ts';
import { randomMixture, randomSpd, matchedErrors, toTheta, PopulationEngine } from './helpers.ts';

describe('the univariate route on exact moments', () => {
  for (let K = 1; K <= 4; K++) {
    it(`momEstimate with L = 1 recovers ${K} atoms and weights from an exact population to 1e-8`, async () => {
      const rng = new Rng(70 + K);
      const atoms = Float64Array.from({ length: K }, (_, k) => -1.8 + (3.6 * (k + 0.25 + 0.5 * rng.uniform())) / K);
      const alpha = Float64Array.from({ length: K }, () => 0.5 + rng.uniform());
      const tw = alpha.reduce((a, b) => a + b, 0);
      for (let k = 0; k < K; k++) alpha[k] /= tw;
      const S = Float64Array.of(2.5);
      const res = await momEstimate(new PopulationEngine(1, alpha, atoms, S), K, { covariance: S }, { seed: 2 });
      expect(res.ok).toBe(true);
      const ok = res as MomSuccess;
      expect(ok.diagnostics.route).toBe(K === 1 ? 'mean' : 'univariate');
      const e = matchedErrors(ok.alpha, ok.theta, alpha, atoms.map((b) => b / Math.sqrt(2.5)), K, 1);
      expect(e.atom).toBeLessThan(1e-8);
      expect(e.weight).toBeLessThan(1e-8);
    });
  }

  for (const [K, L] of [
    [3, 2],
    [4, 3],
  ]) {
    it(`K = ${K} > L = ${L}: cross moments give the full atoms exactly`, async () => {
      const rng = new Rng(K * 100 + L);
      const { alpha, beta } = randomMixture(K, L, rng);
      const S = randomSpd(L, rng);
      const truth = toTheta(beta, K, L, S);
      const res = await momEstimate(new PopulationEngine(L, alpha, beta, S), K, { covariance: S }, { seed: 4 });
      expect(res.ok).toBe(true);
      const ok = res as MomSuccess;
      expect(ok.diagnostics.route).toBe('univariate');
      expect(ok.diagnostics.crossMoments).toBe(true);
      expect(ok.diagnostics.denoised).toBe(false);
      expect(ok.diagnostics.momentMisfit).toBeLessThan(1e-8);
      expect(ok.warnings).toEqual([]);
      const e = matchedErrors(ok.alpha, ok.theta, alpha, truth, K, L);
      expect(e.atom).toBeLessThan(1e-8);
      expect(e.weight).toBeLessThan(1e-8);
    });
  }
});
