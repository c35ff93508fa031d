import { describe, expect, it } from 'vitest';
import { characteristicItems } from '../src/model/characteristic.ts';

// Tolerance: every value is a handful of float64 operations on O(1)–O(100) numbers
// (a log-sum-exp over 3 terms, one exp, one product): agreement to 1e-12 relative is
// hundreds of ulps of margin, and any wrong formula is off by 1e-2 or more.
const close = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));

/*
 * A hand-checkable example: p = 3 items with L = 1 feature x = (0, ln 3, 0), K = 2
 * components θ = (1, 0), α = (1/2, 1/2), counts n = (40, 70, 0).
 *   σ(θ_1) ∝ (1, 3, 1)  = (1/5, 3/5, 1/5);  σ(θ_2) = (1/3, 1/3, 1/3)
 *   π = (4/15, 7/15, 4/15)
 *   lift_·1 = (3/4, 9/7, 3/4),  lift_·2 = (5/4, 5/7, 5/4)
 *   r_·1 = (3/8, 9/14, 3/8),    r_·2 = (5/8, 5/14, 5/8)
 *   score_·1 = (40·3/8·ln 3/4, 70·9/14·ln 9/7, 0) = (15 ln 3/4, 45 ln 9/7, 0)
 *   score_·2 = (40·5/8·ln 5/4, 70·5/14·ln 5/7, 0) = (25 ln 5/4, 25 ln 5/7, 0)
 */
const features = new Float32Array([0, Math.log(3), 0]);
const counts = [40, 70, 0];

describe('characteristicItems', () => {
  it('scores items by n_j r_jk log(lift) and ranks them, on a hand-computed example', () => {
    const out = characteristicItems(features, 3, 1, counts, [0.5, 0.5], [[1], [0]]);
    expect(out.map((c) => c.k)).toEqual([0, 1]);
    // features are float32: ln 3 rounds, so use the rounded value in the expected numbers
    const x1 = features[1];
    const s1 = [1 / (2 + Math.exp(x1)), Math.exp(x1) / (2 + Math.exp(x1)), 1 / (2 + Math.exp(x1))];
    expect(Math.abs(x1 - Math.log(3))).toBeLessThan(1e-7);

    const [c1, c2] = out;
    expect(c1.items.map((i) => i.index)).toEqual([1, 2, 0]);
    expect(c2.items.map((i) => i.index)).toEqual([0, 2, 1]);
    // with the exact ln 3 these are 45 ln(9/7) etc.; the float32 rounding of ln 3 moves them by < 1e-6
    expect(Math.abs(c1.items[0].score - 45 * Math.log(9 / 7))).toBeLessThan(1e-5);
    expect(Math.abs(c1.items[2].score - 15 * Math.log(3 / 4))).toBeLessThan(1e-5);
    expect(Math.abs(c2.items[0].score - 25 * Math.log(5 / 4))).toBeLessThan(1e-5);
    expect(Math.abs(c2.items[2].score - 25 * Math.log(5 / 7))).toBeLessThan(1e-5);
    expect(c1.items[1].score).toBe(0); // an item never seen scores 0
    expect(c2.items[1].score).toBe(0);

    // exact against the same formulas at the float32 feature
    const pi = s1.map((s) => (s + 1 / 3) / 2);
    close(c1.items[0].lift, s1[1] / pi[1]);
    close(c1.items[0].score, 70 * 0.5 * (s1[1] / pi[1]) * Math.log(s1[1] / pi[1]));
    close(c2.items[0].lift, 1 / 3 / pi[0]);
    close(c2.items[0].score, 40 * 0.5 * (1 / 3 / pi[0]) * Math.log(1 / 3 / pi[0]));
    // items not seen still report their lift
    close(c1.items[1].lift, s1[2] / pi[2]);
  });

  it('keeps the top items only', () => {
    const out = characteristicItems(features, 3, 1, counts, [0.5, 0.5], [[1], [0]], 1);
    expect(out[0].items.map((i) => i.index)).toEqual([1]);
    expect(out[1].items.map((i) => i.index)).toEqual([0]);
  });

  it('stays finite where exp(x·θ) overflows', () => {
    // x·θ_1 = 1000 ln 3 ≈ 1099 > 709: σ(θ_1) ≈ (0, 1, 0), π_2 = 1/2 + 1/6 = 2/3, lift = 3/2, r = 3/4
    const out = characteristicItems(features, 3, 1, counts, [0.5, 0.5], [[1000], [0]]);
    for (const c of out) for (const i of c.items) expect(Number.isFinite(i.score) && Number.isFinite(i.lift)).toBe(true);
    expect(out[0].items[0].index).toBe(1);
    close(out[0].items[0].lift, 1.5);
    close(out[0].items[0].score, 70 * 0.75 * Math.log(1.5));
  });

  it('gives an empty component (α_k = 0) zero scores', () => {
    const out = characteristicItems(features, 3, 1, counts, [1, 0], [[1], [0]]);
    expect(out[1].items.every((i) => i.score === 0)).toBe(true);
  });

  it('rejects inconsistent shapes', () => {
    expect(() => characteristicItems(features, 3, 1, [1, 2], [0.5, 0.5], [[1], [0]])).toThrow(/counts/);
    expect(() => characteristicItems(features, 3, 1, counts, [0.5, 0.5], [[1, 2], [0, 0]])).toThrow(/theta/);
  });
});
