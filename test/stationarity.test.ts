/**
 * FitResult.gradientNorm (fit/stationarity.ts): from what the run's last pass left (its
 * E-step and the softmax means at its θ) when it left both, else from one pass; the same
 * number either way.
 */
import { describe, it, expect } from 'vitest';
import { simulate } from '../src/model/simulate.ts';
import { makeDataset, designStats } from '../src/model/data.ts';
import { createCpuEngine } from '../src/engines/cpu.ts';
import { runEm } from '../src/em/index.ts';
import { randomStart } from '../src/model/starts.ts';
import { designWhitening } from '../src/model/whitening.ts';
import { stationarity } from '../src/fit/stationarity.ts';

describe('stationarity', () => {
  for (const accelerate of [false, true]) {
    it(`reuses the last pass (${accelerate ? 'SQUAREM' : 'plain EM'}): no pass, and the value one fresh pass gives`, async () => {
      const [p, L, K] = [500, 4, 3];
      const sim = simulate({ p, L, K, N: 50_000, thetaNorm: 1.5, seed: 3 });
      const data = makeDataset({ features: sim.features, p, L, counts: sim.counts });
      const design = designStats(data);
      const engine = createCpuEngine({ p, L, features: design.centred, counts: data.counts });
      const start = randomStart(K, L, designWhitening(design.covariance, L), 4);
      const run = await runEm(engine, K, start, design.covariance, { tol: 0, maxIter: 12, ridge: 0.01, accelerate });
      expect(run.meanAtTheta).toBeDefined();
      const before = engine.counters.passes;
      const reused = await stationarity(engine, run, K, 0.01);
      expect(engine.counters.passes).toBe(before);
      const fresh = await stationarity(engine, { ...run, meanAtTheta: undefined }, K, 0.01);
      expect(engine.counters.passes).toBe(before + 1);
      // the same float64 arithmetic at the same (α, Θ): equal up to the order of nothing
      expect(reused).toBe(fresh);
      expect(reused).toBeGreaterThan(0);
    });
  }
});
