/**
 * shaders/estep.wgsl through EStepKernel, on f32 scores s and an f32 component state
 * (M, S, log S, b) made on the host, against float64 evaluated on the same f32 values,
 * so only the kernel's own roundings count (first order in u):
 *   t_jk = b_k + (s_jk − M_k):          δt ≤ u|s − M| + u|t|
 *   log π_j = m + log Σ exp(t − m):     ε_j ≤ max_k(δt_jk + u|t_jk − m|) + (K+2)u + 2u·log K + u|log π_j|
 *                                       (K exps ≤ 2u each and a serial sum of K; accLog ≤ 1 ulp)
 *   w_jk = n_j exp(t_jk − log π_j):     relative ρ_jk ≤ δt_jk + ε_j + u|t_jk − log π_j| + 3u
 *   c partial (256-row tree, 8 levels): ≤ Σ_j w_jk (ρ_jk + 8u)
 *   ℓ partial (compensated tree):       ≤ Σ_j n_j (ε_j + u|log π_j|) (+ O(u²) from the tree)
 *   σ_jk = exp((s − M) − log S):        relative ≤ u|s − M| + u|s − M − log S| + 2u
 * Results below the smallest normal f32 (2^-126) may flush to 0: each element bound
 * also allows an absolute 2^-126 (times n_j for w).
 */
import { describe, it, expect } from 'vitest';
import { Rng } from '../../src/math/rng.ts';
import { EStepKernel, ESTEP_GROUP } from '../../src/engines/webgpu/estep.ts';
import { Buffers, f32, readF32, run, testDevice, U } from './gpu-helpers.ts';

const TINY = 2 ** -126;

interface Opts {
  p: number;
  K: number;
  seed: number;
  scale?: number;
  empty?: number;
  rowStart?: number;
}

async function check(o: Opts) {
  const device = await testDevice();
  const bufs = new Buffers(device);
  try {
    const { p, K } = o;
    const rowStart = o.rowStart ?? 0;
    const rng = new Rng(o.seed);
    const s = f32(Array.from({ length: p * K }, () => (o.scale ?? 2) * rng.normal()));
    const counts = f32(Array.from({ length: rowStart + p }, () => (rng.uniform() < 0.2 ? 0 : rng.int(30))));
    // component state as logsumexp finalize would make it, in f32
    const state = new Float32Array(4 * K);
    const logAlpha = Array.from({ length: K }, (_, k) => (k === o.empty ? -Infinity : Math.log((k + 1) / ((K * (K + 1)) / 2))));
    for (let k = 0; k < K; k++) {
      let M = -Infinity;
      for (let j = 0; j < p; j++) M = Math.max(M, s[j * K + k]);
      let S = 0;
      for (let j = 0; j < p; j++) S += Math.exp(s[j * K + k] - M);
      const ls = Math.fround(Math.log(S));
      state.set([M, S, ls, Number.isFinite(logAlpha[k]) ? Math.fround(Math.fround(logAlpha[k]) - ls) : -1e30], 4 * k);
    }
    const kernel = await EStepKernel.load(device);
    const sb = bufs.f32(s), nb = bufs.f32(counts), kb = bufs.f32(state);
    const nParts = EStepKernel.partialCount(p);
    const w = bufs.empty(p * K * 4), parts = bufs.empty(nParts * K * 4), ell = bufs.empty(nParts * 8);
    const wS = bufs.empty(p * K * 4), partsS = bufs.empty(nParts * K * 4);
    await run(device, [
      kernel.estep({ s: sb, state: kb, w, partials: parts, ell, counts: nb, rowStart, rows: p, K, outOffset: 0 }),
      kernel.sigma({ s: sb, state: kb, w: wS, partials: partsS, rows: p, K, outOffset: 0 }),
    ]);
    const gw = await readF32(device, w, p * K);
    const gp = await readF32(device, parts, nParts * K);
    const gl = await readF32(device, ell, nParts * 2);
    const gws = await readF32(device, wS, p * K);
    const gps = await readF32(device, partsS, nParts * K);

    const c = new Float64Array(nParts * K), cTol = new Float64Array(nParts * K);
    const cs = new Float64Array(nParts * K), csTol = new Float64Array(nParts * K);
    const l = new Float64Array(nParts), lTol = new Float64Array(nParts);
    for (let j = 0; j < p; j++) {
      const g = Math.floor(j / ESTEP_GROUP);
      const n = counts[rowStart + j];
      const t = new Float64Array(K), dt = new Float64Array(K);
      let m = -Infinity;
      for (let k = 0; k < K; k++) {
        const [M, , , b] = state.subarray(4 * k, 4 * k + 4);
        t[k] = b + (s[j * K + k] - M);
        dt[k] = U * Math.abs(s[j * K + k] - M) + U * Math.abs(t[k]);
        m = Math.max(m, t[k]);
      }
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(t[k] - m);
      const logPi = m + Math.log(z);
      let eps = 0;
      for (let k = 0; k < K; k++) if (k !== o.empty) eps = Math.max(eps, dt[k] + U * Math.abs(t[k] - m));
      eps += (K + 2) * U + 2 * U * Math.log(K) + U * Math.abs(logPi);
      l[g] += n * logPi;
      lTol[g] += n * (eps + U * Math.abs(logPi));
      for (let k = 0; k < K; k++) {
        const [M, , ls] = state.subarray(4 * k, 4 * k + 3);
        const want = k === o.empty ? 0 : n * Math.exp(t[k] - logPi);
        const rho = dt[k] + eps + U * Math.abs(t[k] - logPi) + 3 * U;
        expect(Math.abs(gw[j * K + k] - want), `w[${j},${k}]`).toBeLessThanOrEqual(want * rho + n * TINY);
        c[g * K + k] += want;
        cTol[g * K + k] += want * (rho + 8 * U) + n * TINY;
        const sg = Math.exp(s[j * K + k] - M - ls);
        const rs = U * Math.abs(s[j * K + k] - M) + U * Math.abs(s[j * K + k] - M - ls) + 2 * U;
        expect(Math.abs(gws[j * K + k] - sg), `σ[${j},${k}]`).toBeLessThanOrEqual(sg * rs + TINY);
        cs[g * K + k] += sg;
        csTol[g * K + k] += sg * (rs + 8 * U) + TINY;
      }
    }
    for (let i = 0; i < nParts * K; i++) {
      expect(Math.abs(gp[i] - c[i]), `c partial ${i}`).toBeLessThanOrEqual(cTol[i]);
      expect(Math.abs(gps[i] - cs[i]), `Σσ partial ${i}`).toBeLessThanOrEqual(csTol[i]);
    }
    for (let g = 0; g < nParts; g++) {
      expect(Math.abs(gl[2 * g] + gl[2 * g + 1] - l[g]), `ℓ partial ${g}`).toBeLessThanOrEqual(lTol[g] + 1e-30);
      expect(Math.abs(gl[2 * g + 1])).toBeLessThanOrEqual(U * Math.abs(gl[2 * g])); // (hi, lo) is normalised
    }
    if (o.empty !== undefined) for (let j = 0; j < p; j++) expect(gw[j * K + o.empty]).toBe(0);
    for (const v of gw) expect(Number.isFinite(v)).toBe(true);
  } finally {
    bufs.destroy();
    device.destroy();
  }
}

describe('estep kernel (estep and sigma entry points)', () => {
  it('p = 700 (not a multiple of 256), K = 3', () => check({ p: 700, K: 3, seed: 1 }));
  it('p = 1, K = 1', () => check({ p: 1, K: 1, seed: 2 }));
  it('K = 1', () => check({ p: 300, K: 1, seed: 3 }));
  it('K = 6 (two vec4 rounds of the weight tree)', () => check({ p: 513, K: 6, seed: 4 }));
  it('scores around ±80', () => check({ p: 400, K: 2, seed: 5, scale: 30 }));
  it('empty component (b = -1e30): weights exactly 0, nothing NaN', () => check({ p: 600, K: 3, seed: 6, empty: 1 }));
  it('counts read from inside a chunk (rowStart = 100)', () => check({ p: 257, K: 2, seed: 7, rowStart: 100 }));
});
