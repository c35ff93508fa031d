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

/** scores.wgsl: workgroup (x, y) loads its 64 rows whole; y runs over ⌈K/4⌉ groups of components. */
const scoresReads = (K: number) => ceil(K, 4);

/**
 * weighted-sum.wgsl: lane i = c·⌈L/4⌉ + q (component group c < ⌈K/8⌉) of workgroup g = ⌊i/64⌋
 * loads columns min(4q + t, L − 1), t < 4, once for all the components of its group.
 */
function weightedSumReads(K: number, L: number): number {
  const NQ = ceil(L, 4);
  const lanes = ceil(K, 8) * NQ;
  let words = 0;
  for (let g = 0; g < ceil(lanes, 64); g++) {
    const columns = new Set<number>();
    for (let i = 64 * g; i < Math.min(64 * (g + 1), lanes); i++) {
      const q = i % NQ;
      for (let t = 0; t < 4; t++) columns.add(Math.min(4 * q + t, L - 1));
    }
    words += columns.size;
  }
  return words / L;
}

/** weighted-gram.wgsl: lane i = k·nTiles + tile, (ta, tb ≥ ta) decoded as the shader does; loads columns of tile rows ta and tb. */
function weightedGramReads(K: number, L: number): number {
  const NT = ceil(L, 4);
  const nTiles = (NT * (NT + 1)) / 2;
  let words = 0;
  for (let g = 0; g < ceil(K * nTiles, 64); g++) {
    const columns = new Set<number>();
    for (let i = 64 * g; i < Math.min(64 * (g + 1), K * nTiles); i++) {
      let ta = 0;
      let rem = i % nTiles;
      while (ta < NT && rem >= NT - ta) {
        rem -= NT - ta;
        ta++;
      }
      const tb = ta + rem;
      for (let t = 0; t < 4; t++) {
        columns.add(Math.min(4 * ta + t, L - 1));
        columns.add(Math.min(4 * tb + t, L - 1));
      }
    }
    words += columns.size;
  }
  return words / L;
}

describe('WebGPU engine counters', () => {
  // p = 1000 rows: one slice, 4 partials of 256 rows (narrow) and 4 row groups (wide), all
  // left for the host (no merge dispatches); L = 100 and K = 6 ≤ 8: one weighted-sum
  // workgroup of 25 lanes covers all the columns of all the components.
  const [p, L, K] = [1000, 100, 6];

  it('one E-step: 5 dispatches, 1 submit, the readback, and X read ⌈K/4⌉ + weighted-sum times', async () => {
    const pr = randomProblem(11, p, L, K);
    const gpu = await createWebGpuEngine({ p, L, features: pr.features, counts: pr.counts }, { device });
    try {
      await gpu.eStep(pr.logAlpha, pr.theta, K);
      const c = gpu.counters;
      // scores, logsumexp partials, logsumexp finalize, estep, weighted-sum
      expect(c.dispatches).toBe(5);
      expect(c.submits).toBe(1);
      expect(c.passes).toBe(1);
      // state K×4, logsumexp 4 × 2K, weights 4 × K, ℓ 4 × 2, Σwx 4 × K·L (floats)
      const floats = 4 * K + 4 * 2 * K + 4 * K + 4 * 2 + 4 * K * L;
      expect(c.bytesRead).toBe(floats * 4);
      // 2 + 1: the weighted sum reads X once (one component group, one workgroup)
      expect(weightedSumReads(K, L)).toBe(1);
      expect(c.xReads).toBeCloseTo(scoresReads(K) + weightedSumReads(K, L), 12);

      await gpu.eStep(pr.logAlpha, pr.theta, K);
      expect(c.submits).toBe(2);
      expect(c.dispatches).toBe(10);
      expect(c.xReads).toBeCloseTo(2 * (scoresReads(K) + weightedSumReads(K, L)), 12);
    } finally {
      gpu.dispose();
    }
  });

  it('K = 8, L = 512: one E-step reads X ⌈8/4⌉ + 1 = 3 times (the weighted sum once, all 8 components per lane)', async () => {
    const [p3, L3, K3] = [300, 512, 8];
    const pr = randomProblem(15, p3, L3, K3);
    const gpu = await createWebGpuEngine({ p: p3, L: L3, features: pr.features, counts: pr.counts }, { device });
    try {
      await gpu.eStep(pr.logAlpha, pr.theta, K3);
      expect(weightedSumReads(K3, L3)).toBe(1);
      expect(gpu.counters.xReads).toBeCloseTo(3, 12);
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
      expect(gpu.counters.xReads).toBeCloseTo(2 * scoresReads(K) + weightedSumReads(K, L), 12);
      await gpu.hessianVectorProducts(pr.theta, K, { logPartition: new Float64Array(K), mean: new Float64Array(K * L) }, pr.theta);
      expect(gpu.counters.submits).toBe(2);
      expect(gpu.counters.xReads).toBeCloseTo(2 * scoresReads(K) + weightedSumReads(K, L) + scoresReads(2 * K) + weightedSumReads(K, L), 12);
    } finally {
      gpu.dispose();
    }
  });

  it('covariance pass: X read ⌈K/4⌉ + weighted-sum + weighted-gram times, exact for the tile order', async () => {
    const [p2, L2, K2] = [600, 37, 3];
    const pr = randomProblem(12, p2, L2, K2);
    const gpu = await createWebGpuEngine({ p: p2, L: L2, features: pr.features, counts: pr.counts }, { device });
    try {
      await gpu.softmaxStats(pr.theta, K2, { mean: true, covariance: true });
      expect(gpu.counters.submits).toBe(1);
      expect(gpu.counters.xReads).toBeCloseTo(scoresReads(K2) + weightedSumReads(K2, L2) + weightedGramReads(K2, L2), 12);
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
