/**
 * Component replacement: a way out of a local maximum of ℓ_λ once EM has converged.
 *
 * On data like the books the objective has many local maxima (README, time to solution);
 * which one EM ends at depends on the path, and the small, peaked components are where
 * fits differ. A converged fit still tells where it is short: the counts it leaves
 * unexplained, w_j = (n_j − N π_j)_+ (Engine.residualMoments). One softmax fitted to them
 * (the M-step of one component with target Σw x / Σw) is a candidate component; a trial
 * puts it, with weight Σw / N, in place of one existing component, smallest weight first,
 * and climbs from there with the fit's own EM. The first trial that converges above the
 * current objective by more than `minGain` is kept and starts the next round; a round in
 * which no trial gains ends the search, as does the round limit. Every accepted point is a
 * converged EM fit with a higher ℓ_λ, so the search never makes the fit worse.
 *
 * This is greedy mixture learning (insert the component the residual asks for) with K
 * fixed; it is not in MATH.md.
 */
import type { Engine } from '../engines/engine.ts';
import type { EmResult, EmWork } from '../em/index.ts';
import { addWork, DEFAULT_NEWTON, logOf, newtonMStep, NO_WORK } from '../em/index.ts';
import type { StartPoint } from '../model/starts.ts';

export interface ReplacementTrial {
  round: number;
  /** weight of the component replaced (before the trial) */
  replacedWeight: number;
  /** ℓ_λ where the trial's climb ended */
  objective: number;
  iterations: number;
  eSteps: number;
  accepted: boolean;
}

export interface ReplacementOutcome {
  /** the best fit: the input fit when no trial gained */
  fit: EmResult;
  trials: ReplacementTrial[];
  /** the work of every trial (accepted or not); eSteps also counts the residual passes */
  work: EmWork;
  /** why the search ended */
  stopReason: 'no-gain' | 'rounds' | 'no-residual';
}

export interface ReplacementOptions {
  /** rounds at most (each accepted trial starts a new round) */
  rounds: number;
  /** a trial must end above the current objective by more than this (nats) */
  minGain: number;
  ridge: number;
  /** S, the design covariance (the M-step's collapse check) */
  designCovariance: Float64Array;
  /** the fit's EM from a start, to convergence */
  climb: (start: StartPoint) => Promise<EmResult>;
}

export async function replaceComponents(engine: Engine, K: number, fit: EmResult, o: ReplacementOptions): Promise<ReplacementOutcome> {
  const L = engine.L;
  const trials: ReplacementTrial[] = [];
  let current = fit;
  let work = NO_WORK;
  for (let round = 0; round < o.rounds; round++) {
    const candidate = await residualComponent(engine, K, current, o);
    work = addWork(work, { ...NO_WORK, eSteps: 1 }); // the residual pass is an E-step's pass over the data
    if (!candidate) return { fit: current, trials, work, stopReason: 'no-residual' };
    const order = [...current.alpha.keys()].sort((a, b) => current.alpha[a] - current.alpha[b]);
    let gained: EmResult | null = null;
    for (const k of order) {
      const alpha = Float64Array.from(current.alpha);
      alpha[k] = candidate.weight;
      const sum = alpha.reduce((s, a) => s + a, 0);
      for (let i = 0; i < K; i++) alpha[i] /= sum;
      const theta = Float64Array.from(current.theta);
      theta.set(candidate.theta, k * L);
      const run = await o.climb({ kind: 'explicit', alpha, theta });
      work = addWork(work, run);
      const accepted = run.stopReason === 'tol' && run.objective > current.objective + o.minGain;
      trials.push({ round, replacedWeight: current.alpha[k], objective: run.objective, iterations: run.iterations, eSteps: run.eSteps, accepted });
      if (accepted) {
        gained = run;
        break;
      }
    }
    if (!gained) return { fit: current, trials, work, stopReason: 'no-gain' };
    current = gained;
  }
  return { fit: current, trials, work, stopReason: 'rounds' };
}

/**
 * The softmax that best explains the residual counts: the M-step of one component whose
 * target is their mean feature vector, from θ = 0. Null when there is no residual, or when
 * its maximiser does not exist (the target on the hull's boundary: the residual sits on a
 * handful of items).
 */
export async function residualComponent(
  engine: Engine,
  K: number,
  fit: EmResult,
  o: { ridge: number; designCovariance: Float64Array },
): Promise<{ weight: number; theta: Float64Array } | null> {
  const residual = await engine.residualMoments(logOf(fit.alpha), fit.theta, K);
  if (!(residual.total > 0)) return null;
  const target = residual.first.map((v) => v / residual.total);
  const step = await newtonMStep(engine, new Float64Array(engine.L), target, [true], 1, o.designCovariance, { ...DEFAULT_NEWTON, ridge: o.ridge });
  if (step.runaway.length > 0) return null;
  return { weight: residual.total / engine.N, theta: step.theta };
}
