/**
 * shaders/logsumexp.wgsl through LogSumExpKernel: partials of several slices into one
 * buffer (written by the scores kernel's withPartials entry, as the plans do), merge
 * levels, finalize → (M, S, log S, b), against float64 on the same f32 scores. The scores
 * are given: X is the p × K score matrix and Θ = I_K (L = K), which the scores kernel
 * reproduces exactly (per output one FMA by 1 onto 0 and K − 1 FMAs adding ±0).
 *
 * Bounds (first order in u): M is the max of the f32 scores, exactly. Each tree level
 * costs ≤ 4u relative in S (one accExp ≤ 2u — the other factor is exp(0) = 1 exactly —
 * one product, one sum) and rescaling the contribution of s_j through the levels adds
 * u·|s_j − M| in total, so |δS| ≤ Σ_j e^{s_j − M} (4u·d + u|s_j − M|) with d the depth
 * of the whole tree (8 per workgroup level: partials, each merge, finalize).
 * log S: |δ| ≤ |δS|/S + 2u·|log S| (accLog ≤ 1 ulp). b = f32(log α) − log S: plus
 * u|log α| + u|b|.
 */
import { describe, it, expect } from 'vitest';
import { Rng } from '../../src/math/rng.ts';
import { LogSumExpKernel, LSE_GROUP } from '../../src/engines/webgpu/logsumexp.ts';
import { ScoresKernel } from '../../src/engines/webgpu/scores.ts';
import type { Dispatch } from '../../src/engines/webgpu/kernel.ts';
import { Buffers, f32, readF32, run, testDevice, U } from './gpu-helpers.ts';

interface Opts {
  p: number;
  K: number;
  seed: number;
  /** score generator */
  score?: (rng: Rng, j: number, k: number) => number;
  slices?: number;
  cap?: number;
}

async function check(o: Opts) {
  const device = await testDevice();
  const bufs = new Buffers(device);
  try {
    const { p, K } = o;
    const rng = new Rng(o.seed);
    const s = f32(Array.from({ length: p * K }, (_, i) => (o.score ? o.score(rng, Math.floor(i / K), i % K) : 3 * rng.normal())));
    const logAlpha = f32(Array.from({ length: K }, (_, k) => -1 - 0.3 * k));
    const kernel = await LogSumExpKernel.load(device);
    const scores = await ScoresKernel.load(device);
    const x = bufs.f32(s);
    const identity = bufs.f32(Array.from({ length: K * K }, (_, i) => (i % (K + 1) === 0 ? 1 : 0)));
    // split the rows into slices (one X buffer, each its own s buffer), partials into one buffer
    const nSlices = o.slices ?? 1;
    const per = Math.ceil(p / nSlices);
    const dispatches: Dispatch[] = [];
    const total = Array.from({ length: nSlices }, (_, i) => LogSumExpKernel.partialCount(Math.max(0, Math.min(per, p - i * per)))).reduce((a, b) => a + b, 0);
    const partials = bufs.empty(total * K * 8);
    let offset = 0;
    for (let i = 0; i < nSlices; i++) {
      const rows = Math.min(per, p - i * per);
      if (rows <= 0) continue;
      const sb = bufs.empty(rows * K * 4);
      dispatches.push(scores.withPartials({ x, theta: identity, s: sb, rowStart: i * per, rows, L: K, K, partials, outOffset: offset }));
      offset += LogSumExpKernel.partialCount(rows);
    }
    const scratchBytes = Math.max(16, Math.ceil(total / LSE_GROUP) * K * 8);
    const chain = kernel.mergeChain(partials, total, K, o.cap ?? 256, [bufs.empty(scratchBytes), bufs.empty(scratchBytes)]);
    dispatches.push(...chain.dispatches);
    const state = bufs.empty(K * 16);
    dispatches.push(kernel.finalize({ input: chain.buffer, n: chain.n, K, logAlpha: bufs.f32(logAlpha), state }));
    await run(device, dispatches);
    const got = await readF32(device, state, K * 4);

    let levels = 0;
    for (let n = total; n > (o.cap ?? 256); n = Math.ceil(n / LSE_GROUP)) levels++;
    const d = 8 * (2 + levels);
    for (let k = 0; k < K; k++) {
      let M = -Infinity;
      for (let j = 0; j < p; j++) M = Math.max(M, s[j * K + k]);
      let S = 0, dS = 0;
      for (let j = 0; j < p; j++) {
        const e = Math.exp(s[j * K + k] - M);
        S += e;
        dS += e * (4 * U * d + U * Math.abs(s[j * K + k] - M));
      }
      const [gM, gS, gls, gb] = got.subarray(4 * k, 4 * k + 4);
      expect(gM).toBe(M);
      expect(Math.abs(gS - S), `S_${k}: ${gS} vs ${S}`).toBeLessThanOrEqual(dS);
      const dls = dS / S + 2 * U * Math.abs(Math.log(S));
      expect(Math.abs(gls - Math.log(S)), `log S_${k}`).toBeLessThanOrEqual(dls + 1e-30);
      const b = logAlpha[k] - Math.log(S);
      expect(Math.abs(gb - b), `b_${k}`).toBeLessThanOrEqual(dls + U * (Math.abs(logAlpha[k]) + Math.abs(b)));
      expect(Number.isFinite(gM + gS + gls + gb)).toBe(true);
    }
    return got;
  } finally {
    bufs.destroy();
    device.destroy();
  }
}

describe('logsumexp kernel', () => {
  it('p = 1000 (not a multiple of 256), K = 3', () => check({ p: 1000, K: 3, seed: 1 }));
  it('p = 1, K = 1', () => check({ p: 1, K: 1, seed: 2 }));
  it('scores uniform in ±80 and in ±120 (beyond f32 exp overflow at 88.7)', async () => {
    await check({ p: 3000, K: 2, seed: 3, score: (rng, _j, k) => (k === 0 ? 80 : 120) * (2 * rng.uniform() - 1) });
  });
  it('one large score among very negative ones, and a constant column', async () => {
    const got = await check({ p: 999, K: 2, seed: 4, score: (_r, j, k) => (k === 0 ? (j === 500 ? 100 : -100) : 100) });
    expect(got[1]).toBe(1); // S = e^0 + 998 e^-200 = 1 (the others underflow to exactly 0)
    expect(got[5]).toBe(999); // a constant column: S = p exactly (sums of ones are exact)
  });
  it('3 slices writing into one partial buffer', () => check({ p: 2500, K: 4, seed: 5, slices: 3 }));
  it('70 000 rows, forced to one partial: two merge levels (274 → 2 → 1) before finalize', () => check({ p: 70_000, K: 2, seed: 6, cap: 1 }));
});
