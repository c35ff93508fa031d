import { describe, it, expect } from 'vitest';
import { simulate } from '../src/model/simulate.ts';
import { makeDataset, designStats } from '../src/model/data.ts';
import { createCpuEngine } from '../src/engines/cpu.ts';
import { appendRun, runEm, type EmResult } from '../src/em/index.ts';
import { halvingSchedule, screenStarts } from '../src/fit/screening.ts';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';
import { randomStart } from '../src/model/starts.ts';
import { designWhitening } from '../src/model/whitening.ts';

describe('screening by successive halving', () => {
  it('halves the starts while the iterations double, up to screenIters', () => {
    expect(halvingSchedule(1, 20)).toEqual([]);
    expect(halvingSchedule(2, 20)).toEqual([{ iterations: 20, keep: 1 }]);
    expect(halvingSchedule(3, 20)).toEqual([
      { iterations: 10, keep: 2 },
      { iterations: 20, keep: 1 },
    ]);
    expect(halvingSchedule(5, 20)).toEqual([
      { iterations: 5, keep: 3 },
      { iterations: 10, keep: 2 },
      { iterations: 20, keep: 1 },
    ]);
    expect(halvingSchedule(9, 20).map((r) => r.keep)).toEqual([5, 3, 2, 1]);
    // never a rung of 0 iterations
    expect(halvingSchedule(9, 2).map((r) => r.iterations)).toEqual([1, 1, 1, 2]);
  });

  it('keeps the best by objective at each rung, advances only runs that can go on, and continues the best', async () => {
    // fake runs: start i climbs at rate rates[i]; start 3 converges after 4 iterations
    const rates = [1, 5, 2, 4, 3];
    const calls: [number, number][] = [];
    const fake = (i: number, iterations: number): EmResult =>
      ({ objective: rates[i] * iterations, iterations, stopReason: i === 3 && iterations >= 4 ? 'tol' : 'maxIter' }) as EmResult;
    const screened = await screenStarts(5, halvingSchedule(5, 20), async (i, run, iterations) => {
      calls.push([i, iterations]);
      return fake(i, i === 3 ? Math.min(iterations, 4) : iterations);
    });
    // rung 1 (5 its): objectives 5, 25, 10, 16 (converged at 4), 15 → keep 1, 3, 4
    // rung 2 (10 its): 50, 16 (not advanced), 30 → keep 1, 4; rung 3 (20 its): keep 1
    expect(calls).toEqual([
      [0, 5], [1, 5], [2, 5], [3, 5], [4, 5],
      [1, 10], [4, 10],
      [1, 20], [4, 20],
    ]);
    expect(screened.best).toBe(1);
    expect(screened.runs.map((r) => r.iterations)).toEqual([5, 20, 5, 4, 20]);
  });

  it('a run resumed where it stopped is the run made in one piece, bit for bit', async () => {
    const sim = simulate({ p: 500, L: 4, K: 3, N: 1e5, thetaNorm: 1.5, seed: 21 });
    const data = makeDataset({ features: sim.features, p: sim.p, L: sim.L, counts: sim.counts });
    const design = designStats(data);
    const engine = createCpuEngine({ p: data.p, L: data.L, features: design.centred, counts: data.counts });
    const start = randomStart(3, 4, designWhitening(design.covariance, 4), 5);
    for (const accelerate of [false, true]) {
      // tol 0: every run goes to maxIter; with acceleration, SQUAREM and Newton–Raphson (its
      // budget is a share of all the M-steps so far, so it must carry over too)
      const options = { tol: 0, ridge: 0, accelerate };
      const whole = await runEm(engine, 3, start, design.covariance, { ...options, maxIter: 24 });
      // paused at the first end of a step after 8 M-steps: a SQUAREM cycle may run past it
      const first = await runEm(engine, 3, start, design.covariance, { ...options, maxIter: 24, pauseAfter: 8 });
      expect(first.iterations).toBeGreaterThanOrEqual(8);
      if (!accelerate) expect(first.iterations).toBe(8);
      const more = await runEm(engine, 3, first, design.covariance, { ...options, maxIter: 24 - first.iterations, resume: first.resume });
      const joined = appendRun(first, more);
      expect(joined.trace).toEqual(whole.trace);
      expect(joined.theta).toEqual(whole.theta);
      expect(joined.alpha).toEqual(whole.alpha);
      // the resumed run re-evaluates nothing: the E-steps add up
      expect(joined.eSteps).toBe(whole.eSteps);
      expect(joined.localNewtonSteps + joined.localNewtonRejected).toBe(whole.localNewtonSteps + whole.localNewtonRejected);
      expect(joined.iterations).toBe(24);
    }
  });

  it('a fit records how far each start got: the rungs for the dropped ones, the whole run for the best', async () => {
    const sim = simulate({ p: 1000, L: 6, K: 3, N: 1e6, thetaNorm: 1.5, seed: 3 });
    const fit = await fitSoftmaxMixture({ features: sim.features, p: sim.p, L: sim.L, counts: sim.counts }, { K: 3, restarts: 4, screenIters: 20, backend: 'cpu', tol: 1e-10 });
    const best = fit.starts.filter((s) => s.finalLogLik !== null);
    expect(best.length).toBe(1);
    expect(best[0].iterations).toBe(fit.iterations);
    expect(best[0].eSteps).toBe(fit.eSteps);
    const dropped = fit.starts.filter((s) => s !== best[0]).map((s) => s.iterations).sort((a, b) => a - b);
    // 5 starts: rungs at 5, 10 and 20 iterations keep 3, 2 and 1. Two starts stop after the
    // first rung (a SQUAREM cycle may run up to 2 M-steps past it), the others by the third
    // or when they converge; 100 iterations of screening before, at most 5·2 + 2·10 + 20 + 6 now.
    expect(dropped.length).toBe(4);
    for (const its of dropped.slice(0, 2)) expect(its >= 5 && its <= 7).toBe(true);
    for (const its of dropped.slice(2)) expect(its).toBeLessThanOrEqual(22);
    expect(dropped.reduce((s, x) => s + x, 0) + Math.min(best[0].iterations, 20)).toBeLessThanOrEqual(56);
  });
});
