/**
 * fitSoftmaxMixture: data → engine → starts → (screening) → EM → a sorted, reported fit.
 * The one entry point used by the library, the CLI and the demo page.
 */
import { makeDataset, designStats, type DatasetInput } from '../model/data.ts';
import { createEngine, webGpuAvailable, type BackendChoice } from '../engines/create.ts';
import { addWork, appendRun, logOf, runEm, type EmResult, type IterationInfo, type StopReason } from '../em/index.ts';
import { halvingSchedule, screenStarts } from './screening.ts';
import { checkParams, sortByWeight } from '../model/mixture.ts';
import { inverseSqrt, type StartKind, type StartPoint } from '../model/starts.ts';
import { buildStarts, type InitKind } from './initialize.ts';
import { SoftmixError, fail } from '../errors.ts';
import type { DeviceInfo, Engine } from '../engines/engine.ts';
import { choleskyInPlace, norm2 } from '../math/linalg.ts';
import { informationCriteria } from '../model/metrics.ts';
import type { StepDirection } from '../em/mstep.ts';
import { replaceComponents, type ReplacementOutcome, type ReplacementTrial } from './replace.ts';

export interface ExplicitInit {
  alpha: ArrayLike<number>;
  /** K×L row-major, or K rows of length L */
  theta: ArrayLike<number> | ArrayLike<number>[];
}

export interface FitOptions {
  K: number;
  /**
   * the first start: 'mom' (default; the method-of-moments estimate, falling back to a
   * subspace start with the reason in warnings), 'subspace', 'random' (seeded), or explicit
   */
  init?: InitKind | ExplicitInit;
  /** more starts (subspace starts; random ones when init is 'random'), screened with short EM runs; default 4 */
  restarts?: number;
  /**
   * EM iterations of screening (default 20), by successive halving (src/fit/screening.ts): every
   * start runs screenIters/2^(r−1) iterations, the better half run on, twice as long, and so
   * on over r = ⌈log₂ starts⌉ rungs, until the one left has had screenIters and continues
   */
  screenIters?: number;
  backend?: BackendChoice;
  /** relative change of ℓ that ends the fit (default 1e-8) */
  tol?: number;
  maxIter?: number;
  /** ridge λ ≥ 0 (default 0): EM maximises ℓ − (λN/2)Σ_k α_k|θ_k|² (src/em/ridge.ts) */
  ridge?: number;
  seed?: number;
  allowFractionalCounts?: boolean;
  /** if the GPU device is lost mid-fit, refit on cpu instead of failing (default false) */
  fallbackToCpu?: boolean;
  /** SQUAREM-accelerated EM with a monotone safeguard (default true); false gives plain EM */
  accelerate?: boolean;
  /** which acceleration (default 'squarem'; see EmOptions) */
  acceleration?: 'squarem' | 'anderson';
  /**
   * Newton–Raphson on ℓ_λ with the observed information once ℓ_λ is locally concave
   * (observed-newton.ts), for quadratic convergence at the end of the climb. Default true
   * with SQUAREM when K(L+1) ≤ 512 (the dense Hessian is factored on the host).
   */
  localNewton?: boolean;
  /**
   * (quasi-)Newton steps per M-step at most: 1 (default; ECM-style, still monotone) or more
   * to approach the exact M-step (20 is exact in practice). Chosen by measured time to
   * solution: see the README's table.
   */
  maxNewtonSteps?: number;
  /**
   * the M-step's direction: 'newton' (exact Hessian, a pL²K pass) or 'design' (the design
   * covariance as a fixed preconditioner, no Hessian pass); default 'newton'
   */
  stepDirection?: StepDirection;
  /**
   * direction 'newton': a fresh Hessian (the pL²K pass) every this many M-steps, the last
   * one's factors in between, and at once when a step with stale factors needs backtracking
   */
  hessianEvery?: number;
  /**
   * rounds of component replacement after the fit converges (src/fit/replace.ts; default 0,
   * off): a component is swapped for the softmax the unexplained counts ask for, and the
   * swap is kept when EM from there ends higher. For data with many local maxima.
   */
  replaceRounds?: number;
  /** WebGPU: force row chunks of at most this many support points */
  maxChunkRows?: number;
  device?: GPUDevice;
  signal?: AbortSignal;
  onIteration?: (info: IterationInfo & { start: number; phase: 'screen' | 'final' | 'replace' }) => void;
}

export interface StartRecord {
  index: number;
  kind: StartKind;
  seed?: number;
  /** ℓ where its screening ended: at the rung that dropped it, or the last (null without screening) */
  screenLogLik: number | null;
  /** ℓ at the end, for the start that continued to convergence */
  finalLogLik: number | null;
  iterations: number;
  eSteps: number;
  timeMs: number;
}

export interface FitResult {
  K: number;
  p: number;
  L: number;
  N: number;
  /** weights, sorted descending */
  alpha: number[];
  /** atoms in the original feature coordinates, in the order of alpha */
  theta: number[][];
  logLik: number;
  logLikPerSample: number;
  /** what EM maximises: ℓ − (λN/2)Σ_k α_k|θ_k|² under a ridge λ > 0 (src/em/ridge.ts), ℓ when λ = 0 */
  objective: number;
  /** BIC and AIC for choosing K (MATH.md §6), with K(L+1) − 1 free parameters */
  bic: number;
  aic: number;
  /** EM map evaluations (M-steps) of the returned start, screening and replacement trials included */
  iterations: number;
  /** E-step passes over the data of the returned start (extrapolations, rejected steps and replacement trials included) */
  eSteps: number;
  converged: boolean;
  stopReason: StopReason;
  /** |∇_Θ(ℓ_λ/N)| over all atom coordinates at the end (ℓ_λ = ℓ when λ = 0): how stationary the fit is */
  gradientNorm: number;
  backend: 'cpu' | 'webgpu';
  init: string;
  /** what became of the MoM estimate (init 'mom') */
  mom?: { ok: boolean; reason?: string; notes?: string[] };
  ridge: number;
  tol: number;
  starts: StartRecord[];
  /** ℓ after each iteration of the start that was continued (screening included), then the end of each kept replacement */
  trace: number[];
  /** component replacement (replaceRounds > 0): every trial, and why the search ended; null when off */
  replacement: { objectiveBefore: number; trials: ReplacementTrial[]; stopReason: ReplacementOutcome['stopReason'] } | null;
  timings: { setupMs: number; initMs: number; emMs: number; totalMs: number; perIterationMs: number };
  /**
   * device work over the whole fit (starting points, screening, EM, the final check), and
   * per EM iteration averaged over every start's iterations
   */
  stats: {
    passes: number;
    dispatches: number;
    bytesRead: number;
    newtonSteps: number;
    rejectedSteps: number;
    /** accepted Newton–Raphson steps on ℓ_λ, and failed attempts (see FitOptions.localNewton) */
    localNewtonSteps: number;
    localNewtonRejected: number;
    perIteration: { passes: number; dispatches: number; bytesRead: number };
  };
  device: DeviceInfo;
  warnings: string[];
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export async function fitSoftmaxMixture(data: DatasetInput, options: FitOptions): Promise<FitResult> {
  try {
    return await fitOnce(data, options, options.backend ?? 'auto', []);
  } catch (err) {
    if (options.fallbackToCpu && err instanceof SoftmixError && err.code === 'device-lost') {
      return fitOnce(data, options, 'cpu', [`the GPU failed mid-fit (${err.message}); refitted on the cpu backend`]);
    }
    throw err;
  }
}

interface CheckedOptions {
  K: number;
  restarts: number;
  screenIters: number;
  tol: number;
  maxIter: number;
  ridge: number;
  seed: number;
  maxNewtonSteps: number;
  stepDirection: StepDirection;
  hessianEvery: number;
  replaceRounds: number;
}

function checkOptions(o: FitOptions, p: number): CheckedOptions {
  if (!o || typeof o !== 'object') fail('options', 'options must be an object with at least K');
  const K = o.K;
  if (!Number.isInteger(K) || K < 1) fail('options', `K must be an integer ≥ 1, got ${K}`);
  if (K > p) fail('options', `K = ${K} components cannot be fitted to p = ${p} support points (need K ≤ p)`);
  const restarts = o.restarts ?? 4;
  if (!Number.isInteger(restarts) || restarts < 0) fail('options', `restarts must be an integer ≥ 0, got ${restarts}`);
  const screenIters = o.screenIters ?? 20;
  if (!Number.isInteger(screenIters) || screenIters < 1) fail('options', `screenIters must be an integer ≥ 1, got ${screenIters}`);
  const tol = o.tol ?? 1e-8;
  if (!(tol >= 0) || !Number.isFinite(tol)) fail('options', `tol must be a finite number ≥ 0, got ${tol}`);
  const maxIter = o.maxIter ?? 1000;
  if (!Number.isInteger(maxIter) || maxIter < 0) fail('options', `maxIter must be an integer ≥ 0, got ${maxIter}`);
  const ridge = o.ridge ?? 0;
  if (!(ridge >= 0) || !Number.isFinite(ridge)) fail('options', `ridge must be a finite number ≥ 0, got ${ridge}`);
  const seed = o.seed ?? 1;
  if (!Number.isFinite(seed)) fail('options', `seed must be a finite number, got ${seed}`);
  if (o.backend !== undefined && !['cpu', 'webgpu', 'auto'].includes(o.backend)) {
    fail('options', `backend must be "cpu", "webgpu" or "auto", got ${JSON.stringify(o.backend)}`);
  }
  if (o.acceleration !== undefined && o.acceleration !== 'squarem' && o.acceleration !== 'anderson') {
    fail('options', `acceleration must be "squarem" or "anderson", got ${JSON.stringify(o.acceleration)}`);
  }
  if (o.localNewton !== undefined && typeof o.localNewton !== 'boolean') fail('options', `localNewton must be true or false, got ${JSON.stringify(o.localNewton)}`);
  if (o.accelerate !== undefined && typeof o.accelerate !== 'boolean') fail('options', `accelerate must be true or false, got ${JSON.stringify(o.accelerate)}`);
  if (o.init !== undefined && !['mom', 'subspace', 'random'].includes(o.init as string) && (typeof o.init !== 'object' || o.init === null)) {
    fail('options', `init must be "mom", "subspace", "random" or { alpha, theta }, got ${JSON.stringify(o.init)}`);
  }
  const maxNewtonSteps = o.maxNewtonSteps ?? 1;
  if (!Number.isInteger(maxNewtonSteps) || maxNewtonSteps < 1) fail('options', `maxNewtonSteps must be an integer ≥ 1, got ${maxNewtonSteps}`);
  const stepDirection = o.stepDirection ?? 'newton';
  if (stepDirection !== 'newton' && stepDirection !== 'design') {
    fail('options', `stepDirection must be "newton" or "design", got ${JSON.stringify(stepDirection)}`);
  }
  const hessianEvery = o.hessianEvery ?? 1;
  if (!Number.isInteger(hessianEvery) || hessianEvery < 1) fail('options', `hessianEvery must be an integer ≥ 1, got ${hessianEvery}`);
  const replaceRounds = o.replaceRounds ?? 0;
  if (!Number.isInteger(replaceRounds) || replaceRounds < 0) fail('options', `replaceRounds must be an integer ≥ 0, got ${replaceRounds}`);
  return { K, restarts, screenIters, tol, maxIter, ridge, seed, maxNewtonSteps, stepDirection, hessianEvery, replaceRounds };
}

function flattenTheta(theta: ExplicitInit['theta']): number[] {
  const rows = Array.from(theta as ArrayLike<unknown>);
  if (rows.length > 0 && typeof rows[0] === 'object' && rows[0] !== null) {
    return (rows as ArrayLike<number>[]).flatMap((r) => Array.from(r));
  }
  return rows as number[];
}

async function fitOnce(input: DatasetInput, options: FitOptions, backend: BackendChoice, warnings: string[]): Promise<FitResult> {
  const t0 = now();
  const data = makeDataset(await countSamplesOnGpu(input, backend, options), { allowFractionalCounts: options.allowFractionalCounts });
  const o = checkOptions(options, data.p);
  const { K } = o;
  const { p, L, N } = data;
  const design = designStats(data);
  const engine = await createEngine(backend, { p, L, features: design.centred, counts: data.counts }, options, warnings);
  try {
    const covarianceInvSqrt = inverseSqrt(design.covariance, L);
    const init: InitKind | StartPoint =
      options.init && typeof options.init === 'object'
        ? { kind: 'explicit', ...checkParams(options.init.alpha, flattenTheta(options.init.theta), K, L, 'init') }
        : (options.init ?? 'mom');
    const setupMs = now() - t0;
    const initOutcome = await buildStarts(engine, K, { covariance: design.covariance, covarianceInvSqrt }, init, o.restarts, o.seed, warnings);
    const startPoints = initOutcome.starts;

    const tEm = now();
    const emBase = {
      tol: o.tol,
      ridge: o.ridge,
      accelerate: options.accelerate ?? true,
      acceleration: options.acceleration,
      localNewton: options.localNewton,
      signal: options.signal,
      newton: {
        maxSteps: o.maxNewtonSteps,
        direction: o.stepDirection,
        designFactor: o.stepDirection === 'design' ? designFactor(design.covariance, L, o.ridge) : undefined,
        hessianEvery: o.hessianEvery,
      },
    };
    const records: StartRecord[] = startPoints.map((start, i) => ({
      index: i,
      kind: start.kind,
      seed: start.seed,
      screenLogLik: null,
      finalLogLik: null,
      iterations: 0,
      eSteps: 0,
      timeMs: 0,
    }));
    /**
     * EM from `start`, or on from `run` (its run so far, resumed): until about `until`
     * iterations in all (it pauses where a step of the method ends, so that resuming cuts
     * nothing short), or to convergence or maxIter when `until` is null.
     */
    const climb = async (start: StartPoint, run: EmResult | null, until: number | null, report: (info: IterationInfo) => void): Promise<EmResult> => {
      const done = run?.iterations ?? 0;
      const more = await runEm(engine, K, run ?? start, design.covariance, {
        ...emBase,
        maxIter: o.maxIter - done,
        pauseAfter: until === null ? undefined : until - done,
        resume: run?.resume,
        onIteration: (info) => report({ ...info, iteration: info.iteration + done }),
      });
      return run ? appendRun(run, more) : more;
    };
    /** Start i on from its run so far: screening until `until` iterations, the continued start to the end (null). */
    const advance = async (i: number, run: EmResult | null, until: number | null): Promise<EmResult> => {
      const ts = now();
      const phase = until === null ? 'final' : 'screen';
      const whole = await climb(startPoints[i], run, until, (info) => options.onIteration?.({ ...info, start: i, phase }));
      const record = records[i];
      record.iterations = whole.iterations;
      record.eSteps = whole.eSteps;
      record.timeMs += now() - ts;
      if (phase === 'screen') record.screenLogLik = whole.logLik;
      return whole;
    };
    const screened =
      startPoints.length > 1 ? await screenStarts(startPoints.length, halvingSchedule(startPoints.length, o.screenIters), advance) : null;
    const best = { index: screened?.best ?? 0 };
    let final = screened ? screened.runs[best.index] : await advance(0, null, null);
    if (final.stopReason === 'maxIter' && final.iterations < o.maxIter) final = await advance(best.index, final, null);
    let replacement: FitResult['replacement'] = null;
    if (o.replaceRounds > 0) {
      const fit0Objective = final.objective;
      const outcome = await replaceComponents(engine, K, final, {
        rounds: o.replaceRounds,
        // beyond the convergence scale, and beyond the device's rounding of ℓ
        minGain: Math.max(o.tol, 16 * engine.unitRoundoff) * Math.abs(final.objective),
        ridge: o.ridge,
        designCovariance: design.covariance,
        climb: (start) => climb(start, null, null, (info) => options.onIteration?.({ ...info, start: best.index, phase: 'replace' })),
      });
      const kept = outcome.trials.filter((t) => t.accepted).map((t) => t.objective);
      final = {
        ...outcome.fit,
        ...addWork(final, outcome.work),
        trace: [...final.trace, ...kept],
        warnings: outcome.fit === final ? final.warnings : [...final.warnings, ...outcome.fit.warnings],
      };
      replacement = { objectiveBefore: fit0Objective, trials: outcome.trials, stopReason: outcome.stopReason };
    }
    records[best.index].finalLogLik = final.logLik;
    records[best.index].iterations = final.iterations;
    records[best.index].eSteps = final.eSteps;
    const emMs = now() - tEm;
    const gradientNorm = await stationarity(engine, final, K, o.ridge);

    warnings.push(...final.warnings);
    if (!final.converged && final.stopReason === 'maxIter') {
      warnings.push(`EM did not converge: stopped at maxIter = ${o.maxIter} with relative change of ℓ above tol = ${o.tol}`);
    }
    const sorted = sortByWeight({ alpha: final.alpha, theta: final.theta }, L);
    const criteria = informationCriteria(final.logLik, K, L, N);
    const theta: number[][] = [];
    for (let k = 0; k < K; k++) theta.push(Array.from(sorted.theta.subarray(k * L, k * L + L)));
    // the records hold every start's iterations, the continued start's in full (set above)
    const itersAll = records.reduce((s, r) => s + r.iterations, 0);
    return {
      K,
      p,
      L,
      N,
      alpha: Array.from(sorted.alpha),
      theta,
      logLik: final.logLik,
      logLikPerSample: final.logLik / N,
      objective: final.objective,
      bic: criteria.bic,
      aic: criteria.aic,
      iterations: final.iterations,
      eSteps: final.eSteps,
      converged: final.converged,
      stopReason: final.stopReason,
      gradientNorm,
      backend: engine.backend,
      init: typeof init === 'object' ? 'explicit' : init,
      mom: initOutcome.mom,
      ridge: o.ridge,
      tol: o.tol,
      starts: records,
      trace: final.trace,
      replacement,
      timings: { setupMs, initMs: initOutcome.timeMs, emMs, totalMs: now() - t0, perIterationMs: itersAll > 0 ? emMs / itersAll : 0 },
      stats: {
        ...engine.counters,
        newtonSteps: final.newtonSteps,
        rejectedSteps: final.rejectedSteps,
        localNewtonSteps: final.localNewtonSteps,
        localNewtonRejected: final.localNewtonRejected,
        perIteration: {
          passes: engine.counters.passes / Math.max(itersAll, 1),
          dispatches: engine.counters.dispatches / Math.max(itersAll, 1),
          bytesRead: engine.counters.bytesRead / Math.max(itersAll, 1),
        },
      },
      device: engine.device,
      warnings,
    };
  } finally {
    engine.dispose();
  }
}

/**
 * Raw samples already in a Uint32Array (integers by construction) are counted by the
 * histogram kernel when the fit runs on WebGPU; anything else is validated and counted
 * on the host by makeDataset.
 */
async function countSamplesOnGpu(input: DatasetInput, backend: BackendChoice, options: FitOptions): Promise<DatasetInput> {
  if (!(input.samples instanceof Uint32Array) || input.counts != null || backend === 'cpu' || !webGpuAvailable()) return input;
  if (!Number.isInteger(input.p) || input.p < 1) return input; // makeDataset names the problem
  const { countSamples } = await import('../engines/webgpu/engine.ts');
  const counts = await countSamples(input.samples, input.p, { device: options.device });
  return { features: input.features, p: input.p, L: input.L, counts };
}

/** Cholesky factor of S + λI, the fixed preconditioner of the 'design' direction. */
function designFactor(covariance: Float64Array, L: number, ridge: number): Float64Array {
  const f = Float64Array.from(covariance);
  for (let a = 0; a < L; a++) f[a * L + a] += ridge;
  if (!choleskyInPlace(f, L)) throw new SoftmixError('rank-deficient', 'the design covariance is not positive definite');
  return f;
}

/**
 * |∇_Θ(ℓ_λ/N)| at the returned parameters: ∂(ℓ_λ/N)/∂θ_k = (c_k/N)(m_k − ∇A(θ_k)) − λ α_k θ_k
 * (ridge.ts; the λ term vanishes at λ = 0). Two passes over p.
 */
async function stationarity(engine: Engine, fit: EmResult, K: number, ridge: number): Promise<number> {
  const L = engine.L;
  const e = await engine.eStep(logOf(fit.alpha), fit.theta, K);
  const s = await engine.softmaxStats(fit.theta, K, { mean: true, covariance: false });
  const g = new Float64Array(K * L);
  for (let k = 0; k < K; k++) {
    const c = e.weights[k];
    for (let l = 0; l < L; l++) {
      g[k * L + l] = (e.featureSums[k * L + l] - c * s.mean![k * L + l]) / engine.N - ridge * fit.alpha[k] * fit.theta[k * L + l];
    }
  }
  return norm2(g);
}
