import { describe, it, expect } from 'vitest';
import { penalisedWeights, ridgePenalty } from '../src/em/ridge.ts';
import { simulate } from '../src/model/simulate.ts';
import { makeDataset, designStats } from '../src/model/data.ts';
import { createCpuEngine } from '../src/engines/cpu.ts';
import { runEm } from '../src/em/index.ts';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';
import { randomStart } from '../src/model/starts.ts';
import { designWhitening } from '../src/model/whitening.ts';
import { Rng } from '../src/math/rng.ts';

/** Σ c_k log α_k − (λN/2) Σ α_k|θ_k|²: the part of Q_λ that depends on α. */
function alphaObjective(alpha: Float64Array, c: Float64Array, theta: Float64Array, K: number, L: number, ridge: number, N: number): number {
  let s = 0;
  for (let k = 0; k < K; k++) s += c[k] * Math.log(alpha[k]);
  return s - ridgePenalty(alpha, theta, K, L, ridge, N);
}

describe('the α step of the penalised objective', () => {
  const K = 4;
  const L = 3;
  const N = 1000;
  const c = Float64Array.of(500, 300, 150, 50);
  const rng = new Rng(5);
  const theta = Float64Array.from(rng.normals(K * L).map((v) => 3 * v));

  it('is c/N with λ_k = 0 at λ = 0', () => {
    const w = penalisedWeights(c, theta, K, L, 0, N);
    expect(Array.from(w.alpha)).toEqual([0.5, 0.3, 0.15, 0.05]);
    expect(Array.from(w.componentRidge)).toEqual([0, 0, 0, 0]);
  });

  it('is on the simplex to float64 rounding when the weights miss N by float32 rounding (WebGPU sums)', () => {
    // c from float32 passes sums to N only to ~1e-8: α = c/N would miss Σ = 1 by as much
    const off = c.map((v, k) => v * (1 + (k % 2 ? 3e-8 : 2e-8)));
    const w = penalisedWeights(off, theta, K, L, 0, N);
    expect(Math.abs(w.alpha.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(4 * K * Number.EPSILON);
    for (let k = 0; k < K; k++) expect(w.alpha[k]).toBeCloseTo(c[k] / N, 7);
  });

  for (const ridge of [0.01, 0.3, 5]) {
    it(`satisfies the KKT conditions and beats every nearby point of the simplex (λ = ${ridge})`, () => {
      const { alpha, componentRidge } = penalisedWeights(c, theta, K, L, ridge, N);
      expect(alpha.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
      // KKT: c_k/α_k − (λN/2)|θ_k|² is the same multiplier for every k (divided by N here).
      const multipliers = Array.from({ length: K }, (_, k) => {
        let q = 0;
        for (let l = 0; l < L; l++) q += theta[k * L + l] ** 2;
        return (c[k] / alpha[k] - 0.5 * ridge * N * q) / N;
      });
      for (const m of multipliers) expect(m).toBeCloseTo(multipliers[0], 10);
      for (let k = 0; k < K; k++) expect(componentRidge[k]).toBeCloseTo((ridge * N * alpha[k]) / c[k], 12);
      const best = alphaObjective(alpha, c, theta, K, L, ridge, N);
      for (let trial = 0; trial < 50; trial++) {
        const moved = alpha.map((a) => a * Math.exp(0.05 * rng.normals(1)[0]));
        const total = moved.reduce((a, b) => a + b, 0);
        // |objective| ~ 1e3: 1e-9 is a few hundred ulps of slack for the sums
        expect(alphaObjective(moved.map((a) => a / total), c, theta, K, L, ridge, N)).toBeLessThanOrEqual(best + 1e-9);
      }
    });
  }

  it('gives an empty component weight 0 and ridge 0', () => {
    const w = penalisedWeights(Float64Array.of(600, 0, 400, 0), theta, K, L, 0.1, N);
    expect(w.alpha[1]).toBe(0);
    expect(w.componentRidge[3]).toBe(0);
    expect(w.alpha[0] + w.alpha[2]).toBeCloseTo(1, 14);
  });
});

describe('EM under a ridge climbs one objective', () => {
  // MATH.md's ridge M-step (α = c/N, penalty (λ/2)|θ|² per component) let ℓ and
  // ℓ − (λN/2)Σα|θ|² drop in about one iteration in eight at λ = 0.01 on settings like
  // this one; the ECM of ridge.ts never lowers ℓ_λ.
  for (const ridge of [0.01, 1]) {
    for (const accelerate of [false, true]) {
      it(`ℓ_λ never drops (λ = ${ridge}, ${accelerate ? 'SQUAREM' : 'plain EM'}, 3 seeds)`, async () => {
        for (const seed of [1, 2, 3]) {
          const sim = simulate({ p: 500, L: 4, K: 3, N: 20000, thetaNorm: 1.5, seed });
          const data = makeDataset({ features: sim.features, p: 500, L: 4, counts: sim.counts });
          const design = designStats(data);
          const engine = createCpuEngine({ p: 500, L: 4, features: design.centred, counts: data.counts });
          const start = randomStart(3, 4, designWhitening(design.covariance, 4), 40 + seed);
          const run = await runEm(engine, 3, start, design.covariance, { tol: 0, maxIter: 100, ridge, accelerate, newton: { maxSteps: 20 } });
          // 4u|ℓ|: the rounding of two computed objectives (see test/em.test.ts)
          for (let t = 1; t < run.trace.length; t++) {
            expect(run.trace[t]).toBeGreaterThanOrEqual(run.trace[t - 1] - 4 * 2 ** -53 * Math.abs(run.trace[t - 1]));
          }
          expect(run.warnings).toEqual([]);
          expect(run.objective).toBeCloseTo(run.logLik - ridgePenalty(run.alpha, run.theta, 3, 4, ridge, 20000), 6);
        }
      });
    }
  }
});

describe('a ridge too large for float64 (issue 17)', () => {
  it('is a clear options error, not "ℓ is NaN"', async () => {
    const d = simulate({ p: 300, L: 2, K: 2, N: 1e4, thetaNorm: 1.5, seed: 4 });
    const err = await fitSoftmaxMixture({ features: d.features, p: d.p, L: d.L, counts: d.counts }, { K: 2, backend: 'cpu', ridge: 1e300 }).catch((e) => e);
    expect(err.code).toBe('options');
    expect(err.message).toMatch(/ridge λ = 1e\+300 is too large/);
    expect(err.message).not.toMatch(/NaN/);
  });
});
