import { describe, it, expect } from 'vitest';
import { simulate } from '../src/model/simulate.ts';
import { makeDataset, designStats } from '../src/model/data.ts';
import { createCpuEngine } from '../src/engines/cpu.ts';
import { runEm } from '../src/em/index.ts';
import { MAX_STEP_SPREAD, newtonMStep, RUNAWAY_HOLD_SPREAD } from '../src/em/mstep.ts';
import { designTimesAtoms } from '../src/em/design-products.ts';
import { randomStart } from '../src/model/starts.ts';
import { designWhitening } from '../src/model/whitening.ts';
import { Rng } from '../src/math/rng.ts';
import { DEFAULT_NEWTON } from '../src/em/index.ts';
import type { Engine, StatsWanted } from '../src/engines/engine.ts';
import { EngineMap } from '../src/em/engine-map.ts';
import { squaremCycle } from '../src/em/steppers/squarem.ts';

function setup(seed: number, p = 400, L = 4, K = 3, N = 20000) {
  const sim = simulate({ p, L, K, N, thetaNorm: 1.5, seed });
  const data = makeDataset({ features: sim.features, p, L, counts: sim.counts });
  const design = designStats(data);
  const engine = createCpuEngine({ p, L, features: design.centred, counts: data.counts });
  return { sim, data, design, engine };
}

describe('EM on the float64 reference', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    for (const accelerate of [false, true]) {
      it(`never lowers ℓ (seed ${seed}, ${accelerate ? 'accelerated' : 'plain'} EM)`, async () => {
        const { design, engine } = setup(seed);
        const start = randomStart(3, 4, designWhitening(design.covariance, 4), 100 + seed);
        const run = await runEm(engine, 3, start, design.covariance, { tol: 0, maxIter: 60, ridge: 0, accelerate });
        expect(run.iterations).toBe(60);
        if (!accelerate) expect(run.trace.length).toBe(61);
        if (!accelerate) expect(run.eSteps).toBe(61);
        for (let t = 1; t < run.trace.length; t++) {
          // float64 EM: no slack beyond the rounding of ℓ itself. The cpu engine sums ℓ with
          // compensation, so each computed ℓ is within ~2u|ℓ|: 4u|ℓ| for a difference (~5e-11).
          expect(run.trace[t]).toBeGreaterThanOrEqual(run.trace[t - 1] - 4 * 2 ** -53 * Math.abs(run.trace[t - 1]));
        }
        expect(run.warnings).toEqual([]);
        expect(run.trace[run.trace.length - 1]).toBeGreaterThan(run.trace[0]);
      });
    }
  }

  it('reaches a stationary point: |∇A(θ_k) − m_k| tiny at convergence', async () => {
    const { design, engine } = setup(7, 1000, 4, 3, 1e6);
    const start = randomStart(3, 4, designWhitening(design.covariance, 4), 9);
    const run = await runEm(engine, 3, start, design.covariance, { tol: 1e-13, maxIter: 5000, ridge: 0, accelerate: false });
    expect(run.converged).toBe(true);
    const e = await engine.eStep(run.alpha.map(Math.log), run.theta, 3);
    const s = await engine.softmaxStats(run.theta, 3, { mean: true, covariance: false });
    for (let k = 0; k < 3; k++) {
      for (let l = 0; l < 4; l++) {
        const m = e.featureSums[k * 4 + l] / e.weights[k];
        // A fixed point of EM: the M-step target equals ∇A up to the EM contraction
        // left after a relative ℓ change of 1e-13 (gradient ~ sqrt(1e-13) scale).
        expect(Math.abs(s.mean![k * 4 + l] - m)).toBeLessThan(1e-5);
      }
    }
  });
});

// With one Newton step per M-step (the fit's default, maxNewtonSteps 1); with more, the
// last step is not known in advance and the E-step stays a pass of its own.
describe('one pass per EM iteration (the M-step\'s trial pass is the next E-step)', () => {
  /** The engine as one that ignores eStep's `stats`: every E-step and M-step its own pass. */
  const unfused = (engine: Engine): Engine =>
    Object.assign(Object.create(engine) as Engine, { eStep: (la: Float64Array, th: Float64Array, K: number) => engine.eStep(la, th, K) });

  for (const accelerate of [false, true]) {
    it(`follows the same points as separate passes, with fewer passes (${accelerate ? 'SQUAREM' : 'plain EM'})`, async () => {
      const runs = [];
      for (const fuse of [true, false]) {
        // from the planted atoms: every Newton step is taken in full (no halvings)
        const { sim, design, engine } = setup(21, 400, 4, 3, 1e5);
        const start = { alpha: sim.truth.alpha, theta: sim.truth.theta };
        const run = await runEm(fuse ? engine : unfused(engine), 3, start, design.covariance, { tol: 0, maxIter: 30, ridge: 0, accelerate, newton: { maxSteps: 1 } });
        runs.push({ run, passes: engine.counters.passes });
      }
      const [fused, separate] = runs;
      // the same float64 computations at the same points: the same trace, bit for bit
      expect(fused.run.trace).toEqual(separate.run.trace);
      expect(fused.run.theta).toEqual(separate.run.theta);
      expect(fused.run.eSteps).toBe(separate.run.eSteps);
      // plain EM: 1 + 30 passes fused (the start's E-step brings the first M-step's
      // statistics), against 2 + 2·30 separate; SQUAREM: the extrapolated point's pass is the
      // only one beyond the M-steps' own
      if (!accelerate) expect([fused.passes, separate.passes]).toEqual([31, 62]);
      expect(fused.passes).toBeLessThanOrEqual(0.6 * separate.passes);
    });
  }
});

describe('SQUAREM above a step bound of 1', () => {
  it("asks the M-step to x2 for Θ only: its trial pass is A's alone, and the cycle evaluates x1, x' and x''", async () => {
    for (const stepMax of [1, 4]) {
      const { sim, design, engine } = setup(22, 400, 4, 3, 1e5);
      const calls: string[] = [];
      const counting = Object.assign(Object.create(engine) as Engine, {
        eStep: (la: Float64Array, th: Float64Array, K: number, want?: StatsWanted) => (calls.push(want?.covariance ? 'eStep+H' : 'eStep'), engine.eStep(la, th, K, want)),
        softmaxStats: (th: Float64Array, K: number, want: StatsWanted) => (calls.push(want.covariance ? 'stats+H' : want.mean ? 'stats' : 'A'), engine.softmaxStats(th, K, want)),
      });
      const map = new EngineMap(counting, 3, design.covariance, { ...DEFAULT_NEWTON, maxSteps: 1 }, 0, []);
      // near the planted atoms, where every Newton step is taken in full
      const x0 = await map.evaluate({ alpha: sim.truth.alpha, theta: sim.truth.theta });
      calls.length = 0;
      const cycle = await squaremCycle(x0, map, stepMax, 3, 4);
      if (stepMax === 1) {
        // plain EM: x1 and x2 are evaluated by their M-steps' trial passes
        expect([cycle.step, calls]).toEqual([1, ['eStep+H', 'eStep+H']]);
      } else {
        expect(cycle.step).toBeGreaterThan(1);
        expect(cycle.rejected).toBe(false);
        // x1's trial (its E-step), x2's trial (A only), x' evaluated, x'''s trial (its E-step)
        expect(calls).toEqual(['eStep+H', 'A', 'eStep+H', 'eStep+H']);
      }
    }
  });
});

describe('Newton M-step', () => {
  for (const [seed, ridge] of [[11, 0], [12, 0], [13, 0.1], [14, 1]] as const) {
    it(`solves ∇A(θ) + λθ = m to 1e-9 on a random weighted problem (seed ${seed}, λ = ${ridge})`, async () => {
      const rng = new Rng(seed);
      const p = 300, L = 5, K = 4;
      const x = rng.normals(p * L);
      const counts = new Float64Array(p).fill(1);
      const engine = createCpuEngine({ p, L, features: x, counts });
      // Targets strictly inside the convex hull: means of random softmax distributions.
      const truthTheta = rng.normals(K * L).map((v) => v * 0.8);
      const targets = (await engine.softmaxStats(truthTheta, K, { mean: true, covariance: false })).mean!;
      const S = (await engine.softmaxStats(new Float64Array(K * L), 1, { mean: false, covariance: true })).covariance!;
      const res = await newtonMStep(engine, new Float64Array(K * L), targets, [true, true, true, true], K, S, {
        ...DEFAULT_NEWTON,
        ridge,
        maxSteps: 50,
      });
      expect(res.runaway).toEqual([]);
      const g = (await engine.softmaxStats(res.theta, K, { mean: true, covariance: false })).mean!;
      for (let i = 0; i < K * L; i++) expect(Math.abs(g[i] + ridge * res.theta[i] - targets[i])).toBeLessThan(1e-9);
      if (ridge === 0) for (let i = 0; i < K * L; i++) expect(res.theta[i]).toBeCloseTo(truthTheta[i], 7);
    });
  }

  it('reports a target on the hull boundary (a runaway atom) and keeps θ finite', async () => {
    const rng = new Rng(21);
    const p = 50, L = 2;
    const x = rng.normals(p * L);
    const engine = createCpuEngine({ p, L, features: x, counts: new Float64Array(p).fill(1) });
    // The target is a single support point: m = x_0 is a vertex or inside; take the point
    // with the largest first coordinate, which is a vertex of the hull.
    let j0 = 0;
    for (let j = 1; j < p; j++) if (x[j * L] > x[j0 * L]) j0 = j;
    const target = Float64Array.from([x[j0 * L], x[j0 * L + 1]]);
    // ∇²A(0) is the design covariance S (σ(0) is uniform).
    const S = (await engine.softmaxStats(new Float64Array(L), 1, { mean: false, covariance: true })).covariance!;
    const res = await newtonMStep(engine, new Float64Array(L), target, [true], 1, S, { ...DEFAULT_NEWTON, maxSteps: 200 });
    expect(res.runaway.length).toBe(1);
    expect(res.theta.every(Number.isFinite)).toBe(true);
  });

  // An atom whose softmax sits on one item (θ far along x_j1) and an interior target: the
  // Hessian there is nearly 0, so Newton's step is enormous until the trust region cuts it.
  async function onOneItem(spread: number) {
    const rng = new Rng(22);
    const p = 50, L = 2;
    const x = rng.normals(p * L);
    const engine = createCpuEngine({ p, L, features: x, counts: new Float64Array(p).fill(1) });
    const S = (await engine.softmaxStats(new Float64Array(L), 1, { mean: false, covariance: true })).covariance!;
    const u = Float64Array.from([x[0], x[1]]);
    const uSu = u[0] * (S[0] * u[0] + S[1] * u[1]) + u[1] * (S[2] * u[0] + S[3] * u[1]);
    const theta = u.map((v) => (v * spread) / Math.sqrt(uSu)); // √(θᵀSθ) = spread
    const target = (await engine.softmaxStats(new Float64Array(L), 1, { mean: true, covariance: false })).mean!;
    return { engine, S, theta, target, L };
  }
  const spreadOfStep = (S: Float64Array, d: number[]) => Math.sqrt(d[0] * (S[0] * d[0] + S[1] * d[1]) + d[1] * (S[2] * d[0] + S[3] * d[1]));

  it('moves the scores by at most MAX_STEP_SPREAD nats in one step, and remembers S·θ where it ends', async () => {
    const { engine, S, theta, target, L } = await onOneItem(40);
    const trials: Float64Array[] = [];
    const watched = Object.assign(Object.create(engine), {
      softmaxStats: (th: Float64Array, K: number, want: StatsWanted) => (trials.push(th.slice()), engine.softmaxStats(th, K, want)),
    }) as Engine;
    const res = await newtonMStep(watched, theta, target, [true], 1, S, { ...DEFAULT_NEWTON, maxSteps: 1 });
    expect(res.steps).toBe(1);
    // the first trial is the full step, cut to the trust region's edge exactly
    const first = trials[1];
    expect(spreadOfStep(S, [first[0] - theta[0], first[1] - theta[1]]) / MAX_STEP_SPREAD).toBeCloseTo(1, 12);
    expect(spreadOfStep(S, [res.theta[0] - theta[0], res.theta[1] - theta[1]])).toBeGreaterThan(0);
    // S·θ followed the step (Sθ + t·Sd, the cut step's): it agrees with a fresh product to
    // rounding, relative to the terms |S||θ| it sums
    const kept = designTimesAtoms(S, res.theta, [true], L);
    for (let a = 0; a < L; a++) {
      const fresh = S[a * L] * res.theta[0] + S[a * L + 1] * res.theta[1];
      const scale = Math.abs(S[a * L] * res.theta[0]) + Math.abs(S[a * L + 1] * res.theta[1]) + Math.abs(S[a * L] * theta[0]) + Math.abs(S[a * L + 1] * theta[1]);
      expect(Math.abs(kept[a] - fresh)).toBeLessThan(16 * 2 ** -52 * scale);
    }
  });

  it('holds an atom whose scores already spread past what the arithmetic resolves, and says so', async () => {
    const { engine, S, theta, target } = await onOneItem(RUNAWAY_HOLD_SPREAD * 1.5);
    const res = await newtonMStep(engine, theta, target, [true], 1, S, { ...DEFAULT_NEWTON, maxSteps: 5 });
    expect(Array.from(res.theta)).toEqual(Array.from(theta));
    expect(res.runaway).toEqual([{ k: 0, reason: expect.stringContaining('held there'), frozen: true }]);
    expect(res.passes).toBe(0);
  });
});
