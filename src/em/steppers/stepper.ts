/**
 * The contract every way of stepping EM keeps (plain EM, SQUAREM, Anderson, Newton–Raphson
 * on ℓ): from the current evaluated point, one whole step of the method; back come the
 * points it accepts, in order, and what it did besides. All E- and M-steps go through the
 * run's `EngineMap`, whose counters are the work done. The loop (run-em.ts) takes the
 * points, judges convergence on the gain of the whole step, and knows nothing of methods.
 */
import type { EngineMap } from '../engine-map.ts';
import type { ConvergenceCertificate } from '../convergence.ts';
import type { State } from '../state.ts';

/** An accepted point and the M-steps the run had taken when it was accepted (for the trace). */
export interface Accepted {
  state: State;
  iteration: number;
}

export interface Step {
  /** the accepted points in order, the last the new current point; none when a Newton–Raphson attempt failed */
  accepted: Accepted[];
  /** extrapolations the monotone safeguard rejected */
  rejected: number;
  /** the step certified a local maximum (the quadratic model's gain within the target): the run has converged */
  stationary?: ConvergenceCertificate;
  /** why part of the method was switched off for the rest of the run (becomes a warning) */
  off?: string;
}

export interface StepContext {
  map: EngineMap;
  /** M-steps left before maxIter */
  mStepsLeft: number;
  /** M-steps of the runs this one resumes (the Newton–Raphson budget counts them) */
  priorIterations: number;
  /** the run's rate test (convergence.ts), were a whole step to gain `gain` and end at `objective` */
  convergedAfter(gain: number, objective: number): boolean;
}

export interface Stepper {
  step(current: State, context: StepContext): Promise<Step>;
  /**
   * true while this stepper certifies convergence itself (a `stationary` step, from the
   * observed information): the run's rate test then does not end the run. Absent: the
   * rate test does.
   */
  certifies?(): boolean;
}

/** `states` as accepted now, at the map's current M-step count. */
export function acceptedNow(map: EngineMap, states: State[]): Accepted[] {
  return states.map((state) => ({ state, iteration: map.iterations }));
}

/** Plain EM: one application of the EM map, x → F(x). */
export const plainEm: Stepper = {
  async step(current, { map }) {
    const next = await map.evaluate(await map.mStep(current));
    return { accepted: acceptedNow(map, [next]), rejected: 0 };
  },
};
