/**
 * The WebGPU engine's device-independent counters for one call at a known shape: the
 * dispatches of the plan, one queue submission, the readback bytes, and the reads of X as
 * kernel.ts defines them (`Dispatch.x`: per workgroup the distinct words of X it loads),
 * recomputed here by brute force from the shaders' index arithmetic; and bufferSizes.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createWebGpuEngine } from '../../src/engines/webgpu/engine.ts';
import { createCpuEngine } from '../../src/engines/cpu.ts';
import { randomProblem, testDevice } from './gpu-helpers.ts';

let device: GPUDevice;
beforeAll(async () => {
  device = await testDevice();
});
afterAll(() => device.destroy());

const ceil = (a: number, b: number) => Math.ceil(a / b);

/**
 * scores.wgsl over a slice of `rows` rows: workgroup g stages, per block of 64 components and
 * chunk of 8 features, slot j < 512 = (row ⌊j/2⌋, quad j % 2) of its 256 rows, the words
 * of rows < `rows` and features < L only; each workgroup counts its distinct words.
 */
function scoresReads(rows: number, L: number, K: number): number {
  let words = 0;
  for (let g = 0; g < ceil(rows, 256); g++) {
    const loaded = new Set<number>();
    for (let k0 = 0; k0 < K; k0 += 64) {
      for (let l0 = 0; l0 < L; l0 += 8) {
        for (let j = 0; j < 512; j++) {
          const row = 256 * g + Math.floor(j / 2);
          const l = l0 + 4 * (j % 2);
          if (row < rows) for (let e = 0; e < 4; e++) if (l + e < L) loaded.add(row * L + l + e);
        }
      }
    }
    words += loaded.size;
  }
  return words / (rows * L);
}

/**
 * weighted-sum.wgsl: the tiling (CB, BW) ∈ {(32, 128), (64, 64), (128, 32)} with the fewest
 * ⌈C/CB⌉, then the fewest workgroups; workgroup x = column block · ⌈L/BW⌉ + feature block
 * fb; its staging slots q < BW/4 per row load the columns fb·BW + 4q + i, i < 4, below L.
 */
function weightedSumReads(C: number, L: number): number {
  let best = { reads: Infinity, groups: Infinity, BW: 0 };
  for (const CB of [32, 64, 128]) {
    const reads = ceil(C, CB);
    const groups = reads * ceil(L, 4096 / CB);
    if (reads < best.reads || (reads === best.reads && groups < best.groups)) best = { reads, groups, BW: 4096 / CB };
  }
  const nFB = ceil(L, best.BW);
  let words = 0;
  for (let x = 0; x < best.groups; x++) {
    const fb = x % nFB;
    const columns = new Set<number>();
    for (let q = 0; q < best.BW / 4; q++) for (let i = 0; i < 4; i++) if (fb * best.BW + 4 * q + i < L) columns.add(fb * best.BW + 4 * q + i);
    words += columns.size;
  }
  return words / L;
}

/**
 * weighted-gram.wgsl: the tiling (block BW ∈ {32, 64, 128}, KC = 256/(BW/8)² components per
 * workgroup) with the fewest ⌈K/KC⌉·⌈L/BW⌉, then the fewest workgroups, then the narrower
 * block; workgroup x = pair·nKG + component group, the pair (A, B ≥ A) decoded row-major as
 * the shader does; its staging slots c4 < slots (BW/4 on the diagonal, else BW/2) load
 * columns col + i, i < 4, below L, col = A·BW + 4c4 or B·BW + 4(c4 − BW/4), from every row
 * of its row group (the row groups along y split the rows).
 */
function weightedGramReads(K: number, L: number): number {
  let best = { reads: Infinity, groups: Infinity, BW: 0 };
  for (const BW of [32, 64, 128]) {
    const KC = 256 / (BW / 8) ** 2;
    const nb = ceil(L, BW);
    const reads = ceil(K, KC) * nb;
    const groups = (ceil(K, KC) * nb * (nb + 1)) / 2;
    if (reads < best.reads || (reads === best.reads && groups < best.groups)) best = { reads, groups, BW };
  }
  const BW = best.BW;
  const nKG = ceil(K, 256 / (BW / 8) ** 2);
  const nb = ceil(L, BW);
  let words = 0;
  for (let x = 0; x < best.groups; x++) {
    let A = 0;
    let rem = Math.floor(x / nKG);
    while (A < nb && rem >= nb - A) {
      rem -= nb - A;
      A++;
    }
    const B = A + rem;
    const slots = A === B ? BW / 4 : BW / 2;
    const columns = new Set<number>();
    for (let c4 = 0; c4 < slots; c4++) {
      const col = c4 >= BW / 4 ? B * BW + 4 * (c4 - BW / 4) : A * BW + 4 * c4;
      for (let i = 0; i < 4; i++) if (col + i < L) columns.add(col + i);
    }
    words += columns.size;
  }
  return words / L;
}

describe('WebGPU engine counters', () => {
  // p = 1000 rows: one slice, 4 partials of 256 rows (narrow) and 4 row groups (wide), all
  // left for the host (no merge dispatches); L = 100 and K = 6: one weighted-sum
  // workgroup covers all the columns of all the components.
  const [p, L, K] = [1000, 100, 6];

  it('one E-step: 4 dispatches, 1 submit, the readback, and X read once by the scores + weighted-sum times', async () => {
    const pr = randomProblem(11, p, L, K);
    const gpu = await createWebGpuEngine({ p, L, features: pr.features, counts: pr.counts }, { device });
    try {
      await gpu.eStep(pr.logAlpha, pr.theta, K);
      const c = gpu.counters;
      // scores with the logsumexp partials, logsumexp finalize, estep, weighted-sum
      expect(c.dispatches).toBe(4);
      expect(c.submits).toBe(1);
      expect(c.passes).toBe(1);
      // state K×4, logsumexp 4 × 2K, weights 4 × K, ℓ 4 × 2, Σwx 4 × K·L (floats)
      const floats = 4 * K + 4 * 2 * K + 4 * K + 4 * 2 + 4 * K * L;
      expect(c.bytesRead).toBe(floats * 4);
      // 1 + 1: the scores read X once (all K per row tile), the weighted sum once (one
      // column block)
      expect(scoresReads(p, L, K)).toBe(1);
      expect(weightedSumReads(K, L)).toBe(1);
      expect(c.xReads).toBeCloseTo(scoresReads(p, L, K) + weightedSumReads(K, L), 12);

      await gpu.eStep(pr.logAlpha, pr.theta, K);
      expect(c.submits).toBe(2);
      expect(c.dispatches).toBe(8);
      expect(c.xReads).toBeCloseTo(2 * (scoresReads(p, L, K) + weightedSumReads(K, L)), 12);
    } finally {
      gpu.dispose();
    }
  });

  it('K = 8, L = 512: one E-step reads X 1 + 1 = 2 times (the scores once, the weighted sum once: four feature blocks of one column block)', async () => {
    const [p3, L3, K3] = [300, 512, 8];
    const pr = randomProblem(15, p3, L3, K3);
    const gpu = await createWebGpuEngine({ p: p3, L: L3, features: pr.features, counts: pr.counts }, { device });
    try {
      await gpu.eStep(pr.logAlpha, pr.theta, K3);
      expect(weightedSumReads(K3, L3)).toBe(1);
      expect(scoresReads(p3, L3, K3)).toBe(1);
      expect(gpu.counters.xReads).toBeCloseTo(2, 12);
    } finally {
      gpu.dispose();
    }
  });

  it('several chunks: the E-step computes the scores twice (phase 1 and phase 2 per slice), one submit still', async () => {
    const pr = randomProblem(14, p, L, K);
    const gpu = await createWebGpuEngine({ p, L, features: pr.features, counts: pr.counts }, { device, maxChunkRows: 300 });
    try {
      await gpu.eStep(pr.logAlpha, pr.theta, K);
      expect(gpu.counters.submits).toBe(1);
      // slices of 300, 300, 300 and 100 rows, each read once per scores dispatch
      const sliced = [300, 300, 300, 100].reduce((a, r) => a + r * scoresReads(r, L, K), 0) / p;
      const slicedHvp = [300, 300, 300, 100].reduce((a, r) => a + r * scoresReads(r, L, 2 * K), 0) / p;
      expect(sliced).toBe(1);
      expect(gpu.counters.xReads).toBeCloseTo(2 * sliced + weightedSumReads(K, L), 12);
      await gpu.hessianVectorProducts(pr.theta, K, { logPartition: new Float64Array(K), mean: new Float64Array(K * L) }, pr.theta);
      expect(gpu.counters.submits).toBe(2);
      expect(gpu.counters.xReads).toBeCloseTo(2 * sliced + weightedSumReads(K, L) + slicedHvp + weightedSumReads(K, L), 12);
    } finally {
      gpu.dispose();
    }
  });

  it('covariance pass: X read 1 (scores) + weighted-gram times (the weighted sums ride on the Gram), exact for the tile order', async () => {
    const [p2, L2, K2] = [600, 37, 3];
    const pr = randomProblem(12, p2, L2, K2);
    const gpu = await createWebGpuEngine({ p: p2, L: L2, features: pr.features, counts: pr.counts }, { device });
    try {
      const { mean } = await createCpuEngine(pr).softmaxStats(pr.theta, K2, { mean: true, covariance: false });
      await gpu.softmaxStats(pr.theta, K2, { mean: true, covariance: true, centre: mean });
      expect([gpu.counters.passes, gpu.counters.submits]).toEqual([1, 1]);
      expect(gpu.counters.xReads).toBeCloseTo(scoresReads(p2, L2, K2) + weightedGramReads(K2, L2), 12);
    } finally {
      gpu.dispose();
    }
  });

  it('the E-step with the statistics at K = 16, L = 64: X read 1 + 2 = 3 times in 5 dispatches and one submit at p = 70 000', async () => {
    const [p4, L4, K4] = [70_000, 64, 16];
    const pr = randomProblem(16, p4, L4, K4);
    const gpu = await createWebGpuEngine({ p: p4, L: L4, features: pr.features, counts: pr.counts }, { device });
    try {
      // centred at the means (as an EM iteration's pass is, near enough): no second pass
      const { mean } = await createCpuEngine(pr).softmaxStats(pr.theta, K4, { mean: true, covariance: false });
      await gpu.eStep(pr.logAlpha, pr.theta, K4, { mean: true, covariance: true, centre: mean });
      expect([scoresReads(p4, L4, K4), weightedGramReads(K4, L4)]).toEqual([1, 2]);
      expect(gpu.counters.xReads).toBeCloseTo(3, 12);
      // scores with the logsumexp partials, finalize (over 274 partials, no merge level),
      // estepSigma (2K columns), weighted-gram with the 2K weighted sums in its diagonal
      // workgroups, and its one merge level (64 row groups of K·L(L+1)/2 + 2K·L floats,
      // 1 left for the host); the narrow sums (274 partials of the weights and of ℓ) go
      // to the host as they are
      expect(gpu.counters.dispatches).toBe(5);
      expect([gpu.counters.passes, gpu.counters.submits]).toEqual([1, 1]);
    } finally {
      gpu.dispose();
    }
  });

  it("bufferSizes: total is the sum of the parts, X's p·L·4 bytes among them", async () => {
    const pr = randomProblem(13, p, L, K);
    const gpu = await createWebGpuEngine({ p, L, features: pr.features, counts: pr.counts }, { device });
    try {
      const before = gpu.bufferSizes!();
      expect(before['X chunks']).toBe(p * L * 4);
      expect(before['counts chunks']).toBe(p * 4);
      await gpu.eStep(pr.logAlpha, pr.theta, K);
      await gpu.softmaxStats(pr.theta, K, { mean: true, covariance: false });
      const sizes = gpu.bufferSizes!();
      const { total, ...parts } = sizes;
      expect(total).toBe(Object.values(parts).reduce((a, b) => a + b, 0));
      expect(sizes['X chunks']).toBe(p * L * 4);
      expect(sizes['scratch scores']).toBe(p * K * 4);
      // both plans are there, each with its readback
      expect(sizes['plan estep K=6: readback']).toBeGreaterThan(0);
      expect(sizes['plan mean K=6: readback']).toBeGreaterThan(0);
      expect(total).toBeGreaterThan(before.total);
      expect(JSON.parse(JSON.stringify(sizes))).toEqual(sizes);
      // the cpu engine answers the same question for its float64 arrays
      expect(createCpuEngine({ p, L, features: pr.features, counts: pr.counts }).bufferSizes!().total).toBe(p * L * 8 + p * 8);
    } finally {
      gpu.dispose();
    }
  });
});
