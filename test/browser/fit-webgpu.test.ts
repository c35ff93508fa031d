/**
 * A whole fit on WebGPU through the unchanged EM driver, against the float64 cpu
 * backend from the same start (issue 3's acceptance test).
 */
import { describe, it, expect } from 'vitest';
import { simulate } from '../../src/model/simulate.ts';
import { fitSoftmaxMixture } from '../../src/fit/fit.ts';
import { SoftmixError } from '../../src/errors.ts';
import { matchComponents } from '../../src/model/metrics.ts';
import { runawayCase } from '../fixtures/runaway-case.ts';
import { expectSameFitAsCpu, sameStartCase } from '../fixtures/same-fit.ts';
import { standardErrorsOf } from '../../src/fit/standard-errors-of.ts';
import { makeDataset, centreFeatures, designStats } from '../../src/model/data.ts';
import { engineCovariance } from '../../src/fit/design-covariance.ts';
import { Rng } from '../../src/math/rng.ts';

describe('full EM on WebGPU', () => {
  it('reaches the cpu fit from the same start: ℓ to 1e-5 relative, atoms to 1e-3; ℓ monotone', async () => {
    const { data, options: common } = sameStartCase();
    const cpu = await fitSoftmaxMixture(data, { ...common, backend: 'cpu' });
    const gpu = await fitSoftmaxMixture(data, { ...common, backend: 'webgpu' });
    expectSameFitAsCpu(gpu, cpu, 4, 16);
    // Per pass only small results come back: at most 256 partials (the host's share of
    // each reduction, summed there in float64) of the largest result, K Hessians of
    // L(L+1)/2 plus K·L means and K log-partitions, in 8-byte pairs — independent of p.
    const perPartial = 4 * (16 * 17) / 2 + 4 * 16 + 4 + 8;
    expect(gpu.stats.bytesRead / gpu.stats.passes).toBeLessThan(256 * perPartial * 8);
  });

  it('fits features ×1e-30 and ×1e30 as it fits them ×1 (α, f·θ, ℓ to float32 tolerance; issue 17)', async () => {
    // float32 holds neither x·1e-30's squares nor θ·1e30: the engine scales the features by
    // a power of two (model/data.ts designStats) and the fit is the same in any units.
    const sim = simulate({ p: 800, L: 3, K: 2, N: 1e5, thetaNorm: 1.5, seed: 4 });
    const scaledBy = (f: number) => ({ features: Float64Array.from(sim.features, (v) => v * f), p: sim.p, L: 3, counts: sim.counts });
    const options = { K: 2, tol: 1e-10, maxIter: 400 };
    const cpu = await fitSoftmaxMixture(scaledBy(1), { ...options, backend: 'cpu' });
    for (const f of [1, 1e-30, 1e30]) {
      const gpu = await fitSoftmaxMixture(scaledBy(f), { ...options, backend: 'webgpu' });
      expect(gpu.backend).toBe('webgpu');
      expect(gpu.converged).toBe(true);
      // the tolerances of the first test: ℓ to 1e-5 relative, weights and atoms to 1e-3
      expect(Math.abs(gpu.logLik - cpu.logLik)).toBeLessThan(1e-5 * Math.abs(cpu.logLik));
      for (let k = 0; k < 2; k++) {
        expect(Math.abs(gpu.alpha[k] - cpu.alpha[k])).toBeLessThan(1e-3);
        for (let l = 0; l < 3; l++) expect(Math.abs(gpu.theta[k][l] * f - cpu.theta[k][l])).toBeLessThan(1e-3);
      }
    }
  });

  it('stops within one iteration of an abort from a timer (issue 17)', async () => {
    const sim = simulate({ p: 500, L: 3, K: 3, N: 1e5, thetaNorm: 1.5, seed: 2 });
    const controller = new AbortController();
    let abortedAt: number | null = null;
    let lastReported = 0;
    const outcome = await fitSoftmaxMixture(
      { features: sim.features, p: sim.p, L: 3, counts: sim.counts },
      {
        K: 3, backend: 'webgpu', tol: 0, maxIter: 300, signal: controller.signal,
        onIteration: (info) => {
          lastReported = info.iteration;
          if (abortedAt === null) {
            abortedAt = info.iteration;
            setTimeout(() => controller.abort(), 0);
          }
        },
      },
    ).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(SoftmixError);
    expect((outcome as SoftmixError).code).toBe('cancelled');
    expect(lastReported - abortedAt!).toBeLessThanOrEqual(1);
  });

  it('component replacement takes a WebGPU fit off a symmetric saddle to the cpu maximum', async () => {
    // As in test/replace.test.ts: two identical components on atom 0, one on atom 1. The
    // GPU computes identical columns identically, so EM alone stays on the saddle.
    const sim = simulate({ p: 1500, L: 4, K: 3, N: 200000, thetaNorm: 3, seed: 9 });
    const data = { features: sim.features, p: sim.p, L: 4, counts: sim.counts };
    const t = sim.truth.theta;
    const stuck = { alpha: [1 / 3, 1 / 3, 1 / 3], theta: [Array.from(t.subarray(0, 4)), Array.from(t.subarray(0, 4)), Array.from(t.subarray(4, 8))] };
    const common = { K: 3, restarts: 0, tol: 1e-10, maxIter: 400 };
    const gpuStuck = await fitSoftmaxMixture(data, { ...common, init: stuck, backend: 'webgpu' });
    const gpu = await fitSoftmaxMixture(data, { ...common, init: stuck, backend: 'webgpu', replaceRounds: 2 });
    const cpu = await fitSoftmaxMixture(data, { ...common, init: { alpha: sim.truth.alpha, theta: sim.truth.theta }, backend: 'cpu' });
    expect(gpu.replacement!.trials.some((tr) => tr.accepted)).toBe(true);
    expect(gpu.logLik - gpuStuck.logLik).toBeGreaterThan(1000);
    // the same maximum as the float64 fit, to the float32 agreement of full fits (above)
    expect(Math.abs(gpu.logLik - cpu.logLik)).toBeLessThan(1e-5 * Math.abs(cpu.logLik));
    const m = matchComponents({ alpha: gpu.alpha, theta: gpu.theta.flat() }, { alpha: cpu.alpha, theta: cpu.theta.flat() }, 3, 4);
    expect(m.alphaError).toBeLessThan(1e-3);
  });

  it('carries a runaway component on and names it, as the cpu does (issue 13)', async () => {
    const c = runawayCase();
    // tol 1e-12 takes the atom past a spread of 25 nats, where fits used to stop as "collapsed"
    const options = { K: 2, seed: 1, tol: 1e-12 };
    const cpu = await fitSoftmaxMixture(c, { ...options, backend: 'cpu' });
    const gpu = await fitSoftmaxMixture(c, { ...options, backend: 'webgpu' });
    expect(gpu.converged).toBe(true);
    expect(gpu.theta.flat().every(Number.isFinite)).toBe(true);
    expect(gpu.runaway.length).toBe(1);
    expect(gpu.runaway[0].items[0].item).toBe(c.vertex);
    expect(gpu.runaway[0].component).toBe(cpu.runaway[0].component);
    // float32 ℓ over N = 2e5 draws: agreement to ~1e-6 relative; the runaway atom itself is
    // only determined up to where its gains fall below the rounding of ℓ, so it is not compared
    expect(Math.abs(gpu.logLik - cpu.logLik)).toBeLessThan(1e-5 * Math.abs(cpu.logLik));
    expect(Math.abs(gpu.alpha[0] - cpu.alpha[0])).toBeLessThan(1e-3);
  });

  it('grows a fit where an atom runs away, as the cpu does (issue 13, search auto)', async () => {
    const c = runawayCase();
    const options = { K: 3, seed: 2 };
    const cpu = await fitSoftmaxMixture(c, { ...options, backend: 'cpu' });
    const gpu = await fitSoftmaxMixture(c, { ...options, backend: 'webgpu' });
    expect(cpu.search.growth).not.toBeNull();
    expect(gpu.search.growth).not.toBeNull();
    // (which of the grown and the narrow fit is kept is not compared: here the third component
    // is nearly empty, and the two end within float32's rounding of ℓ of each other)
    expect(gpu.search.growth!.stages.map((g) => g.K)).toEqual(cpu.search.growth!.stages.map((g) => g.K));
    // each stage's maximum, and the fit, agree to float32's ℓ over N = 2e5 draws (~1e-6 relative)
    cpu.search.growth!.stages.forEach((g, i) => expect(Math.abs(gpu.search.growth!.stages[i].objective - g.objective)).toBeLessThan(1e-5 * Math.abs(g.objective)));
    expect(Math.abs(gpu.logLik - cpu.logLik)).toBeLessThan(1e-5 * Math.abs(cpu.logLik));
    expect(gpu.theta.flat().every(Number.isFinite)).toBe(true);
  });

  it('standard errors on WebGPU are those of the cpu at the same fit (issue 16)', async () => {
    const sim = simulate({ p: 2000, L: 4, K: 3, N: 1e5, thetaNorm: 1.5, alpha: [0.5, 0.3, 0.2], seed: 1 });
    const data = { features: sim.features, p: sim.p, L: 4, counts: sim.counts };
    const gpu = await fitSoftmaxMixture(data, { K: 3, backend: 'webgpu', seed: 1, se: true, covariance: true });
    const cpu = await standardErrorsOf(data, gpu, { backend: 'cpu', covariance: true });
    if (!gpu.se?.available || !cpu.se.available) throw new Error('no standard errors');
    expect(gpu.se.undetermined).toEqual([]);
    // The information's entries are float32 sums over p = 2000 items (compensated: ~1e-7
    // relative), inverted on the host; the inverse amplifies that by the condition number
    // of the unit-diagonal information (≈ its largest inflation², below 10 here), and the
    // square root halves it: 1e-4 relative is a wide margin, a wrong term is far outside it.
    const rel = (a: number | null, b: number | null) => Math.abs(a! / b! - 1);
    for (let k = 0; k < 3; k++) {
      expect(rel(gpu.se.alpha[k], cpu.se.alpha[k])).toBeLessThan(1e-4);
      expect(rel(gpu.se.robust.alpha[k], cpu.se.robust.alpha[k])).toBeLessThan(1e-4);
      for (let l = 0; l < 4; l++) {
        expect(rel(gpu.se.theta[k][l], cpu.se.theta[k][l])).toBeLessThan(1e-4);
        expect(rel(gpu.se.robust.theta[k][l], cpu.se.robust.theta[k][l])).toBeLessThan(1e-4);
      }
    }
    expect(Math.max(...gpu.se.inflation.map((f) => f!))).toBeLessThan(Math.sqrt(10));
  });

  it('counts raw samples on the GPU and fits them like the counts', async () => {
    const sim = simulate({ p: 700, L: 3, K: 2, N: 70000, seed: 5, keepSamples: true });
    const base = { features: sim.features, p: sim.p, L: sim.L };
    const opts = { K: 2, init: 'random' as const, restarts: 0, backend: 'webgpu' as const, maxIter: 5 };
    const fromSamples = await fitSoftmaxMixture({ ...base, samples: sim.samples! }, opts);
    const fromCounts = await fitSoftmaxMixture({ ...base, counts: sim.counts }, opts);
    expect(fromSamples.N).toBe(70000);
    // The histogram is exact (integer atomics), so both fits see identical counts.
    expect(fromSamples.logLik).toBe(fromCounts.logLik);
  });

  it('a device lost mid-fit is a clear error, or a cpu refit when asked for', async () => {
    const sim = simulate({ p: 500, L: 3, K: 2, N: 50000, seed: 6 });
    const data = { features: sim.features, p: sim.p, L: sim.L, counts: sim.counts };
    const lose = async () => {
      const adapter = await navigator.gpu.requestAdapter();
      const device = await adapter!.requestDevice();
      return device;
    };
    const d1 = await lose();
    const err = await fitSoftmaxMixture(data, {
      K: 2, backend: 'webgpu', device: d1, init: 'random', restarts: 0, maxIter: 50,
      onIteration: (i) => { if (i.iteration === 2) d1.destroy(); },
    }).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(SoftmixError);
    expect((err as SoftmixError).code).toBe('device-lost');

    const d2 = await lose();
    const fit = await fitSoftmaxMixture(data, {
      K: 2, backend: 'webgpu', device: d2, init: 'random', restarts: 0, maxIter: 50, fallbackToCpu: true,
      onIteration: (i) => { if (i.iteration === 2) d2.destroy(); },
    });
    expect(fit.backend).toBe('cpu');
    expect(fit.warnings.join(' ')).toMatch(/GPU failed mid-fit.*refitted on the cpu backend/);
    expect(Number.isFinite(fit.logLik)).toBe(true);
  });

  it("backend 'auto' picks WebGPU where an adapter exists", async () => {
    const sim = simulate({ p: 300, L: 2, K: 2, N: 10000, seed: 7 });
    const fit = await fitSoftmaxMixture({ features: sim.features, p: 300, L: 2, counts: sim.counts }, { K: 2, restarts: 0, maxIter: 3 });
    expect(fit.backend).toBe('webgpu');
  });
});

describe('the design covariance from the device (designCovariance: engine)', () => {
  it('reaches the cpu fit from the same start, as the host’s S does', async () => {
    const { data, options: common } = sameStartCase();
    const cpu = await fitSoftmaxMixture(data, { ...common, backend: 'cpu' });
    const gpu = await fitSoftmaxMixture(data, { ...common, backend: 'webgpu', designCovariance: 'engine' });
    expect(gpu.warnings.filter((w) => w.includes('design covariance'))).toEqual([]);
    expectSameFitAsCpu(gpu, cpu, 4, 16);
  });

  it('S within γ√(S_aa S_bb), γ = 128u, of the float64 S; a design float32 cannot resolve goes back to the host, with a warning', async () => {
    const { createWebGpuEngine } = await import('../../src/engines/webgpu/engine.ts');
    const p = 2000;
    const rng = new Rng(10);
    const wellPosed = rng.normals(p * 6);
    // column 2 = column 0 − 2·column 1 up to 1e-4: S's smallest eigenvalue near 1e-8 of its
    // largest, full rank in float64 (over 1e-10) and below float32's 2γ·tr S ≈ 1e-4·tr S
    const nearlyCollinear = new Float64Array(p * 3);
    for (let j = 0; j < p; j++) {
      const [u, v] = [rng.normal(), rng.normal()];
      nearlyCollinear.set([u, v, u - 2 * v + 1e-4 * rng.normal()], j * 3);
    }
    const counts = new Float64Array(p).fill(1);
    for (const [features, L, resolved] of [[wellPosed, 6, true], [nearlyCollinear, 3, false]] as const) {
      const dataset = makeDataset({ features, p, L, counts });
      const centring = centreFeatures(dataset, 'float32');
      const host = designStats(dataset).covariance;
      const engine = await createWebGpuEngine({ p, L, features: centring.centred, counts });
      try {
        const warnings: string[] = [];
        const S = await engineCovariance(engine, dataset, centring, warnings);
        if (!resolved) {
          expect(warnings.join()).toMatch(/cannot settle the rank/);
          expect(Array.from(S)).toEqual(Array.from(host));
          continue;
        }
        expect(warnings).toEqual([]);
        // the K = 1 pass is made once per fit: its plan is not kept
        expect(Object.keys(engine.bufferSizes!()).filter((label) => /K=1:/.test(label))).toEqual([]);
        const gamma = 128 * 2 ** -24;
        for (let a = 0; a < L; a++) {
          for (let b = 0; b < L; b++) expect(Math.abs(S[a * L + b] - host[a * L + b])).toBeLessThanOrEqual(gamma * Math.sqrt(host[a * L + a] * host[b * L + b]));
        }
      } finally {
        engine.dispose();
      }
    }
  });
});
