/**
 * The matrix-free route at the paper's shapes: Hessian–vector products on the device
 * against the float64 cpu engine, and the passes one EM iteration makes at large L (E-step,
 * softmax means, CG's Hessian–vector products) at the bench's four target (L, K) with a
 * tiny p, all within the float32 bounds of bounds.ts. Then one M-step of Newton–CG on both
 * engines from the same point.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createCpuEngine } from '../../src/engines/cpu.ts';
import { createWebGpuEngine } from '../../src/engines/webgpu/engine.ts';
import { planChunks } from '../../src/engines/webgpu/chunks.ts';
import { splitRows, ceilDiv, wideGroups, MAX_PARTIAL_BYTES } from '../../src/engines/webgpu/kernel.ts';
import { newtonMStep, DEFAULT_NEWTON } from '../../src/em/index.ts';
import { Rng } from '../../src/math/rng.ts';
import { engineBounds, fusedBounds, hvpBounds, worst, type BoundInput } from './bounds.ts';
import { WeightedGramKernel } from '../../src/engines/webgpu/weighted-gram.ts';
import { randomProblem, testDevice, type Problem } from './gpu-helpers.ts';

let device: GPUDevice;
beforeAll(async () => {
  device = await testDevice();
});
afterAll(() => device.destroy());

function boundInput(pr: Problem, maxChunkRows?: number): BoundInput {
  const chunks = planChunks(pr.p, pr.L, device.limits, maxChunkRows);
  const nWide = chunks.reduce((a, ch) => a + splitRows(ch.rows).groups, 0);
  let wideMerges = 0;
  for (let n = nWide; n > 256; n = ceilDiv(n, 256)) wideMerges++;
  return {
    p: pr.p, L: pr.L, K: pr.K, x: pr.features, theta: pr.theta, logAlpha: pr.logAlpha, counts: pr.counts,
    roundedInputs: true, sliceRows: Math.max(...chunks.map((c) => c.rows)), wideMerges, noCovariance: true,
  };
}

function randomVectors(seed: number, K: number, L: number): Float64Array {
  const v = new Rng(seed).normals(K * L);
  return Float64Array.from(v, (x) => x / Math.sqrt(L));
}

describe('Hessian–vector products on WebGPU vs cpu', () => {
  const cases = [
    { name: 'p = 777, L = 16, K = 4', seed: 21, p: 777, L: 16, K: 4 },
    { name: 'L = 70, K = 9, scores up to ±40 (|θ| = 8)', seed: 22, p: 600, L: 70, K: 9, thetaNorm: 8 },
    { name: '5 chunks (maxChunkRows = 200)', seed: 23, p: 1000, L: 12, K: 3, maxChunkRows: 200 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const pr = randomProblem(c.seed, c.p, c.L, c.K, { thetaNorm: c.thetaNorm });
      const cpu = createCpuEngine(pr);
      const gpu = await createWebGpuEngine(pr, { device, maxChunkRows: c.maxChunkRows });
      try {
        const at = await cpu.softmaxStats(pr.theta, pr.K, { mean: true, covariance: true });
        const V = randomVectors(c.seed, c.K, c.L);
        V.fill(0, 0, c.L); // a zero vector gives a zero product
        const g = await gpu.hessianVectorProducts(pr.theta, pr.K, { logPartition: at.logPartition, mean: at.mean! }, V);
        const r = await cpu.hessianVectorProducts(pr.theta, pr.K, { logPartition: at.logPartition, mean: at.mean! }, V);
        const b = hvpBounds(boundInput(pr, c.maxChunkRows), at.logPartition, at.mean!, V);
        const w = worst(g, r, b.bound);
        expect(w.ratio, `hvp ${JSON.stringify(w)}`).toBeLessThanOrEqual(1);
        for (let l = 0; l < c.L; l++) expect(g[l]).toBe(0);
        // the cpu engine's product is the dense covariance times v (the same float64 sums)
        for (let k = 1; k < c.K; k++) {
          for (let a = 0; a < c.L; a++) {
            let hv = 0;
            for (let bb = 0; bb < c.L; bb++) hv += at.covariance![k * c.L * c.L + a * c.L + bb] * V[k * c.L + bb];
            expect(Math.abs(r[k * c.L + a] - hv)).toBeLessThanOrEqual(1e-10 * (Math.abs(hv) + 1));
          }
        }
        expect(gpu.counters.passes).toBe(1);
      } finally {
        gpu.dispose();
      }
    });
  }

  it('rejects vectors of the wrong shape or with NaN, naming them', async () => {
    const pr = randomProblem(24, 50, 4, 2);
    const gpu = await createWebGpuEngine(pr, { device });
    try {
      const at = { logPartition: new Float64Array(2), mean: new Float64Array(8) };
      await expect(gpu.hessianVectorProducts(pr.theta, 2, at, new Float64Array(7))).rejects.toThrow(/vectors must hold 8 values, got 7/);
      await expect(gpu.hessianVectorProducts(pr.theta, 2, at, new Float64Array(8).fill(NaN))).rejects.toThrow(/vectors\[0\] is NaN/);
    } finally {
      gpu.dispose();
    }
  });
});

/** The bench's target (L, K) with a tiny p: every pass of one large-L EM iteration builds and matches. */
describe('one EM iteration at the target shapes (tiny p)', () => {
  const shapes = [
    { p: 400, L: 128, K: 32 },
    { p: 300, L: 768, K: 8 },
    { p: 300, L: 1024, K: 8 },
    { p: 260, L: 4096, K: 4 },
  ];
  for (const sh of shapes) {
    it(`L = ${sh.L}, K = ${sh.K} (p = ${sh.p})`, async () => {
      const pr = randomProblem(sh.L + sh.K, sh.p, sh.L, sh.K, { thetaNorm: 1.5 });
      const cpu = createCpuEngine(pr);
      const gpu = await createWebGpuEngine(pr, { device });
      try {
        const bi = boundInput(pr);
        const bounds = engineBounds(bi);
        const [ge, re] = [await gpu.eStep(pr.logAlpha, pr.theta, pr.K), await cpu.eStep(pr.logAlpha, pr.theta, pr.K)];
        expect(Math.abs(ge.logLik - re.logLik)).toBeLessThanOrEqual(bounds.logLik);
        expect(worst(ge.weights, re.weights, bounds.weights).ratio).toBeLessThanOrEqual(1);
        expect(worst(ge.featureSums, re.featureSums, bounds.featureSums).ratio).toBeLessThanOrEqual(1);

        const [gs, rs] = [await gpu.softmaxStats(pr.theta, pr.K, { mean: true, covariance: false }), await cpu.softmaxStats(pr.theta, pr.K, { mean: true, covariance: false })];
        expect(worst(gs.logPartition, rs.logPartition, bounds.logPartition).ratio).toBeLessThanOrEqual(1);
        expect(worst(gs.mean!, rs.mean!, bounds.mean).ratio).toBeLessThanOrEqual(1);

        const V = randomVectors(sh.L, sh.K, sh.L);
        const at = { logPartition: rs.logPartition, mean: rs.mean! };
        const gh = await gpu.hessianVectorProducts(pr.theta, pr.K, at, V);
        const rh = await cpu.hessianVectorProducts(pr.theta, pr.K, at, V);
        const hb = hvpBounds(bi, rs.logPartition, rs.mean!, V);
        const wh = worst(gh, rh, hb.bound);
        expect(wh.ratio, `hvp ${JSON.stringify(wh)}`).toBeLessThanOrEqual(1);

        // One matrix-free M-step on each engine from the E-step's targets (one Newton step,
        // as the fit takes): the same ascent on both. Their directions differ by the float32
        // noise of the passes, amplified by CG; both must raise every component's objective.
        const targets = new Float64Array(sh.K * sh.L);
        for (let k = 0; k < sh.K; k++) for (let l = 0; l < sh.L; l++) targets[k * sh.L + l] = re.featureSums[k * sh.L + l] / re.weights[k];
        const S = designCovariance(pr);
        const opts = { ...DEFAULT_NEWTON, maxSteps: 1, solver: 'cg' as const };
        const active = new Array(sh.K).fill(true);
        const mg = await newtonMStep(gpu, pr.theta, targets, active, sh.K, S, opts);
        const mc = await newtonMStep(cpu, pr.theta, targets, active, sh.K, S, opts);
        expect(mg.cgIterations).toBeGreaterThan(0);
        expect(mc.cgIterations).toBeGreaterThan(0);
        const fBefore = await objectives(cpu, pr.theta, targets, sh.K, sh.L);
        for (const theta of [mg.theta, mc.theta]) {
          const fAfter = await objectives(cpu, theta, targets, sh.K, sh.L);
          for (let k = 0; k < sh.K; k++) expect(fAfter[k]).toBeGreaterThan(fBefore[k]);
        }
      } finally {
        gpu.dispose();
      }
    }, 120_000);
  }
});

describe('split-K partials stay within 64 MiB', () => {
  it('p = 16384, L = 1024: the latent second moment (64 row groups would be 134 MB) and every other plan buffer fit', async () => {
    const p = 16384;
    const L = 1024;
    expect(64 * (L * (L + 1)) / 2 * 4).toBeGreaterThan(MAX_PARTIAL_BYTES); // the unbounded split would not fit
    const pr = randomProblem(41, p, L, 1);
    const gpu = await createWebGpuEngine(pr, { device });
    try {
      gpu.prepare!(8, { denseHessian: false, hessianProducts: true, moments: true });
      const sizes = gpu.bufferSizes!();
      const planBuffers = Object.entries(sizes).filter(([label]) => label.startsWith('plan '));
      expect(planBuffers.length).toBeGreaterThan(10);
      for (const [label, bytes] of planBuffers) expect(bytes, label).toBeLessThanOrEqual(MAX_PARTIAL_BYTES);
      const gram = planBuffers.find(([label]) => label.includes('count-weighted gram partials'));
      expect(gram?.[1]).toBe(wideGroups((L * (L + 1)) / 2, 1) * ((L * (L + 1)) / 2) * 4);
      expect(gram![1]).toBeGreaterThan(MAX_PARTIAL_BYTES / 2); // as many groups as fit, not one
    } finally {
      gpu.dispose();
    }
  }, 120_000);
});

describe('the dense Gram pass past 16 × 65535 outputs', () => {
  it('L = 1456, K = 1 at θ = 0 (the design covariance), 2 chunks: the merge folds its 1.06·10⁶ columns into grid z; matches cpu', async () => {
    const [p, L, maxChunkRows] = [64, 1456, 32];
    const pr = randomProblem(51, p, L, 1);
    pr.theta.fill(0);
    const width = WeightedGramKernel.partialWidth(1, L, 1);
    expect(Math.ceil(width / 16)).toBeGreaterThan(device.limits.maxComputeWorkgroupsPerDimension); // one grid dimension would not do
    const cpu = createCpuEngine(pr);
    const gpu = await createWebGpuEngine(pr, { device, maxChunkRows });
    try {
      const chunks = planChunks(p, L, device.limits, maxChunkRows);
      expect(chunks.length).toBe(2);
      const centre = new Float64Array(L); // the features are centred: σ's mean at θ = 0
      const gs = await gpu.softmaxStats(pr.theta, 1, { mean: true, covariance: true, centre });
      const rs = await cpu.softmaxStats(pr.theta, 1, { mean: true, covariance: true });
      const inp: BoundInput = { p, L, K: 1, x: pr.features, theta: pr.theta, logAlpha: pr.logAlpha, counts: pr.counts, roundedInputs: true };
      const bounds = fusedBounds(inp, 1, chunks, centre, rs.mean!, gpu.counters.passes);
      expect(bounds.covariance.length).toBe(L * L);
      const wc = worst(gs.covariance!, rs.covariance!, bounds.covariance);
      expect(wc.ratio, `covariance ${JSON.stringify(wc)}`).toBeLessThanOrEqual(1);
      // every entry came back: the last column tile (in grid z = 1) too, and the lower half mirrors the upper
      expect(gs.covariance![L * L - 1]).toBe(gs.covariance![L * L - 1]);
      expect(Math.abs(gs.covariance![L * L - 1] - rs.covariance![L * L - 1])).toBeLessThanOrEqual(bounds.covariance[L * L - 1]);
      expect(gs.covariance![L * L - 1]).toBeGreaterThan(0.5);
    } finally {
      gpu.dispose();
    }
  }, 120_000);
});

describe('prepare: shapes the device cannot hold fail before any work', () => {
  it('the dense Hessian pass at L = 4096, K = 4 is refused, naming the pass and the limit; the matrix-free plans build', async () => {
    const pr = randomProblem(31, 64, 4096, 4);
    const gpu = await createWebGpuEngine(pr, { device });
    try {
      const dispatchesBefore = gpu.counters.dispatches;
      // 4·4096·4097/2 floats per partial: 128.1 MiB, over the 64 MiB of any one buffer
      expect(() => gpu.prepare!(4, { denseHessian: true, hessianProducts: false, moments: false })).toThrow(/cannot run the M-step's dense Hessian pass .*at p = 64, L = 4096, K = 4: .*128\.1 MiB per partial .*64 MiB/);
      expect(() => gpu.prepare!(4, { denseHessian: false, hessianProducts: true, moments: true })).not.toThrow();
      expect(gpu.counters.dispatches).toBe(dispatchesBefore); // nothing ran
      expect(gpu.counters.passes).toBe(0);
    } finally {
      gpu.dispose();
    }
  });
});

/** f_k(θ) = m_k·θ_k − A(θ_k) in float64 on the cpu engine. */
async function objectives(cpu: ReturnType<typeof createCpuEngine>, theta: Float64Array, targets: Float64Array, K: number, L: number): Promise<Float64Array> {
  const { logPartition } = await cpu.softmaxStats(theta, K, { mean: false, covariance: false });
  const f = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    let d = 0;
    for (let l = 0; l < L; l++) d += targets[k * L + l] * theta[k * L + l];
    f[k] = d - logPartition[k];
  }
  return f;
}

/**
 * A diagonal S: the column variances of the centred features (O(pL); the full S would be
 * p·L² = 4·10⁹ flops at L = 4096). newtonMStep takes any SPD S (its trust region and
 * preconditioner), and random N(0, 1) features have S ≈ I.
 */
function designCovariance(pr: Problem): Float64Array {
  const { p, L, features } = pr;
  const S = new Float64Array(L * L);
  for (let j = 0; j < p; j++) for (let a = 0; a < L; a++) S[a * L + a] += features[j * L + a] ** 2 / p;
  return S;
}
