/**
 * S·θ for the M-step's spreads of the scores (src/em/design-products.ts): the four-row product
 * is the plain row-by-row product to the bit, and the memory of the last M-step's result
 * answers only for exactly that row and that S.
 */
import { describe, it, expect } from 'vitest';
import { designTimesAtoms, designTimesRows, rememberDesignTimes, spreadOf } from '../src/em/design-products.ts';
import { Rng } from '../src/math/rng.ts';

/** S·x_k summed over b in order, one row at a time: the reference. */
function plainTimes(S: Float64Array, X: Float64Array, k: number, L: number): Float64Array {
  const out = new Float64Array(L);
  for (let a = 0; a < L; a++) {
    let s = 0;
    for (let b = 0; b < L; b++) s += S[a * L + b] * X[k * L + b];
    out[a] = s;
  }
  return out;
}

function symmetric(L: number, rng: Rng): Float64Array {
  const S = new Float64Array(L * L);
  for (let a = 0; a < L; a++) for (let b = 0; b <= a; b++) S[a * L + b] = S[b * L + a] = rng.normal();
  return S;
}

describe('design products', () => {
  const L = 13;
  const rng = new Rng(3);
  const S = symmetric(L, rng);

  // 0, 1, 3, 4, 5 and 9 rows asked: empty, a short group alone, a full group, a group and a tail
  for (const rows of [[false, false], [false, true, false], [true, true, false, true], [true, true, true, true], [true, false, true, true, true, true], Array(9).fill(true)]) {
    it(`S·x_k for the rows asked (${rows.filter(Boolean).length} of ${rows.length}) equals the row-by-row product exactly; 0 elsewhere`, () => {
      const X = rng.normals(rows.length * L);
      const out = designTimesRows(S, X, rows, L);
      rows.forEach((on, k) => {
        const want = on ? plainTimes(S, X, k, L) : new Float64Array(L);
        expect(Array.from(out.subarray(k * L, k * L + L))).toEqual(Array.from(want));
      });
    });
  }

  it('remembers the last M-step’s rows for that S only, and only for exactly those values', () => {
    const K = 3;
    const theta = rng.normals(K * L);
    // remembered "products" that are not S·θ: where they come back, the memory answered
    const marked = new Float64Array(K * L).fill(7);
    rememberDesignTimes(S, theta, marked, [true, false, true], L);
    const moved = Float64Array.from(theta);
    moved[2 * L + 5] += Math.abs(moved[2 * L + 5]) * 2 ** -52; // one ulp off in row 2
    const out = designTimesAtoms(S, moved, [true, true, true], L);
    expect(Array.from(out.subarray(0, L))).toEqual(Array(L).fill(7)); // row 0: same values, remembered
    expect(Array.from(out.subarray(L, 2 * L))).toEqual(Array.from(plainTimes(S, moved, 1, L))); // row 1: not remembered
    expect(Array.from(out.subarray(2 * L))).toEqual(Array.from(plainTimes(S, moved, 2, L))); // row 2: one ulp off
    // the same values in another matrix object are another fit: nothing remembered
    const copy = Float64Array.from(S);
    expect(Array.from(designTimesAtoms(copy, theta, [true, false, false], L).subarray(0, L))).toEqual(Array.from(plainTimes(copy, theta, 0, L)));
    // a later M-step's result replaces the memory
    rememberDesignTimes(S, moved, marked, [false, true, false], L);
    expect(Array.from(designTimesAtoms(S, theta, [true, false, false], L).subarray(0, L))).toEqual(Array.from(plainTimes(S, theta, 0, L)));
  });

  it('the spread √(xᵀSx) from S·x, clamped at 0 where rounding makes it negative', () => {
    const x = rng.normals(L);
    const Sx = plainTimes(S, x, 0, L);
    let q = 0;
    for (let a = 0; a < L; a++) q += x[a] * Sx[a];
    expect(spreadOf(x, Sx, L)).toBe(Math.sqrt(Math.max(q, 0)));
    expect(spreadOf(Float64Array.of(1, 1), Float64Array.of(-1e-18, 0), 2)).toBe(0);
  });
});
