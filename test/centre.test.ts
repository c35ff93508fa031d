/**
 * Where the fused E-step with the covariance centres its Gram matrices (webgpu/centre.ts):
 * the caller's hint is checked like any input, and a pass counts as poorly centred
 * exactly when some coordinate's centre is further than MAX_CENTRE_EXCESS variances away.
 */
import { describe, expect, it } from 'vitest';
import { CentreHints, MAX_CENTRE_EXCESS, poorlyCentred } from '../src/engines/webgpu/centre.ts';

describe('CentreHints', () => {
  it('starts at 0 and then gives the last means at each K, as float32', () => {
    const hints = new CentreHints(2);
    expect(Array.from(hints.at(3))).toEqual([0, 0, 0, 0, 0, 0]);
    hints.remember(1, Float64Array.from([0.1, -2]));
    expect(Array.from(hints.at(1))).toEqual([Math.fround(0.1), -2]);
    expect(hints.at(3).length).toBe(6);
    expect(Array.from(hints.choose(1))).toEqual([Math.fround(0.1), -2]);
    expect(Array.from(hints.choose(1, Float64Array.from([3, 4])))).toEqual([3, 4]);
  });

  it('refuses a hint of the wrong size or not finite in float32', () => {
    const hints = new CentreHints(2);
    expect(() => hints.choose(2, new Float64Array(3))).toThrow(/stats.centre must hold K·L = 4 values, got 3/);
    expect(() => hints.choose(1, Float64Array.from([0, 1e39]))).toThrow(/stats.centre\[1\] = 1e\+39 is not a finite float32/);
    expect(() => hints.choose(1, Float64Array.from([NaN, 0]))).toThrow(/stats.centre\[0\] = NaN/);
  });
});

describe('poorlyCentred', () => {
  // K = 2, L = 2: variances 4 and 1 on the diagonals
  const stats = {
    logPartition: new Float64Array(2),
    mean: Float64Array.from([1, 2, 3, 4]),
    covariance: Float64Array.from([4, 0.5, 0.5, 1, 4, 0, 0, 1]),
  };
  it('takes a centre within MAX_CENTRE_EXCESS variances in every coordinate, and no further', () => {
    const within = Math.sqrt(MAX_CENTRE_EXCESS) * 0.999;
    const beyond = Math.sqrt(MAX_CENTRE_EXCESS) * 1.001;
    expect(poorlyCentred(stats, Float32Array.from([1, 2, 3, 4]), 2, 2)).toBe(false);
    expect(poorlyCentred(stats, Float32Array.from([1 - 2 * within, 2, 3, 4 + within]), 2, 2)).toBe(false);
    expect(poorlyCentred(stats, Float32Array.from([1, 2, 3, 4 + beyond]), 2, 2)).toBe(true);
    expect(poorlyCentred(stats, Float32Array.from([1 + 2 * beyond, 2, 3, 4]), 2, 2)).toBe(true);
  });
  it('where a coordinate has no variance, takes only float32 resolution', () => {
    const flat = { ...stats, covariance: new Float64Array(8) };
    expect(poorlyCentred(flat, Float32Array.from([1, 2, 3, 4]), 2, 2)).toBe(false);
    expect(poorlyCentred({ ...flat, mean: Float64Array.from([0.1, 2, 3, 4]) }, Float32Array.from([0.1, 2, 3, 4]), 2, 2)).toBe(false);
    expect(poorlyCentred(flat, Float32Array.from([1, 2, 3, 4.001]), 2, 2)).toBe(true);
  });
});
