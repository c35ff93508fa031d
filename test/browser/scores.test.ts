/**
 * shaders/scores.wgsl through ScoresKernel: s = X Θᵀ on f32 inputs vs float64 on the
 * same f32 values. Bound: the dot product runs over l in order in f32, so
 * |s_gpu − s| ≤ γ_L Σ_l |x_l θ_l| ≈ L·u·Σ_l |x_l θ_l| (no input rounding: the inputs
 * are f32 on both sides).
 */
import { describe, it, expect } from 'vitest';
import { Rng } from '../../src/math/rng.ts';
import { ScoresKernel } from '../../src/engines/webgpu/scores.ts';
import { Buffers, f32, readF32, run, scoresF64, testDevice, U, worstRatio } from './gpu-helpers.ts';

async function check(p: number, L: number, K: number, seed: number, rowStart = 0, scale = 1) {
  const device = await testDevice();
  const bufs = new Buffers(device);
  try {
    const rng = new Rng(seed);
    const rows = p - rowStart;
    const x = f32(rng.normals(p * L));
    const theta = f32(rng.normals(K * L).map((v) => v * scale));
    const kernel = await ScoresKernel.load(device);
    const s = bufs.empty(rows * K * 4);
    await run(device, [kernel.dispatch({ x: bufs.f32(x), theta: bufs.f32(theta), s, rowStart, rows, L, K })]);
    const got = await readF32(device, s, rows * K);
    const ref = scoresF64(x.subarray(rowStart * L), theta, rows, L, K);
    const tol = ref.abs.map((a) => L * U * a + 1e-30);
    const w = worstRatio(got, ref.s, tol);
    expect(w.ratio, JSON.stringify(w)).toBeLessThanOrEqual(1);
  } finally {
    bufs.destroy();
    device.destroy();
  }
}

describe('scores kernel', () => {
  it('p = 1000, L = 16, K = 4', () => check(1000, 16, 4, 1));
  it('p = 1, L = 1, K = 1', () => check(1, 1, 1, 2));
  it('p = 333 (not a multiple of 64), L = 130 (five feature tiles of 32), K = 9 (three component groups)', () => check(333, 130, 9, 3));
  it('a slice starting inside the chunk (rowStart = 77)', () => check(500, 5, 3, 4, 77));
  it('scores around ±80', () => check(400, 16, 2, 5, 0, 20));
});
