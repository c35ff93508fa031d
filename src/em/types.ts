/** What a run of EM takes and gives back (run-em.ts). */
import type { NewtonOptions } from './mstep.ts';
import type { NewtonRaphson } from './steppers/newton-raphson.ts';
import type { State } from './state.ts';
import type { ConvergenceCertificate } from './convergence.ts';

export interface EmOptions {
  /**
   * nats per draw (default 1e-8): converged when the gain of the objective still to come is
   * certified below tol·N nats (convergence.ts); 0 runs maxIter iterations
   */
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

/** 'tol': converged (EmResult.convergence says by which certificate); 'maxIter': the budget ran out first */
export type StopReason = 'tol' | 'maxIter';

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
  /** the Newton–Raphson phase, with its mode, budget and whether the device switched it off (null when not used) */
  newton: NewtonRaphson | null;
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
  /** what certified convergence (stopReason 'tol'), null otherwise */
  convergence: ConvergenceCertificate | null;
  newtonSteps: number;
  /** accepted Newton–Raphson steps on ℓ_λ (localNewton) */
  localNewtonSteps: number;
  /** Newton–Raphson attempts that failed: ℓ_λ not concave there, or the step lowered it */
  localNewtonRejected: number;
  warnings: string[];
  /** the softmax means ∇A(θ_k) (K × L) at the returned θ, when the pass that evaluated it computed them (FitResult.gradientNorm then costs no pass) */
  meanAtTheta?: Float64Array;
  /** where this run stopped, for EmOptions.resume (resume it once: the Newton–Raphson phase is carried on, not copied) */
  resume: EmResume;
}
