/**
 * The M-step for the atoms (MATH.md §2): for every component at once,
 *   θ_k ← argmax_θ  f_k(θ) = m_k·θ − A(θ) − (λ/2)|θ|²
 * by damped (quasi-)Newton steps from the current θ_k with Armijo backtracking. All K
 * components share each pass over p (one softmaxStats call evaluates every row of Θ).
 *
 * Directions d = P_k⁻¹ g with a per-component SPD matrix P_k:
 * - 'newton': P_k = ∇²A(θ_k) + λI, the Hessian: above DENSE_NEWTON_MAX_L features (or with
 *   solver 'cg') solved matrix-free by CG on Hessian–vector products (newton-cg.ts), each a
 *   ~4pLK pass; otherwise formed by a pL²K pass and factored. The EM driver may hand in the
 *   factors of a Hessian from an earlier M-step instead (`frozen`): a quasi-Newton step that
 *   skips the pL²K pass, still an ascent step (any SPD P_k is) checked by Armijo;
 * - 'design': P_k = S + λI with S the design covariance, fixed for the whole fit. S is
 *   ∇²A(0) exactly and close to ∇²A(θ) in the random-design regime (MATH.md §2's
 *   preconditioned step); on real designs it can be a poor guess (see the README).
 *
 * Each trial point's pass also returns the statistics the next step needs (mean, and the
 * Hessian for 'newton'), so an accepted full step costs exactly one pass; the statistics
 * at the returned Θ come back too, and the next M-step starts from them. Given the new
 * log α (`eStepLogAlpha`), the last step's first trial pass is the E-step there as well
 * (Engine.eStep with stats), so a whole EM iteration whose step is taken in full is one pass.
 */
import type { Engine, EStepResult, SoftmaxStats } from '../engines/engine.ts';
import { choleskyInPlace, choleskySolve, dot } from '../math/linalg.ts';
import { designTimesAtoms, designTimesRows, rememberDesignTimes, spreadOf } from './design-products.ts';
import { cgDirections, designPreconditioner, preconditionerFor, usesCg, type NewtonSolver, type PreconditionerKind } from './newton-cg.ts';

export type StepDirection = 'newton' | 'design';

export interface NewtonOptions {
  /** λ for every component, unless `componentRidge` gives one per component (ridge.ts) */
  ridge: number;
  componentRidge?: Float64Array;
  /** (quasi-)Newton steps at most per M-step: 1 is ECM-style, more approaches the exact M-step */
  maxSteps: number;
  /**
   * stop a component when its decrement gᵀd/2 falls below this; never below (32u)², u the
   * device's unit roundoff, where the decrement is rounding noise
   */
  decrementTol: number;
  /**
   * a component whose scores x_j·θ_k have a standard deviation over the items above this
   * (√(θᵀSθ), in nats) is running away onto a few support points: its softmax puts
   * e^(several× this) more mass on the top items than on typical ones (reported, not stopped)
   */
  maxScoreSpread: number;
  direction: StepDirection;
  /** Cholesky factor of S + λI (L×L), required for direction 'design' */
  designFactor?: Float64Array;
  /** direction 'newton': compute a fresh Hessian every this many M-steps (1: always; dense route only) */
  hessianEvery: number;
  /**
   * direction 'newton': how Newton's equations are solved: 'dense' forms and factors the
   * Hessians, 'cg' solves them matrix-free (newton-cg.ts), 'auto' (the default) takes CG
   * above DENSE_NEWTON_MAX_L features
   */
  solver?: NewtonSolver;
  /** the matrix-free route's preconditioner (newton-cg.ts): 'auto' (default), 'exact' or 'lowRank' */
  preconditioner?: PreconditionerKind;
  /** the matrix-free route's CG iterations per Newton step at most (default CG_MAX_ITERATIONS) */
  maxCgIterations?: number;
}

/** The M-step's defaults: up to 20 Newton steps, an exact M-step in practice (the fit passes its own maxSteps, 1 by default). */
export const DEFAULT_NEWTON: NewtonOptions = {
  ridge: 0,
  maxSteps: 20,
  decrementTol: 1e-24,
  maxScoreSpread: 25,
  direction: 'newton',
  hessianEvery: 1,
};

export interface NewtonResult {
  theta: Float64Array;
  /** steps taken (max over components) */
  steps: number;
  /** passes over p spent (CG's Hessian–vector passes included) */
  passes: number;
  /** CG iterations summed over the steps (matrix-free route; 0 on the dense one) */
  cgIterations: number;
  /**
   * components whose maximiser looks not to exist (target on the hull's boundary): the
   * Hessian was singular (a damped one stood in), the spread of the scores passed
   * maxScoreSpread, or it reached the arithmetic's limit and was held there (`frozen`)
   */
  runaway: { k: number; reason: string; frozen: boolean }[];
  /** softmax statistics at the returned Θ when the last pass evaluated exactly it */
  statsAtTheta?: SoftmaxStats;
  /** the E-step at (α, returned Θ), α the one `eStepLogAlpha` gave, when the last pass was it */
  eStepAtTheta?: EStepResult;
  /** Cholesky factors of the fresh Hessians this call computed (first step), per component */
  factors?: (Float64Array | null)[];
  /** a frozen preconditioner needed backtracking: time for a fresh Hessian */
  staleHint: boolean;
  /** with a frozen preconditioner some component found no ascent step at all: redo fresh */
  stalled: boolean;
}

const ARMIJO_C1 = 1e-4;
/** The most one Newton step may move a component's scores (the spread √(dᵀSd), nats). */
export const MAX_STEP_SPREAD = 50;
const MAX_HALVINGS = 40;

/**
 * `targets` are the m_k (K×L); components with `active[k] === false` keep their θ_k
 * (an emptied component has no target). `designCovariance` is S (L×L), the covariance of the
 * items' features, which turns θ into the spread of its scores.
 * `statsAtStart`, when given, are the softmax statistics at `thetaIn` (saves a pass).
 * `lastTrial` says what the last step's first trial pass brings besides A: given the new
 * log α, the E-step there (above); 'objective', nothing: the caller wants only Θ (SQUAREM
 * extrapolating from it), so the pass reads X once where the E-step with the Hessian
 * reads it three times; by default the statistics the next M-step from there needs.
 */
export async function newtonMStep(
  engine: Engine,
  thetaIn: Float64Array,
  targets: Float64Array,
  active: boolean[],
  K: number,
  designCovariance: Float64Array,
  opts: NewtonOptions,
  statsAtStart?: SoftmaxStats,
  frozen?: (Float64Array | null)[],
  lastTrial?: Float64Array | 'objective',
): Promise<NewtonResult> {
  const L = engine.L;
  const eStepLogAlpha = lastTrial instanceof Float64Array ? lastTrial : undefined;
  const lambda = (k: number) => (opts.componentRidge ? opts.componentRidge[k] : opts.ridge);
  if (opts.direction === 'design' && !opts.designFactor) throw new Error('newtonMStep: direction "design" needs designFactor');
  // Newton's direction, from the dense Hessian (small L) or by CG on its products (large L)
  const matrixFree = opts.direction === 'newton' && usesCg(opts.solver, L);
  const useHessian = opts.direction === 'newton' && !frozen && !matrixFree;
  const want = { mean: true, covariance: useHessian };
  let factors: (Float64Array | null)[] | undefined;
  let staleHint = false;
  let stalled = false;
  const decrementTol = Math.max(opts.decrementTol, (32 * engine.unitRoundoff) ** 2);
  const theta = Float64Array.from(thetaIn);
  const pending = active.slice();
  const runaway: NewtonResult['runaway'] = [];
  const spreadLimit = runawaySpreadLimit(engine.unitRoundoff);
  const noteRunaway = (k: number, reason: string, frozen = false) => {
    if (!runaway.some((r) => r.k === k)) runaway.push({ k, reason, frozen });
  };
  // S·θ_k for every pending atom, kept along the steps (design-products.ts): the spreads of
  // the scores cost O(L) each from it.
  const tracked = pending.slice();
  const designTheta = designTimesAtoms(designCovariance, theta, tracked, L);
  const spreadAt = (k: number) => spreadOf(theta, designTheta.subarray(k * L, k * L + L), L, k * L);
  // An atom at the arithmetic's limit stays there: the softmax is on its face already.
  for (let k = 0; k < K; k++) {
    const spread = pending[k] ? spreadAt(k) : 0;
    if (spread >= spreadLimit) {
      pending[k] = false;
      noteRunaway(k, `the spread of its scores √(θᵀSθ) is ${spread.toFixed(0)} nats, the most this arithmetic resolves (${spreadLimit.toFixed(0)}): held there`, true);
    }
  }
  let steps = 0;
  let passes = 0;
  let eStepAtTheta: EStepResult | undefined;
  let cgIterations = 0;
  let stats = statsAtStart && hasWanted(statsAtStart, want) ? statsAtStart : undefined;

  const objective = (k: number, th: Float64Array, A: number) =>
    dot(targets, th, L, k * L, k * L) - A - 0.5 * lambda(k) * dot(th, th, L, k * L, k * L);

  for (let step = 0; step < opts.maxSteps && pending.some(Boolean); step++) {
    if (!stats) {
      stats = await engine.softmaxStats(theta, K, want);
      passes++;
    }
    const dirs = new Float64Array(K * L);
    const f0 = new Float64Array(K);
    const slope = new Float64Array(K); // gᵀd = 2 × decrement
    const noise = new Float64Array(K);
    const grads = new Float64Array(K * L);
    for (let k = 0; k < K; k++) {
      if (!pending[k]) continue;
      const lambdaK = lambda(k);
      for (let a = 0; a < L; a++) grads[k * L + a] = targets[k * L + a] - stats.mean![k * L + a] - lambdaK * theta[k * L + a];
    }
    // Matrix-free: every pending component's Newton direction by CG, one pass per iteration.
    const cg = matrixFree ? await cgDirections(engine, theta, K, { logPartition: stats.logPartition, mean: stats.mean! }, grads, pending, lambda, designPreconditioner(designCovariance, L, opts.ridge, preconditionerFor(opts.preconditioner, L, engine.backend)), opts.maxCgIterations) : null;
    if (cg) {
      passes += cg.passes;
      cgIterations += cg.iterations;
    }
    for (let k = 0; k < K; k++) {
      if (!pending[k]) continue;
      const g = grads.subarray(k * L, k * L + L);
      const lambdaK = lambda(k);
      let d: Float64Array;
      if (cg) {
        d = cg.directions.slice(k * L, k * L + L);
      } else if (useHessian) {
        const h = stats.covariance!.slice(k * L * L, (k + 1) * L * L);
        for (let a = 0; a < L; a++) h[a * L + a] += lambdaK;
        if (!choleskyInPlace(h, L) && !dampedFactor(h, stats.covariance!, k, L, lambdaK, designCovariance)) {
          noteRunaway(k, 'its Hessian ∇²A(θ) + λI is singular, even damped', true);
          pending[k] = false;
          continue;
        }
        if (step === 0) (factors ??= new Array(K).fill(null))[k] = h;
        d = choleskySolve(h, L, g);
      } else if (frozen?.[k]) {
        d = choleskySolve(frozen[k]!, L, g);
      } else {
        d = choleskySolve(opts.designFactor!, L, g);
      }
      dirs.set(d, k * L);
    }
    const designDirs = designTimesRows(designCovariance, dirs, pending, L); // S·d_k, one read of S
    for (let k = 0; k < K; k++) {
      if (!pending[k]) continue;
      const d = dirs.subarray(k * L, k * L + L);
      const designD = designDirs.subarray(k * L, k * L + L);
      // A trust region in the scores: no step moves them by more than MAX_STEP_SPREAD nats
      // (a damped Hessian on a face of the hull would otherwise send θ to 1e300).
      const stepSpread = spreadOf(d, designD, L);
      if (stepSpread > MAX_STEP_SPREAD) {
        for (let a = 0; a < L; a++) {
          d[a] = (d[a] * MAX_STEP_SPREAD) / stepSpread;
          designD[a] = (designD[a] * MAX_STEP_SPREAD) / stepSpread;
        }
      }
      slope[k] = dot(grads, d, L, k * L);
      if (!(slope[k] / 2 > decrementTol)) {
        pending[k] = false; // stationary to tolerance
        continue;
      }
      const A = stats.logPartition[k];
      f0[k] = objective(k, theta, A);
      // f is evaluated with A from the device: its rounding is a few ulps of |A| and
      // |m·θ|. Armijo must not demand an increase smaller than that noise.
      noise[k] = 8 * engine.unitRoundoff * (Math.abs(A) + Math.abs(dot(targets, theta, L, k * L, k * L)) + 1);
    }
    const searching = pending.slice();
    if (!searching.some(Boolean)) break;
    steps++;

    // Backtracking, batched: every still-searching component tries θ + t d in one pass,
    // which also yields the statistics for the next step wherever the trial is accepted.
    const t = new Float64Array(K).fill(1);
    const trial = Float64Array.from(theta);
    let trialStats: SoftmaxStats | undefined;
    let trialE: EStepResult | undefined;
    for (let h = 0; h < MAX_HALVINGS && searching.some(Boolean); h++) {
      for (let k = 0; k < K; k++) {
        if (!searching[k]) continue;
        for (let a = 0; a < L; a++) trial[k * L + a] = theta[k * L + a] + t[k] * dirs[k * L + a];
      }
      if (h === 0 && eStepLogAlpha && step === opts.maxSteps - 1) {
        // the last step's first trial is also the E-step at (α, trial): one pass for both
        trialE = await engine.eStep(eStepLogAlpha, trial, K, want);
        trialStats = trialE.softmax ?? (await engine.softmaxStats(trial, K, want)); // an engine that ignores `stats`
      } else {
        const full = h === 0 && !(lastTrial === 'objective' && step === opts.maxSteps - 1);
        trialStats = await engine.softmaxStats(trial, K, full ? want : { mean: false, covariance: false });
        trialE = undefined;
      }
      passes++;
      for (let k = 0; k < K; k++) {
        if (!searching[k]) continue;
        const f1 = objective(k, trial, trialStats.logPartition[k]);
        if (f1 >= f0[k] + ARMIJO_C1 * t[k] * slope[k] - noise[k]) {
          theta.set(trial.subarray(k * L, k * L + L), k * L);
          for (let a = 0; a < L; a++) designTheta[k * L + a] += t[k] * designDirs[k * L + a];
          searching[k] = false;
        } else {
          t[k] /= 2;
          for (let a = 0; a < L; a++) trial[k * L + a] = theta[k * L + a];
        }
      }
    }
    // The first trial's statistics describe the new Θ only if every row was accepted at t = 1.
    const allFullSteps = t.every((v) => v === 1) && !searching.some(Boolean);
    if (frozen && !allFullSteps) staleHint = true;
    stats = allFullSteps && trialStats && hasWanted(trialStats, want) ? trialStats : undefined;
    eStepAtTheta = allFullSteps ? trialE : undefined;
    for (let k = 0; k < K; k++) {
      if (searching[k] && frozen) stalled = true;
      if (searching[k]) pending[k] = false; // no ascent found even at tiny steps: at the rounding floor
      if (!pending[k]) continue;
      const spread = spreadAt(k);
      if (spread > opts.maxScoreSpread) noteRunaway(k, `the spread of its scores √(θᵀSθ) reached ${spread.toFixed(1)} nats (above ${opts.maxScoreSpread})`);
    }
  }
  rememberDesignTimes(designCovariance, theta, designTheta, tracked, L);
  return { theta, steps, passes, cgIterations, runaway, statsAtTheta: stats, eStepAtTheta, factors, staleHint, stalled };
}

/**
 * Where a runaway atom is held (README, "Runaway components"): a spread of the scores
 * √(θᵀSθ) of 200 nats. Chosen by held-out ℓ/N and E-steps on the books (K = 6, cpu):
 * held at 60 nats −6.21737 in 298 E-steps, at 200 −6.21512 in 476, never (float64's
 * limit) −6.21488 in 882; a fixed ridge λ = 1e-5 gives −6.21691. Beyond it the softmax is
 * on its face of the hull already, and the last few thousandths of a nat per held-out
 * word cost as many E-steps again.
 */
export const RUNAWAY_HOLD_SPREAD = 200;

/**
 * The largest spread of scores an atom is moved to: RUNAWAY_HOLD_SPREAD, or less where the
 * largest scores |x_j·θ| (a few times the spread) would carry rounding errors above 10⁻³
 * nats in the device's arithmetic (2100 nats in float32, 10¹² in float64).
 */
export function runawaySpreadLimit(unitRoundoff: number): number {
  return Math.min(RUNAWAY_HOLD_SPREAD, 1e-3 / (8 * unitRoundoff));
}

/**
 * Where ∇²A(θ_k) + λI is singular (the softmax on a face of the hull: no curvature across
 * it), the Hessian plus μI with the smallest μ = 10⁻¹⁰·tr/L·100^i that factors: a
 * Levenberg–Marquardt step, still an ascent direction, which Armijo then checks. `h` gets
 * the factor. False when no μ does (the statistics are not finite).
 */
function dampedFactor(h: Float64Array, covariance: Float64Array, k: number, L: number, lambdaK: number, designCovariance: Float64Array): boolean {
  const block = covariance.subarray(k * L * L, (k + 1) * L * L);
  let trace = 0;
  let designTrace = 0;
  for (let a = 0; a < L; a++) {
    trace += block[a * L + a];
    designTrace += designCovariance[a * L + a];
  }
  if (!Number.isFinite(trace)) return false;
  // relative to the softmax's own curvature, but never below 10⁻¹⁰ of the design's: in
  // float32 the curvature of a softmax on one item is exactly 0
  for (let mu = Math.max(trace, 1e-10 * designTrace, 1e-300) * 1e-10 / L, i = 0; i < 40; mu *= 100, i++) {
    h.set(block);
    for (let a = 0; a < L; a++) h[a * L + a] += lambdaK + mu;
    if (choleskyInPlace(h, L)) return true;
  }
  return false;
}

function hasWanted(s: SoftmaxStats, want: { mean: boolean; covariance: boolean }): boolean {
  return (!want.mean || !!s.mean) && (!want.covariance || !!s.covariance);
}
