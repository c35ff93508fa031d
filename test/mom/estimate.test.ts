// momEstimate end to end on simulated data (MATH.md §7): the design, not N, limits MoM.
import { describe, it, expect } from 'vitest';
import { createCpuEngine } from '../../src/engines/cpu.ts';
import { simulate } from '../../src/model/simulate.ts';
import { makeDataset, designStats } from '../../src/model/data.ts';
import { matchComponents } from '../../src/model/metrics.ts';
import { momEstimate, momentSupportRadius, type MomSuccess } from '../../src/mom/index.ts';

async function momOnSimulation(p: number, L: number, K: number, seed: number, theta?: number[]) {
  const sim = simulate({ p, L, K, N: 1e7, thetaNorm: 1.5, seed, theta });
  const data = makeDataset({ features: sim.features, p, L, counts: sim.counts });
  const design = designStats(data);
  const engine = createCpuEngine({ p, L, features: design.centred, counts: data.counts });
  const res = await momEstimate(engine, K, design, { seed: 1 });
  expect(res.ok).toBe(true);
  const ok = res as MomSuccess;
  return { res: ok, match: matchComponents(ok, sim.truth, K, L), sim };
}

describe('MoM on simulated data', () => {
  // Same seeds at both sizes. Measured (cpu, this machine): each p = 2e5 case ≈ 0.5 s.
  for (const seed of [1, 2, 3]) {
    it(`L = 10, K = 3: atom error at p = 2e5 is at most half that at p = 2e3 (seed ${seed})`, async () => {
      const small = await momOnSimulation(2000, 10, 3, seed);
      const large = await momOnSimulation(200000, 10, 3, seed);
      expect(large.res.diagnostics.route).toBe('tensor');
      expect(large.match.thetaError).toBeLessThanOrEqual(0.5 * small.match.thetaError);
      expect(large.match.thetaError).toBeLessThan(0.35);
    });
  }

  for (const seed of [1, 2, 3]) {
    it(`L = 1, K = 2, atoms (−1, 1.2), p = 20000: MoM atoms within 0.2 (seed ${seed})`, async () => {
      const { res, match, sim } = await momOnSimulation(20000, 1, 2, seed, [-1, 1.2]);
      expect(res.diagnostics.route).toBe('univariate');
      expect(match.thetaError).toBeLessThan(0.2);
      expect(match.alphaError).toBeLessThan(0.1);
      expect(Array.from(sim.truth.theta)).toEqual([-1, 1.2]);
      expect(momentSupportRadius(20000)).toBeGreaterThan(1.2);
    });
  }
});
