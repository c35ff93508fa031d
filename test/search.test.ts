import { describe, it, expect } from 'vitest';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';
import { eStepsOverAllClimbs } from '../src/fit/result.ts';
import { wideSchedule } from '../src/fit/search.ts';
import { clusterStart } from '../src/model/cluster-start.ts';
import { designStats, makeDataset } from '../src/model/data.ts';
import { designWhitening } from '../src/model/whitening.ts';
import { simulate } from '../src/model/simulate.ts';
import { Rng } from '../src/math/rng.ts';
import { runawayCase } from './fixtures/runaway-case.ts';

describe('the wide search (src/fit/search.ts)', () => {
  it('schedules rungs that double the iterations and halve the field down to one at wideIters', () => {
    expect(wideSchedule(12, 20, 160)).toEqual([
      { iterations: 20, keep: 6 },
      { iterations: 40, keep: 3 },
      { iterations: 80, keep: 2 },
      { iterations: 160, keep: 1 },
    ]);
    // a small field is down to one before the horizon: the last rung keeps one
    expect(wideSchedule(2, 20, 160)).toEqual([{ iterations: 20, keep: 1 }]);
    expect(wideSchedule(5, 20, 160).map((r) => r.keep)).toEqual([3, 2, 1]);
    // a horizon at or below the first rung: one rung
    expect(wideSchedule(8, 20, 20)).toEqual([{ iterations: 20, keep: 1 }]);
  });

  it('stays narrow on a Gaussian design (no runaway atom) and says why; "wide" and "grow" reach the same maximum', async () => {
    const sim = simulate({ p: 1500, L: 4, K: 3, N: 2e5, thetaNorm: 1.5, seed: 5 });
    const data = { features: sim.features, p: sim.p, L: sim.L, counts: sim.counts };
    const fit = await fitSoftmaxMixture(data, { K: 3, backend: 'cpu' });
    expect(fit.runaway).toEqual([]);
    expect(fit.search).toMatchObject({ kind: 'auto', widened: false, grown: false, starts: 5, wideObjective: null, growth: null });
    expect(fit.search.narrowObjective).toBe(fit.objective);
    expect(fit.starts.length).toBe(5);
    expect(fit.search.reason).toMatch(/no runaway atom/);
    // Every route ends at the one maximum, each certified within its target of it.
    const within = (a: typeof fit, b: typeof fit) => expect(Math.abs(a.objective - b.objective)).toBeLessThanOrEqual(a.convergence!.target + b.convergence!.target);
    const wide = await fitSoftmaxMixture(data, { K: 3, backend: 'cpu', search: 'wide', wideStarts: 3 });
    expect(wide.search.widened).toBe(true);
    expect(wide.starts.length).toBe(8);
    expect(wide.objective).toBeGreaterThanOrEqual(fit.objective - fit.convergence!.target);
    within(wide, fit);
    const grown = await fitSoftmaxMixture(data, { K: 3, backend: 'cpu', search: 'grow' });
    expect(grown.search.grown).toBe(true);
    const stages = grown.search.growth!.stages;
    expect(stages.map((g) => g.K)).toEqual([1, 2, 3]);
    // each added component raises the maximum
    for (let k = 1; k < 3; k++) expect(stages[k].objective).toBeGreaterThan(stages[k - 1].objective);
    expect(stages[2].objective).toBe(grown.objective);
    // grown from scratch: its climbs are its stages, nothing else
    expect(eStepsOverAllClimbs(grown)).toBe(stages.reduce((s, g) => s + g.eSteps, 0));
    expect(eStepsOverAllClimbs(fit)).toBe(fit.starts.reduce((s, r) => s + r.eSteps, 0));
    within(grown, fit);
  });

  it('grows where the narrow fit has a runaway atom, keeps the higher fit, and is reproducible by seed', async () => {
    const c = runawayCase();
    const options = { K: 3, backend: 'cpu' as const, seed: 2 };
    const fit = await fitSoftmaxMixture(c, options);
    expect(fit.runaway.length).toBeGreaterThan(0);
    const growth = fit.search.growth!;
    expect(growth).not.toBeNull();
    const narrow = await fitSoftmaxMixture(c, { ...options, search: 'narrow' });
    expect(narrow.search.growth).toBeNull();
    if (fit.search.grown) {
      // the grown fit beat the narrow run where 'auto' left it
      expect(fit.objective).toBe(growth.stages[growth.stages.length - 1].objective);
      expect(fit.objective).toBeGreaterThan(fit.search.narrowObjective!);
    } else {
      // the narrow run climbed on to the end and stayed the higher
      expect(fit.objective).toBe(narrow.objective);
      const last = growth.stages[growth.stages.length - 1];
      expect(growth.stoppedAt !== null || last.objective <= fit.objective).toBe(true);
    }
    const again = await fitSoftmaxMixture(c, options);
    expect(again.objective).toBe(fit.objective);
    expect(again.alpha).toEqual(fit.alpha);
    // the result travels (postMessage, JSON): no engine or run state in it
    expect(() => structuredClone(fit)).not.toThrow();
    expect(JSON.parse(JSON.stringify(fit.search))).toEqual(fit.search);
  });

  it('"wide" screens the other starts and new ones, and keeps the higher fit', async () => {
    const c = runawayCase();
    const fit = await fitSoftmaxMixture(c, { K: 3, backend: 'cpu', seed: 2, search: 'wide', wideStarts: 4, wideIters: 40 });
    expect(fit.search.widened).toBe(true);
    expect(fit.search.starts).toBe(9);
    expect(fit.starts.length).toBe(9);
    expect(fit.objective).toBe(Math.max(fit.search.narrowObjective!, fit.search.wideObjective!));
  });

  it('rejects a bad search option by name before any work', async () => {
    const c = runawayCase();
    await expect(fitSoftmaxMixture(c, { K: 2, search: 'broad' as never })).rejects.toThrow(/search must be "auto", "narrow", "wide" or "grow"/);
    await expect(fitSoftmaxMixture(c, { K: 2, wideStarts: -1 })).rejects.toThrow(/wideStarts must be an integer/);
    await expect(fitSoftmaxMixture(c, { K: 2, wideIters: 0 })).rejects.toThrow(/wideIters must be an integer/);
  });
});

describe('cluster starts (src/model/cluster-start.ts)', () => {
  // Three clumps of items far apart; the counts fall mostly on clump 0.
  function clumps() {
    const p = 300, L = 2;
    const rng = new Rng(7);
    const centres = [[-6, 0], [6, 0], [0, 8]];
    const features = new Float64Array(p * L);
    const counts = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      const c = j % 3;
      features[j * L] = centres[c][0] + 0.3 * rng.normal();
      features[j * L + 1] = centres[c][1] + 0.3 * rng.normal();
      counts[j] = c === 0 ? 6 : 2;
    }
    const design = designStats(makeDataset({ features, p, L, counts }));
    return { p, L, counts, design };
  }

  it('finds well-separated clumps: weights are their count shares, atoms point at them', () => {
    const { p, L, counts, design } = clumps();
    const start = clusterStart(design.centred, p, L, counts, 3, design.covariance, designWhitening(design.covariance, L), 11);
    expect(start.kind).toBe('cluster');
    // count shares 0.6, 0.2, 0.2 in some order (each clump holds 100 items)
    expect([...start.alpha].sort((a, b) => a - b)).toEqual([0.2, 0.2, 0.6].map((v) => expect.closeTo(v, 12)));
    // the heaviest component's atom points its softmax at clump 0 (the negative first coordinate)
    const heavy = start.alpha.indexOf(Math.max(...start.alpha));
    expect(start.theta[heavy * L]).toBeLessThan(0);
  });

  it('is reproducible by seed, with finite atoms', () => {
    const { p, L, counts, design } = clumps();
    const whitening = designWhitening(design.covariance, L);
    const a = clusterStart(design.centred, p, L, counts, 3, design.covariance, whitening, 11);
    const b = clusterStart(design.centred, p, L, counts, 3, design.covariance, whitening, 11);
    expect(b.theta).toEqual(a.theta);
    expect(b.alpha).toEqual(a.alpha);
    expect(a.theta.every(Number.isFinite)).toBe(true);
  });
});
