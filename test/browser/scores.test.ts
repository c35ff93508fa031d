/**
 * shaders/scores.wgsl through ScoresKernel: s = X Θᵀ on f32 inputs vs float64 on the
 * same f32 values, and the log-sum-exp partials the `withPartials` entry writes.
 *
 * Scores bound: each s_jk is one f32 accumulator over l in order, so
 * |s_gpu − s| ≤ γ_L Σ_l |x_l θ_l| ≈ L·u·Σ_l |x_l θ_l| (no input rounding: the inputs are
 * f32 on both sides).
 *
 * Partials bound, against float64 on the device's own f32 scores of the partial's 256
 * rows (so only the merges' rounding enters; logsumexp.test.ts derives it): m is their
 * max exactly; t ≈ Σ_j e^{s_j − m} with |δt| ≤ Σ_j e^{s_j − m} (4u·8 + u|s_j − m|) (a
 * depth-8 tree, 4u per level, and the rescalings). Entries of the partial buffer outside
 * the slice's [outOffset, outOffset + ⌈rows/256⌉) stay as they were.
 */
import { describe, it, expect } from 'vitest';
import { Rng } from '../../src/math/rng.ts';
import { ScoresKernel, SCORES_ROWS } from '../../src/engines/webgpu/scores.ts';
import { LogSumExpKernel, LSE_GROUP } from '../../src/engines/webgpu/logsumexp.ts';
import { Buffers, f32, readF32, run, scoresF64, testDevice, U, worstRatio } from './gpu-helpers.ts';

interface Case {
  p: number;
  L: number;
  K: number;
  seed: number;
  /** first row of the slice in the chunk (the slice is rows rowStart .. p − 1) */
  rowStart?: number;
  /** θ scale (scores around ±80 at 20 with L = 16) */
  scale?: number;
  /** also run withPartials, writing at this offset of a larger partial buffer */
  outOffset?: number;
}

const SENTINEL = 12345.5;

async function check(c: Case) {
  const { p, L, K } = c;
  const rowStart = c.rowStart ?? 0;
  const device = await testDevice();
  const bufs = new Buffers(device);
  try {
    const rng = new Rng(c.seed);
    const rows = p - rowStart;
    const x = f32(rng.normals(p * L));
    const theta = f32(rng.normals(K * L).map((v) => v * (c.scale ?? 1)));
    const kernel = await ScoresKernel.load(device);
    const xb = bufs.f32(x);
    const tb = bufs.f32(theta);
    const s = bufs.empty(rows * K * 4);
    await run(device, [kernel.dispatch({ x: xb, theta: tb, s, rowStart, rows, L, K })]);
    const got = await readF32(device, s, rows * K);
    const ref = scoresF64(x.subarray(rowStart * L), theta, rows, L, K);
    const tol = ref.abs.map((a) => L * U * a + 1e-30);
    const w = worstRatio(got, ref.s, tol);
    expect(w.ratio, JSON.stringify(w)).toBeLessThanOrEqual(1);
    if (c.outOffset === undefined) return;

    // withPartials: the same scores (bit for bit) and the partials of the slice's rows
    const n = LogSumExpKernel.partialCount(rows);
    const total = c.outOffset + n + 2;
    const partials = bufs.f32(new Float32Array(total * K * 2).fill(SENTINEL));
    const s2 = bufs.empty(rows * K * 4);
    await run(device, [kernel.withPartials({ x: xb, theta: tb, s: s2, rowStart, rows, L, K, partials, outOffset: c.outOffset })]);
    const got2 = await readF32(device, s2, rows * K);
    expect(got2).toEqual(got);
    const pt = await readF32(device, partials, total * K * 2);
    for (let i = 0; i < total; i++) {
      const g = i - c.outOffset;
      for (let k = 0; k < K; k++) {
        const [gm, gt] = [pt[2 * (i * K + k)], pt[2 * (i * K + k) + 1]];
        if (g < 0 || g >= n) {
          expect([gm, gt], `untouched partial ${i}, k = ${k}`).toEqual([SENTINEL, SENTINEL]);
          continue;
        }
        const end = Math.min(rows, (g + 1) * LSE_GROUP);
        let m = -Infinity;
        for (let j = g * LSE_GROUP; j < end; j++) m = Math.max(m, got[j * K + k]);
        let t = 0;
        let dt = 0;
        for (let j = g * LSE_GROUP; j < end; j++) {
          const e = Math.exp(got[j * K + k] - m);
          t += e;
          dt += e * (4 * U * 8 + U * Math.abs(got[j * K + k] - m));
        }
        expect(gm, `m of partial ${g}, k = ${k}`).toBe(m);
        expect(Math.abs(gt - t), `t of partial ${g}, k = ${k}: ${gt} vs ${t}`).toBeLessThanOrEqual(dt);
      }
    }
  } finally {
    bufs.destroy();
    device.destroy();
  }
}

describe('scores kernel', () => {
  it('one workgroup is one logsumexp partial', () => expect(SCORES_ROWS).toBe(LSE_GROUP));
  it('p = 1000, L = 16, K = 4', () => check({ p: 1000, L: 16, K: 4, seed: 1 }));
  it('p = 1, L = 1, K = 1', () => check({ p: 1, L: 1, K: 1, seed: 2, outOffset: 0 }));
  it('p = 333 (not a multiple of 256), L = 130 (not a multiple of 4 or 8), K = 9', () => check({ p: 333, L: 130, K: 9, seed: 3 }));
  it('a slice starting inside the chunk (rowStart = 77)', () => check({ p: 500, L: 5, K: 3, seed: 4, rowStart: 77 }));
  it('scores around ±80', () => check({ p: 400, L: 16, K: 2, seed: 5, scale: 20, outOffset: 1 }));
  it('with partials: 923 rows from row 77 (4 partials at offset 3), L = 37, K = 13', () =>
    check({ p: 1000, L: 37, K: 13, seed: 6, rowStart: 77, outOffset: 3 }));
  it('with partials: K = 64, one full block of components, L = 24 (vec4 loads), 513 rows', () =>
    check({ p: 513, L: 24, K: 64, seed: 7, outOffset: 0 }));
  it('with partials: K = 70, two blocks (64 + 6), L = 21, 595 rows from row 5', () =>
    check({ p: 600, L: 21, K: 70, seed: 8, rowStart: 5, outOffset: 2 }));
});
