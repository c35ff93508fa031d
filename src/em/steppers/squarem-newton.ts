/**
 * The default stepper: SQUAREM cycles, each followed by a Newton–Raphson attempt on ℓ_λ
 * (within the attempts' budget, newton-raphson.ts); once an attempt is taken, Newton steps
 * while they climb. SQUAREM, like EM, converges only linearly near a maximum; the Newton
 * steps give the last digits quadratically.
 *
 * It also certifies convergence (convergence.ts): when a cycle passes the rate test, the
 * attempt after it is made whatever the budget, and the run ends only when the quadratic
 * model's predicted gain is within the target. Where that certificate fails repeatedly
 * (−H not positive definite at the end: an emptied or runaway component, a flat ridge of
 * ℓ) the rate test is trusted instead, and a warning says so.
 */
import type { State } from '../state.ts';
import type { NewtonRaphson } from './newton-raphson.ts';
import { plainEm, type Step, type StepContext, type Stepper } from './stepper.ts';
import type { Squarem } from './squarem.ts';

/** Failed certificates after which the rate test alone may end the run. */
export const MAX_FAILED_CERTIFICATES = 3;
/** A certification attempt whose Newton step did not climb counts as 1/NO_CLIMB_WEIGHT of a failure. */
export const NO_CLIMB_WEIGHT = 4;

export class SquaremNewton implements Stepper {
  /** certification attempts that found no certificate */
  failedCertificates = 0;

  constructor(
    readonly squarem: Squarem,
    readonly newton: NewtonRaphson,
  ) {}

  certifies(): boolean {
    return !this.newton.off && this.failedCertificates < MAX_FAILED_CERTIFICATES;
  }

  async step(current: State, context: StepContext): Promise<Step> {
    if (this.newton.mode) return this.newton.step(current, context);
    // no attempt after a plain EM step (a cycle could not run)
    if (!this.squarem.canCycle(current, context)) return plainEm.step(current, context);
    const cycle = await this.squarem.step(current, context);
    const end = cycle.accepted[cycle.accepted.length - 1].state;
    if (this.newton.off) return cycle;
    const certify = this.certifies() && context.convergedAfter(end.objective - current.objective, end.objective);
    const attempt = await this.newton.step(end, context, certify);
    const step = { ...attempt, accepted: [...cycle.accepted, ...attempt.accepted], rejected: cycle.rejected };
    // A point with no quadratic model counts against the certificate. A model whose step
    // does not climb says, truthfully, that the run has not converged: SQUAREM goes on, and
    // such failures count for less (the model may stay poor on a bent, flat ridge of ℓ).
    if (certify && attempt.accepted.length === 0 && !attempt.stationary) {
      if (this.newton.lastFailure === 'no-climb') this.failedCertificates += 1 / NO_CLIMB_WEIGHT;
      else this.failedCertificates++;
      if (!this.certifies() && !this.newton.off) {
        step.off = `convergence judged by the rate of the last steps alone: where the rate test passed, the observed information of ℓ was not negative definite (a runaway or emptied component, a flat ridge of ℓ) or its Newton step did not climb, ${this.failedCertificates.toFixed(2)} times (weighted; the limit is ${MAX_FAILED_CERTIFICATES})`;
      }
    }
    return step;
  }
}
