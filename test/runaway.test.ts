import { describe, it, expect } from 'vitest';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';
import { runawayCase } from './fixtures/runaway-case.ts';

describe('a runaway component is carried on and named (cpu)', () => {
  it('the fit climbs past where it used to stop, converges, and names the component and its item', async () => {
    const c = runawayCase();
    const fit = await fitSoftmaxMixture(c, { K: 2, backend: 'cpu', seed: 1 });
    expect(fit.converged).toBe(true);
    expect(Number.isFinite(fit.logLik)).toBe(true);
    expect(fit.theta.flat().every(Number.isFinite)).toBe(true);
    expect(fit.runaway.length).toBe(1);
    const r = fit.runaway[0];
    // the component on the vertex carries its 30% of the draws
    expect(fit.alpha[r.component]).toBeGreaterThan(0.25);
    expect(r.items[0].item).toBe(c.vertex);
    expect(r.mass).toBeGreaterThan(0.99);
    expect(fit.warnings.some((w) => w.includes(`index ${r.component} `) && w.includes('runs away'))).toBe(true);
    // Asked for more, the fit carries the atom on past a spread of 25 nats (where the old
    // rule stopped the fit as "collapsed"), and ℓ keeps rising, by no more than the first
    // fit's certified remainder (its target, tol·N = 0.002 nats).
    const tight = await fitSoftmaxMixture(c, { K: 2, backend: 'cpu', seed: 1, tol: 1e-14 });
    expect(tight.converged).toBe(true);
    expect(tight.runaway[0].scoreSpread).toBeGreaterThan(25);
    expect(tight.theta.flat().every(Number.isFinite)).toBe(true);
    expect(tight.logLik).toBeGreaterThan(fit.logLik);
    expect(tight.logLik - fit.logLik).toBeLessThanOrEqual(fit.convergence!.target);
  });
});
