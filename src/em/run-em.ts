/**
 * The EM loop (MATH.md §2), written once against the Engine seam:
 *   E-step on the device → ℓ, c_k, Σ n r x;  M-step on the host: α = c/N, Newton for Θ.
 *
 * Plain EM applies the EM map F until ℓ stops rising. Accelerated EM (the default) runs
 * SQUAREM cycles of F, or Anderson acceleration on request; both live in accelerate.ts and
 * keep ℓ monotone over the accepted points. Near a maximum SQUAREM, like EM, converges only
 * linearly: after each cycle the default tries a Newton–Raphson step on ℓ itself
 * (observed-newton.ts) and, once one is accepted, continues with Newton steps while they
 * climb — quadratic convergence for the last digits. Every accepted point raises ℓ.
 */
import type { Engine, SoftmaxStats } from '../engines/engine.ts';
import { newtonMStep, type NewtonOptions } from './mstep.ts';
import { SoftmixError } from '../errors.ts';
import { penalisedWeights, ridgePenalty } from './ridge.ts';
import {
  andersonPoint,
  ANDERSON_WINDOW,
  nextStepMax,
  squaremCycle,
  SQUAREM_CYCLE_MSTEPS,
  toU,
  type Params,
  type State,
} from './accelerate.ts';
import { LocalNewton, LOCAL_NEWTON_MAX_DIM } from './steppers/newton-raphson.ts';

export type { Params, State } from './accelerate.ts';

export interface EmOptions {
  /** stop when the relative change of ℓ is below this (default 1e-8), see `isConverged` */
  tol: number;
  /** EM map evaluations (M-steps) at most */
  maxIter: number;
  /**
   * pause at the first end of a whole step of the method (an EM step, a SQUAREM cycle, a
   * Newton step) at or after this many M-steps, to be resumed later (`resume`); a soft
   * budget for screening, where maxIter would cut a SQUAREM cycle into plain EM steps
   */
  pauseAfter?: number;
  ridge: number;
  /** accelerate the EM map (default true) */
  accelerate?: boolean;
  /**
   * 'squarem' (default): cycles of two EM steps, one extrapolation and one EM step from it,
   * 3 E-steps a cycle (4 when the extrapolation is rejected);
   * 'anderson': Anderson mixing over the last 5 EM steps, 1 E-step per accepted step, the
   * history restarted after a rejected one. Both keep ℓ monotone.
   */
  acceleration?: 'squarem' | 'anderson';
  newton?: Partial<NewtonOptions>;
  /**
   * Newton–Raphson on ℓ_λ with the observed information once ℓ_λ is locally concave
   * (observed-newton.ts): tried after SQUAREM cycles, kept while it climbs. Default true
   * with acceleration 'squarem' where K(L+1) ≤ LOCAL_NEWTON_MAX_DIM.
   */
  localNewton?: boolean;
  signal?: AbortSignal;
  /**
   * carry on where an earlier run stopped (its `resume`): the start is taken as evaluated
   * there, and SQUAREM's step bound, the convergence history and the Newton–Raphson phase
   * continue, so a run split in pieces (screening) follows the path of one run (Anderson's
   * window of past steps starts afresh)
   */
  resume?: EmResume;
  /** called after every accepted update with the new ℓ and objective */
  onIteration?: (info: IterationInfo) => void;
}

export interface IterationInfo {
  /** EM map evaluations so far */
  iteration: number;
  logLik: number;
  logLikPerSample: number;
  /** what EM climbs: ℓ_λ = ℓ − (λN/2)Σα_k|θ_k|² (ridge.ts), ℓ when λ = 0 */
  objective: number;
  /** objective_t − objective_{t−1} between accepted points */
  change: number;
  /** E-step passes spent when this point was evaluated (within a SQUAREM cycle, the
   * accepted extrapolation is known one E-step before the cycle ends) */
  eSteps: number;
}

export type StopReason = 'tol' | 'maxIter' | 'collapsed';

/** What a run needs to carry on later without repeating work: see EmOptions.resume. */
export interface EmResume {
  /** the last accepted point, with its E-step */
  state: State;
  /** SQUAREM's bound on the step length */
  stepMax: number;
  /** gains of the whole steps so far (the convergence test looks at the last two) */
  stepGains: number[];
  /** M-steps so far (the Newton–Raphson phase's budget is a share of them) */
  iterations: number;
  /** the Newton–Raphson phase, with its mode and budget (null when off) */
  newton: LocalNewton | null;
  newtonOff: boolean;
}

export interface EmResult {
  alpha: Float64Array;
  theta: Float64Array;
  /** ℓ at (alpha, theta) */
  logLik: number;
  /** ℓ_λ at (alpha, theta): ℓ when λ = 0 */
  objective: number;
  /** the objective (ℓ when λ = 0) at each accepted point; trace[0] is at the start */
  trace: number[];
  /** EM map evaluations (M-steps) */
  iterations: number;
  /** passes of the E-step over the data, extrapolations and rejected steps included */
  eSteps: number;
  /** extrapolations rejected by the monotone safeguard (accelerated EM) */
  rejectedSteps: number;
  converged: boolean;
  stopReason: StopReason;
  newtonSteps: number;
  /** accepted Newton–Raphson steps on ℓ_λ (localNewton) */
  localNewtonSteps: number;
  /** Newton–Raphson attempts that failed: ℓ_λ not concave there, or the step lowered it */
  localNewtonRejected: number;
  warnings: string[];
  /** where this run stopped, for EmOptions.resume (resume it once: the Newton–Raphson phase is carried on, not copied) */
  resume: EmResume;
}

export const DEFAULT_NEWTON: NewtonOptions = {
  ridge: 0,
  maxSteps: 20,
  decrementTol: 1e-24,
  maxScoreSpread: 25,
  direction: 'newton',
  hessianEvery: 1,
};

class Collapsed extends Error {}



/**
 * Runs EM from (alpha, theta) on the engine's data. `designCovariance` is S, the
 * covariance of the items' features (for collapse detection).
 */
export async function runEm(
  engine: Engine,
  K: number,
  start: Params,
  designCovariance: Float64Array,
  options: EmOptions,
): Promise<EmResult> {
  const L = engine.L;
  const N = engine.N;
  const newton: NewtonOptions = { ...DEFAULT_NEWTON, ...options.newton, ridge: options.ridge };
  const accelerate = options.accelerate ?? true;
  const warnings: string[] = [];
  let newtonSteps = 0;
  let eSteps = 0;
  let iterations = 0;
  let rejectedSteps = 0;
  // Softmax statistics at the Θ the last M-step returned: the next M-step starts there.
  let cached: { theta: Float64Array; stats: SoftmaxStats } | null = null;
  // Factors of the last fresh Hessians, reused for `hessianEvery` M-steps (quasi-Newton).
  let hessian: { factors: (Float64Array | null)[]; age: number } | null = null;

  const evaluate = async (p: Params): Promise<State> => {
    const e = await engine.eStep(logOf(p.alpha), p.theta, K);
    eSteps++;
    const objective = e.logLik - ridgePenalty(p.alpha, p.theta, K, L, options.ridge, N);
    return { ...p, e, objective, evaluatedAt: eSteps };
  };

  /** The EM map's M-step: α = c/N (penalised under a ridge), then Newton for Θ from the current atoms. */
  const mStep = async (s: State): Promise<Params> => {
    if (options.signal?.aborted) throw new SoftmixError('cancelled', 'the fit was cancelled');
    const { alpha, componentRidge } = penalisedWeights(s.e.weights, s.theta, K, L, options.ridge, N);
    const stepOptions = options.ridge > 0 ? { ...newton, componentRidge } : newton;
    const active: boolean[] = [];
    const targets = new Float64Array(K * L);
    for (let k = 0; k < K; k++) {
      const c = s.e.weights[k];
      active.push(c > 0);
      for (let l = 0; l < L; l++) targets[k * L + l] = c > 0 ? s.e.featureSums[k * L + l] / c : 0;
    }
    const frozen = newton.direction === 'newton' && hessian && hessian.age < newton.hessianEvery ? hessian.factors : undefined;
    const atStart = cached?.theta === s.theta ? cached.stats : undefined;
    let m = await newtonMStep(engine, s.theta, targets, active, K, designCovariance, stepOptions, atStart, frozen);
    // A stale Hessian that finds no ascent step would make the M-step a no-op, which the
    // convergence test would take for convergence: redo it with a fresh Hessian.
    if (m.stalled) m = await newtonMStep(engine, s.theta, targets, active, K, designCovariance, stepOptions, atStart);
    cached = m.statsAtTheta ? { theta: m.theta, stats: m.statsAtTheta } : null;
    if (m.factors) hessian = { factors: m.factors, age: 1 };
    else if (hessian) hessian.age = m.staleHint ? Infinity : hessian.age + 1;
    newtonSteps += m.steps;
    iterations++;
    if (m.collapsed.length > 0) {
      for (const c of m.collapsed) {
        warnings.push(
          `component ${c.k} collapsed onto few support points at iteration ${iterations}: ${c.reason}; ` +
            'its target mean lies on the boundary of the convex hull of the x_j, so the unpenalised atom does not exist. ' +
            'Returned the last finite parameters; fit with ridge λ > 0 (e.g. --ridge 1e-3) for a finite maximiser.',
        );
      }
      throw new Collapsed();
    }
    return { alpha, theta: m.theta };
  };

  let current = options.resume?.state ?? (await evaluate({ alpha: Float64Array.from(start.alpha), theta: Float64Array.from(start.theta) }));
  checkFinite(current.e.logLik, 0);
  const trace = [current.objective];
  let stopReason: StopReason = 'maxIter';

  /** Takes `next` as the new current point. */
  const accept = (next: State): void => {
    checkFinite(next.e.logLik, iterations);
    const prev = current.objective;
    const change = next.objective - prev;
    // EM never lowers ℓ (exact M-step for α, an ascent step on Q for Θ; the safeguard
    // for extrapolations). A drop beyond the rounding of ℓ itself is a bug: say so.
    const slack = 16 * engine.unitRoundoff * Math.abs(prev);
    if (change < -slack) {
      warnings.push(`${options.ridge > 0 ? 'ℓ_λ' : 'ℓ'} decreased by ${(-change).toExponential(3)} at iteration ${iterations} (beyond the rounding slack ${slack.toExponential(2)})`);
    }
    current = next;
    trace.push(next.objective);
    options.onIteration?.({
      iteration: iterations,
      logLik: next.e.logLik,
      logLikPerSample: next.e.logLik / N,
      objective: next.objective,
      change,
      eSteps: next.evaluatedAt ?? eSteps,
    });
  };
  // Convergence is judged on the gain of whole steps of the method (one EM step, one SQUAREM
  // cycle, one Anderson step): within a cycle, the small gain of the stabilising EM step
  // after a long extrapolation says nothing about the gain still to come.
  const stepGains: number[] = [...(options.resume?.stepGains ?? [])];
  const converged = (from: number): boolean => {
    stepGains.push(current.objective - from);
    return isConverged(stepGains, current.objective, options.tol);
  };

  const localNewtonWanted = accelerate && options.acceleration !== 'anderson' && (options.localNewton ?? K * (L + 1) <= LOCAL_NEWTON_MAX_DIM);
  const resumed = options.resume;
  const newtonPhase = resumed ? resumed.newton : localNewtonWanted ? new LocalNewton(engine, K, options.ridge, options.tol) : null;
  const newtonAtStart = { steps: newtonPhase?.steps ?? 0, rejected: newtonPhase?.rejected ?? 0 };
  // M-steps of the runs this one resumes
  const priorIterations = resumed?.iterations ?? 0;
  // set when the device cannot hold the pair moments: the rest of the run is SQUAREM
  let newtonOff = resumed?.newtonOff ?? false;
  /** One Newton–Raphson attempt (local-newton.ts); 'stop' when it certifies a maximum. */
  const tryNewton = async (): Promise<'stop' | 'go on'> => {
    const statsAtTheta = cached?.theta === current.theta ? cached.stats : undefined;
    const attempt = await newtonPhase!.attempt(current, statsAtTheta, priorIterations + iterations, evaluate);
    if (attempt.outcome === 'accepted') {
      iterations++;
      accept(attempt.state);
    } else if (attempt.outcome === 'unavailable') {
      warnings.push(`Newton–Raphson on ℓ switched off: ${attempt.reason}`);
      newtonOff = true;
    }
    return attempt.outcome === 'stationary' ? 'stop' : 'go on';
  };
  const history: { u: Float64Array; g: Float64Array }[] = [];
  let stepMax = options.resume?.stepMax ?? 1;
  const map = { mStep, evaluate };
  try {
    while (iterations < options.maxIter && !(options.pauseAfter !== undefined && iterations >= options.pauseAfter)) {
      const from = current.objective;
      if (accelerate && options.acceleration === 'anderson') {
        // Anderson acceleration (type II, window m) of the EM map in u = (log α, Θ).
        const g = await mStep(current);
        history.push({ u: toU(current, K, L), g: toU(g, K, L) });
        if (history.length > ANDERSON_WINDOW + 1) history.shift();
        const candidate = history.length > 1 ? andersonPoint(history, K, L) : null;
        let next: State | null = null;
        if (candidate) {
          const s = await evaluate(candidate);
          if (Number.isFinite(s.objective) && s.objective >= current.objective) next = s;
          else {
            rejectedSteps++;
            history.length = 0; // restart the history after a failed step
          }
        }
        accept(next ?? (await evaluate(g)));
      } else if (newtonPhase?.mode) {
        // the last Newton step climbed: take another (a failure ends the mode)
        if ((await tryNewton()) === 'stop') {
          stopReason = 'tol';
          break;
        }
      } else if (accelerate && iterations + SQUAREM_CYCLE_MSTEPS <= options.maxIter && current.alpha.every((a) => a > 0)) {
        const cycle = await squaremCycle(current, map, stepMax, K, L);
        if (cycle.rejected) rejectedSteps++;
        stepMax = nextStepMax(stepMax, cycle);
        for (const s of cycle.accepted) accept(s);
        if (newtonPhase && !newtonOff && !isConverged([...stepGains, current.objective - from], current.objective, options.tol)) {
          if ((await tryNewton()) === 'stop') {
            stopReason = 'tol';
            break;
          }
        }
      } else {
        accept(await evaluate(await mStep(current)));
      }
      if (converged(from)) {
        stopReason = 'tol';
        break;
      }
    }
  } catch (err) {
    if (!(err instanceof Collapsed)) throw err;
    stopReason = 'collapsed';
  }
  return {
    alpha: current.alpha,
    theta: current.theta,
    logLik: current.e.logLik,
    objective: current.objective,
    trace,
    iterations,
    eSteps,
    rejectedSteps,
    converged: stopReason === 'tol',
    stopReason,
    newtonSteps,
    warnings,
    localNewtonSteps: (newtonPhase?.steps ?? 0) - newtonAtStart.steps,
    localNewtonRejected: (newtonPhase?.rejected ?? 0) - newtonAtStart.rejected,
    resume: { state: current, stepMax, stepGains, iterations: priorIterations + iterations, newton: newtonPhase, newtonOff },
  };
}

/** A run's work counters: they add up over the runs of one fit (pieces, trials). */
export type EmWork = Pick<EmResult, 'iterations' | 'eSteps' | 'newtonSteps' | 'rejectedSteps' | 'localNewtonSteps' | 'localNewtonRejected'>;

export const NO_WORK: EmWork = { iterations: 0, eSteps: 0, newtonSteps: 0, rejectedSteps: 0, localNewtonSteps: 0, localNewtonRejected: 0 };

export function addWork(a: EmWork, b: EmWork): EmWork {
  return {
    iterations: a.iterations + b.iterations,
    eSteps: a.eSteps + b.eSteps,
    newtonSteps: a.newtonSteps + b.newtonSteps,
    rejectedSteps: a.rejectedSteps + b.rejectedSteps,
    localNewtonSteps: a.localNewtonSteps + b.localNewtonSteps,
    localNewtonRejected: a.localNewtonRejected + b.localNewtonRejected,
  };
}

/**
 * One run out of `first` and `more`, the run resumed from it (EmOptions.resume): `more`'s
 * end, both runs' work, one trace.
 */
export function appendRun(first: EmResult, more: EmResult): EmResult {
  return { ...more, ...addWork(first, more), trace: [...first.trace, ...more.trace.slice(1)], warnings: [...first.warnings, ...more.warnings] };
}

/**
 * Converged when the last change of ℓ is below tol·|ℓ| (MATH.md §2) and so is the gain
 * still to come if ℓ keeps rising at the observed rate: with r = Δ_t/Δ_{t−1} < 1 the rest
 * of a linearly converging sequence adds Δ_t·r/(1−r). A slow EM whose steps are small but
 * barely shrinking is therefore not called converged.
 */
export function isConverged(changes: number[], logLik: number, tol: number): boolean {
  if (tol === 0) return false; // tol = 0 asks for maxIter iterations, even once ℓ stands still
  const bound = tol * Math.abs(logLik);
  const last = changes[changes.length - 1];
  if (!(Math.abs(last) <= bound)) return false;
  if (changes.length < 2) return true;
  const before = changes[changes.length - 2];
  // A drop right after a clear rise is rounding noise in ℓ (float32 on the GPU), not the
  // end of the climb: carry on. Drops among changes that are all below the bound are the end.
  if (last <= 0) return before <= bound;
  const rate = before > 0 ? Math.min(last / before, 0.999) : 0;
  return (last * rate) / (1 - rate) <= bound;
}

/** log α with log 0 = −∞ (an emptied component), as the E-step takes it */
export function logOf(alpha: Float64Array): Float64Array {
  return alpha.map((a) => (a > 0 ? Math.log(a) : -Infinity));
}

function checkFinite(logLik: number, iteration: number): void {
  if (!Number.isFinite(logLik)) {
    throw new SoftmixError(
      'internal',
      `ℓ is ${logLik} at iteration ${iteration}: some item with n_j > 0 got probability 0 (or the device returned garbage)`,
    );
  }
}
