/**
 * shaders/weighted-sum.wgsl (and the merge-sums levels after it) through
 * WeightedSumKernel: F_kl = Σ_j w_jk x_jl on f32 inputs vs float64 on the same values.
 * Bound: one rounding per product plus the split-K sum (bounds.ts wsumFactor: a plain
 * sum within each stage of R rows, Kahan across stages, 8 per merge level), relative to
 * Σ_j |w_jk x_jl| — weights here have both signs, so the sums cancel and Σ|terms| is
 * the honest scale.
 */
import { describe, it, expect } from 'vitest';
import { Rng } from '../../src/math/rng.ts';
import { WeightedSumKernel, weightedSumTiling, weightedSumXReads } from '../../src/engines/webgpu/weighted-sum.ts';
import { MergeSumsKernel, MERGE_GROUP } from '../../src/engines/webgpu/merge-sums.ts';
import { ceilDiv } from '../../src/engines/webgpu/kernel.ts';
import { Buffers, f32, readF32, run, testDevice, U } from './gpu-helpers.ts';
import { wsumFactor, worst } from './bounds.ts';

async function check(o: { rows: number; L: number; K: number; seed: number; rowStart?: number; cap?: number }) {
  const device = await testDevice();
  const bufs = new Buffers(device);
  try {
    const { rows, L, K } = o;
    const rowStart = o.rowStart ?? 0;
    const rng = new Rng(o.seed);
    const x = f32(rng.normals((rowStart + rows) * L));
    const w = f32(Array.from({ length: rows * K }, () => rng.normal() * 5));
    const [wsum, merge] = await Promise.all([WeightedSumKernel.load(device), MergeSumsKernel.load(device)]);
    const n = WeightedSumKernel.partialCount(rows);
    const W = K * L;
    const partials = bufs.empty(n * W * 4);
    const scratch = Math.max(16, ceilDiv(n, MERGE_GROUP) * W * 4);
    const d = [wsum.dispatch({ x: bufs.f32(x), w: bufs.f32(w), partials, rowStart, rows, K, L, outOffset: 0 })];
    const chain = merge.chain(partials, n, W, o.cap ?? 256, [bufs.empty(scratch), bufs.empty(scratch)]);
    d.push(...chain.dispatches);
    await run(device, d);
    const got = await readF32(device, chain.buffer, chain.n * W);
    const sum = new Float64Array(W);
    for (let i = 0; i < chain.n; i++) for (let v = 0; v < W; v++) sum[v] += got[i * W + v];

    const want = new Float64Array(W), abs = new Float64Array(W);
    for (let j = 0; j < rows; j++) {
      for (let k = 0; k < K; k++) {
        for (let l = 0; l < L; l++) {
          const t = w[j * K + k] * x[(rowStart + j) * L + l];
          want[k * L + l] += t;
          abs[k * L + l] += Math.abs(t);
        }
      }
    }
    const factor = 1 + wsumFactor(weightedSumTiling(K, L).rows, chain.dispatches.length);
    const r = worst(sum, want, abs.map((a) => factor * U * a));
    expect(r.ratio, JSON.stringify(r)).toBeLessThanOrEqual(1);
    return chain;
  } finally {
    bufs.destroy();
    device.destroy();
  }
}

describe('weighted-sum kernel', () => {
  it('p = 1000 (not a multiple of 256 or of the stage), L = 5, C = 3 (ragged vec4s of w and x)', () => check({ rows: 1000, L: 5, K: 3, seed: 1 }));
  it('p = 1, L = 1, C = 1', () => check({ rows: 1, L: 1, K: 1, seed: 2 }));
  it('p = 20 000: 64 row groups of 313 rows, Kahan across stages', () => check({ rows: 20_000, L: 3, K: 2, seed: 3 }));
  it('a slice starting inside the chunk (rowStart = 123)', () => check({ rows: 400, L: 4, K: 2, seed: 4, rowStart: 123 }));
  it('C = 11, L = 300 (three feature blocks of 128, the last ragged and not a multiple of 4)', () => check({ rows: 700, L: 300, K: 11, seed: 6, rowStart: 5 }));
  it('C = 32, L = 64 (the E-step and σ columns at K = 16: X read once); C = 70, L = 9 (one column block of 128)', async () => {
    expect(weightedSumXReads(32, 64)).toBe(1);
    await check({ rows: 600, L: 64, K: 32, seed: 7 });
    await check({ rows: 600, L: 9, K: 70, seed: 8 });
  });
  it('every tiling, each with a ragged last block of columns and of features', async () => {
    const seen = new Set<number>();
    // (C, L) that pick CB = 32, 64, 128 in turn
    for (const [K, L, seed] of [[21, 129, 10], [45, 61, 11], [100, 30, 12], [300, 13, 13]]) {
      seen.add(weightedSumTiling(K, L).columns);
      await check({ rows: 300, L, K, seed });
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([32, 64, 128]);
  });
  it('partials merged on the device down to one', async () => {
    const chain = await check({ rows: 30_000, L: 17, K: 2, seed: 5, cap: 1 });
    expect(chain.n).toBe(1);
    expect(chain.dispatches.length).toBe(1);
  });
});
