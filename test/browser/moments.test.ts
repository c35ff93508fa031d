/**
 * The latent-moment passes (moment-weights.wgsl, third-moment.wgsl, and weighted-sum /
 * weighted-gram with count weights) against the float64 cpu engine. Bounds, first order
 * in u, with the inputs rounded to f32 (x, d, P: relative u each):
 *   t_j = d·x_j (or y_jk = P_k·x_j):  e_j ≤ (L + 2)·u·Σ_l |d_l x_jl|
 *   countMoments: F = Σ n x with δF_a ≤ (2 + wide)·u·Σ n|x_a| (x rounding, product, split-K);
 *     G = Σ n (x − c)(x − c)ᵀ with δG_ab ≤ Σ n [u(|x_a||x_b − c_b| + |x_b||x_a − c_a|)
 *     + (4 + gram)·u·|x_a − c_a||x_b − c_b|] (gram: the plain sum over a row group's span,
 *     bounds.ts gramFactor); second = (G + F cᵀ + c Fᵀ − N c cᵀ)/N exactly,
 *     so δsecond_ab ≤ (δG_ab + |c_b| δF_a + |c_a| δF_b)/N (c ≈ the weighted mean).
 *   directionMoments: n t^r by r − 1 products: δ ≤ r|t|^{r−1} e + r·u|t|^r; a 256-row tree
 *     (8u) of Σ n|t|^r, + 8u per merge level.
 *   directionCrossMoments: the same times |x_l|, plus (2 + wide)·u·|t|^r|x_l|.
 *   projectedMoments: first like r = 1; third: e_a|y_b y_c| + e_b|y_a y_c| + e_c|y_a y_b|
 *     + (3 + wide)·u·|y_a y_b y_c| (three products, split-K).
 * Everything is divided by N.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createCpuEngine } from '../../src/engines/cpu.ts';
import { createWebGpuEngine } from '../../src/engines/webgpu/engine.ts';
import { Rng } from '../../src/math/rng.ts';
import { U, gramFactor, wideFactor, worst } from './bounds.ts';
import { randomProblem, testDevice } from './gpu-helpers.ts';

let device: GPUDevice;
beforeAll(async () => {
  device = await testDevice();
});
afterAll(() => device.destroy());

interface Case {
  name: string;
  seed: number;
  p: number;
  L: number;
  K: number;
  maxChunkRows?: number;
  maxHostPartials?: number;
  offset?: number;
}

const cases: Case[] = [
  { name: 'p = 777, L = 6, K = 3', seed: 1, p: 777, L: 6, K: 3 },
  { name: 'p = 1, L = 1, K = 1', seed: 2, p: 1, L: 1, K: 1 },
  { name: 'features offset by 50 (the centred Gram matters)', seed: 3, p: 500, L: 3, K: 2, offset: 50 },
  { name: '5 chunks, device merge levels', seed: 4, p: 1200, L: 4, K: 4, maxChunkRows: 250, maxHostPartials: 1 },
];

describe('latent moments on the GPU vs the cpu engine', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const pr = randomProblem(c.seed, c.p, c.L, c.K);
      if (c.offset) for (let i = 0; i < pr.features.length; i += c.L) pr.features[i] += c.offset;
      const { p, L, K } = c;
      const x = pr.features, n = pr.counts;
      const cpu = createCpuEngine(pr);
      const gpu = await createWebGpuEngine(pr, { device, maxChunkRows: c.maxChunkRows, maxHostPartials: c.maxHostPartials });
      const N = cpu.N;
      // merge levels forced by maxHostPartials = 1 (at most two here)
      const merges = c.maxHostPartials ? 2 : 0;
      const wide = wideFactor(Math.min(p, c.maxChunkRows ?? p), merges);
      // the Gram (weighted-gram.wgsl) sums plainly over each row group's span
      const gram = gramFactor(Math.min(p, c.maxChunkRows ?? p), merges);
      const narrow = 8 + 8 * merges;
      try {
        // countMoments
        const g = await gpu.countMoments();
        const r = await cpu.countMoments();
        const dF = new Float64Array(L), dG = new Float64Array(L * L);
        for (let j = 0; j < p; j++) {
          for (let a = 0; a < L; a++) {
            const xa = x[j * L + a], da = Math.abs(xa - r.mean[a]);
            dF[a] += n[j] * (2 + wide) * U * Math.abs(xa);
            for (let b = 0; b < L; b++) {
              const xb = x[j * L + b], db = Math.abs(xb - r.mean[b]);
              dG[a * L + b] += n[j] * (U * (Math.abs(xa) * db + Math.abs(xb) * da) + (4 + gram) * U * da * db);
            }
          }
        }
        const wm = worst(g.mean, r.mean, dF.map((v) => v / N));
        expect(wm.ratio, `mean ${JSON.stringify(wm)}`).toBeLessThanOrEqual(1);
        const bs = dG.map((v, i) => (v + Math.abs(r.mean[i % L]) * dF[Math.floor(i / L)] + Math.abs(r.mean[Math.floor(i / L)]) * dF[i % L]) / N);
        const ws = worst(g.second, r.second, bs);
        expect(ws.ratio, `second ${JSON.stringify(ws)}`).toBeLessThanOrEqual(1);

        // directionMoments and directionCrossMoments
        const rng = new Rng(c.seed + 100);
        const d = rng.normals(L).map((v) => v / Math.sqrt(L));
        const maxOrder = 2 * K - 1;
        const gd = await gpu.directionMoments(d, maxOrder);
        const rd = await cpu.directionMoments(d, maxOrder);
        const gx = await gpu.directionCrossMoments!(d, maxOrder);
        const rx = await cpu.directionCrossMoments!(d, maxOrder);
        const bd = new Float64Array(maxOrder + 1), bx = new Float64Array((maxOrder + 1) * L);
        for (let j = 0; j < p; j++) {
          let t = 0, ta = 0;
          for (let l = 0; l < L; l++) (t += d[l] * x[j * L + l]), (ta += Math.abs(d[l] * x[j * L + l]));
          const e = (L + 2) * U * ta;
          const at = Math.abs(t);
          for (let q = 0; q <= maxOrder; q++) {
            const pow = at ** q;
            const dp = (q > 0 ? q * at ** (q - 1) * e : 0) + q * U * pow;
            bd[q] += n[j] * (dp + narrow * U * pow);
            for (let l = 0; l < L; l++) bx[q * L + l] += n[j] * Math.abs(x[j * L + l]) * (dp + (2 + wide) * U * pow);
          }
        }
        const wd = worst(gd, rd, bd.map((v) => v / N));
        expect(wd.ratio, `direction ${JSON.stringify(wd)}`).toBeLessThanOrEqual(1);
        const wx = worst(gx, rx, bx.map((v) => v / N));
        expect(wx.ratio, `cross ${JSON.stringify(wx)}`).toBeLessThanOrEqual(1);

        // projectedMoments
        const P = rng.normals(K * L).map((v) => v / Math.sqrt(L));
        const gp = await gpu.projectedMoments(P, K);
        const rp = await cpu.projectedMoments(P, K);
        const b1 = new Float64Array(K), b3 = new Float64Array(K * K * K);
        const y = new Float64Array(K), ey = new Float64Array(K);
        for (let j = 0; j < p; j++) {
          for (let k = 0; k < K; k++) {
            let v = 0, va = 0;
            for (let l = 0; l < L; l++) (v += P[k * L + l] * x[j * L + l]), (va += Math.abs(P[k * L + l] * x[j * L + l]));
            y[k] = Math.abs(v);
            ey[k] = (L + 2) * U * va;
            b1[k] += n[j] * (ey[k] + (1 + narrow) * U * y[k]);
          }
          for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) for (let q = 0; q < K; q++) {
            b3[(a * K + b) * K + q] += n[j] * (ey[a] * y[b] * y[q] + ey[b] * y[a] * y[q] + ey[q] * y[a] * y[b] + (3 + wide) * U * y[a] * y[b] * y[q]);
          }
        }
        const w1 = worst(gp.first, rp.first, b1.map((v) => v / N));
        expect(w1.ratio, `first ${JSON.stringify(w1)}`).toBeLessThanOrEqual(1);
        const w3 = worst(gp.third, rp.third, b3.map((v) => v / N));
        expect(w3.ratio, `third ${JSON.stringify(w3)}`).toBeLessThanOrEqual(1);
        for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) for (let q = 0; q < K; q++) {
          expect(gp.third[(a * K + b) * K + q]).toBe(gp.third[(q * K + a) * K + b]);
        }
        expect(gpu.counters.passes).toBe(4);
      } finally {
        gpu.dispose();
      }
    });
  }

  it('rejects bad arguments like the cpu engine', async () => {
    const pr = randomProblem(5, 50, 3, 2);
    const gpu = await createWebGpuEngine(pr, { device });
    try {
      await expect(gpu.directionMoments(new Float64Array(2), 3)).rejects.toMatchObject({ code: 'shape' });
      await expect(gpu.directionMoments(new Float64Array(3), -1)).rejects.toMatchObject({ code: 'shape' });
      await expect(gpu.projectedMoments(new Float64Array(5), 2)).rejects.toMatchObject({ code: 'shape' });
      await expect(gpu.projectedMoments(Float64Array.from([1, 2, NaN, 0, 0, 0]), 2)).rejects.toMatchObject({ code: 'not-finite' });
    } finally {
      gpu.dispose();
    }
  });
});
