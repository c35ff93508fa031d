/**
 * The default stepper: SQUAREM cycles, each followed by a Newton–Raphson attempt on ℓ_λ
 * unless the cycle already looks converged; once an attempt is taken, Newton steps while
 * they climb (newton-raphson.ts). SQUAREM, like EM, converges only linearly near a
 * maximum; the Newton steps give the last digits quadratically.
 */
import type { State } from '../state.ts';
import type { NewtonRaphson } from './newton-raphson.ts';
import { plainEm, type Step, type StepContext, type Stepper } from './stepper.ts';
import type { Squarem } from './squarem.ts';

export class SquaremNewton implements Stepper {
  constructor(
    readonly squarem: Squarem,
    readonly newton: NewtonRaphson,
  ) {}

  async step(current: State, context: StepContext): Promise<Step> {
    if (this.newton.mode) return this.newton.step(current, context);
    // no attempt after a plain EM step (a cycle could not run)
    if (!this.squarem.canCycle(current, context)) return plainEm.step(current, context);
    const cycle = await this.squarem.step(current, context);
    const end = cycle.accepted[cycle.accepted.length - 1].state;
    if (this.newton.off || context.convergedAfter(end.objective - current.objective, end.objective)) return cycle;
    const attempt = await this.newton.step(end, context);
    return { ...attempt, accepted: [...cycle.accepted, ...attempt.accepted], rejected: cycle.rejected };
  }
}
