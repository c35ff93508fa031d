import { describe, it, expect } from 'vitest';
import { thinCounts, foldCounts, sampleBinomial, INVERSION_MEAN } from '../src/model/thinning.ts';
import { Rng } from '../src/math/rng.ts';
import { SoftmixError } from '../src/errors.ts';

/** Sample mean and (unbiased) variance, centred first so that values near 1e9 keep their digits. */
function moments(xs: ArrayLike<number>): { mean: number; variance: number } {
  let mean = 0;
  for (let i = 0; i < xs.length; i++) mean += xs[i];
  mean /= xs.length;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i] - mean) ** 2;
  return { mean, variance: ss / (xs.length - 1) };
}

/**
 * m draws of Binomial(n, f) through the public thinCounts (m items of count n each).
 *
 * Tolerances, from the sample size: with σ² = nf(1 − f), the sample mean has standard
 * deviation σ/√m, and the sample variance s² has variance σ⁴(2/(m − 1) + κ/m), κ the
 * binomial's excess kurtosis (1 − 6f(1 − f))/σ². Both are checked to 5 standard deviations:
 * a correct sampler fails such a check with probability below 1e-6 (the seeds are fixed, so
 * the test is deterministic; the bound says a wrong sampler is what would make it fail).
 */
function checkMoments(n: number, f: number, m: number, seed: number): void {
  const { train, validation } = thinCounts(new Float64Array(m).fill(n), f, seed);
  let inexact = 0;
  for (let i = 0; i < m; i++) if (train[i] + validation[i] !== n) inexact++;
  expect(inexact).toBe(0);
  const { mean, variance } = moments(train);
  const s2 = n * f * (1 - f);
  const kurtosis = (1 - 6 * f * (1 - f)) / s2;
  expect(Math.abs(mean - n * f), `mean of Binomial(${n}, ${f})`).toBeLessThan(5 * Math.sqrt(s2 / m));
  expect(Math.abs(variance - s2), `variance of Binomial(${n}, ${f})`).toBeLessThan(5 * s2 * Math.sqrt(2 / (m - 1) + kurtosis / m));
}

const log = Math.log;
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += log(n - k + i) - log(i);
  return s;
}

describe('thinCounts: binomial thinning of a count vector', () => {
  const counts = [0, 1, 2, 7, 30, 31, 1000, 123_456, 1e9, 2 ** 52 + 1];

  it('splits every count exactly: train + validation = n, both whole and ≥ 0', () => {
    const { train, validation } = thinCounts(counts, 0.3, 7);
    counts.forEach((n, j) => {
      expect(train[j] + validation[j]).toBe(n);
      expect(Number.isInteger(train[j]) && train[j] >= 0 && train[j] <= n).toBe(true);
    });
    expect(train[0]).toBe(0);
  });

  it('is reproducible by seed and differs across seeds', () => {
    const a = thinCounts(counts, 0.5, 11);
    const b = thinCounts(counts, 0.5, 11);
    const c = thinCounts(counts, 0.5, 12);
    expect(Array.from(b.train)).toEqual(Array.from(a.train));
    expect(Array.from(c.train)).not.toEqual(Array.from(a.train));
  });

  it('draws Binomial(n, f) with the right mean and variance: inversion (small n·f) and its mirror (f > 1/2)', () => {
    checkMoments(20, 0.3, 20_000, 1); // mean 6 < INVERSION_MEAN: inversion
    checkMoments(5_000_000, 0.999_999, 20_000, 2); // n(1 − f) = 5: n − inversion on 1 − f
    checkMoments(1e9, 1e-8, 20_000, 3); // mean 10 at n = 1e9: inversion with (1 − f)^n computed by log1p
  });

  it('draws Binomial(n, f) with the right mean and variance on the large-n path (order statistics of uniforms)', () => {
    expect(1000 * 0.4).toBeGreaterThan(INVERSION_MEAN);
    checkMoments(1000, 0.4, 20_000, 4);
    checkMoments(1e9, 0.3, 20_000, 5); // about 25 halvings per draw
    checkMoments(2 ** 52, 0.5, 5_000, 6);
  });

  it('matches the Binomial(100, 0.45) pmf on the large-n path (chi-square)', () => {
    // mean 45 > INVERSION_MEAN, so every draw goes through at least one beta split
    const n = 100;
    const f = 0.45;
    const m = 200_000;
    const rng = new Rng(9);
    const hist = new Float64Array(n + 1);
    for (let i = 0; i < m; i++) hist[sampleBinomial(rng, n, f)]++;
    // bins of expected count ≥ 5, the tails pooled into the end bins
    const expected = Array.from({ length: n + 1 }, (_, k) => m * Math.exp(logChoose(n, k) + k * log(f) + (n - k) * log(1 - f)));
    const bins: { obs: number; exp: number }[] = [];
    let acc = { obs: 0, exp: 0 };
    for (let k = 0; k <= n; k++) {
      acc = { obs: acc.obs + hist[k], exp: acc.exp + expected[k] };
      if (acc.exp >= 5 && expected.slice(k + 1).reduce((a, b) => a + b, 0) >= 5) {
        bins.push(acc);
        acc = { obs: 0, exp: 0 };
      }
    }
    bins[bins.length - 1] = { obs: bins[bins.length - 1].obs + acc.obs, exp: bins[bins.length - 1].exp + acc.exp };
    const chi2 = bins.reduce((s, b) => s + (b.obs - b.exp) ** 2 / b.exp, 0);
    const df = bins.length - 1;
    // χ²_df has mean df and sd √(2df): 5 sd above the mean is far in the tail for a correct sampler.
    // This checks the shape of the whole pmf; an off-by-one in the recursion's n − a (tried by
    // hand) barely moves n = 100, but the moment checks at n = 1e9 and 2^52 above fail on it.
    expect(df).toBeGreaterThan(20);
    expect(chi2).toBeLessThan(df + 5 * Math.sqrt(2 * df));
  });

  it('refuses fractional, negative and non-finite counts, and fractions outside (0, 1), naming the problem', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(SoftmixError);
        return `${(e as SoftmixError).code}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(code(() => thinCounts([1, 2.5, 3], 0.5))).toMatch(/^counts: .*counts\[1\] = 2\.5 is not an integer/);
    expect(code(() => thinCounts([1, -2], 0.5))).toMatch(/^counts: .*counts\[1\] = -2 is negative/);
    expect(code(() => thinCounts([NaN], 0.5))).toMatch(/^counts: .*counts\[0\] = NaN is not a finite number/);
    expect(code(() => thinCounts([1e300], 0.5))).toMatch(/^counts: .*above 2\^53/);
    for (const f of [0, 1, -0.1, 1.5, NaN]) expect(code(() => thinCounts([1, 2], f))).toMatch(/^options: thinCounts: fraction must be a number in \(0, 1\)/);
    expect(code(() => thinCounts([1, 2], 0.5, 1.5))).toMatch(/^options: .*seed must be an integer ≥ 0/);
  });
});

describe('foldCounts: k-fold count splitting', () => {
  it('splits every count into k parts that sum to it exactly, reproducibly', () => {
    const counts = [0, 3, 17, 1000, 1e9];
    const parts = foldCounts(counts, 4, 3);
    expect(parts.length).toBe(4);
    counts.forEach((n, j) => expect(parts.reduce((s, q) => s + q[j], 0)).toBe(n));
    expect(foldCounts(counts, 4, 3).map((q) => Array.from(q))).toEqual(parts.map((q) => Array.from(q)));
  });

  it('gives every fold the same share: Binomial(n, 1/k) marginals', () => {
    // m items of n = 300 draws in k = 3 folds: every fold's count is Binomial(300, 1/3), sd √(300·2/9) = 8.2;
    // its mean over m = 20 000 items is 100 within 5·8.2/√m = 0.29
    const m = 20_000;
    const parts = foldCounts(new Float64Array(m).fill(300), 3, 5);
    for (const q of parts) {
      const { mean, variance } = moments(q);
      expect(Math.abs(mean - 100)).toBeLessThan(5 * Math.sqrt(300 * (2 / 9) / m));
      expect(Math.abs(variance - 300 * (2 / 9)) / (300 * (2 / 9))).toBeLessThan(5 * Math.sqrt(2 / m));
    }
  });

  it('refuses a bad number of folds and fractional counts', () => {
    expect(() => foldCounts([1, 2], 0)).toThrow(/folds must be an integer ≥ 1/);
    expect(() => foldCounts([1, 2], 2.5)).toThrow(/folds must be an integer ≥ 1/);
    expect(() => foldCounts([1, 0.5], 2)).toThrow(/counts\[1\] = 0\.5 is not an integer/);
  });
});

describe('Rng.gamma and Rng.beta (the large-n binomial path draws them)', () => {
  it('have the right mean and variance for small, moderate and huge shapes', () => {
    // Gamma(a): mean a, variance a; m = 20 000 draws: the mean within 5√(a/m), the variance
    // within 5·a·√((2 + 6/a)/m) (excess kurtosis of Gamma(a) is 6/a)
    const m = 20_000;
    for (const [a, seed] of [[0.5, 1], [3, 2], [1e6, 3]] as const) {
      const rng = new Rng(seed);
      const xs = Float64Array.from({ length: m }, () => rng.gamma(a));
      const { mean, variance } = moments(xs);
      expect(Math.abs(mean - a), `mean of Gamma(${a})`).toBeLessThan(5 * Math.sqrt(a / m));
      expect(Math.abs(variance - a), `variance of Gamma(${a})`).toBeLessThan(5 * a * Math.sqrt((2 + 6 / a) / m));
    }
    // Beta(2, 5): mean 2/7, variance ab/((a+b)²(a+b+1)) = 10/392; the mean within 5 sd/√m
    const rng = new Rng(4);
    const { mean } = moments(Float64Array.from({ length: m }, () => rng.beta(2, 5)));
    expect(Math.abs(mean - 2 / 7)).toBeLessThan(5 * Math.sqrt(10 / 392 / m));
    expect(() => rng.gamma(0)).toThrow(/gamma shape must be finite and > 0/);
  });
});
