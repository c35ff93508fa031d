import { describe, it, expect } from 'vitest';
import { squaremCycle, nextStepMax } from '../src/em/steppers/squarem.ts';
import type { EmMap, Params, State } from '../src/em/state.ts';
import { simulate } from '../src/model/simulate.ts';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';

/**
 * A toy EM map with K = 2, L = 1: θ ← 1 + ρ(θ − 1) (linear convergence at rate ρ to θ* = 1),
 * the weights fixed or (`moveAlpha`) their logs moving the same way towards (0.3, 0.7). ℓ = −(θ − 1)² unless `badAt` says the
 * n-th E-step of the cycle (1-based) returns a worse value.
 */
function toyMap(rho: number, badAt: Set<number> = new Set(), moveAlpha = false) {
  const evaluated: Params[] = [];
  const map: EmMap = {
    async mStep(s: State): Promise<Params> {
      if (!moveAlpha) return { alpha: s.alpha, theta: Float64Array.of(1 + rho * (s.theta[0] - 1)) };
      const target = [Math.log(0.3), Math.log(0.7)];
      const logAlpha = [0, 1].map((k) => target[k] + rho * (Math.log(s.alpha[k]) - target[k]));
      const z = Math.exp(logAlpha[0]) + Math.exp(logAlpha[1]);
      return { alpha: Float64Array.from(logAlpha.map((v) => Math.exp(v) / z)), theta: Float64Array.of(1 + rho * (s.theta[0] - 1)) };
    },
    async evaluate(p: Params): Promise<State> {
      evaluated.push(p);
      const logLik = badAt.has(evaluated.length) ? -1000 : -((p.theta[0] - 1) ** 2);
      return { ...p, objective: logLik, e: { logLik, weights: new Float64Array(2), featureSums: new Float64Array(2) } };
    },
  };
  return { map, evaluated };
}

const x0 = (theta: number): State => ({
  alpha: Float64Array.of(0.5, 0.5),
  theta: Float64Array.of(theta),
  objective: -((theta - 1) ** 2),
  e: { logLik: -((theta - 1) ** 2), weights: new Float64Array(2), featureSums: new Float64Array(2) },
});

describe('SQUAREM cycle and its safeguard', () => {
  // ρ = 0.9: r = −0.1·e0, v = 0.01·e0, so the step length |r|/|v| is 1/(1 − ρ) = 10 and the
  // extrapolation x0 + 2s·r + s²·v lands on θ* exactly.
  it('extrapolates a linear EM map to its fixed point and accepts it with one EM step after', async () => {
    const { map, evaluated } = toyMap(0.9);
    const cycle = await squaremCycle(x0(3), map, 16, 2, 1);
    expect(cycle.step).toBeCloseTo(10, 12);
    expect(cycle.rejected).toBe(false);
    expect(evaluated.length).toBe(3); // x1, x', F(x')
    expect(cycle.accepted.length).toBe(2);
    expect(cycle.accepted[0].theta[0]).toBeCloseTo(1, 12);
    expect(cycle.accepted[0].alpha[0] + cycle.accepted[0].alpha[1]).toBeCloseTo(1, 15);
  });

  it('clamps the step length to stepMax; step 1 is two plain EM steps', async () => {
    const long = await squaremCycle(x0(3), toyMap(0.9).map, 4, 2, 1);
    expect(long.step).toBe(4);
    // x0 + 8r + 16v with e0 = 2: 1 + 2(1 − 0.8 + 0.16)
    expect(long.accepted[0].theta[0]).toBeCloseTo(1 + 2 * 0.36, 12);
    const { map, evaluated } = toyMap(0.9);
    const plain = await squaremCycle(x0(3), map, 1, 2, 1);
    expect(plain.step).toBe(1);
    expect(evaluated.length).toBe(2);
    expect(plain.accepted.map((s) => s.theta[0])).toEqual([1 + 0.9 * 2, 1 + 0.81 * 2]);
  });

  it('rejects an extrapolation that lowers ℓ, and keeps the two plain EM steps instead', async () => {
    // E-steps of the cycle: 1 = x1, 2 = x', 3 = F(x'), 4 = x2. The extrapolated point and
    // the EM step from it are both worse than x0.
    const { map, evaluated } = toyMap(0.9, new Set([2, 3]));
    const cycle = await squaremCycle(x0(3), map, 16, 2, 1);
    expect(cycle.rejected).toBe(true);
    expect(evaluated.length).toBe(4);
    expect(cycle.accepted.map((s) => s.theta[0])).toEqual([1 + 0.9 * 2, 1 + 0.81 * 2]);
    for (const s of cycle.accepted) expect(s.objective).toBeGreaterThanOrEqual(x0(3).objective);
    expect(nextStepMax(10, cycle)).toBe(10); // the step was below the bound: bound unchanged
  });

  it('accepts the stabilising EM step alone when only it reaches ℓ(x0)', async () => {
    const { map } = toyMap(0.9, new Set([2]));
    const cycle = await squaremCycle(x0(3), map, 16, 2, 1);
    expect(cycle.rejected).toBe(false);
    expect(cycle.accepted.length).toBe(1);
    expect(cycle.accepted[0].theta[0]).toBeCloseTo(1, 12); // F(θ*) = θ*, θ* from the extrapolation
  });

  it('keeps α on the simplex whatever the step (extrapolation in log α)', async () => {
    const start = { ...x0(3), alpha: Float64Array.of(0.9, 0.1) };
    const cycle = await squaremCycle(start, toyMap(0.9, new Set(), true).map, 1e6, 2, 1);
    for (const s of cycle.accepted) {
      expect(s.alpha[0]).toBeGreaterThan(0);
      expect(s.alpha[1]).toBeGreaterThan(0);
      expect(s.alpha[0] + s.alpha[1]).toBeCloseTo(1, 15);
    }
    // the normalisation makes the log-weights' path slightly nonlinear: close to (0.3, 0.7), not on it
    expect(Math.abs(cycle.accepted[0].alpha[0] - 0.3)).toBeLessThan(Math.abs(0.9 - 0.3) / 10);
  });

  it('lengthens the bound after a success at it and shortens it after a rejection', () => {
    expect(nextStepMax(4, { accepted: [], step: 4, rejected: false })).toBe(16);
    expect(nextStepMax(16, { accepted: [], step: 16, rejected: true })).toBe(4);
    expect(nextStepMax(1, { accepted: [], step: 1, rejected: true })).toBe(1);
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
