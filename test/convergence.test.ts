import { describe, it, expect, beforeAll } from 'vitest';
import { convergenceTarget, rateBound, ROUNDING_ULPS } from '../src/em/convergence.ts';
import { simulate } from '../src/model/simulate.ts';
import { fitSoftmaxMixture, type FitResult } from '../src/fit/fit.ts';

describe('the rate bound (gains of whole steps, target 0.01 nats)', () => {
  const target = 0.01;
  it('certifies nothing from fewer than three steps', () => {
    expect(rateBound([1e-6, 1e-7], target)).toBe(Infinity);
  });
  it('bounds a geometric tail: Δ·r/(1−r) with r the larger of the last two ratios', () => {
    // gains 0.04, 0.02, 0.005: r = max(0.25, 0.5) = 0.5, bound 0.005·0.5/0.5
    expect(rateBound([0.04, 0.02, 0.005], target)).toBeCloseTo(0.005, 15);
  });
  it('certifies nothing when the steps barely shrink (slow linear EM)', () => {
    // r = 0.99: 0.009 now, 0.89 still to come
    expect(rateBound([0.00919, 0.0091, 0.009], target)).toBeGreaterThan(target);
  });
  it('a small gain after a large one is not trusted when the one before was smaller (erratic SQUAREM)', () => {
    expect(rateBound([0.02, 0.5, 0.005], target)).toBe(Infinity);
  });
  it('does not stop on a small drop right after a clear rise (float32 noise)', () => {
    expect(rateBound([1000, 10, -1e-4], target)).toBe(Infinity);
  });
  it('stops when the gains are all within the target and the last is a drop', () => {
    expect(rateBound([1e-3, 2e-3, -1e-4], target)).toBe(0);
  });
  it('a last gain above the target certifies nothing', () => {
    expect(rateBound([1, 0.1, 0.011], target)).toBe(Infinity);
  });
});

describe('the target of the test', () => {
  it('is tol·N nats, floored at the rounding of the objective', () => {
    expect(convergenceTarget(1e-8, 1e7, -9e7, 2 ** -53)).toEqual({ target: 0.1, atRoundingFloor: false });
    // float32: 16 ulps of |ℓ| = 9e7 is 16·2⁻²⁴·9e7 ≈ 86 nats, above tol·N = 0.1
    const f32 = convergenceTarget(1e-8, 1e7, -9e7, 2 ** -24);
    expect(f32.atRoundingFloor).toBe(true);
    expect(f32.target).toBeCloseTo(ROUNDING_ULPS * 2 ** -24 * 9e7, 6);
  });
});

/**
 * The case where the relative test lied: L = 1, K = 4, atoms evenly spaced on [−2, 2],
 * p = 2·10⁴, N = 10⁷, |ℓ| ≈ 9.4·10⁷ (tol·|ℓ| = 0.94 nats a step under the old rule; this
 * seed stopped 17 nats short with converged: true). The reference is the default fit carried
 * on at tol 0 for 300 more iterations (SQUAREM + Newton–Raphson: quadratic at the end).
 */
describe('converged means the gain still to come is small in nats (L = 1, K = 4, N = 1e7)', () => {
  const sim = simulate({ p: 20000, L: 1, K: 4, N: 1e7, theta: [-2, -2 / 3, 2 / 3, 2], seed: 1 });
  const data = { features: sim.features, p: sim.p, L: 1, counts: sim.counts };
  let fit: FitResult;
  let best: number;
  beforeAll(async () => {
    fit = await fitSoftmaxMixture(data, { K: 4, backend: 'cpu', seed: 1 });
    const onward = await fitSoftmaxMixture(data, { K: 4, backend: 'cpu', tol: 0, maxIter: 300, restarts: 0, init: { alpha: fit.alpha, theta: fit.theta } });
    best = Math.max(fit.logLik, onward.logLik);
  }, 120_000);

  it('the default fit ends within tol·N = 0.1 nats of the maximum, and its certificate bounds the rest', () => {
    expect(fit.converged).toBe(true);
    expect(fit.convergence).not.toBeNull();
    expect(fit.convergence!.target).toBeCloseTo(1e-8 * 1e7, 12);
    expect(best - fit.logLik).toBeLessThanOrEqual(fit.convergence!.target);
  });

  it('a fit stopped short by maxIter says converged: false', async () => {
    for (const maxIter of [10, 25]) {
      const short = await fitSoftmaxMixture(data, { K: 4, backend: 'cpu', seed: 1, maxIter });
      // the test is only meaningful where the cut-off fit really is short of the maximum
      expect(best - short.logLik).toBeGreaterThan(1);
      expect(short.converged).toBe(false);
      expect(short.convergence).toBeNull();
      expect(short.warnings.some((w) => w.includes('did not converge'))).toBe(true);
    }
  }, 60_000);

  it('under a loose tol, converged still means short by at most tol·N', async () => {
    for (const tol of [1e-7, 1e-6]) {
      const loose = await fitSoftmaxMixture(data, { K: 4, backend: 'cpu', seed: 1, tol });
      expect(loose.converged).toBe(true);
      expect(best - loose.logLik).toBeLessThanOrEqual(tol * 1e7);
    }
  }, 60_000);
});
