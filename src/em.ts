/**
 * The EM loop (MATH.md §2), written once against the Engine seam:
 *   E-step on the device → ℓ, c_k, Σ n r x;  M-step on the host: α = c/N, Newton for Θ.
 * Reads like scikit-learn's mixture fit loop: iterate, check the bound, stop on tol.
 */
import type { Engine } from './backend/backend.ts';
import { newtonMStep, type NewtonOptions } from './mstep.ts';
import { SoftmixError } from './errors.ts';

export interface EmOptions {
  /** stop when the relative change of ℓ is below this (default 1e-8) */
  tol: number;
  maxIter: number;
  ridge: number;
  newton?: Partial<NewtonOptions>;
  signal?: AbortSignal;
  /** called after every iteration with the new ℓ */
  onIteration?: (info: IterationInfo) => void;
}

export interface IterationInfo {
  iteration: number;
  logLik: number;
  logLikPerSample: number;
  /** ℓ_t − ℓ_{t−1} */
  change: number;
}

export type StopReason = 'tol' | 'maxIter' | 'collapsed';

export interface EmResult {
  alpha: Float64Array;
  theta: Float64Array;
  /** ℓ at (alpha, theta) */
  logLik: number;
  /** ℓ after each iteration; trace[0] is ℓ at the start */
  trace: number[];
  iterations: number;
  converged: boolean;
  stopReason: StopReason;
  /** Newton steps over the whole run */
  newtonSteps: number;
  warnings: string[];
}

export const DEFAULT_NEWTON: NewtonOptions = { ridge: 0, maxSteps: 20, decrementTol: 1e-24, maxScoreRadius: 40 };

/**
 * Runs EM from (alpha, theta) on the engine's data. `maxRowNorm` is max_j |x_j| of the
 * centred design (for collapse detection).
 */
export async function runEm(
  engine: Engine,
  K: number,
  start: { alpha: Float64Array; theta: Float64Array },
  maxRowNorm: number,
  options: EmOptions,
): Promise<EmResult> {
  const L = engine.L;
  const N = engine.N;
  const newton: NewtonOptions = { ...DEFAULT_NEWTON, ...options.newton, ridge: options.ridge };
  let alpha: Float64Array = Float64Array.from(start.alpha);
  let theta: Float64Array = Float64Array.from(start.theta);
  const warnings: string[] = [];
  let newtonSteps = 0;

  let e = await engine.eStep(logOf(alpha), theta, K);
  checkFinite(e.logLik, 0);
  const trace = [e.logLik];
  let stopReason: StopReason = 'maxIter';
  let iterations = 0;

  while (iterations < options.maxIter) {
    if (options.signal?.aborted) throw new SoftmixError('cancelled', 'the fit was cancelled');
    // M-step: weights in closed form, atoms by Newton towards the target means.
    const nextAlpha = e.weights.map((c) => c / N);
    const active: boolean[] = [];
    const targets = new Float64Array(K * L);
    for (let k = 0; k < K; k++) {
      const c = e.weights[k];
      active.push(c > 0);
      for (let l = 0; l < L; l++) targets[k * L + l] = c > 0 ? e.featureSums[k * L + l] / c : 0;
    }
    const m = await newtonMStep(engine, theta, targets, active, K, maxRowNorm, newton);
    newtonSteps += m.steps;
    const previous = { alpha, theta };
    alpha = nextAlpha;
    theta = m.theta;

    const next = await engine.eStep(logOf(alpha), theta, K);
    iterations++;
    checkFinite(next.logLik, iterations);
    const prevLogLik = e.logLik;
    const change = next.logLik - prevLogLik;
    if (m.collapsed.length > 0) {
      for (const c of m.collapsed) {
        warnings.push(
          `component ${c.k} collapsed onto few support points at iteration ${iterations}: ${c.reason}; ` +
            'its target mean lies on the boundary of the convex hull of the x_j, so the unpenalised atom does not exist. ' +
            'Returned the last finite parameters; fit with ridge λ > 0 (e.g. --ridge 1e-3) for a finite maximiser.',
        );
      }
      if (!Number.isFinite(next.logLik) || change < 0) {
        alpha = previous.alpha;
        theta = previous.theta;
      } else {
        e = next;
        trace.push(next.logLik);
      }
      stopReason = 'collapsed';
      break;
    }
    e = next;
    trace.push(e.logLik);
    options.onIteration?.({ iteration: iterations, logLik: e.logLik, logLikPerSample: e.logLik / N, change });

    // EM never lowers ℓ (exact M-step for α, an ascent step on Q for Θ). A drop larger
    // than the rounding of ℓ itself is a bug or a numerical failure: say so.
    const slack = 16 * engine.unitRoundoff * Math.abs(prevLogLik);
    if (options.ridge === 0 && change < -slack) {
      warnings.push(`ℓ decreased by ${(-change).toExponential(3)} at iteration ${iterations} (beyond the rounding slack ${slack.toExponential(2)})`);
    }
    if (Math.abs(change) <= options.tol * Math.abs(e.logLik)) {
      stopReason = 'tol';
      break;
    }
  }
  return {
    alpha,
    theta,
    logLik: e.logLik,
    trace,
    iterations,
    converged: stopReason === 'tol',
    stopReason,
    newtonSteps,
    warnings,
  };
}

function logOf(alpha: Float64Array): Float64Array {
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
