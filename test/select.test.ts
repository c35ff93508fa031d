import { describe, it, expect } from 'vitest';
import { selectModel, type SelectOptions } from '../src/fit/select.ts';
import { simulate } from '../src/model/simulate.ts';
import { SoftmixError } from '../src/errors.ts';

// A planted K = 3 that every candidate fits in well under a second on cpu. Its validation
// ℓ/N rises by 0.28 nats from K = 2 to K = 3 and is flat after (within ~1e-5), so a wrong
// choice of K ≤ 2 is impossible and one of K ≥ 4 is what the seeds below were checked against:
// over seeds 1..10 the best validation ℓ/N picks 3 in 6, the one-SE rule in 9, and seeds 1
// and 2 pick 3 under both rules with K = 4, 5 more than 2 standard errors below.
const SIM = { p: 500, L: 3, K: 3, N: 200_000, thetaNorm: 2.5 };
const data = (seed: number) => {
  const sim = simulate({ ...SIM, seed });
  return { features: sim.features, p: sim.p, L: sim.L, counts: sim.counts };
};

describe('selectModel: K by count splitting', () => {
  for (const seed of [1, 2]) {
    it(`recovers the planted K = 3 (seed ${seed}), with a consistent table`, async () => {
      const d = data(seed);
      const stages: string[] = [];
      const r = await selectModel(d, { K: [5, 1, 2, 3, 4], seed, fit: { backend: 'cpu' }, onProgress: (i) => stages.push(i.stage) });
      expect(r.table.map((row) => row.K)).toEqual([1, 2, 3, 4, 5]);
      expect(r.chosen).toEqual({ K: 3, ridge: 0, index: 2, rule: 'best' });
      expect(r.bestChoice.K).toBe(3);
      expect(r.oneSeChoice.K).toBe(3);
      expect(r.bicChoice.K).toBe(3);
      expect(r.refit.K).toBe(3);
      expect(r.refit.N).toBe(SIM.N);
      expect(stages.filter((s) => s === 'candidate').length).toBe(5);
      expect(stages[stages.length - 1]).toBe('refit');

      const [NTrain, NValidation] = [r.split.NTrain[0], r.split.NValidation[0]];
      expect(NTrain + NValidation).toBe(SIM.N);
      // half the draws each: NTrain ~ Binomial(2e5, 1/2), sd 224
      expect(Math.abs(NTrain - SIM.N / 2)).toBeLessThan(5 * Math.sqrt(SIM.N / 4));
      for (const row of r.table) {
        const d = row.K - 1 + row.K * SIM.L;
        expect(row.parameters).toBe(d);
        const logLik = row.trainLogLikPerSample * NTrain;
        expect(row.bic).toBeCloseTo(-2 * logLik + d * Math.log(NTrain), 4);
        expect(row.aic).toBeCloseTo(-2 * logLik + 2 * d, 4);
        expect(row.validationStdError).toBeNull();
        expect(row.differenceFromBest).toBeLessThanOrEqual(0);
        expect(row.folds[0].alpha.length).toBe(row.K);
        expect(row.eSteps).toBeGreaterThan(0);
      }
      expect(r.table[2].differenceFromBest).toBe(0);
      expect(r.table[2].differenceStdError).toBe(0);
      // K = 3 beats K ≤ 2 by far more than its standard error
      expect(r.table[1].differenceFromBest).toBeLessThan(-10 * r.table[1].differenceStdError);
    });
  }

  it('k-fold: scores every fold once, with a standard error, and still finds K = 3', async () => {
    const r = await selectModel(data(1), { K: [2, 3, 4], folds: 3, seed: 4, fit: { backend: 'cpu', restarts: 2 } });
    expect(r.split.folds).toBe(3);
    expect(r.split.validationFraction).toBeNull();
    // every draw is validated exactly once, and trained on in the other two folds
    expect(r.split.NValidation.reduce((a, b) => a + b)).toBe(SIM.N);
    r.split.NTrain.forEach((n, i) => expect(n + r.split.NValidation[i]).toBe(SIM.N));
    for (const row of r.table) {
      expect(row.folds.length).toBe(3);
      const mean = row.folds.reduce((s, f) => s + f.validationLogLikPerSample, 0) / 3;
      expect(row.validationLogLikPerSample).toBeCloseTo(mean, 12);
      expect(row.validationStdError).toBeGreaterThan(0);
    }
    expect(r.chosen.K).toBe(3);
  });

  it('tries every ridge with every K, and the one-SE rule refits its own choice', async () => {
    const r = await selectModel(data(2), { K: [2, 3], ridge: [1e-3, 0], rule: 'oneSE', fit: { backend: 'cpu', restarts: 1 } });
    expect(r.table.map((row) => [row.K, row.ridge])).toEqual([[2, 0], [2, 1e-3], [3, 0], [3, 1e-3]]);
    expect(r.chosen.rule).toBe('oneSE');
    expect(r.chosen.K).toBe(r.oneSeChoice.K);
    expect(r.refit.K).toBe(r.chosen.K);
    expect(r.refit.ridge).toBe(r.chosen.ridge);
    expect(r.oneSeChoice.K).toBeLessThanOrEqual(r.bestChoice.K);
  });

  it('refuses bad candidate lists and options with clear errors, before any fit', async () => {
    const d = data(1);
    const fail = async (options: Partial<SelectOptions>, input: Parameters<typeof selectModel>[0] = d) => {
      let fits = 0;
      try {
        await selectModel(input, { K: [1, 2], ...options, onProgress: () => fits++ } as SelectOptions);
      } catch (e) {
        expect(fits).toBe(0);
        expect(e).toBeInstanceOf(SoftmixError);
        return `${(e as SoftmixError).code}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(await fail({ K: [] })).toMatch(/^options: .*K list is empty/);
    expect(await fail({ K: [0, 2] })).toMatch(/^options: .*K\[0\] = 0: each K must be an integer ≥ 1/);
    expect(await fail({ K: [1.5] })).toMatch(/K\[0\] = 1\.5: each K must be an integer ≥ 1/);
    expect(await fail({ K: ['2'] as never })).toMatch(/K\[0\] = the string "2"/);
    expect(await fail({ K: 3 as never })).toMatch(/K must be a list of candidates, each an integer ≥ 1; got 3/);
    expect(await fail({ K: [2, 501] })).toMatch(/K = 501 components cannot be fitted to p = 500/);
    expect(await fail({ K: [2, 3, 2] })).toMatch(/K = 2 is listed twice/);
    expect(await fail({ ridge: [] })).toMatch(/ridge list is empty/);
    expect(await fail({ ridge: [0, -1] })).toMatch(/ridge\[1\] = -1: each ridge must be a finite number ≥ 0/);
    expect(await fail({ ridge: [Infinity] })).toMatch(/ridge\[0\] = Infinity/);
    expect(await fail({ folds: 0 })).toMatch(/folds must be an integer from 1 to 100, got 0/);
    expect(await fail({ folds: 2.5 })).toMatch(/folds must be an integer/);
    expect(await fail({ folds: 3, validationFraction: 0.2 })).toMatch(/validationFraction is for a single split/);
    expect(await fail({ validationFraction: 1 })).toMatch(/validationFraction must be a number in \(0, 1\), got 1/);
    expect(await fail({ seed: -1 })).toMatch(/seed must be an integer ≥ 0/);
    expect(await fail({ rule: 'median' as never })).toMatch(/rule must be "best" or "oneSE"/);
    expect(await fail({ fit: { K: 3 } })).toMatch(/fit\.K is set by the candidates/);
    expect(await fail({ fit: { tol: -1 } })).toMatch(/^options: tol must be a finite number ≥ 0/);
    const fractional = { ...d, counts: Float64Array.from(d.counts, (n, j) => (j === 7 ? n + 0.5 : n)) };
    expect(await fail({}, fractional)).toMatch(/^counts: .*counts\[7\] = [\d.]+ is not an integer: splitting counts/);
    // too few draws for the training part to get any: N = 1 split in half leaves one part empty
    const one = { ...d, counts: Float64Array.from(d.counts, (_, j) => (j === 0 ? 1 : 0)) };
    expect(await fail({ K: [1] }, one)).toMatch(/^counts: the split left the (training|validation) part without draws/);
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(selectModel(data(1), { K: [1, 2], fit: { backend: 'cpu' }, signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });
});
