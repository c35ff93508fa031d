import { describe, it, expect } from 'vitest';
import { simulate } from '../src/model/simulate.ts';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';
import { compareWithTruth } from '../src/model/truth.ts';
import { Rng } from '../src/math/rng.ts';

describe('fitSoftmaxMixture on the cpu backend', () => {
  it('recovers planted atoms on simulated data (p = 1000, L = 6, K = 3, N = 1e6)', async () => {
    const sim = simulate({ p: 1000, L: 6, K: 3, N: 1e6, thetaNorm: 1.5, seed: 3 });
    const fit = await fitSoftmaxMixture({ features: sim.features, p: sim.p, L: sim.L, counts: sim.counts }, { K: 3, restarts: 3, backend: 'cpu' });
    expect(fit.converged).toBe(true);
    expect(fit.starts.length).toBe(4);
    const err = compareWithTruth(fit, {
      alpha: Array.from(sim.truth.alpha),
      theta: Array.from({ length: 3 }, (_, k) => Array.from(sim.truth.theta.subarray(k * 6, k * 6 + 6))),
    });
    // With N = 1e6 draws the MLE's own sampling error is ~1e-2 in θ; 0.05 is the bar.
    expect(err.thetaError).toBeLessThan(0.05);
    expect(err.alphaError).toBeLessThan(0.02);
    for (let k = 1; k < 3; k++) expect(fit.alpha[k]).toBeLessThanOrEqual(fit.alpha[k - 1]);
    expect(fit.alpha.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(fit.gradientNorm).toBeLessThan(1e-3);
    // An EM iteration whose Newton step is taken in full is one pass: the M-step's trial
    // pass is the next E-step too (Engine.eStep with stats). SQUAREM adds one pass per
    // cycle of 3 (the extrapolated point); halvings, MoM and the final check spread over the
    // rest. Two E-step and M-step passes each, as before the fusion, would give ≥ 2.
    expect(fit.stats.perIteration.passes).toBeGreaterThanOrEqual(1);
    expect(fit.stats.perIteration.passes).toBeLessThan(2);
    expect(fit.stats.perIteration.dispatches).toBe(0);
    // BIC with K(L+1) − 1 = 20 free parameters and N = 1e6 draws.
    expect(fit.bic).toBeCloseTo(-2 * fit.logLik + 20 * Math.log(1e6), 6);
    expect(fit.warnings).toEqual([]);
  });

  it('"per iteration" averages over every start\'s iterations, each counted once', async () => {
    const sim = simulate({ p: 1000, L: 6, K: 3, N: 1e6, thetaNorm: 1.5, seed: 3 });
    // a short screening, so that the best start continues after it
    const fit = await fitSoftmaxMixture({ features: sim.features, p: sim.p, L: sim.L, counts: sim.counts }, { K: 3, restarts: 2, screenIters: 3, backend: 'cpu' });
    const continued = fit.starts.find((st) => st.finalLogLik !== null)!;
    expect(continued.iterations).toBeGreaterThan(3);
    const iterations = fit.starts.reduce((s, st) => s + st.iterations, 0);
    expect(fit.timings.perIterationMs * iterations).toBeCloseTo(fit.timings.emMs, 6);
    expect(fit.stats.perIteration.passes * iterations).toBeCloseTo(fit.stats.passes, 6);
  });

  it('counts and the equivalent raw samples give the same fit', async () => {
    const sim = simulate({ p: 300, L: 3, K: 2, N: 30000, seed: 8, keepSamples: true });
    const base = { features: sim.features, p: sim.p, L: sim.L };
    const opts = { K: 2, backend: 'cpu' as const, seed: 4, maxIter: 200 };
    const a = await fitSoftmaxMixture({ ...base, counts: sim.counts }, opts);
    const b = await fitSoftmaxMixture({ ...base, samples: sim.samples! }, opts);
    // The same counts reach the engine either way, so the fits are bit for bit equal.
    expect(b.logLik).toBe(a.logLik);
    expect(b.theta).toEqual(a.theta);
    expect(b.alpha).toEqual(a.alpha);
    expect(b.N).toBe(30000);
  });

  it('permuting the support points changes nothing in α, Θ, ℓ', async () => {
    const sim = simulate({ p: 400, L: 4, K: 2, N: 1e5, seed: 12 });
    const { p, L } = sim;
    const perm = Array.from({ length: p }, (_, j) => j);
    const rng = new Rng(99);
    for (let j = p - 1; j > 0; j--) {
      const i = rng.int(j + 1);
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    const features2 = new Float32Array(p * L);
    const counts2 = new Float64Array(p);
    perm.forEach((src, dst) => {
      features2.set(sim.features.subarray(src * L, src * L + L), dst * L);
      counts2[dst] = sim.counts[src];
    });
    const opts = { K: 2, backend: 'cpu' as const, seed: 5, tol: 1e-12, maxIter: 2000 };
    const a = await fitSoftmaxMixture({ features: sim.features, p, L, counts: sim.counts }, opts);
    const b = await fitSoftmaxMixture({ features: features2, p, L, counts: counts2 }, opts);
    // Only the order of float64 summation over j differs: agreement to ~1e-12 relative on ℓ;
    // both runs stop at relative change 1e-12, leaving parameters within ~1e-5 of the
    // common fixed point (linear EM contraction), far inside these bounds.
    expect(Math.abs(b.logLik - a.logLik)).toBeLessThan(1e-9 * Math.abs(a.logLik));
    for (let k = 0; k < 2; k++) {
      expect(Math.abs(b.alpha[k] - a.alpha[k])).toBeLessThan(1e-4);
      for (let l = 0; l < L; l++) expect(Math.abs(b.theta[k][l] - a.theta[k][l])).toBeLessThan(1e-4);
    }
  });

  it('an explicit start is used as given and the starts table reports each start', async () => {
    const sim = simulate({ p: 300, L: 3, K: 2, N: 50000, seed: 2 });
    const theta = [Array.from(sim.truth.theta.subarray(0, 3)), Array.from(sim.truth.theta.subarray(3, 6))];
    const fit = await fitSoftmaxMixture(
      { features: sim.features, p: 300, L: 3, counts: sim.counts },
      { K: 2, backend: 'cpu', init: { alpha: [0.5, 0.5], theta }, restarts: 2, maxIter: 0 },
    );
    // maxIter 0: no EM at all, so the returned fit is the start itself (sorted by α).
    expect(fit.iterations).toBe(0);
    expect(fit.starts.map((s) => s.kind)).toEqual(['explicit', 'subspace', 'subspace']);
    expect(fit.converged).toBe(false);
    expect(fit.warnings.join(' ')).toMatch(/did not converge/);
  });

  it('a seed reproduces the fit bit for bit', async () => {
    const sim = simulate({ p: 200, L: 3, K: 2, N: 20000, seed: 6 });
    const data = { features: sim.features, p: 200, L: 3, counts: sim.counts };
    const a = await fitSoftmaxMixture(data, { K: 2, backend: 'cpu', restarts: 2, seed: 10, maxIter: 50 });
    const b = await fitSoftmaxMixture(data, { K: 2, backend: 'cpu', restarts: 2, seed: 10, maxIter: 50 });
    expect(b.theta).toEqual(a.theta);
    expect(b.starts.map((s) => s.seed)).toEqual(a.starts.map((s) => s.seed));
  });
});
