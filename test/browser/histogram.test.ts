/**
 * shaders/histogram.wgsl through countSamples: counts are exact integers, so the
 * comparison with a host histogram is exact. Out-of-range indices are an error naming
 * the first offending position; several dispatches (segments) and the 2-D workgroup
 * grid are exercised with the testing knobs, and N > 65535·256 for real.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Rng } from '../../src/math/rng.ts';
import { countSamples } from '../../src/engines/webgpu/engine.ts';
import { HistogramKernel } from '../../src/engines/webgpu/histogram.ts';
import { SoftmixError } from '../../src/errors.ts';
import { testDevice } from './gpu-helpers.ts';

let device: GPUDevice;
beforeAll(async () => {
  device = await testDevice();
});
afterAll(() => device.destroy());

function draws(seed: number, n: number, p: number): Uint32Array {
  const rng = new Rng(seed);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextUint32() % p;
  return out;
}

function hostCounts(samples: Uint32Array, p: number): Float64Array {
  const c = new Float64Array(p);
  for (const y of samples) c[y]++;
  return c;
}

describe('histogram kernel / countSamples', () => {
  it('counts 100 001 draws over p = 1000 exactly (N not a multiple of 256)', async () => {
    const s = draws(1, 100_001, 1000);
    expect(await countSamples(s, 1000, { device })).toEqual(hostCounts(s, 1000));
  });

  it('p = 1, and no draws at all', async () => {
    expect(Array.from(await countSamples(new Uint32Array(300), 1, { device }))).toEqual([300]);
    expect(Array.from(await countSamples(new Uint32Array(0), 4, { device }))).toEqual([0, 0, 0, 0]);
  });

  it('reports an out-of-range index as an error with its position, never drops it', async () => {
    const s = draws(2, 60_000, 50);
    s[12_345] = 50;
    s[40_000] = 0xffffffff;
    const err = await countSamples(s, 50, { device }).catch((e) => e);
    expect(err).toBeInstanceOf(SoftmixError);
    expect(err.code).toBe('samples');
    expect(err.message).toContain('2 sample index(es) out of range [0, 50)');
    expect(err.message).toContain('samples[12345] = 50');
  });

  it('splits the draws into several dispatches (maxSamplesPerDispatch = 1000) and finds errors in later segments', async () => {
    const s = draws(3, 10_500, 77);
    expect(await countSamples(s, 77, { device, maxSamplesPerDispatch: 1000 })).toEqual(hostCounts(s, 77));
    s[9_999] = 77;
    await expect(countSamples(s, 77, { device, maxSamplesPerDispatch: 1000 })).rejects.toThrow(/samples\[9999\] = 77/);
  });

  it('lays the workgroups out on a 2-D grid (rows of 7 workgroups)', async () => {
    expect(HistogramKernel.grid(100_000, 7)).toEqual({ groupsX: 7, groupsY: 56 });
    const s = draws(4, 100_000, 313);
    expect(await countSamples(s, 313, { device, maxWorkgroupsPerDimension: 7 })).toEqual(hostCounts(s, 313));
  });

  it('N = 65535·256 + 40 001 draws: more than one grid row of 65535 workgroups', async () => {
    const n = 65535 * 256 + 40_001;
    expect(HistogramKernel.grid(n, 65535).groupsY).toBe(2);
    const s = draws(5, n, 5000);
    expect(await countSamples(s, 5000, { device })).toEqual(hostCounts(s, 5000));
  });

  it('rejects a bad p', async () => {
    await expect(countSamples(new Uint32Array(3), 0, { device })).rejects.toMatchObject({ code: 'shape' });
  });
});
