/**
 * The cpu engine's device-independent counters (EngineCounters): passes, its own reads of
 * X (logPartitions reads X twice, each main loop once; a loop that skips the rows with
 * n_j = 0 reads that fraction), no dispatches, submissions or readback; bufferSizes; and a
 * fit's `stats` built from them (per iteration, buffers, JSON-serialisable).
 */
import { describe, it, expect } from 'vitest';
import { createCpuEngine } from '../src/engines/cpu.ts';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';
import { simulate } from '../src/model/simulate.ts';
import { Rng } from '../src/math/rng.ts';

describe('cpu engine counters', () => {
  const p = 5;
  const L = 3;
  const K = 2;
  const rng = new Rng(7);
  const features = Float64Array.from({ length: p * L }, () => rng.normal());
  const counts = Float64Array.from([3, 0, 1, 4, 2]); // one empty row: the skipping loops read 4/5 of X
  const theta = Float64Array.from({ length: K * L }, () => 0.3 * rng.normal());
  const logAlpha = Float64Array.from([Math.log(0.4), Math.log(0.6)]);

  it('moves as documented, pass by pass', async () => {
    const e = createCpuEngine({ p, L, features, counts });
    const c = e.counters;
    expect(c).toEqual({ passes: 0, xReads: 0, dispatches: 0, submits: 0, bytesRead: 0, recentred: 0 });
    const step = async (call: () => Promise<unknown>, reads: number) => {
      const [passes, xReads] = [c.passes, c.xReads];
      await call();
      expect(c.passes - passes).toBe(1);
      expect(c.xReads - xReads).toBeCloseTo(reads, 12);
    };
    const occupied = 4 / 5;
    await step(() => e.eStep(logAlpha, theta, K), 2 + occupied);
    // the E-step with the softmax statistics: one pass, its logPartitions shared, one more loop
    await step(() => e.eStep(logAlpha, theta, K, { mean: true, covariance: true }), 3 + occupied);
    await step(() => e.softmaxStats(theta, K, { mean: false, covariance: false }), 2);
    await step(() => e.softmaxStats(theta, K, { mean: true, covariance: false }), 3);
    await step(() => e.softmaxStats(theta, K, { mean: true, covariance: true }), 3);
    const stats = await e.softmaxStats(theta, K, { mean: true, covariance: false });
    await step(() => e.hessianVectorProducts(theta, K, { logPartition: stats.logPartition, mean: stats.mean! }, theta), 1);
    await step(() => e.pairMoments(logAlpha, theta, K), 2 + occupied);
    await step(() => e.residualMoments(logAlpha, theta, K), 2 + occupied);
    await step(() => e.countMoments(), occupied);
    await step(() => e.projectedMoments(theta, K), occupied);
    await step(() => e.directionMoments(theta.subarray(0, L), 3), occupied);
    await step(() => e.directionCrossMoments(theta.subarray(0, L), 3), occupied);
    expect(c.dispatches).toBe(0);
    expect(c.submits).toBe(0);
    expect(c.bytesRead).toBe(0);
  });

  it('bufferSizes: the float64 features and counts, and their total', () => {
    const e = createCpuEngine({ p, L, features, counts });
    expect(e.bufferSizes!()).toEqual({ features: p * L * 8, counts: p * 8, total: p * L * 8 + p * 8 });
  });

  it("a fit's stats carry xReads, submits, per-iteration values and the buffers, and survive JSON", async () => {
    const sim = simulate({ p: 300, L: 3, K: 2, N: 1e5, thetaNorm: 1.5, seed: 4 });
    const fit = await fitSoftmaxMixture({ features: sim.features, p: sim.p, L: sim.L, counts: sim.counts }, { K: 2, restarts: 0, backend: 'cpu', maxIter: 20 });
    const s = fit.stats;
    // every pass reads X at least once, and at most four times (an E-step with the statistics)
    expect(s.xReads).toBeGreaterThanOrEqual(s.passes * (sim.counts.filter((n) => n > 0).length / sim.p) - 1e-9);
    expect(s.xReads).toBeLessThanOrEqual(4 * s.passes);
    expect(s.submits).toBe(0);
    const iterations = fit.starts.reduce((a, r) => a + r.iterations, 0);
    expect(s.perIteration.xReads).toBeCloseTo(s.xReads / iterations, 12);
    expect(s.perIteration.submits).toBe(0);
    expect(s.buffers).toEqual({ features: 300 * 3 * 8, counts: 300 * 8, total: 300 * 3 * 8 + 300 * 8 });
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});
