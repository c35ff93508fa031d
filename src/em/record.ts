/**
 * What a run of EM keeps of its climb: the current point, the objective trace, the gains
 * of whole steps (for the convergence test), the safeguard's rejections, the warnings, and
 * the caller's onIteration. Every accepted point goes through `accept`, which also watches
 * for a decrease of the objective and for a non-finite ℓ.
 */
import type { Engine } from '../engines/engine.ts';
import { SoftmixError } from '../errors.ts';
import { convergenceTarget, rateBound, type ConvergenceCertificate } from './convergence.ts';
import type { EngineMap } from './engine-map.ts';
import type { State } from './state.ts';
import type { Step } from './steppers/stepper.ts';
import type { EmOptions } from './types.ts';

export class RunRecord {
  readonly trace: number[];
  /** gains of the whole steps so far (the convergence test looks at the last two) */
  readonly stepGains: number[];
  rejectedSteps = 0;

  constructor(
    private readonly engine: Engine,
    private readonly map: EngineMap,
    private readonly options: EmOptions,
    readonly warnings: string[],
    public current: State,
    stepGains: number[],
  ) {
    checkFinite(current.e.logLik, 0);
    this.trace = [current.objective];
    this.stepGains = [...stepGains];
  }

  /** Takes a step's points, its rejections and its warning. */
  take(step: Step): void {
    this.rejectedSteps += step.rejected;
    for (const { state, iteration } of step.accepted) this.accept(state, iteration);
    if (step.off) this.warnings.push(step.off);
  }

  /**
   * Convergence is judged on the gain of whole steps of the method (one EM step, one SQUAREM
   * cycle, one Anderson step): within a cycle, the small gain of the stabilising EM step
   * after a long extrapolation says nothing about the gain still to come.
   */
  converged(from: number): ConvergenceCertificate | null {
    this.stepGains.push(this.current.objective - from);
    return this.rateCertificate(this.stepGains, this.current.objective);
  }

  /** The rate test as it would be after one more whole step gaining `gain`. */
  wouldConverge(gain: number, objective: number): boolean {
    return this.rateCertificate([...this.stepGains, gain], objective) !== null;
  }

  /** tol = 0 asks for maxIter iterations, even once ℓ stands still. */
  private rateCertificate(gains: number[], objective: number): ConvergenceCertificate | null {
    if (this.options.tol === 0) return null;
    const { target, atRoundingFloor } = convergenceTarget(this.options.tol, this.engine.N, objective, this.engine.unitRoundoff);
    const remaining = rateBound(gains, target);
    return remaining <= target ? { test: 'rate', remaining, target, atRoundingFloor } : null;
  }

  private accept(next: State, iteration: number): void {
    checkFinite(next.e.logLik, iteration);
    const prev = this.current.objective;
    const change = next.objective - prev;
    // EM never lowers ℓ (exact M-step for α, an ascent step on Q for Θ; the safeguard
    // for extrapolations). A drop beyond the rounding of ℓ itself is a bug: say so.
    const slack = 16 * this.engine.unitRoundoff * Math.abs(prev);
    if (change < -slack) {
      this.warnings.push(
        `${this.options.ridge > 0 ? 'ℓ_λ' : 'ℓ'} decreased by ${(-change).toExponential(3)} at iteration ${iteration} (beyond the rounding slack ${slack.toExponential(2)})`,
      );
    }
    this.current = next;
    this.trace.push(next.objective);
    this.options.onIteration?.({
      iteration,
      logLik: next.e.logLik,
      logLikPerSample: next.e.logLik / this.engine.N,
      objective: next.objective,
      change,
      eSteps: next.evaluatedAt ?? this.map.eSteps,
    });
  }
}

function checkFinite(logLik: number, iteration: number): void {
  if (!Number.isFinite(logLik)) {
    throw new SoftmixError(
      'internal',
      `ℓ is ${logLik} at iteration ${iteration}: some item with n_j > 0 got probability 0 (or the device returned garbage)`,
    );
  }
}
