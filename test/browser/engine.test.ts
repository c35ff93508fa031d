/**
 * The WebGPU engine against the float64 cpu engine on random problems, with error
 * bounds derived in bounds.ts (float32 arithmetic, inputs rounded to f32, reduction
 * lengths). The bound is a worst case: the observed errors are typically 10–1000×
 * smaller; each test prints nothing unless it fails, when it names the worst entry.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createCpuEngine } from '../../src/engines/cpu.ts';
import { createWebGpuEngine } from '../../src/engines/webgpu/engine.ts';
import { planChunks } from '../../src/engines/webgpu/chunks.ts';
import { splitRows, ceilDiv } from '../../src/engines/webgpu/kernel.ts';
import { poorlyCentred } from '../../src/engines/webgpu/centre.ts';
import { SoftmixError } from '../../src/errors.ts';
import type { Engine } from '../../src/engines/engine.ts';
import { engineBounds, fusedBounds, levels, pairBounds, residualBounds, worst, depth, type BoundInput } from './bounds.ts';
import { randomProblem, testDevice, type Problem } from './gpu-helpers.ts';

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
  thetaNorm?: number;
  maxChunkRows?: number;
  maxHostPartials?: number;
  emptyComponent?: number;
}

async function compare(c: Case, gpu: Engine, cpu: Engine, pr: Problem) {
  const chunks = planChunks(pr.p, pr.L, device.limits, c.maxChunkRows);
  const sliceRows = Math.max(...chunks.map((ch) => ch.rows));
  const nNarrow = chunks.reduce((a, ch) => a + ceilDiv(ch.rows, 256), 0);
  const nWide = chunks.reduce((a, ch) => a + splitRows(ch.rows).groups, 0);
  const cap = c.maxHostPartials ?? 256;
  const boundInput = {
    p: pr.p, L: pr.L, K: pr.K, x: pr.features, theta: pr.theta, logAlpha: pr.logAlpha, counts: pr.counts,
    roundedInputs: true, sliceRows, narrowMerges: levels(nNarrow, cap), wideMerges: levels(nWide, cap),
  };
  const bounds = engineBounds(boundInput);
  const [g, r] = [await gpu.eStep(pr.logAlpha, pr.theta, pr.K), await cpu.eStep(pr.logAlpha, pr.theta, pr.K)];
  const ell = Math.abs(g.logLik - r.logLik);
  expect(ell, `ℓ: gpu ${g.logLik} cpu ${r.logLik} bound ${bounds.logLik}`).toBeLessThanOrEqual(bounds.logLik);
  const ww = worst(g.weights, r.weights, bounds.weights);
  expect(ww.ratio, `weights ${JSON.stringify(ww)}`).toBeLessThanOrEqual(1);
  const wf = worst(g.featureSums, r.featureSums, bounds.featureSums);
  expect(wf.ratio, `featureSums ${JSON.stringify(wf)}`).toBeLessThanOrEqual(1);

  const rs = await cpu.softmaxStats(pr.theta, pr.K, { mean: true, covariance: true });
  for (const want of [{ mean: false, covariance: false }, { mean: true, covariance: false }, { mean: true, covariance: true }, { mean: false, covariance: true }]) {
    // the covariance pass centred at 0, the features' mean (centre.ts), and sums in the Gram's stages
    const centre = new Float64Array(pr.K * pr.L);
    const before = gpu.counters.passes;
    const gs = await gpu.softmaxStats(pr.theta, pr.K, want.covariance ? { ...want, centre } : want);
    const bounds = want.covariance ? fusedBounds(boundInput, pr.K, chunks, centre, gs.mean ?? rs.mean!, gpu.counters.passes - before, c.maxHostPartials) : engineBounds(boundInput);
    const wa = worst(gs.logPartition, rs.logPartition, bounds.logPartition);
    expect(wa.ratio, `A ${JSON.stringify(wa)}`).toBeLessThanOrEqual(1);
    expect(gs.mean === undefined).toBe(!want.mean);
    expect(gs.covariance === undefined).toBe(!want.covariance);
    if (gs.mean) {
      const wm = worst(gs.mean, rs.mean!, bounds.mean);
      expect(wm.ratio, `mean ${JSON.stringify(wm)}`).toBeLessThanOrEqual(1);
    }
    if (gs.covariance) {
      const wc = worst(gs.covariance, rs.covariance!, bounds.covariance);
      expect(wc.ratio, `covariance ${JSON.stringify(wc)}`).toBeLessThanOrEqual(1);
      for (let k = 0; k < pr.K; k++) {
        for (let a = 0; a < pr.L; a++) {
          for (let b = 0; b < pr.L; b++) expect(gs.covariance[k * pr.L * pr.L + a * pr.L + b]).toBe(gs.covariance[k * pr.L * pr.L + b * pr.L + a]);
        }
      }
    }
  }

  // The E-step with the covariance in one read of X (softmax-plan.ts buildFused), centred
  // at the cpu's means (one pass) and at 0, the features' mean (a second pass, centred at
  // the means it found, where 0 is further than centre.ts takes).
  const plain = await gpu.eStep(pr.logAlpha, pr.theta, pr.K);
  const gA = await gpu.softmaxStats(pr.theta, pr.K, { mean: false, covariance: false });
  for (const centre of [rs.mean!, new Float64Array(pr.K * pr.L)]) {
    const [before, recentredBefore] = [gpu.counters.passes, gpu.counters.recentred];
    const { softmax, ...e } = await gpu.eStep(pr.logAlpha, pr.theta, pr.K, { mean: true, covariance: true, centre });
    const passes = gpu.counters.passes - before;
    // again only where the centre was too far from the means (judged on the cpu's here),
    // and the second pass counted as a recentred one
    expect(passes).toBe(poorlyCentred(rs, Float32Array.from(centre), pr.K, pr.L) ? 2 : 1);
    expect(gpu.counters.recentred - recentredBefore).toBe(passes - 1);
    const fb = fusedBounds(boundInput, 2 * pr.K, chunks, centre, softmax!.mean!, passes, c.maxHostPartials);
    // ℓ, the weights and A come from the same kernels as the E-step's and the statistics' own
    expect([e.logLik, e.weights]).toEqual([plain.logLik, plain.weights]);
    expect(softmax!.logPartition).toEqual(gA.logPartition);
    for (const [what, got, want, bound] of [
      ['featureSums', e.featureSums, r.featureSums, fb.featureSums],
      ['mean', softmax!.mean!, rs.mean!, fb.mean],
      ['covariance', softmax!.covariance!, rs.covariance!, fb.covariance],
    ] as const) {
      const wv = worst(got, want, bound);
      expect(wv.ratio, `fused ${what}, ${passes} pass(es): ${JSON.stringify(wv)}`).toBeLessThanOrEqual(1);
    }
  }

  for (const weights of ['information', 'scores'] as const) {
    const gp = await gpu.pairMoments(pr.logAlpha, pr.theta, pr.K, weights);
    const rp = await cpu.pairMoments(pr.logAlpha, pr.theta, pr.K, weights);
    const pb = pairBounds(boundInput, bounds, weights);
    for (const key of ['total', 'first', 'second'] as const) {
      const wp = worst(gp[key], rp[key], pb[key]);
      expect(wp.ratio, `pairMoments(${weights}).${key} ${JSON.stringify(wp)}`).toBeLessThanOrEqual(1);
    }
  }

  const gr = await gpu.residualMoments(pr.logAlpha, pr.theta, pr.K);
  const rr = await cpu.residualMoments(pr.logAlpha, pr.theta, pr.K);
  const rb = residualBounds(boundInput, bounds);
  const wt = worst([gr.total], [rr.total], rb.total);
  expect(wt.ratio, `residualMoments.total ${JSON.stringify(wt)}`).toBeLessThanOrEqual(1);
  const wr = worst(gr.first, rr.first, rb.first);
  expect(wr.ratio, `residualMoments.first ${JSON.stringify(wr)}`).toBeLessThanOrEqual(1);
  return { ellRel: ell / Math.abs(r.logLik) };
}

const cases: Case[] = [
  { name: 'p = 777 (not a multiple of any workgroup size), L = 16, K = 4', seed: 1, p: 777, L: 16, K: 4 },
  { name: 'p = 1', seed: 2, p: 1, L: 3, K: 2 },
  { name: 'L = 1', seed: 3, p: 500, L: 1, K: 3 },
  { name: 'K = 1', seed: 4, p: 600, L: 7, K: 1 },
  { name: 'L = 70, K = 9 (Θ tiles over L, K not a multiple of 4)', seed: 5, p: 300, L: 70, K: 9 },
  { name: 'scores up to ±80 (|θ| = 22, L = 16)', seed: 6, p: 1000, L: 16, K: 3, thetaNorm: 22 },
  { name: 'empty component (log α = -Infinity)', seed: 7, p: 400, L: 5, K: 3, emptyComponent: 1 },
  { name: '4 chunks (maxChunkRows = 300)', seed: 8, p: 1000, L: 8, K: 3, maxChunkRows: 300 },
  { name: '23 chunks with device merge levels (maxChunkRows = 131, maxHostPartials = 1)', seed: 9, p: 3000, L: 6, K: 5, maxChunkRows: 131, maxHostPartials: 1 },
  { name: '70 000 rows: 274 narrow partials, merged on the device (maxHostPartials = 16)', seed: 10, p: 70_000, L: 3, K: 2, maxHostPartials: 16 },
];

describe('WebGPU engine vs cpu engine', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const pr = randomProblem(c.seed, c.p, c.L, c.K, { thetaNorm: c.thetaNorm });
      if (c.emptyComponent !== undefined) {
        pr.logAlpha[c.emptyComponent] = -Infinity;
        let z = 0;
        for (const v of pr.logAlpha) z += Math.exp(v);
        for (let k = 0; k < c.K; k++) pr.logAlpha[k] -= Math.log(z);
      }
      if (c.thetaNorm) {
        let smax = 0;
        for (let j = 0; j < c.p; j++) for (let k = 0; k < c.K; k++) {
          let s = 0;
          for (let l = 0; l < c.L; l++) s += pr.features[j * c.L + l] * pr.theta[k * c.L + l];
          smax = Math.max(smax, Math.abs(s));
        }
        expect(smax).toBeGreaterThan(60);
      }
      const cpu = createCpuEngine(pr);
      const gpu = await createWebGpuEngine(pr, { device, maxChunkRows: c.maxChunkRows, maxHostPartials: c.maxHostPartials });
      try {
        const { ellRel } = await compare(c, gpu, cpu, pr);
        // With the compensated ℓ sum and the host's first-order correction of the
        // f32 log α − log S offsets, ℓ is far inside 1e-6 even with ±80 scores.
        // (p = 1: π_1 = 1 and ℓ = 0, so only the absolute bound above applies.)
        if (c.p > 1) expect(ellRel).toBeLessThan(1e-6);
        // The E-step with the softmax means (one pass) runs the same kernels on the same
        // scores and A as the two calls it replaces, with the same row split (64 groups per
        // slice at these sizes): the results are the same floats. (With the covariance too
        // it sums elsewhere: compare's bounds.)
        const want = { mean: true, covariance: false };
        const { softmax, ...both } = await gpu.eStep(pr.logAlpha, pr.theta, c.K, want);
        expect(both).toEqual(await gpu.eStep(pr.logAlpha, pr.theta, c.K));
        expect(softmax).toEqual(await gpu.softmaxStats(pr.theta, c.K, want));
        if (c.emptyComponent !== undefined) {
          const e = await gpu.eStep(pr.logAlpha, pr.theta, c.K);
          expect(e.weights[c.emptyComponent]).toBe(0);
          for (let l = 0; l < c.L; l++) expect(e.featureSums[c.emptyComponent * c.L + l]).toBe(0);
        }
      } finally {
        gpu.dispose();
      }
    });
  }

  it('keeps counters, reads back O(K·L) bytes per call, and reuses its plans', async () => {
    const pr = randomProblem(11, 5000, 16, 4);
    const gpu = await createWebGpuEngine(pr, { device });
    try {
      await gpu.eStep(pr.logAlpha, pr.theta, 4);
      const c1 = { ...gpu.counters };
      await gpu.eStep(pr.logAlpha, pr.theta, 4);
      const c2 = { ...gpu.counters };
      expect(c1.passes).toBe(1);
      expect(c2.passes).toBe(2);
      // one slice: scores with the lse partials, lse finalize, estep, weighted-sum
      expect(c1.dispatches).toBe(4);
      expect(c2.dispatches).toBe(8);
      const perCall = c2.bytesRead - c1.bytesRead;
      expect(perCall).toBe(c1.bytesRead);
      expect(perCall).toBeLessThan(pr.p * 4); // not O(p): 20 partials of K·L floats and less
      await gpu.softmaxStats(pr.theta, 4, { mean: true, covariance: true });
      // scores with the lse partials, finalize, sigma, weighted-gram with the weighted sums
      // (and no merge level: 19 row groups of 4·136 + 4·16 floats go to the host)
      expect(gpu.counters.dispatches - c2.dispatches).toBe(4);
      expect(gpu.counters.passes).toBe(3);
      // the E-step with the statistics: one pass and one submit (centred at the means the
      // pass above found), and as many dispatches as the statistics alone: scores with the
      // lse partials, finalize, estepSigma (both weight columns), weighted-gram with the sums
      const c3 = { ...gpu.counters };
      await gpu.eStep(pr.logAlpha, pr.theta, 4, { mean: true, covariance: true });
      expect(gpu.counters.dispatches - c3.dispatches).toBe(4);
      expect([gpu.counters.passes - c3.passes, gpu.counters.submits - c3.submits]).toEqual([1, 1]);
      const again = await gpu.eStep(pr.logAlpha, pr.theta, 4);
      const first = await gpu.eStep(pr.logAlpha, pr.theta, 4);
      expect(again.logLik).toBe(first.logLik); // deterministic: no atomics, fixed reduction order
      expect(gpu.device.backend).toBe('webgpu');
      expect(gpu.device.description.length).toBeGreaterThan(0);
      expect(gpu.device.limits!.maxStorageBufferBindingSize).toBeGreaterThan(0);
      expect(gpu.unitRoundoff).toBe(2 ** -24);
      expect(gpu.N).toBe(pr.counts.reduce((a, b) => a + b, 0));
    } finally {
      gpu.dispose();
    }
    await expect(gpu.eStep(pr.logAlpha, pr.theta, 4)).rejects.toMatchObject({ code: 'backend' });
  });

  it('serves calls with different K on one engine, and concurrent calls', async () => {
    const pr = randomProblem(12, 900, 5, 6);
    const cpu = createCpuEngine(pr);
    const gpu = await createWebGpuEngine(pr, { device });
    try {
      const results = await Promise.all([2, 6, 1, 6].map((K) => gpu.eStep(pr.logAlpha.slice(0, K).map((v, _, a) => v - Math.log(a.reduce((s, x) => s + Math.exp(x), 0))), pr.theta.slice(0, K * 5), K)));
      for (const [i, K] of [2, 6, 1, 6].entries()) {
        const la = pr.logAlpha.slice(0, K).map((v, _, a) => v - Math.log(a.reduce((s, x) => s + Math.exp(x), 0)));
        const ref = await cpu.eStep(la, pr.theta.slice(0, K * 5), K);
        expect(Math.abs(results[i].logLik - ref.logLik) / Math.abs(ref.logLik)).toBeLessThan(1e-6);
      }
    } finally {
      gpu.dispose();
    }
  });

  it('rejects bad parameters with a SoftmixError', async () => {
    const pr = randomProblem(13, 50, 2, 2);
    const gpu = await createWebGpuEngine(pr, { device });
    try {
      await expect(gpu.eStep(pr.logAlpha, new Float64Array(3), 2)).rejects.toMatchObject({ code: 'shape' });
      await expect(gpu.eStep(pr.logAlpha, Float64Array.from([1, NaN, 0, 0]), 2)).rejects.toMatchObject({ code: 'not-finite' });
      await expect(gpu.eStep(Float64Array.from([-Infinity, -Infinity]), pr.theta, 2)).rejects.toBeInstanceOf(SoftmixError);
      await expect(gpu.softmaxStats(pr.theta, 0, { mean: true, covariance: false })).rejects.toMatchObject({ code: 'options' });
      // a centre for the covariance passes of the wrong size, or beyond float32: refused before any pass
      const passes = gpu.counters.passes;
      const both = { mean: true, covariance: true };
      await expect(gpu.eStep(pr.logAlpha, pr.theta, 2, { ...both, centre: new Float64Array(3) })).rejects.toThrow(/stats.centre must hold K·L = 4 values, got 3/);
      await expect(gpu.softmaxStats(pr.theta, 2, { ...both, centre: Float64Array.from([0, 0, 1e39, 0]) })).rejects.toMatchObject({ code: 'not-finite' });
      expect(gpu.counters.passes).toBe(passes);
      // still usable afterwards
      const ok = await gpu.eStep(pr.logAlpha, pr.theta, 2);
      expect(Number.isFinite(ok.logLik)).toBe(true);
    } finally {
      gpu.dispose();
    }
  });
});

describe('ℓ as a function of the parameters', () => {
  it('moves with the float64 ℓ to well below the EM tolerance of 1e-8 (relative)', async () => {
    // EM stops when |Δℓ| < 1e-8·|ℓ| and tolerates decreases up to 16u·|ℓ| (src/em/run-em.ts), so
    // what matters is how much ℓ_gpu − ℓ_cpu jitters between nearby parameters. Per-row
    // f32 roundings (scores, log π_j) are independent across rows and shrink like 1/√p;
    // the f32 log α − log S offsets are corrected on the host; what is left of A's
    // rounding is shared by all rows. Observed here: ≈ 6e-9.
    const pr = randomProblem(31, 5000, 16, 4, { maxCount: 40 });
    const cpu = createCpuEngine(pr);
    const gpu = await createWebGpuEngine(pr, { device });
    try {
      const { Rng } = await import('../../src/math/rng.ts');
      const dir = new Rng(32).normals(pr.theta.length);
      const diff: number[] = [];
      let ell = 0;
      for (let t = 0; t < 10; t++) {
        const theta = pr.theta.map((v, i) => Math.fround(v + t * 1e-6 * dir[i]));
        const g = await gpu.eStep(pr.logAlpha, theta, pr.K);
        const r = await cpu.eStep(pr.logAlpha, theta, pr.K);
        diff.push(g.logLik - r.logLik);
        ell = r.logLik;
      }
      const jitter = Math.max(...diff.slice(1).map((d, i) => Math.abs(d - diff[i]))) / Math.abs(ell);
      expect(jitter).toBeLessThan(1e-8);
    } finally {
      gpu.dispose();
    }
  });
});

describe('a handful of EM iterations, p = 5000, L = 16, K = 4', () => {
  it('matches the cpu engine at every iterate', async () => {
    const p = 5000, L = 16, K = 4;
    const truth = randomProblem(21, p, L, K, { thetaNorm: 1.5 });
    // counts ~ Multinomial(N, π) at the true parameters
    const ref0 = createCpuEngine({ p, L, features: truth.features, counts: new Float64Array(p).fill(1) });
    const A = (await ref0.softmaxStats(truth.theta, K, { mean: false, covariance: false })).logPartition;
    const pi = new Float64Array(p);
    for (let j = 0; j < p; j++) for (let k = 0; k < K; k++) {
      let s = 0;
      for (let l = 0; l < L; l++) s += truth.features[j * L + l] * truth.theta[k * L + l];
      pi[j] += Math.exp(truth.logAlpha[k] + s - A[k]);
    }
    const cdf = new Float64Array(p);
    let acc = 0;
    for (let j = 0; j < p; j++) cdf[j] = acc += pi[j];
    const { Rng } = await import('../../src/math/rng.ts');
    const rng = new Rng(22);
    const counts = new Float64Array(p);
    for (let i = 0; i < 100_000; i++) {
      const u = rng.uniform() * acc;
      let lo = 0, hi = p - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] < u) lo = mid + 1;
        else hi = mid;
      }
      counts[lo]++;
    }
    const input = { p, L, features: truth.features, counts };
    const cpu = createCpuEngine(input);
    const gpu = await createWebGpuEngine(input, { device });
    const { solveLinear } = await import('../../src/math/linalg.ts');
    try {
      // start: truth perturbed, uniform α
      const theta = truth.theta.map((v) => v + 0.3 * rng.normal());
      const logAlpha = new Float64Array(K).fill(-Math.log(K));
      let prev = -Infinity;
      let previous: Float64Array = new Float64Array(K * L);
      for (let it = 0; it < 5; it++) {
        const pr: Problem = { p, L, K, features: truth.features, counts, theta, logAlpha };
        const bounds = engineBounds({ p, L, K, x: truth.features, theta, logAlpha, counts, roundedInputs: true });
        const g = await gpu.eStep(logAlpha, theta, K);
        const r = await cpu.eStep(logAlpha, theta, K);
        expect(Math.abs(g.logLik - r.logLik) / Math.abs(r.logLik), `iteration ${it}`).toBeLessThan(1e-6);
        expect(Math.abs(g.logLik - r.logLik)).toBeLessThanOrEqual(bounds.logLik);
        expect(worst(g.weights, r.weights, bounds.weights).ratio).toBeLessThanOrEqual(1);
        expect(worst(g.featureSums, r.featureSums, bounds.featureSums).ratio).toBeLessThanOrEqual(1);
        expect(r.logLik).toBeGreaterThanOrEqual(prev);
        prev = r.logLik;
        // M-step on the cpu results: α = c/N, then two Newton steps for each θ_k,
        // comparing the softmax statistics of both engines at every Newton iterate.
        for (let k = 0; k < K; k++) logAlpha[k] = Math.log(r.weights[k] / cpu.N);
        for (let step = 0; step < 2; step++) {
          // centred at the means of the previous Newton iterate, as in a fit (centre.ts)
          const before = gpu.counters.passes;
          const gs = await gpu.softmaxStats(theta, K, { mean: true, covariance: true, centre: previous });
          const rs = await cpu.softmaxStats(theta, K, { mean: true, covariance: true });
          const sb = fusedBounds({ ...pr, x: truth.features, theta, logAlpha, counts, roundedInputs: true }, K, [{ rows: p }], previous, gs.mean!, gpu.counters.passes - before);
          previous = rs.mean!;
          expect(worst(gs.logPartition, rs.logPartition, sb.logPartition).ratio).toBeLessThanOrEqual(1);
          expect(worst(gs.mean!, rs.mean!, sb.mean).ratio).toBeLessThanOrEqual(1);
          expect(worst(gs.covariance!, rs.covariance!, sb.covariance).ratio).toBeLessThanOrEqual(1);
          for (let k = 0; k < K; k++) {
            const g2 = new Float64Array(L);
            for (let l = 0; l < L; l++) g2[l] = r.featureSums[k * L + l] / r.weights[k] - rs.mean![k * L + l];
            const d = solveLinear(rs.covariance!.slice(k * L * L, (k + 1) * L * L), L, g2)!;
            for (let l = 0; l < L; l++) theta[k * L + l] += d[l];
          }
        }
      }
    } finally {
      gpu.dispose();
    }
  });
});
