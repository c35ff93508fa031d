/**
 * shaders/merge-sums.wgsl through MergeSumsKernel.
 * merge: each output is a 256-way binary tree (16 in registers, 16 lanes): depth 8, so
 *   |error| ≤ 8u·Σ|inputs| of its group.
 * mergePairs: compensated (TwoSum) trees of (hi, lo) pairs: the result hi + lo is
 *   exact up to O(u²) per level, |error| ≤ 8·d·u²·Σ|inputs| — this also checks that
 *   the shader compiler keeps the TwoSum arithmetic (no reassociation).
 */
import { describe, it, expect } from 'vitest';
import { Rng } from '../../src/math/rng.ts';
import { MergeSumsKernel, MERGE_GROUP } from '../../src/engines/webgpu/merge-sums.ts';
import { ceilDiv } from '../../src/engines/webgpu/kernel.ts';
import { Buffers, f32, readF32, run, testDevice, U } from './gpu-helpers.ts';

describe('merge-sums kernel', () => {
  it('merges 1000 partials of width 37 into 4 (and one partial into itself)', async () => {
    const device = await testDevice();
    const bufs = new Buffers(device);
    try {
      const merge = await MergeSumsKernel.load(device);
      for (const [n, W] of [[1000, 37], [1, 1]]) {
        const rng = new Rng(n);
        const v = f32(Array.from({ length: n * W }, () => rng.normal() * 10 ** (rng.int(5) - 2)));
        const out = bufs.empty(ceilDiv(n, MERGE_GROUP) * W * 4);
        await run(device, [merge.merge({ input: bufs.f32(v), out, n, W })]);
        const m = ceilDiv(n, MERGE_GROUP);
        const got = await readF32(device, out, m * W);
        for (let o = 0; o < m; o++) {
          for (let c = 0; c < W; c++) {
            let s = 0, a = 0;
            for (let i = o * MERGE_GROUP; i < Math.min(n, (o + 1) * MERGE_GROUP); i++) (s += v[i * W + c]), (a += Math.abs(v[i * W + c]));
            expect(Math.abs(got[o * W + c] - s)).toBeLessThanOrEqual(8 * U * a);
          }
        }
      }
    } finally {
      bufs.destroy();
      device.destroy();
    }
  });

  it('merges compensated pairs to O(u²): 70 000 values of mixed sign and magnitude, two levels', async () => {
    const device = await testDevice();
    const bufs = new Buffers(device);
    try {
      const merge = await MergeSumsKernel.load(device);
      const n = 70_000;
      const rng = new Rng(9);
      const v = f32(Array.from({ length: n }, () => rng.normal() * 10 ** (rng.int(7) - 3)));
      const pairs = new Float32Array(2 * n);
      for (let i = 0; i < n; i++) pairs[2 * i] = v[i];
      const scratch = ceilDiv(n, MERGE_GROUP) * 8;
      const chain = merge.chainPairs(bufs.f32(pairs), n, 1, [bufs.empty(scratch), bufs.empty(scratch)]);
      expect(chain.dispatches.length).toBe(3); // 70 000 → 274 → 2 → 1
      await run(device, chain.dispatches);
      const got = await readF32(device, chain.buffer, 2);
      let s = 0, a = 0;
      for (const x of v) (s += x), (a += Math.abs(x));
      const d = 8 * chain.dispatches.length;
      expect(Math.abs(got[0] + got[1] - s)).toBeLessThanOrEqual(8 * d * U * U * a);
      // what a plain f32 tree would have allowed: d·u·Σ|v| — the compensated sum is far inside it
      expect(Math.abs(got[0] + got[1] - s)).toBeLessThan(1e-3 * d * U * a);
    } finally {
      bufs.destroy();
      device.destroy();
    }
  });
});
