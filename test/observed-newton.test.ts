import { describe, it, expect } from 'vitest';
import { simulate } from '../src/model/simulate.ts';
import { makeDataset, designStats } from '../src/model/data.ts';
import { createCpuEngine } from '../src/engines/cpu.ts';
import { pairIndex, type Engine } from '../src/engines/engine.ts';
import { observedDerivatives, newtonStep } from '../src/em/observed-newton.ts';
import { toU, fromU } from '../src/em/state.ts';
import { ridgePenalty } from '../src/em/ridge.ts';
import { runEm, logOf } from '../src/em/index.ts';
import { randomStart } from '../src/model/starts.ts';
import { designWhitening } from '../src/model/whitening.ts';
import { SoftmixError } from '../src/errors.ts';

/** A simulated data set on the cpu engine, its design covariance, and random starts on it. */
function problem(seed: number, p: number, L: number, K: number, N: number) {
  const sim = simulate({ p, L, K, N, thetaNorm: 1.5, seed });
  const data = makeDataset({ features: sim.features, p: sim.p, L, counts: sim.counts });
  const design = designStats(data);
  const engine = createCpuEngine({ p: data.p, L, features: design.centred, counts: data.counts });
  const start = (startSeed: number) => randomStart(K, L, designWhitening(design.covariance, L), startSeed);
  return { engine, covariance: design.covariance, start };
}

async function derivativesAt(engine: Engine, u: Float64Array, K: number, ridge: number) {
  const L = engine.L;
  const { alpha, theta } = fromU(u, K, L)!;
  const e = await engine.eStep(logOf(alpha), theta, K);
  const stats = await engine.softmaxStats(theta, K, { mean: true, covariance: true });
  const pairs = await engine.pairMoments(logOf(alpha), theta, K);
  return {
    objective: e.logLik - ridgePenalty(alpha, theta, K, L, ridge, engine.N),
    d: observedDerivatives({ alpha, theta, e, stats, pairs }, K, L, engine.N, ridge),
  };
}

describe('observed information of ℓ_λ', () => {
  const K = 3;
  const L = 3;
  for (const ridge of [0, 0.05]) {
    it(`gradient and Hessian match central differences (λ = ${ridge})`, async () => {
      const { engine } = problem(3, 200, L, K, 1e4);
      const u = toU({ alpha: Float64Array.of(0.2, 0.5, 0.3), theta: Float64Array.from({ length: K * L }, (_, i) => Math.sin(i + 1)) }, K, L);
      const n = u.length;
      const at = await derivativesAt(engine, u, K, ridge);
      // Central differences with h = 1e-4: truncation h²/6·|f'''| and rounding u|f|/h are
      // both ~1e-8 relative to the scale of what is differenced (|ℓ| ~ 1e4, |∇ℓ| ~ 1e3);
      // 1e-6 of the largest entry leaves a wide margin while a missing term (the smallest,
      // the ridge's η–θ coupling, is λN·α·|θ| ~ 10² here) would be caught.
      const h = 1e-4;
      const gScale = Math.max(...at.d.gradient.map(Math.abs));
      const hScale = Math.max(...at.d.hessian.map(Math.abs));
      for (let i = 0; i < n; i++) {
        const up = u.slice();
        const down = u.slice();
        up[i] += h;
        down[i] -= h;
        const [a, b] = [await derivativesAt(engine, up, K, ridge), await derivativesAt(engine, down, K, ridge)];
        expect(Math.abs((a.objective - b.objective) / (2 * h) - at.d.gradient[i])).toBeLessThan(1e-6 * gScale);
        for (let j = 0; j < n; j++) {
          const fd = (a.d.gradient[j] - b.d.gradient[j]) / (2 * h);
          expect(Math.abs(fd - at.d.hessian[i * n + j]), `H[${i}][${j}]`).toBeLessThan(1e-6 * hScale);
        }
      }
      // ℓ_λ does not change when every log α_k moves together: H·e = 0, eᵀ∇ = 0.
      let ge = 0;
      for (let k = 0; k < K; k++) ge += at.d.gradient[k];
      expect(Math.abs(ge)).toBeLessThan(1e-10 * gScale);
      for (let i = 0; i < n; i++) {
        let he = 0;
        for (let k = 0; k < K; k++) he += at.d.hessian[i * n + k];
        expect(Math.abs(he)).toBeLessThan(1e-10 * hScale);
      }
    });
  }

  it('pairIndex enumerates the pairs k ≤ l in order', () => {
    const seen: number[] = [];
    for (let k = 0; k < 5; k++) for (let l = k; l < 5; l++) seen.push(pairIndex(k, l, 5));
    expect(seen).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });
});

describe('Newton–Raphson on ℓ_λ', () => {
  it('converges quadratically from near the maximum, and its step keeps Σ log α fixed', async () => {
    const K = 3;
    const L = 4;
    const { engine, covariance, start: startAt } = problem(7, 2000, L, K, 1e6);
    const start = startAt(5);
    // Close to the maximum by (a few) EM steps, then pure Newton from there.
    const em = await runEm(engine, K, start, covariance, { tol: 1e-10, maxIter: 2000, ridge: 0, localNewton: false });
    let u = toU(em, K, L);
    const gains: number[] = [];
    const predicted: number[] = [];
    let at = await derivativesAt(engine, u, K, 0);
    for (let it = 0; it < 4; it++) {
      const step = newtonStep(u, at.d, K, engine.N);
      expect(step).not.toBeNull();
      let shift = 0;
      for (let k = 0; k < K; k++) shift += step!.u[k] - u[k];
      expect(Math.abs(shift)).toBeLessThan(1e-12);
      const next = await derivativesAt(engine, step!.u, K, 0);
      gains.push(next.objective - at.objective);
      // the realised gain is the predicted one, up to the cubic term
      predicted.push(step!.predictedGain);
      if (step!.predictedGain > 1e-6) expect(Math.abs(gains[it] - step!.predictedGain)).toBeLessThan(0.5 * step!.predictedGain);
      u = step!.u;
      at = next;
    }
    // Quadratic convergence: the predicted gain (the remaining gain, ∝ the squared distance
    // to the maximum) goes as g_{t+1} ≲ C g_t², so the ratio g_{t+1}/g_t itself collapses;
    // a linearly converging method (EM, SQUAREM) keeps it roughly fixed.
    expect(gains[0]).toBeGreaterThan(0);
    const r1 = predicted[1] / predicted[0];
    const r2 = predicted[2] / predicted[1];
    expect(r1).toBeLessThan(1e-2);
    expect(r2).toBeLessThan(1e-2 * r1);
    // then at the rounding of ℓ (|ℓ| ≈ 8e6: a few ulps are ~1e-9)
    expect(Math.abs(gains[3])).toBeLessThan(1e-7);
  });

  it('is not offered where ℓ_λ is not concave', async () => {
    const K = 3;
    const L = 4;
    const { engine } = problem(7, 2000, L, K, 1e6);
    // all atoms equal: the components are exchangeable, the point is a saddle of ℓ
    const theta = new Float64Array(K * L).fill(0.3);
    const u = toU({ alpha: Float64Array.of(0.3, 0.3, 0.4), theta }, K, L);
    const at = await derivativesAt(engine, u, K, 0);
    expect(newtonStep(u, at.d, K, engine.N)).toBeNull();
  });
});

describe('EM with Newton–Raphson at the end (localNewton)', () => {
  for (const seed of [1, 2, 3]) {
    it(`keeps ℓ monotone, reaches the maximum plain EM reaches, with fewer E-steps (seed ${seed})`, async () => {
      const K = 3;
      const L = 8;
      const { engine, covariance, start: startAt } = problem(10 + seed, 3000, L, K, 1e6);
      const start = startAt(seed);
      const tol = 1e-11;
      const trace: number[] = [];
      const withNewton = await runEm(engine, K, start, covariance, {
        tol, maxIter: 3000, ridge: 0, localNewton: true, onIteration: (i) => trace.push(i.objective),
      });
      const squarem = await runEm(engine, K, start, covariance, { tol, maxIter: 3000, ridge: 0, localNewton: false });
      const plain = await runEm(engine, K, start, covariance, { tol, maxIter: 5000, ridge: 0, accelerate: false });
      expect(withNewton.converged).toBe(true);
      expect(withNewton.localNewtonSteps).toBeGreaterThan(0);
      expect(withNewton.warnings).toEqual([]);
      // monotone within the rounding of ℓ (4u|ℓ|, as in em.test.ts)
      for (let t = 1; t < trace.length; t++) expect(trace[t]).toBeGreaterThanOrEqual(trace[t - 1] - 4 * 2 ** -53 * Math.abs(trace[t - 1]));
      // the same maximum: never below plain EM's end by more than its own stopping slack
      expect(withNewton.objective).toBeGreaterThanOrEqual(plain.objective - tol * Math.abs(plain.objective));
      expect(withNewton.eSteps).toBeLessThan(squarem.eSteps);
      expect(withNewton.eSteps).toBeLessThan(plain.eSteps / 3);
    });
  }

  it('with ridge λ > 0, climbs ℓ_λ to the same point as plain EM', async () => {
    const K = 3;
    const L = 5;
    const { engine, covariance, start: startAt } = problem(21, 2000, L, K, 1e6);
    const start = startAt(4);
    const tol = 1e-11;
    const withNewton = await runEm(engine, K, start, covariance, { tol, maxIter: 3000, ridge: 0.01 });
    const plain = await runEm(engine, K, start, covariance, { tol, maxIter: 5000, ridge: 0.01, accelerate: false });
    expect(withNewton.localNewtonSteps).toBeGreaterThan(0);
    expect(withNewton.objective).toBeGreaterThanOrEqual(plain.objective - tol * Math.abs(plain.objective));
    // and ℓ_λ (not ℓ) is what it maximised: ℓ alone is higher at a point with larger atoms
    expect(withNewton.objective).toBeLessThan(withNewton.logLik);
  });

  it('falls back to SQUAREM with a warning when the device cannot hold the pair moments', async () => {
    const K = 3;
    const L = 5;
    const { engine, covariance, start: startAt } = problem(21, 2000, L, K, 1e6);
    const start = startAt(4);
    // the engine's methods, but pairMoments fails as a WebGPU plan over the binding limit does
    const limited: Engine = Object.create(engine);
    limited.pairMoments = () => Promise.reject(new SoftmixError('backend', 'softmix pair weighted-gram partials needs 300000000 bytes'));
    const run = await runEm(limited, K, start, covariance, { tol: 1e-10, maxIter: 3000, ridge: 0 });
    const squarem = await runEm(engine, K, start, covariance, { tol: 1e-10, maxIter: 3000, ridge: 0, localNewton: false });
    expect(run.converged).toBe(true);
    expect(run.localNewtonSteps).toBe(0);
    expect(run.warnings).toEqual([expect.stringMatching(/^Newton–Raphson on ℓ switched off: softmix pair weighted-gram partials needs/)]);
    expect(run.objective).toBe(squarem.objective); // then exactly the SQUAREM run
  });
});
