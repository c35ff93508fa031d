/**
 * Component replacement (src/fit/replace.ts) and the residual moments it starts from.
 */
import { describe, it, expect } from 'vitest';
import { simulate } from '../src/model/simulate.ts';
import { makeDataset, designStats } from '../src/model/data.ts';
import { createCpuEngine } from '../src/engines/cpu.ts';
import { mixtureProbabilities } from '../src/model/mixture.ts';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';
import { logOf } from '../src/em/index.ts';
import { SoftmixError } from '../src/errors.ts';

const U64 = 2 ** -53;

describe('residualMoments (cpu)', () => {
  it('sums (n_j − Nπ_j)_+ and its feature moments as the model defines them', async () => {
    const sim = simulate({ p: 400, L: 3, K: 2, N: 20000, thetaNorm: 2, seed: 4 });
    const data = makeDataset({ features: sim.features, p: sim.p, L: 3, counts: sim.counts });
    const x = designStats(data).centred;
    const engine = createCpuEngine({ p: data.p, L: 3, features: x, counts: data.counts });
    // parameters away from the truth, so both signs of n_j − Nπ_j occur
    const alpha = Float64Array.of(0.7, 0.3);
    const theta = Float64Array.of(1, -0.5, 0.2, -1, 0.3, 0.8);
    const pi = mixtureProbabilities(x, data.p, 3, { alpha, theta });
    let total = 0;
    let absTotal = 0;
    const first = new Float64Array(3);
    const absFirst = new Float64Array(3);
    let negative = 0;
    for (let j = 0; j < data.p; j++) {
      const r = data.counts[j] - data.N * pi[j];
      absTotal += data.counts[j] + data.N * pi[j];
      for (let l = 0; l < 3; l++) absFirst[l] += (data.counts[j] + data.N * pi[j]) * Math.abs(x[j * 3 + l]);
      if (r <= 0) {
        negative++;
        continue;
      }
      total += r;
      for (let l = 0; l < 3; l++) first[l] += r * x[j * 3 + l];
    }
    expect(negative).toBeGreaterThan(10);
    expect(total).toBeGreaterThan(100);
    const got = await engine.residualMoments(logOf(alpha), theta, 2);
    // two float64 routes to π_j (each a few roundings of log-sum-exp arithmetic on scores up
    // to |x||θ| ≈ 10) and sums of p terms: 1e3·u of the absolute terms is far above both
    expect(Math.abs(got.total - total)).toBeLessThanOrEqual(1e3 * U64 * absTotal);
    for (let l = 0; l < 3; l++) expect(Math.abs(got.first[l] - first[l])).toBeLessThanOrEqual(1e3 * U64 * absFirst[l]);
  });
});

describe('component replacement', () => {
  // Three well-separated atoms; the start puts two identical components on atom 0 and one on
  // atom 1. EM keeps identical components identical (the same arithmetic on the same
  // numbers), so the fit ends on that symmetric saddle and atom 2's items go unexplained.
  const sim = simulate({ p: 1500, L: 4, K: 3, N: 200000, thetaNorm: 3, seed: 9 });
  const data = { features: sim.features, p: sim.p, L: 4, counts: sim.counts };
  const t = sim.truth.theta;
  const stuck = {
    alpha: [1 / 3, 1 / 3, 1 / 3],
    theta: [Array.from(t.subarray(0, 4)), Array.from(t.subarray(0, 4)), Array.from(t.subarray(4, 8))],
  };
  const base = { K: 3, backend: 'cpu' as const, restarts: 0, tol: 1e-10, maxIter: 2000 };

  it('takes a fit off a saddle where EM stays, to the maximum EM finds from the truth', async () => {
    const plain = await fitSoftmaxMixture(data, { ...base, init: stuck });
    // the premise: without replacement the two copies stay together
    const gap = Math.hypot(...plain.theta[0].map((v, l) => v - plain.theta[1][l]));
    const twins = plain.theta.some((a, i) => plain.theta.some((b, k) => k > i && Math.hypot(...a.map((v, l) => v - b[l])) < 1e-6));
    expect(twins, `atoms ${JSON.stringify(plain.theta)} (gap of the first two ${gap})`).toBe(true);

    const fromTruth = await fitSoftmaxMixture(data, { ...base, init: { alpha: sim.truth.alpha, theta: sim.truth.theta } });
    const replaced = await fitSoftmaxMixture(data, { ...base, init: stuck, replaceRounds: 3 });
    expect(replaced.replacement).not.toBeNull();
    const trials = replaced.replacement!.trials;
    expect(trials.some((tr) => tr.accepted)).toBe(true);
    // far above the saddle, and at the maximum EM reaches from the truth (tol 1e-10 relative)
    expect(replaced.objective - plain.objective).toBeGreaterThan(1000);
    expect(Math.abs(replaced.objective - fromTruth.objective)).toBeLessThanOrEqual(1e-8 * Math.abs(fromTruth.objective));
    // each kept trial climbs above the one before; the trace ends with them
    const kept = trials.filter((tr) => tr.accepted).map((tr) => tr.objective);
    for (let i = 1; i < kept.length; i++) expect(kept[i]).toBeGreaterThan(kept[i - 1]);
    expect(replaced.trace.slice(-kept.length)).toEqual(kept);
    expect(replaced.replacement!.objectiveBefore).toBe(plain.objective);
    // at the maximum the next round tries all three components, keeps none, and ends
    expect(replaced.replacement!.stopReason).toBe('no-gain');
    const lastRound = trials.filter((tr) => tr.round === trials[trials.length - 1].round);
    expect(lastRound.map((tr) => tr.accepted)).toEqual([false, false, false]);
    // work is counted exactly: the climb (the same as without replacement), every trial,
    // and one residual pass per round
    const trialSteps = trials.reduce((s, tr) => s + tr.eSteps, 0);
    expect(replaced.eSteps).toBe(plain.eSteps + trialSteps + lastRound[0].round + 1);
  });

  it('never returns a worse fit: at a maximum no trial is kept', async () => {
    const fit = await fitSoftmaxMixture(data, { ...base, init: { alpha: sim.truth.alpha, theta: sim.truth.theta } });
    const again = await fitSoftmaxMixture(data, { ...base, init: { alpha: fit.alpha, theta: fit.theta }, replaceRounds: 2 });
    expect(again.replacement!.stopReason).toBe('no-gain');
    expect(again.replacement!.trials.length).toBe(3); // every component tried once
    expect(again.replacement!.trials.every((tr) => !tr.accepted)).toBe(true);
    expect(again.objective).toBeGreaterThanOrEqual(fit.objective - 1e-8 * Math.abs(fit.objective));
  });

  it('rejects a bad replaceRounds by name', async () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      await expect(fitSoftmaxMixture(data, { ...base, replaceRounds: bad })).rejects.toThrow(SoftmixError);
      await expect(fitSoftmaxMixture(data, { ...base, replaceRounds: bad })).rejects.toThrow(/replaceRounds/);
    }
  });
});
