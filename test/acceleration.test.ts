import { describe, it, expect } from 'vitest';
import { squaremStep, isConverged, type State } from '../src/em.ts';
import { simulate } from '../src/simulate.ts';
import { fitSoftmaxMixture } from '../src/fit.ts';

function state(alpha: number[], theta: number[], logLik: number): State {
  return {
    alpha: Float64Array.from(alpha),
    theta: Float64Array.from(theta),
    e: { logLik, weights: new Float64Array(alpha.length), featureSums: new Float64Array(theta.length) },
  };
}

describe('SQUAREM safeguard', () => {
  // Three EM points moving steadily along θ: the S3 step length is |r|/|v| = 10.
  const s0 = state([0.5, 0.5], [0, 0], -100);
  const s1 = state([0.5, 0.5], [0.1, 0], -90);
  const s2 = state([0.5, 0.5], [0.19, 0], -85);

  it('rejects an extrapolation that lowers ℓ below the plain EM point, after shortening the step', async () => {
    const tried: number[] = [];
    const result = await squaremStep(s0, s1, s2, 2, 1, async (p) => {
      tried.push(p.theta[0]);
      return { ...p, e: { ...s2.e, logLik: -1000 } }; // every extrapolated point is worse
    });
    expect(result).toBeNull();
    // Steps s = −10, −5.5, −3.25: each attempt moves back towards x2 (θ = 0.19 at s = −1).
    expect(tried.length).toBe(3);
    expect(tried[0]).toBeCloseTo(-2 * -10 * 0.1 + 100 * -0.01, 12);
    for (let i = 1; i < tried.length; i++) expect(Math.abs(tried[i] - 0.19)).toBeLessThan(Math.abs(tried[i - 1] - 0.19));
  });

  it('accepts the first extrapolation whose ℓ reaches ℓ(x2)', async () => {
    let calls = 0;
    const result = await squaremStep(s0, s1, s2, 2, 1, async (p) => {
      calls++;
      return { ...p, e: { ...s2.e, logLik: calls === 1 ? -86 : -84 } }; // first worse, second better
    });
    expect(calls).toBe(2);
    expect(result!.e.logLik).toBe(-84);
  });

  it('keeps α on the simplex whatever the step (extrapolation in log α)', async () => {
    const a0 = state([0.5, 0.5], [0, 0], -100);
    const a1 = state([0.3, 0.7], [0, 0], -90);
    const a2 = state([0.2, 0.8], [0, 0], -85);
    const result = await squaremStep(a0, a1, a2, 2, 1, async (p) => ({ ...p, e: { ...a2.e, logLik: -80 } }));
    expect(result!.alpha[0]).toBeGreaterThan(0);
    expect(result!.alpha[0] + result!.alpha[1]).toBeCloseTo(1, 15);
  });
});

describe('accelerated EM against plain EM (same start, same tol)', () => {
  // A setting where plain EM is slow (398 E-steps): the case acceleration is for. Where
  // plain EM needs only tens of E-steps the saving is smaller (see the README's table).
  const sim = simulate({ p: 2000, L: 5, K: 4, N: 1e6, thetaNorm: 1.5, seed: 3 });
  const data = { features: sim.features, p: sim.p, L: sim.L, counts: sim.counts };
  const common = { K: 4, backend: 'cpu' as const, seed: 3, tol: 1e-10, maxIter: 5000, init: 'random' as const, restarts: 0 };

  it('the default (SQUAREM) uses at most a third of the E-steps and ends no lower than 0.1 nats below', async () => {
    const plain = await fitSoftmaxMixture(data, { ...common, accelerate: false });
    const fast = await fitSoftmaxMixture(data, common);
    expect(plain.converged).toBe(true);
    expect(fast.converged).toBe(true);
    expect(fast.logLik).toBeGreaterThanOrEqual(plain.logLik - 0.1);
    expect(fast.eSteps * 3).toBeLessThanOrEqual(plain.eSteps);
    for (let t = 1; t < fast.trace.length; t++) expect(fast.trace[t]).toBeGreaterThanOrEqual(fast.trace[t - 1]);
  });

  it('Anderson acceleration keeps ℓ monotone and reaches the same maximum', async () => {
    const plain = await fitSoftmaxMixture(data, { ...common, accelerate: false });
    const anderson = await fitSoftmaxMixture(data, { ...common, acceleration: 'anderson' });
    expect(anderson.converged).toBe(true);
    expect(anderson.logLik).toBeGreaterThanOrEqual(plain.logLik - 0.1);
    for (let t = 1; t < anderson.trace.length; t++) expect(anderson.trace[t]).toBeGreaterThanOrEqual(anderson.trace[t - 1]);
  });

  it('a stale Hessian (hessianEvery > 1) reaches the same maximum', async () => {
    const exact = await fitSoftmaxMixture(data, common);
    const stale = await fitSoftmaxMixture(data, { ...common, hessianEvery: 5 });
    expect(stale.converged).toBe(true);
    expect(Math.abs(stale.logLik - exact.logLik)).toBeLessThan(0.1);
  });
});

describe('the convergence rule', () => {
  // ℓ = 1e6 and tol = 1e-8: the bound on a change is 0.01 nats.
  const ll = -1e6;
  it('does not stop on a small drop right after a clear rise (float32 noise)', () => {
    expect(isConverged([1000, 10, -1e-4], ll, 1e-8)).toBe(false);
  });
  it('stops when the changes are all below the bound', () => {
    expect(isConverged([1e-3, -1e-4], ll, 1e-8)).toBe(true);
  });
  it('stops when a small change also leaves little to come at the observed rate', () => {
    expect(isConverged([5, 4.9, 0.009], ll, 1e-8)).toBe(true);
  });
  it('does not stop when steps are small but barely shrinking (slow linear EM)', () => {
    expect(isConverged([0.0101, 0.01], ll, 1e-8)).toBe(false);
  });
});
