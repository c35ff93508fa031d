/**
 * The EM map on an engine (MATH.md §2): the E-step is one pass over p on the device, the
 * M-step is α = c/N (penalised under a ridge, ridge.ts) and one batched Newton step for Θ
 * (mstep.ts) on the host. Every stepper goes through one `EngineMap`, so its counters are
 * the run's work, and the caches it keeps (the softmax statistics at the Θ the last
 * M-step returned, the last fresh Hessian factors) serve whichever stepper comes next.
 */
import type { Engine, EStepResult, SoftmaxStats, StatsWanted } from '../engines/engine.ts';
import { SoftmixError } from '../errors.ts';
import { newtonMStep, type NewtonOptions } from './mstep.ts';
import { usesCg } from './newton-cg.ts';
import { penalisedWeights, ridgePenalty } from './ridge.ts';
import { logOf, type EmMap, type Params, type State } from './state.ts';
import { yieldToEventLoop } from './yield.ts';

/** Points whose passes EngineMap remembers: a SQUAREM cycle's last M-step, extrapolation and fallback. */
const RECENT_POINTS = 4;

export class EngineMap implements EmMap {
  /** E-steps evaluated (an M-step's trial pass may have computed it: Engine.eStep with stats) */
  eSteps = 0;
  /** M-steps (an accepted Newton–Raphson step counts as one, see `countStep`) */
  iterations = 0;
  /** the M-steps' Newton steps */
  newtonSteps = 0;
  // What the last few passes left at their points: the softmax statistics at Θ (the next
  // M-step from there starts with them) and, for an M-step's trial taken in full, the E-step
  // at the returned (α, Θ) (its evaluate then costs nothing). Keyed by the arrays' identity.
  private recent: { theta: Float64Array; stats?: SoftmaxStats; alpha?: Float64Array; e?: EStepResult }[] = [];
  /** components seen running away (mstep.ts NewtonResult.runaway), with the first reason, in this run */
  readonly runaway = new Map<number, string>();
  // Factors of the last fresh Hessians, reused for `hessianEvery` M-steps (quasi-Newton).
  private hessian: { factors: (Float64Array | null)[]; age: number } | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly K: number,
    /** S, the covariance of the items' features (collapse detection, the 'design' direction) */
    private readonly designCovariance: Float64Array,
    private readonly newton: NewtonOptions,
    private readonly ridge: number,
    /** the run's warnings (an atom held at the arithmetic's limit) */
    private readonly warnings: string[],
    private readonly signal?: AbortSignal,
  ) {}

  evaluate = async (p: Params): Promise<State> => {
    let e = this.recent.find((r) => r.theta === p.theta && r.alpha === p.alpha && r.e)?.e;
    if (!e) {
      // with the statistics the next M-step from here starts with, from the same pass
      const pass = await this.engine.eStep(logOf(p.alpha), p.theta, this.K, this.statsWanted());
      this.remember({ theta: p.theta, stats: pass.softmax });
      e = eStepOnly(pass);
    }
    this.eSteps++;
    const objective = e.logLik - ridgePenalty(p.alpha, p.theta, this.K, this.engine.L, this.ridge, this.engine.N);
    return { ...p, e, objective, evaluatedAt: this.eSteps };
  };

  /** The EM map's M-step: α = c/N (penalised under a ridge), then Newton for Θ from the current atoms. */
  mStep = async (s: State, use: 'evaluate' | 'thetaOnly' = 'evaluate'): Promise<Params> => {
    await yieldToEventLoop();
    if (this.signal?.aborted) throw new SoftmixError('cancelled', 'the fit was cancelled');
    const { engine, K, newton } = this;
    const L = engine.L;
    const { alpha, componentRidge } = penalisedWeights(s.e.weights, s.theta, K, L, this.ridge, engine.N);
    const stepOptions = this.ridge > 0 ? { ...newton, componentRidge } : newton;
    const active: boolean[] = [];
    const targets = new Float64Array(K * L);
    for (let k = 0; k < K; k++) {
      const c = s.e.weights[k];
      active.push(c > 0);
      for (let l = 0; l < L; l++) targets[k * L + l] = c > 0 ? s.e.featureSums[k * L + l] / c : 0;
    }
    const hessian = this.hessian;
    const frozen = newton.direction === 'newton' && hessian && hessian.age < newton.hessianEvery ? hessian.factors : undefined;
    const atStart = this.statsAt(s.theta);
    // the last trial: the E-step at the new (α, Θ) too, unless only Θ is wanted
    const lastTrial = use === 'evaluate' ? logOf(alpha) : 'objective';
    let m = await newtonMStep(engine, s.theta, targets, active, K, this.designCovariance, stepOptions, atStart, frozen, lastTrial);
    // A stale Hessian that finds no ascent step would make the M-step a no-op, which the
    // convergence test would take for convergence: redo it with a fresh Hessian.
    if (m.stalled) m = await newtonMStep(engine, s.theta, targets, active, K, this.designCovariance, stepOptions, atStart, undefined, lastTrial);
    this.remember({ theta: m.theta, stats: m.statsAtTheta, alpha, e: m.eStepAtTheta && eStepOnly(m.eStepAtTheta) });
    if (m.factors) this.hessian = { factors: m.factors, age: 1 };
    else if (hessian) hessian.age = m.staleHint ? Infinity : hessian.age + 1;
    this.newtonSteps += m.steps;
    this.iterations++;
    // A runaway atom (its target on the hull's boundary: no finite maximiser) is carried on:
    // ℓ keeps rising as it grows, and the data ask for it (README, "Runaway components").
    for (const r of m.runaway) {
      if (r.frozen && !this.runaway.has(r.k)) {
        this.warnings.push(`component ${r.k}: ${r.reason} (from iteration ${this.iterations}); the atom has no finite maximiser (its target mean is on the boundary of the hull of the x_j)`);
      }
      if (!this.runaway.has(r.k)) this.runaway.set(r.k, r.reason);
    }
    return { alpha, theta: m.theta };
  };

  /** The softmax statistics at exactly `theta` when a recent pass left them behind. */
  statsAt(theta: Float64Array): SoftmaxStats | undefined {
    return this.recent.find((r) => r.theta === theta && r.stats)?.stats;
  }

  /** Remembers what a pass left at `entry.theta`, keeping what earlier passes left there. */
  private remember(entry: (typeof this.recent)[number]): void {
    const old = this.recent.find((r) => r.theta === entry.theta);
    const e = entry.e ? { alpha: entry.alpha, e: entry.e } : { alpha: old?.alpha, e: old?.e };
    this.recent = [{ theta: entry.theta, stats: entry.stats ?? old?.stats, ...e }, ...this.recent.filter((r) => r !== old)].slice(0, RECENT_POINTS);
  }

  /**
   * What the next M-step from a freshly evaluated point needs: the means (every direction's
   * gradient), and the dense Hessian when that step will form a fresh one (not the
   * matrix-free route, not while frozen factors serve: `hessianEvery`).
   */
  private statsWanted(): StatsWanted {
    const { newton } = this;
    const fresh = !this.hessian || this.hessian.age >= newton.hessianEvery;
    return { mean: true, covariance: newton.direction === 'newton' && !usesCg(newton.solver, this.engine.L) && fresh };
  }

  /** Counts a step that moved the point without an M-step (Newton–Raphson on ℓ) as one iteration. */
  countStep(): void {
    this.iterations++;
  }
}

/** An E-step's own results, without the softmax statistics of its pass (those stay in EngineMap's `recent`). */
function eStepOnly({ logLik, weights, featureSums }: EStepResult): EStepResult {
  return { logLik, weights, featureSums };
}
