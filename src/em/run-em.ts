/**
 * The EM loop (MATH.md §2), written once against the Engine seam: one whole step of the
 * chosen stepper at a time (plain EM, SQUAREM, Anderson, SQUAREM with a Newton–Raphson end:
 * steppers/), until the convergence test passes, maxIter M-steps are spent, the run is
 * paused (`pauseAfter`, to be resumed). Every accepted point
 * raises the objective: the steppers keep ℓ_λ monotone, and the record warns if it falls.
 */
import type { Engine } from '../engines/engine.ts';
import { EngineMap } from './engine-map.ts';
import { DEFAULT_NEWTON } from './mstep.ts';
import { RunRecord } from './record.ts';
import type { Params } from './state.ts';
import { Anderson } from './steppers/anderson.ts';
import { LOCAL_NEWTON_MAX_DIM, NewtonRaphson } from './steppers/newton-raphson.ts';
import { Squarem } from './steppers/squarem.ts';
import { SquaremNewton } from './steppers/squarem-newton.ts';
import { plainEm, type StepContext, type Stepper } from './steppers/stepper.ts';
import type { EmOptions, EmResult, StopReason } from './types.ts';
import type { ConvergenceCertificate } from './convergence.ts';

/**
 * Runs EM from (alpha, theta) on the engine's data, or on from `options.resume`.
 * `designCovariance` is S, the covariance of the items' features (runaway atoms' score spread).
 */
export async function runEm(engine: Engine, K: number, start: Params, designCovariance: Float64Array, options: EmOptions): Promise<EmResult> {
  const warnings: string[] = [];
  const newtonOptions = { ...DEFAULT_NEWTON, ...options.newton, ridge: options.ridge };
  const map = new EngineMap(engine, K, designCovariance, newtonOptions, options.ridge, warnings, options.signal);
  const { stepper, squarem, newton } = chooseStepper(engine, K, options);
  const newtonAtStart = { steps: newton?.steps ?? 0, rejected: newton?.rejected ?? 0 };
  const first = options.resume?.state ?? (await map.evaluate({ alpha: Float64Array.from(start.alpha), theta: Float64Array.from(start.theta) }));
  const record = new RunRecord(engine, map, options, warnings, first, options.resume?.stepGains ?? []);
  const priorIterations = options.resume?.iterations ?? 0;
  const context: StepContext = {
    map,
    priorIterations,
    get mStepsLeft() {
      return options.maxIter - map.iterations;
    },
    convergedAfter: (gain, objective) => record.wouldConverge(gain, objective),
  };
  const paused = () => options.pauseAfter !== undefined && map.iterations >= options.pauseAfter;

  let stopReason: StopReason = 'maxIter';
  let convergence: ConvergenceCertificate | null = null;
  while (map.iterations < options.maxIter && !paused()) {
    const from = record.current.objective;
    const step = await stepper.step(record.current, context);
    record.take(step);
    const byRate = record.converged(from);
    convergence = step.stationary ?? (stepper.certifies?.() ? null : byRate);
    if (convergence) {
      stopReason = 'tol';
      break;
    }
  }
  const { current, trace, stepGains, rejectedSteps } = record;
  return {
    alpha: current.alpha,
    theta: current.theta,
    logLik: current.e.logLik,
    objective: current.objective,
    trace,
    iterations: map.iterations,
    eSteps: map.eSteps,
    rejectedSteps,
    converged: stopReason === 'tol',
    stopReason,
    convergence,
    newtonSteps: map.newtonSteps,
    warnings,
    localNewtonSteps: (newton?.steps ?? 0) - newtonAtStart.steps,
    localNewtonRejected: (newton?.rejected ?? 0) - newtonAtStart.rejected,
    meanAtTheta: map.statsAt(current.theta)?.mean,
    resume: { state: current, stepMax: squarem?.stepMax ?? options.resume?.stepMax ?? 1, stepGains, iterations: priorIterations + map.iterations, newton },
  };
}

/**
 * The stepper the options ask for; a resumed run carries on SQUAREM's step bound and the
 * Newton–Raphson phase (Anderson's window starts afresh).
 */
function chooseStepper(engine: Engine, K: number, options: EmOptions): { stepper: Stepper; squarem: Squarem | null; newton: NewtonRaphson | null } {
  const L = engine.L;
  if (!(options.accelerate ?? true)) return { stepper: plainEm, squarem: null, newton: null };
  if (options.acceleration === 'anderson') return { stepper: new Anderson(K, L), squarem: null, newton: null };
  const squarem = new Squarem(options.resume?.stepMax ?? 1, K, L);
  const wanted = options.localNewton ?? K * (L + 1) <= LOCAL_NEWTON_MAX_DIM;
  const newton = options.resume ? options.resume.newton : wanted ? new NewtonRaphson(engine, K, options.ridge, options.tol) : null;
  return { stepper: newton ? new SquaremNewton(squarem, newton) : squarem, squarem, newton };
}
