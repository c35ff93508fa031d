import { describe, it, expect } from 'vitest';
import { normalQuantile, normalCdf } from '../src/math/normal.ts';
import { sampleMultinomial } from '../src/model/multinomial.ts';
import { Rng } from '../src/math/rng.ts';

describe('the normal quantile and cdf', () => {
  // reference values from scipy.stats.norm (float64)
  it.each([
    [0.975, 1.959963984540054],
    [1e-10, -6.361340902404056],
    [0.3, -0.5244005127080409],
    [1 - 1e-12, 7.0344869100478356],
  ])('Φ⁻¹(%s) = %s to 1e-13 relative', (q, z) => {
    // after Halley's step the error is that of erfc, a few ulps, amplified by 1/(z φ(z)·…) in the tails
    expect(Math.abs(normalQuantile(q) - z)).toBeLessThan(1e-13 * Math.abs(z));
  });

  it('Φ in the far tail keeps its relative precision', () => {
    expect(Math.abs(normalCdf(-3) / 0.0013498980316300933 - 1)).toBeLessThan(1e-13);
    expect(Math.abs(normalCdf(-20) / 2.7536241186061556e-89 - 1)).toBeLessThan(1e-12);
  });

  it('refuses q outside (0, 1)', () => {
    for (const q of [0, 1, -0.1, Number.NaN]) expect(() => normalQuantile(q)).toThrow(/\(0, 1\)/);
  });
});

describe('multinomial counts', () => {
  it('sum to N exactly and have the multinomial means and variances', () => {
    const pi = Float64Array.of(0.5, 0.2, 0.2, 0.1, 0);
    const N = 1000;
    const reps = 4000;
    const rng = new Rng(3);
    const sum = new Float64Array(pi.length);
    const sq = new Float64Array(pi.length);
    for (let r = 0; r < reps; r++) {
      const n = sampleMultinomial(rng, N, pi);
      expect(n.reduce((s, v) => s + v, 0)).toBe(N);
      expect(n[4]).toBe(0);
      n.forEach((v, j) => {
        sum[j] += v;
        sq[j] += v * v;
      });
    }
    for (let j = 0; j < 4; j++) {
      const mean = sum[j] / reps;
      const variance = sq[j] / reps - mean * mean;
      const v = N * pi[j] * (1 - pi[j]);
      // the mean's standard error is √(v/reps): 5 of them; the variance's relative error ≈ √(2/reps) ≈ 2.2%: 5 of them
      expect(Math.abs(mean - N * pi[j])).toBeLessThan(5 * Math.sqrt(v / reps));
      expect(Math.abs(variance / v - 1)).toBeLessThan(5 * Math.sqrt(2 / reps));
    }
  });

  it('refuses a fractional N and an improper π', () => {
    expect(() => sampleMultinomial(new Rng(1), 10.5, [1])).toThrow(/whole number/);
    expect(() => sampleMultinomial(new Rng(1), 10, [0.5, Number.NaN])).toThrow(/not a probability/);
    expect(() => sampleMultinomial(new Rng(1), 10, [0, 0])).toThrow(/no mass/);
  });
});
