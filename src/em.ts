/**
 * The EM loop (MATH.md §2), written once against the Engine seam:
 *   E-step on the device → ℓ, c_k, Σ n r x;  M-step on the host: α = c/N, Newton for Θ.
 *
 * Plain EM applies the EM map F until ℓ stops rising. Accelerated EM (the default) is
 * SQUAREM, or Anderson acceleration on request (see `EmOptions.acceleration`). SQUAREM is
 * (Varadhan & Roland 2008, scheme S3): two EM steps x1 = F(x0), x2 = F(x1) give
 * r = x1 − x0 and v = x2 − 2x1 + x0; the extrapolated point x0 − 2s·r + s²·v (s = −|r|/|v|)
 * is taken only if its ℓ is at least ℓ(x2) — otherwise the step is shortened and, failing
 * that, x2 (the plain EM result) is kept. So every accepted point has ℓ at least that of
 * two plain EM steps from the same point, and ℓ never decreases. Parameters are extrapolated as (log α, Θ): weights stay
 * positive and sum to one whatever the step.
 */
import type { Engine, EStepResult, SoftmaxStats } from './backend/backend.ts';
import { newtonMStep, type NewtonOptions } from './mstep.ts';
import { SoftmixError } from './errors.ts';
import { choleskyInPlace, choleskySolve, dot } from './linalg.ts';

export interface EmOptions {
  /** stop when the relative change of ℓ is below this (default 1e-8), see `isConverged` */
  tol: number;
  /** EM map evaluations (M-steps) at most */
  maxIter: number;
  ridge: number;
  /** accelerate the EM map (default true) */
  accelerate?: boolean;
  /**
   * 'squarem' (default): cycles of two EM steps and one extrapolation, 3 E-steps a cycle;
   * 'anderson': Anderson mixing over the last 5 EM steps, 1 E-step per accepted step, the
   * history restarted after a rejected one. Both keep ℓ monotone.
   */
  acceleration?: 'squarem' | 'anderson';
  newton?: Partial<NewtonOptions>;
  signal?: AbortSignal;
  /** called after every accepted update with the new ℓ */
  onIteration?: (info: IterationInfo) => void;
}

export interface IterationInfo {
  /** EM map evaluations so far */
  iteration: number;
  logLik: number;
  logLikPerSample: number;
  /** ℓ_t − ℓ_{t−1} between accepted points */
  change: number;
  /** E-step passes so far in this run */
  eSteps: number;
}

export type StopReason = 'tol' | 'maxIter' | 'collapsed';

export interface EmResult {
  alpha: Float64Array;
  theta: Float64Array;
  /** ℓ at (alpha, theta) */
  logLik: number;
  /** ℓ at each accepted point; trace[0] is ℓ at the start */
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
  warnings: string[];
}

export const DEFAULT_NEWTON: NewtonOptions = {
  ridge: 0,
  maxSteps: 20,
  decrementTol: 1e-24,
  maxScoreSpread: 25,
  direction: 'newton',
  hessianEvery: 1,
};

export interface Params {
  alpha: Float64Array;
  theta: Float64Array;
}

/** Parameters with the E-step evaluated there (ℓ and the sufficient statistics). */
export interface State extends Params {
  e: EStepResult;
}

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
    return { ...p, e };
  };

  /** The EM map's M-step: α = c/N, Newton for Θ from the current atoms. */
  const mStep = async (s: State): Promise<Params> => {
    if (options.signal?.aborted) throw new SoftmixError('cancelled', 'the fit was cancelled');
    const alpha = s.e.weights.map((c) => c / N);
    const active: boolean[] = [];
    const targets = new Float64Array(K * L);
    for (let k = 0; k < K; k++) {
      const c = s.e.weights[k];
      active.push(c > 0);
      for (let l = 0; l < L; l++) targets[k * L + l] = c > 0 ? s.e.featureSums[k * L + l] / c : 0;
    }
    const frozen = newton.direction === 'newton' && hessian && hessian.age < newton.hessianEvery ? hessian.factors : undefined;
    const atStart = cached?.theta === s.theta ? cached.stats : undefined;
    let m = await newtonMStep(engine, s.theta, targets, active, K, designCovariance, newton, atStart, frozen);
    // A stale Hessian that finds no ascent step would make the M-step a no-op, which the
    // convergence test would take for convergence: redo it with a fresh Hessian.
    if (m.stalled) m = await newtonMStep(engine, s.theta, targets, active, K, designCovariance, newton, atStart);
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

  let current = await evaluate({ alpha: Float64Array.from(start.alpha), theta: Float64Array.from(start.theta) });
  checkFinite(current.e.logLik, 0);
  const trace = [current.e.logLik];
  const changes: number[] = [];
  let stopReason: StopReason = 'maxIter';

  /** Takes `next` as the new current point; true when EM has converged. */
  const accept = (next: State): boolean => {
    checkFinite(next.e.logLik, iterations);
    const prev = current.e.logLik;
    const change = next.e.logLik - prev;
    // EM never lowers ℓ (exact M-step for α, an ascent step on Q for Θ; the safeguard
    // for extrapolations). A drop beyond the rounding of ℓ itself is a bug: say so.
    const slack = 16 * engine.unitRoundoff * Math.abs(prev);
    if (options.ridge === 0 && change < -slack) {
      warnings.push(`ℓ decreased by ${(-change).toExponential(3)} at iteration ${iterations} (beyond the rounding slack ${slack.toExponential(2)})`);
    }
    current = next;
    trace.push(next.e.logLik);
    changes.push(change);
    options.onIteration?.({ iteration: iterations, logLik: next.e.logLik, logLikPerSample: next.e.logLik / N, change, eSteps });
    return isConverged(changes, next.e.logLik, options.tol);
  };

  const history: { u: Float64Array; g: Float64Array }[] = [];
  try {
    while (accelerate && options.acceleration === 'anderson' && iterations < options.maxIter) {
      // Anderson acceleration (type II, window m) of the EM map in u = (log α, Θ).
      const g = await mStep(current);
      history.push({ u: toU(current, K, L), g: toU(g, K, L) });
      if (history.length > ANDERSON_WINDOW + 1) history.shift();
      const candidate = history.length > 1 ? andersonPoint(history, K, L) : null;
      let next: State | null = null;
      if (candidate) {
        const s = await evaluate(candidate);
        if (Number.isFinite(s.e.logLik) && s.e.logLik >= current.e.logLik) next = s;
        else {
          rejectedSteps++;
          history.length = 0; // restart the history after a failed step
        }
      }
      if (!next) next = await evaluate(g);
      if (accept(next)) {
        stopReason = 'tol';
        break;
      }
    }
    while (iterations < options.maxIter && stopReason === 'maxIter') {
      const s1 = await evaluate(await mStep(current));
      if (!accelerate || iterations >= options.maxIter || !current.alpha.every((a) => a > 0)) {
        if (accept(s1)) {
          stopReason = 'tol';
          break;
        }
        continue;
      }
      const s0 = current;
      if (Math.abs(s1.e.logLik - s0.e.logLik) <= options.tol * Math.abs(s1.e.logLik)) {
        // Already at the tolerance after one plain step: no point extrapolating.
        if (accept(s1)) {
          stopReason = 'tol';
          break;
        }
        continue;
      }
      const s2 = await evaluate(await mStep(s1));
      const extrapolated = await squaremStep(s0, s1, s2, K, L, evaluate);
      if (!extrapolated) rejectedSteps++;
      if (accept(extrapolated ?? s2)) {
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
    trace,
    iterations,
    eSteps,
    rejectedSteps,
    converged: stopReason === 'tol',
    stopReason,
    newtonSteps,
    warnings,
  };
}

/**
 * The SQUAREM step from three successive EM points. Returns the evaluated extrapolated
 * state when its ℓ is at least ℓ(x2), else null (the caller keeps x2). Up to two
 * shortened steps are tried before giving up: each costs one E-step.
 */
export async function squaremStep(
  s0: State,
  s1: State,
  s2: State,
  K: number,
  L: number,
  evaluate: (p: Params) => Promise<State>,
): Promise<State | null> {
  const u0 = toU(s0, K, L);
  const u1 = toU(s1, K, L);
  const u2 = toU(s2, K, L);
  const n = u0.length;
  const r = new Float64Array(n);
  const v = new Float64Array(n);
  let rr = 0;
  let vv = 0;
  for (let i = 0; i < n; i++) {
    r[i] = u1[i] - u0[i];
    v[i] = u2[i] - 2 * u1[i] + u0[i];
    rr += r[i] * r[i];
    vv += v[i] * v[i];
  }
  if (!(vv > 0) || !Number.isFinite(rr)) return null;
  let step = -Math.sqrt(rr / vv);
  for (let attempt = 0; attempt < 3 && step < -1; attempt++) {
    const u = new Float64Array(n);
    for (let i = 0; i < n; i++) u[i] = u0[i] - 2 * step * r[i] + step * step * v[i];
    const candidate = fromU(u, K, L);
    if (candidate) {
      const s = await evaluate(candidate);
      if (Number.isFinite(s.e.logLik) && s.e.logLik >= s2.e.logLik) return s;
    }
    step = (step - 1) / 2; // halfway back towards the plain EM point (s = −1 gives x2)
  }
  return null;
}

const ANDERSON_WINDOW = 5;

/** x_{k+1} = g_k − ΔG γ with γ = argmin |f_k − ΔF γ| (f = g − u), lightly regularised. */
function andersonPoint(history: { u: Float64Array; g: Float64Array }[], K: number, L: number): Params | null {
  const m = history.length - 1;
  const n = history[0].u.length;
  const f = history.map((h) => h.g.map((v, i) => v - h.u[i]));
  const dF: Float64Array[] = [];
  const dG: Float64Array[] = [];
  for (let i = 0; i < m; i++) {
    dF.push(f[i + 1].map((v, j) => v - f[i][j]));
    dG.push(history[i + 1].g.map((v, j) => v - history[i].g[j]));
  }
  const fk = f[m];
  const gram = new Float64Array(m * m);
  const rhs = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    rhs[a] = dot(dF[a], fk);
    for (let b = 0; b < m; b++) gram[a * m + b] = dot(dF[a], dF[b]);
  }
  let scale = 0;
  for (let a = 0; a < m; a++) scale = Math.max(scale, gram[a * m + a]);
  if (!(scale > 0)) return null;
  for (let a = 0; a < m; a++) gram[a * m + a] += 1e-10 * scale;
  if (!choleskyInPlace(gram, m)) return null;
  const gamma = choleskySolve(gram, m, rhs);
  const u = Float64Array.from(history[m].g);
  for (let a = 0; a < m; a++) for (let j = 0; j < n; j++) u[j] -= gamma[a] * dG[a][j];
  return fromU(u, K, L);
}

/** (α, Θ) → u = (log α, Θ) */
function toU(p: Params, K: number, L: number): Float64Array {
  const u = new Float64Array(K + K * L);
  for (let k = 0; k < K; k++) u[k] = Math.log(p.alpha[k]);
  u.set(p.theta, K);
  return u;
}

/** u → (α = softmax(log α), Θ); null when anything is not finite. */
function fromU(u: Float64Array, K: number, L: number): Params | null {
  if (!u.every(Number.isFinite)) return null;
  let max = -Infinity;
  for (let k = 0; k < K; k++) max = Math.max(max, u[k]);
  const alpha = new Float64Array(K);
  let total = 0;
  for (let k = 0; k < K; k++) total += alpha[k] = Math.exp(u[k] - max);
  for (let k = 0; k < K; k++) alpha[k] /= total;
  return { alpha, theta: u.slice(K, K + K * L) };
}

/**
 * Converged when the last change of ℓ is below tol·|ℓ| (MATH.md §2) and so is the gain
 * still to come if ℓ keeps rising at the observed rate: with r = Δ_t/Δ_{t−1} < 1 the rest
 * of a linearly converging sequence adds Δ_t·r/(1−r). A slow EM whose steps are small but
 * barely shrinking is therefore not called converged.
 */
export function isConverged(changes: number[], logLik: number, tol: number): boolean {
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
