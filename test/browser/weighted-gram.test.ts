/**
 * shaders/weighted-gram.wgsl through WeightedGramKernel: G_kab = Σ_j w_jk (x_ja − c_ka)(x_jb − c_kb)
 * for a ≤ b (packed), on f32 inputs vs float64 on the same values; and the centerMain entry.
 * Gram bound, first order in u = 2^-24, relative to Σ_j |w_jk (x_ja − c_ka)(x_jb − c_kb)|:
 * each term's two subtractions and two products (4u), the plain float32 sum over a row
 * group of n ≤ span rows ((span − 1)u, bounds.ts gramFactor), 8u per device merge level;
 * the host's float64 sum of the last partials adds nothing at this order.
 * Center bound: serial sums of n_F and n_S partials and one division:
 * |δc| ≤ ((n_F − 1)u Σ|F_i| + (n_S − 1)u·|c|·Σ|S_i|)/|S| + u|c|.
 */
import { describe, it, expect } from 'vitest';
import { Rng } from '../../src/math/rng.ts';
import { WeightedGramKernel, gramTiling, packedSize, unpackUpper, weightedGramXReads } from '../../src/engines/webgpu/weighted-gram.ts';
import { MergeSumsKernel, MERGE_GROUP } from '../../src/engines/webgpu/merge-sums.ts';
import { ceilDiv } from '../../src/engines/webgpu/kernel.ts';
import { Buffers, f32, readF32, run, testDevice, U } from './gpu-helpers.ts';
import { gramFactor, worst, wsumFactor } from './bounds.ts';

interface Case {
  rows: number;
  L: number;
  K: number;
  seed: number;
  rowStart?: number;
  /** merge the partials on the device down to `cap` (default 256) */
  cap?: number;
  offset?: number;
  /** write at partial slot outOffset of a NaN-filled buffer and check that exactly the slice's slots are written */
  outOffset?: number;
  maxGroups?: number;
  /** the column block the wrapper must pick for (K, L) */
  block?: number;
  /**
   * the fused sums of 1 weight set (the Gram's: softmaxStats) or 2 (w has 2K columns, the
   * Gram's the last K: the E-step's too); the partials carry Σ_j w_jc x_j of every column
   * of w after the Gram's K·T floats
   */
  sums?: 1 | 2;
}

async function check(o: Case) {
  const device = await testDevice();
  const bufs = new Buffers(device);
  try {
    const { rows, L, K } = o;
    if (o.block !== undefined) expect(gramTiling(K, L).block).toBe(o.block);
    const rowStart = o.rowStart ?? 0;
    const rng = new Rng(o.seed);
    // features with a large common offset: the centring is what keeps the result accurate
    const x = f32(Array.from({ length: (rowStart + rows) * L }, () => (o.offset ?? 0) + rng.normal()));
    const C = o.sums === 2 ? 2 * K : K; // columns of w; the Gram's are the last K
    const gramFirst = C - K;
    const w = f32(Array.from({ length: rows * C }, () => rng.uniform()));
    const c = f32(Array.from({ length: K * L }, () => (o.offset ?? 0) + 0.1 * rng.normal()));
    const [gram, merge] = await Promise.all([WeightedGramKernel.load(device), MergeSumsKernel.load(device)]);
    const T = packedSize(L);
    const W = WeightedGramKernel.partialWidth(K, L, o.sums ? C : 0);
    const n = WeightedGramKernel.partialCount(rows, o.maxGroups);
    const packed = new Float64Array(W);
    let mergeLevels = 0;
    const fused = o.sums ? { wColumns: { stride: C, first: gramFirst }, sums: o.sums === 2 ? { otherFirst: 0 } : {} } : {};
    const args = { x: bufs.f32(x), w: bufs.f32(w), center: bufs.f32(c), rowStart, rows, K, L, maxGroups: o.maxGroups, ...fused };
    if (o.outOffset !== undefined) {
      // slots [0, outOffset) and one after the slice's n stay NaN; every float of the n slots is written
      const off = o.outOffset;
      const slots = off + n + 1;
      const partials = bufs.f32(new Float32Array(slots * W).fill(NaN));
      await run(device, [gram.dispatch({ ...args, partials, outOffset: off })]);
      const got = await readF32(device, partials, slots * W);
      for (let i = 0; i < slots * W; i++) {
        const mine: boolean = i >= off * W && i < (off + n) * W;
        if (Number.isNaN(got[i]) === mine) expect.fail(`partial float ${i} (slot ${Math.floor(i / W)}) ${mine ? 'not written' : 'overwritten'}`);
      }
      for (let i = off; i < off + n; i++) for (let v = 0; v < W; v++) packed[v] += got[i * W + v];
    } else {
      const partials = bufs.empty(n * W * 4);
      const scratch = Math.max(16, ceilDiv(n, MERGE_GROUP) * W * 4);
      const d = [gram.dispatch({ ...args, partials, outOffset: 0 })];
      const chain = merge.chain(partials, n, W, o.cap ?? 256, [bufs.empty(scratch), bufs.empty(scratch)]);
      d.push(...chain.dispatches);
      mergeLevels = chain.dispatches.length;
      await run(device, d);
      const got = await readF32(device, chain.buffer, chain.n * W);
      for (let i = 0; i < chain.n; i++) for (let v = 0; v < W; v++) packed[v] += got[i * W + v];
    }
    const G = unpackUpper(packed.subarray(0, K * T), K, L);

    const want = new Float64Array(K * L * L), abs = new Float64Array(K * L * L);
    for (let j = 0; j < rows; j++) {
      const xr = (rowStart + j) * L;
      for (let k = 0; k < K; k++) {
        for (let a = 0; a < L; a++) {
          const da = w[j * C + gramFirst + k] * (x[xr + a] - c[k * L + a]);
          for (let b = a; b < L; b++) {
            const t = da * (x[xr + b] - c[k * L + b]);
            want[k * L * L + a * L + b] += t;
            abs[k * L * L + a * L + b] += Math.abs(t);
          }
        }
      }
    }
    const factor = 4 + gramFactor(rows, mergeLevels, o.maxGroups);
    const r = worst(G, want, abs.map((v) => factor * U * v + 1e-300));
    expect(r.ratio, JSON.stringify(r)).toBeLessThanOrEqual(1);
    for (let k = 0; k < K; k++) for (let a = 0; a < L; a++) for (let b = 0; b < a; b++) expect(G[k * L * L + a * L + b]).toBe(0);
    if (o.sums) {
      // Σ_j w_jc x_jl: each term's product (u), plain within the Gram's stages of R rows and
      // Kahan across them (wsumFactor), 8u per device merge level
      const sums = new Float64Array(C * L), sumsAbs = new Float64Array(C * L);
      for (let j = 0; j < rows; j++) {
        for (let col = 0; col < C; col++) {
          for (let l = 0; l < L; l++) {
            const t = w[j * C + col] * x[(rowStart + j) * L + l];
            sums[col * L + l] += t;
            sumsAbs[col * L + l] += Math.abs(t);
          }
        }
      }
      const sumFactor = 1 + wsumFactor(gramTiling(K, L).rows, mergeLevels);
      const rs = worst(packed.subarray(K * T), sums, sumsAbs.map((v) => sumFactor * U * v + 1e-300));
      expect(rs.ratio, `sums ${JSON.stringify(rs)}`).toBeLessThanOrEqual(1);
    }
  } finally {
    bufs.destroy();
    device.destroy();
  }
}

describe('weighted-gram kernel', () => {
  it('p = 1000, L = 6, K = 3 (K·T = 63 packed outputs, 4 row groups)', () => check({ rows: 1000, L: 6, K: 3, seed: 1, block: 32 }));
  it('p = 1, L = 1, K = 1', () => check({ rows: 1, L: 1, K: 1, seed: 2 }));
  it('L = 20 (T = 210), K = 2, a slice inside the chunk', () => check({ rows: 700, L: 20, K: 2, seed: 3, rowStart: 50 }));
  it('features offset by 1000 (centred sums stay accurate)', () => check({ rows: 2000, L: 4, K: 2, seed: 4, offset: 1000 }));
  it('partials merged on the device', () => check({ rows: 30_000, L: 3, K: 1, seed: 5, cap: 1 }));
  it('K = 20 > 16 components per workgroup, L = 37: two column blocks of 32 (the second 5 wide), 6 row groups', () =>
    check({ rows: 1500, L: 37, K: 20, seed: 7, rowStart: 3, block: 32 }));
  it('block 64 (K = 3, L = 70), offset by 1000', () => check({ rows: 600, L: 70, K: 3, seed: 8, offset: 1000, block: 64 }));
  it('block 128 (K = 1, L = 130: the second block 2 wide)', () => check({ rows: 300, L: 130, K: 1, seed: 9, block: 128 }));
  it('at partial slot outOffset = 2 with maxGroups = 3: exactly its 3 slots are written', () =>
    check({ rows: 1500, L: 37, K: 20, seed: 10, rowStart: 11, outOffset: 2, maxGroups: 3 }));
  describe('with the fused sums of 2K weight columns (the E-step with the covariance)', () => {
    it('block 32: K = 16, L = 64 (two column blocks, 16 components per workgroup), offset by 100', () =>
      check({ rows: 2000, L: 64, K: 16, seed: 11, offset: 100, block: 32, sums: 2 }));
    it('block 32: K = 20 > 16 (the second component group 4 wide), L = 37 (the second block 5 wide)', () =>
      check({ rows: 900, L: 37, K: 20, seed: 12, rowStart: 5, block: 32, sums: 2 }));
    it('block 64: K = 3, L = 70', () => check({ rows: 600, L: 70, K: 3, seed: 13, block: 64, sums: 2 }));
    it('block 128: K = 1, L = 130, merged on the device', () => check({ rows: 3000, L: 130, K: 1, seed: 14, block: 128, cap: 1, sums: 2 }));
    it('at partial slot outOffset = 1 with maxGroups = 2: exactly its slots, sums included, are written', () =>
      check({ rows: 1000, L: 10, K: 2, seed: 15, outOffset: 1, maxGroups: 2, sums: 2 }));
  });
  describe("with the fused sums of the Gram's K weight columns (softmaxStats with the covariance)", () => {
    it('block 32: K = 20, L = 37', () => check({ rows: 900, L: 37, K: 20, seed: 16, rowStart: 5, block: 32, sums: 1 }));
    it('block 64: K = 3, L = 70, offset by 1000', () => check({ rows: 600, L: 70, K: 3, seed: 17, offset: 1000, block: 64, sums: 1 }));
    it('block 128: K = 1, L = 130, at slot outOffset = 1', () => check({ rows: 700, L: 130, K: 1, seed: 18, block: 128, outOffset: 1, maxGroups: 2, sums: 1 }));
  });

  it('X reads: ⌈K/KC⌉·⌈L/block⌉, the fewest of the three tilings', () => {
    expect(weightedGramXReads(16, 64)).toBe(2);
    expect(weightedGramXReads(32, 128)).toBe(8);
    expect(weightedGramXReads(8, 1024)).toBe(32);
    expect(weightedGramXReads(1, 1024)).toBe(8);
    expect(weightedGramXReads(528, 64)).toBe(66);
  });

  it('centerMain: c = Σ F / Σ S from the remaining partials', async () => {
    const device = await testDevice();
    const bufs = new Buffers(device);
    try {
      const K = 3, L = 5, nF = 7, nS = 4;
      const rng = new Rng(6);
      const F = f32(Array.from({ length: nF * K * L }, () => rng.normal()));
      const S = f32(Array.from({ length: nS * K }, () => 0.2 + rng.uniform()));
      const gram = await WeightedGramKernel.load(device);
      const center = bufs.empty(K * L * 4);
      await run(device, [gram.center({ sums: bufs.f32(F), nF, weights: bufs.f32(S), nS, center, K, L })]);
      const got = await readF32(device, center, K * L);
      for (let k = 0; k < K; k++) {
        let s = 0, sa = 0;
        for (let i = 0; i < nS; i++) (s += S[i * K + k]), (sa += Math.abs(S[i * K + k]));
        for (let l = 0; l < L; l++) {
          let f = 0, fa = 0;
          for (let i = 0; i < nF; i++) (f += F[i * K * L + k * L + l]), (fa += Math.abs(F[i * K * L + k * L + l]));
          const cw = f / s;
          const tol = ((nF - 1) * U * fa + (nS - 1) * U * Math.abs(cw) * sa) / Math.abs(s) + U * Math.abs(cw);
          expect(Math.abs(got[k * L + l] - cw)).toBeLessThanOrEqual(tol);
        }
      }
    } finally {
      bufs.destroy();
      device.destroy();
    }
  });
});
