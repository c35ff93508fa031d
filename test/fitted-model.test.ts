/**
 * FittedModel (src/fit/fitted-model.ts) and the input checks of the public mixture
 * functions (src/model/mixture-input.ts): a fit saved and loaded scores held-out counts to
 * the same ℓ, posteriors and samples agree with direct computations within bounds derived
 * from the arithmetic, and every malformed model or input is a SoftmixError naming it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FittedModel, MAX_DRAWS } from '../src/fit/fitted-model.ts';
import { fitSoftmaxMixture, type FitResult } from '../src/fit/fit.ts';
import { simulate } from '../src/model/simulate.ts';
import { thinCounts } from '../src/model/thinning.ts';
import { logLikelihood, mixtureLogProbabilities, mixtureProbabilities } from '../src/model/mixture.ts';
import { SoftmixError } from '../src/errors.ts';

const EPS = Number.EPSILON;
const sim = simulate({ p: 400, L: 3, K: 2, N: 100_000, thetaNorm: 1.5, seed: 5 });
const { p, L } = sim;
const split = thinCounts(sim.counts, 0.5, 7);
const rows = (x: ArrayLike<number>, n: number, width: number) => Array.from({ length: n }, (_, j) => Array.from({ length: width }, (_, l) => x[j * width + l]));

/** max_jk Σ_l |x_jl θ_kl|: the scale of the scores, which sets their rounding (a dot product of L terms errs by ≤ L·ε·Σ|x_l θ_l|). */
function scoreScale(x: ArrayLike<number>, n: number, theta: number[][]): number {
  let m = 0;
  for (let j = 0; j < n; j++) for (const t of theta) m = Math.max(m, t.reduce((s, v, l) => s + Math.abs(v * x[j * L + l]), 0));
  return m;
}

function expectError(f: () => unknown, code: string, message: RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a SoftmixError').toBeInstanceOf(SoftmixError);
  expect((caught as SoftmixError).code).toBe(code);
  expect((caught as SoftmixError).message).toMatch(message);
}

describe('FittedModel', () => {
  let fit: FitResult;
  let model: FittedModel;
  beforeAll(async () => {
    fit = await fitSoftmaxMixture({ features: sim.features, p, L, counts: split.train }, { K: 2, backend: 'cpu', se: true, tol: 1e-10 });
    model = FittedModel.fromFit(fit);
  });

  it('saved with toJSON and loaded with fromJSON, scores held-out counts to the same ℓ as the fit', () => {
    const text = JSON.stringify(model);
    const saved = JSON.parse(text);
    expect(saved).toMatchObject({ format: 'softmix-model', version: 1, K: 2, L: 3, ridge: 0, training: { p, N: fit.N, logLik: fit.logLik } });
    for (const loaded of [FittedModel.fromJSON(saved), FittedModel.fromJSON(text)]) {
      // JSON writes the shortest decimal that reads back to the same double: the parameters survive bit for bit
      expect(Array.from(loaded.alpha)).toEqual(fit.alpha);
      expect(Array.from(loaded.theta)).toEqual(fit.theta.flat());
      const held = loaded.score(sim.features, split.validation);
      expect(held.logLik).toBe(model.score(sim.features, split.validation).logLik);
      // and it is ℓ of the fit's own parameters, computed by the library's mixture functions
      expect(held.logLik).toBe(logLikelihood(split.validation, mixtureLogProbabilities(sim.features, p, L, fit)));
      const NHeld = split.validation.reduce((a, b) => a + b, 0);
      expect(held.N).toBe(NHeld);
      expect(held.logLikPerSample).toBe(held.logLik / NHeld);
      expect(loaded.standardErrors?.alpha).toEqual((fit.se as { alpha: number[] }).alpha);
    }
    // On the training counts it is the fit's ℓ, which the engine summed over centred features:
    // per item the two log π_j differ by the rounding of the scores (L·ε·M) and of the
    // log-sum-exps over p items and K components, so |Δℓ| ≤ N·4(p + L + K)·ε·(1 + M).
    const M = scoreScale(sim.features, p, fit.theta);
    const train = model.score(sim.features, split.train);
    expect(Math.abs(train.logLik - fit.logLik)).toBeLessThanOrEqual(fit.N * 4 * (p + L + 2) * EPS * (1 + M));
    expect(train.logLik).not.toBe(0);
  });

  it('loads the JSON of a fit as the CLI writes it (softmix fit --out), standard errors included', () => {
    const cliJson = JSON.stringify({ ...fit, error: { thetaError: 0.01 } }, null, 2);
    const loaded = FittedModel.fromJSON(cliJson);
    expect(Array.from(loaded.theta)).toEqual(fit.theta.flat());
    expect(loaded.training).toEqual({ p, N: fit.N, logLik: fit.logLik });
    expect(loaded.standardErrors?.robust?.theta).toEqual((fit.se as { robust: { theta: number[][] } }).robust.theta);
    // simulate's truth.json (p, L, K, N, seed, alpha, theta) is a model too
    const truth = { p, L, K: 2, N: sim.N, seed: 5, alpha: Array.from(sim.truth.alpha), theta: rows(sim.truth.theta, 2, L) };
    expect(Array.from(FittedModel.fromJSON(truth).theta)).toEqual(Array.from(sim.truth.theta));
  });

  it('logProbabilities takes flat typed arrays, number[] and rows alike, and π sums to 1', () => {
    const flat = model.logProbabilities(sim.features);
    expect(Array.from(model.logProbabilities(Float64Array.from(sim.features)))).toEqual(Array.from(flat));
    expect(Array.from(model.logProbabilities(Array.from(sim.features)))).toEqual(Array.from(flat));
    expect(Array.from(model.logProbabilities(rows(sim.features, p, L)))).toEqual(Array.from(flat));
    // each π_j is exp of a log-sum-exp over p softmax terms: relative error ≤ (p + L + K)·ε·(1 + M), summed over p items
    const M = scoreScale(sim.features, p, fit.theta);
    const total = model.probabilities(sim.features).reduce((a, b) => a + b, 0);
    expect(Math.abs(total - 1)).toBeLessThanOrEqual(4 * (p + L + 2) * EPS * (1 + M));
  });

  it('posteriors: r_jk = α_k σ_j(θ_k) / π_j, rows sum to 1, Σ_j π_j r_jk = α_k; predict is the argmax', () => {
    const K = 2;
    const r = model.posteriors(sim.features);
    expect(r.length).toBe(p * K);
    // direct: softmax without logs (scores here are small, so exp cannot overflow)
    const theta = fit.theta;
    const sigma = theta.map((t) => {
      const e = Array.from({ length: p }, (_, j) => Math.exp(t.reduce((s, v, l) => s + v * sim.features[j * L + l], 0)));
      const z = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / z);
    });
    const M = scoreScale(sim.features, p, theta);
    const tol = 8 * (p + L + K) * EPS * (1 + M); // both ways round the p-term normaliser and the L-term scores
    const pi = model.probabilities(sim.features);
    const mass = [0, 0];
    for (let j = 0; j < p; j++) {
      const w = fit.alpha.map((a, k) => a * sigma[k][j]);
      const z = w[0] + w[1];
      let rowSum = 0;
      for (let k = 0; k < K; k++) {
        expect(Math.abs(r[j * K + k] - w[k] / z)).toBeLessThanOrEqual(tol);
        rowSum += r[j * K + k];
        mass[k] += pi[j] * r[j * K + k];
      }
      expect(Math.abs(rowSum - 1)).toBeLessThanOrEqual(4 * K * EPS);
    }
    // Σ_j π_j r_jk = α_k Σ_j σ_j(θ_k) = α_k
    for (let k = 0; k < K; k++) expect(Math.abs(mass[k] - fit.alpha[k])).toBeLessThanOrEqual(tol);
    const predicted = model.predict(sim.features);
    expect(predicted).toBeInstanceOf(Int32Array);
    let both = 0;
    for (let j = 0; j < p; j++) {
      expect(predicted[j]).toBe(r[2 * j + 1] > r[2 * j] ? 1 : 0);
      both |= 1 << predicted[j];
    }
    expect(both).toBe(3); // both components win some items: the argmax is not a constant
  });

  it('posteriors far in the tails, where π_j underflows, still sum to 1 within K ulps', () => {
    const far = FittedModel.fromJSON({ format: 'softmix-model', version: 1, K: 2, L: 2, alpha: [0.5, 0.5], theta: [[30, 0], [0, -30]] });
    const x = [[1, 0], [0, 1], [-40, 0], [0, 40], [-40, 40], [0, 0]];
    const logPi = far.logProbabilities(x);
    // item 4 scores −1200 under both atoms: π_4 ≈ e^−1202 is 0 in float64 (below e^−745), log π_4 is not
    expect(logPi[4]).toBeLessThan(-1000);
    expect(logPi.every(Number.isFinite)).toBe(true);
    const r = far.posteriors(x);
    for (let j = 0; j < x.length; j++) expect(Math.abs(r[2 * j] + r[2 * j + 1] - 1)).toBeLessThanOrEqual(4 * 2 * EPS);
    // log α_k + x·θ_k − A_k with A_0 = log(e^30 + 3 + …) ≈ 30, A_1 = log(3 + e^−30 + …) ≈ log 3:
    // item 1 (0, 1) scores 0 − 30 vs −30 − log 3 (→ 0), item 4 (−40, 40) −1200 − 30 vs −1200 − log 3 (→ 1)
    expect(Array.from(far.predict(x))).toEqual([0, 0, 1, 0, 1, 1]);
  });

  it('sample: counts sum to N, and their mean over many draws is N·π within binomial standard deviations', () => {
    const n = 10;
    const x = sim.features.subarray(0, n * L);
    const pi = model.probabilities(x);
    const N = 1000;
    const reps = 400;
    const mean = new Float64Array(n);
    const drawMean = new Float64Array(n);
    for (let s = 1; s <= reps; s++) {
      const c = model.sample(x, N, { seed: s });
      expect(c.reduce((a, b) => a + b, 0)).toBe(N);
      for (let j = 0; j < n; j++) {
        expect(Number.isInteger(c[j]) && c[j] >= 0).toBe(true);
        mean[j] += c[j] / reps;
      }
      const d = model.sample(x, N, { seed: s, as: 'draws' });
      expect(d.length).toBe(N);
      for (const y of d) drawMean[y] += 1 / reps;
    }
    // n_j ~ Binomial(N, π_j): the mean of `reps` has sd √(Nπ_j(1 − π_j)/reps). At 5 sd, the
    // chance that any of the 2·10 means strays that far is below 20 · 5.7e-7 (Bonferroni).
    for (let j = 0; j < n; j++) {
      const sd = Math.sqrt((N * pi[j] * (1 - pi[j])) / reps);
      expect(Math.abs(mean[j] - N * pi[j]), `item ${j}`).toBeLessThanOrEqual(5 * sd);
      expect(Math.abs(drawMean[j] - N * pi[j]), `item ${j}`).toBeLessThanOrEqual(5 * sd);
    }
    expect(Array.from(model.sample(x, N, { seed: 3 }))).toEqual(Array.from(model.sample(x, N, { seed: 3 })));
    expect(Array.from(model.sample(x, N, { seed: 3 }))).not.toEqual(Array.from(model.sample(x, N, { seed: 4 })));
    // any safe N: p binomials, and the total is exact
    expect(model.sample(x, 1e15).reduce((a, b) => a + b, 0)).toBe(1e15);
    expectError(() => model.sample(x, 2.5), 'options', /N must be a whole number of draws ≥ 0, got 2\.5/);
    expectError(() => model.sample(x, MAX_DRAWS + 1, { as: 'draws' }), 'options', /ask for as: 'counts'/);
    expectError(() => model.sample(x, 5, { as: 'rows' as never }), 'options', /as must be 'counts' or 'draws', got "rows"/);
  });

  it('score and the feature methods name bad input instead of returning NaN', () => {
    const v = split.validation;
    expectError(() => model.score(sim.features, v.subarray(1)), 'shape', /counts has length 399 but there are p = 400/);
    expectError(() => model.score(sim.features, Float64Array.from(v, (c, j) => (j === 3 ? -1 : c))), 'counts', /counts\[3\] = -1 is negative/);
    expectError(() => model.score(sim.features, Float64Array.from(v, (c, j) => (j === 5 ? 0.5 : c))), 'counts', /counts\[5\] = 0\.5 is not an integer/);
    expect(model.score(sim.features, Float64Array.from(v, (c, j) => (j === 5 ? 0.5 : c)), { allowFractionalCounts: true }).N).toBe(v.reduce((a, b) => a + b, 0) - v[5] + 0.5);
    expectError(() => model.score(sim.features, Float64Array.from(v, (c, j) => (j === 2 ? NaN : c))), 'not-finite', /counts\[2\] is NaN/);
    expectError(() => model.score(sim.features, new Float64Array(p)), 'counts', /all counts are zero/);
    expectError(() => model.logProbabilities(sim.features.subarray(1)), 'shape', /features has 1199 values, not a multiple of L = 3/);
    expectError(() => model.posteriors([[1, 2, 3], [1, 2]]), 'shape', /features\[1\] has 2 values, the model has L = 3/);
    expectError(() => model.predict([[1, 2, NaN]]), 'not-finite', /FittedModel\.predict: features\[0\]\[2\] = NaN is not finite/);
    expectError(() => model.logProbabilities([1, '2', 3] as never), 'shape', /features\[1\] \(row 0, column 1\) is the string "2", not a number/);
    expectError(() => model.logProbabilities([]), 'shape', /features is empty/);
  });
});

describe('FittedModel.fromJSON checks the file and names the field', () => {
  const good = () => ({ format: 'softmix-model', version: 1, K: 2, L: 2, alpha: [0.75, 0.25], theta: [[1, 0], [0, -1]] });
  const cases: [string, (o: Record<string, any>) => unknown, RegExp][] = [
    ['format', (o) => ({ ...o, format: 'sklearn' }), /format is the string "sklearn", expected "softmix-model"/],
    ['a newer version', (o) => ({ ...o, version: 2 }), /softmix-model version 2 is not supported: this softmix reads version 1 \(the file was written by a newer softmix\)/],
    ['no version', ({ version: _v, ...o }) => o, /no version: this softmix reads softmix-model version 1/],
    ['K', (o) => ({ ...o, K: 3 }), /alpha has 2 weights but K = 3/],
    ['K not an integer', (o) => ({ ...o, K: 1.5 }), /K must be a positive integer, got 1\.5/],
    ['a row of theta', (o) => ({ ...o, theta: [[1, 0], [0]] }), /theta\[1\] has 1 values, expected L = 2/],
    ['the rows of theta', (o) => ({ ...o, theta: [[1, 0]] }), /theta has 1 rows, alpha has K = 2 weights/],
    ['theta flat', (o) => ({ ...o, theta: [1, 0, 0, -1] }), /theta must be an array of K rows of L numbers/],
    ['a string in theta', (o) => ({ ...o, theta: [[1, '0'], [0, -1]] }), /theta\[0\]\[1\] is the string "0", not a number/],
    ['a null in theta', (o) => ({ ...o, theta: [[1, 0], [null, -1]] }), /theta\[1\]\[0\] is null, not a number/],
    ['non-finite alpha', (o) => ({ ...o, alpha: [Infinity, 0.25] }), /alpha\[0\] = Infinity is not finite/],
    ['alpha off the simplex', (o) => ({ ...o, alpha: [0.75, 0.2] }), /alpha sums to 0\.95, not 1/],
    ['alpha typed to 2 digits', (o) => ({ ...o, K: 3, alpha: [0.33, 0.33, 0.33], theta: [[1, 0], [0, 1], [1, 1]] }), /alpha sums to 0\.99/],
    ['a negative weight', (o) => ({ ...o, alpha: [1.25, -0.25] }), /alpha\[1\] = -0\.25 is negative/],
    ['ridge', (o) => ({ ...o, ridge: -1 }), /ridge must be ≥ 0, got -1/],
    ['se', (o) => ({ ...o, se: { alpha: [0.1, 0.1], theta: [[0.1, 0.1]] } }), /se\.theta must be K = 2 rows of L = 2 standard errors/],
    ['a negative se', (o) => ({ ...o, se: { alpha: [0.1, -0.1], theta: [[0.1, 0.1], [0.1, null]] } }), /se\.alpha\[1\] must be ≥ 0, got -0\.1/],
    ['training', (o) => ({ ...o, training: { p: 0, N: 1, logLik: -1 } }), /training\.p must be a positive integer, got 0/],
    ['no alpha/theta at all', () => ({ hello: 1 }), /not a softmix model: expected \{ format: "softmix-model"/],
    ['an array', () => [1, 2], /expected an object/],
  ];
  for (const [what, make, message] of cases) {
    it(what, () => expectError(() => FittedModel.fromJSON(make(good()), 'fit.json'), 'file-format', new RegExp(`^fit\\.json: .*${message.source}`)));
  }

  it('reads back what it accepts, and takes a string', () => {
    const o = { ...good(), ridge: 0.01, se: { alpha: [0.1, 0.1], theta: [[0.1, 0.2], [0.3, null]] } };
    const m = FittedModel.fromJSON(JSON.stringify(o));
    expect(m.toJSON()).toEqual(o);
    // weights on the simplex within float64 rounding load: 0.1 + 0.2 + 0.7 = 1.0000000000000002
    expect(FittedModel.fromJSON({ ...good(), K: 3, alpha: [0.1, 0.2, 0.7], theta: [[1, 0], [0, 1], [1, 1]] }).K).toBe(3);
    // and weights that passed through float32 (a float32 file): six weights rounded to float32,
    // within K·2^-24, load too; a few typed digits do not
    const w32 = Array.from(Float32Array.from([0.41, 0.27, 0.14, 0.09, 0.06, 0.03]));
    expect(Math.abs(w32.reduce((a, b) => a + b, 0) - 1)).toBeGreaterThan(4 * 6 * Number.EPSILON);
    const six = { ...good(), K: 6, alpha: w32, theta: w32.map(() => [1, 0]) };
    expect(FittedModel.fromJSON(six).K).toBe(6);
    expectError(() => FittedModel.fromJSON({ ...good(), K: 3, alpha: [0.33, 0.33, 0.33], theta: [[1, 0], [0, 1], [1, 1]] }), 'file-format', /sums to/);
    expectError(() => FittedModel.fromJSON('{ "format": '), 'file-format', /^FittedModel\.fromJSON: not valid JSON/);
    expectError(() => FittedModel.fromFit(good() as never), 'options', /for a saved model use FittedModel\.fromJSON/);
  });
});

describe('the public mixture functions check their inputs (the −Infinity trap)', () => {
  const x = sim.features;
  const alpha = Array.from(sim.truth.alpha);
  const nested = rows(sim.truth.theta, 2, L);

  it('take a FitResult-shaped { alpha: number[], theta: number[][] } and give what the flat form gives', () => {
    const flat = mixtureLogProbabilities(x, p, L, sim.truth);
    const fromNested = mixtureLogProbabilities(x, p, L, { alpha, theta: nested });
    expect(Array.from(fromNested)).toEqual(Array.from(flat));
    expect(fromNested.every(Number.isFinite)).toBe(true);
    expect(Array.from(mixtureProbabilities(x, p, L, { alpha, theta: nested }))).toEqual(Array.from(flat, Math.exp));
  });

  it('raise a SoftmixError for wrong lengths, nested features, non-numbers and weights off the simplex', () => {
    expectError(() => mixtureLogProbabilities(x, p, L, { alpha, theta: sim.truth.theta.subarray(1) }), 'shape', /theta has 5 values, expected K×L = 2×3 = 6/);
    expectError(() => mixtureLogProbabilities(rows(x, p, L) as never, p, L, sim.truth), 'shape', /features has 400 rows, expected p×L = 400×3 = 1200 numbers \(give them flat, row-major/);
    expectError(() => mixtureLogProbabilities(x, p + 1, L, sim.truth), 'shape', /features has 1200 values, expected p×L = 401×3 = 1203/);
    expectError(() => mixtureLogProbabilities(x, p, L, { alpha: [0.5, 0.6], theta: nested }), 'options', /alpha sums to 1\.1, not 1/);
    expectError(() => mixtureLogProbabilities(x, p, L, { alpha: [0.5, '0.5'] as never, theta: nested }), 'shape', /alpha\[1\] is the string "0\.5", not a number/);
    expectError(() => mixtureLogProbabilities(x, p, L, { alpha, theta: [[1, 2, 3], [1, 2]] }), 'shape', /theta\[1\] has 2 values, expected L = 3/);
    expectError(() => mixtureProbabilities(x, p, 0, sim.truth), 'shape', /L must be a positive integer, got 0/);
    // finite inputs whose scores overflow: named, not NaN
    expectError(() => mixtureLogProbabilities([1e200, 0, -1e200, 0], 2, 2, { alpha: [1], theta: [1e200, 0] }), 'not-finite', /scores x_0·θ_k overflow float64/);
  });

  it('logLikelihood: a draw on an item of probability 0 names the item; lengths and counts are checked', () => {
    const logPi = Float64Array.of(Math.log(0.5), Math.log(0.5), -Infinity);
    expect(logLikelihood([3, 1, 0], logPi)).toBe(4 * Math.log(0.5));
    expectError(() => logLikelihood([3, 1, 2], logPi), 'counts', /item 2 has 2 draws but probability 0 under the model/);
    expectError(() => logLikelihood([3, 1], logPi), 'shape', /counts has length 2 but logPi has 3/);
    expectError(() => logLikelihood([3, -1, 0], logPi), 'counts', /counts\[1\] = -1 is negative/);
    expectError(() => logLikelihood([3, 1, 0], [0, NaN, 0]), 'not-finite', /logPi\[1\] is NaN/);
  });
});
