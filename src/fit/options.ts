/**
 * What a fit takes (FitOptions), and its check: every option is validated, with a message
 * that names it, before any pass over the data.
 */
import { fail } from '../errors.ts';
import { describeValue } from '../model/data.ts';
import type { BackendChoice } from '../engines/create.ts';
import { X_STORAGES, type XStorage } from '../engines/engine.ts';

export { X_STORAGES, DESIGN_COVARIANCE_PLACES };
import type { IterationInfo, NewtonSolver, StepDirection } from '../em/index.ts';
import type { InitKind } from './initialize.ts';
import type { SearchKind } from './search.ts';
import { DESIGN_COVARIANCE_PLACES, type DesignCovarianceWhere } from './design-covariance.ts';

export interface ExplicitInit {
  alpha: ArrayLike<number>;
  /** K×L row-major, or K rows of length L */
  theta: ArrayLike<number> | ArrayLike<number>[];
}

export interface FitOptions {
  K: number;
  /**
   * the first start: 'mom' (default; the method-of-moments estimate, falling back to a
   * subspace start with the reason in warnings), 'subspace', 'random' (seeded), 'cluster'
   * (count-weighted k-means of the items, model/cluster-start.ts), or explicit
   */
  init?: InitKind | ExplicitInit;
  /** more starts (subspace starts; random or cluster ones when init is 'random' or 'cluster'), screened with short EM runs; default 4 */
  restarts?: number;
  /**
   * EM iterations of screening (default 20), by successive halving (src/fit/screening.ts): every
   * start runs screenIters/2^(r−1) iterations, the better half run on, twice as long, and so
   * on over r = ⌈log₂ starts⌉ rungs, until the one left has had screenIters and continues
   */
  screenIters?: number;
  /**
   * how widely to search for the best maximum (src/fit/search.ts): 'auto' (default) widens
   * the search when a screened start has a runaway atom, the mark of a design whose maxima
   * differ by the faces the atoms run to; 'narrow' never widens, 'wide' always does
   */
  search?: SearchKind;
  /** starts the wide search adds to the fit's own (default 8; subspace and random in turn) */
  wideStarts?: number;
  /** EM iterations of the wide search's last rung, where one start is left (default 160) */
  wideIters?: number;
  backend?: BackendChoice;
  /**
   * nats per draw (default 1e-8): the fit has converged when the gain of ℓ_λ still to come
   * is certified below tol·N nats (src/em/convergence.ts); 0 runs maxIter iterations
   */
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
   * direction 'newton': how the M-step solves Newton's equations: 'dense' (form and factor
   * the K Hessians: a pL²K/2 pass, K·L³/3 host flops), 'cg' (matrix-free conjugate gradients
   * on Hessian–vector products, ~4pLK per CG iteration, nothing of size L²), or 'auto'
   * (default: 'cg' above L = 64, src/em/newton-cg.ts DENSE_NEWTON_MAX_L)
   */
  newtonSolver?: NewtonSolver;
  /**
   * rounds of component replacement after the fit converges (src/fit/replace.ts; default 0,
   * off): a component is swapped for the softmax the unexplained counts ask for, and the
   * swap is kept when EM from there ends higher. For data with many local maxima.
   */
  replaceRounds?: number;
  /**
   * standard errors and Wald intervals for α and Θ at the end (src/inference/; default
   * false): from the observed information, with robust (sandwich) errors beside them
   */
  se?: boolean;
  /** the intervals' coverage (default 0.95) */
  level?: number;
  /** also return the covariance of (α, Θ) (with `se`) */
  covariance?: boolean;
  /**
   * refits on this many count vectors drawn from the fitted model (parametric bootstrap,
   * src/fit/bootstrap.ts; default 0, off), each started at the fit: bootstrap SDs and
   * percentile intervals. Seeded by `seed`.
   */
  bootstrap?: number;
  /** called after every bootstrap refit */
  onBootstrap?: (info: { done: number; total: number; failed: number }) => void;
  /** WebGPU: force row chunks of at most this many support points */
  maxChunkRows?: number;
  /**
   * WebGPU: X on the device as 'f32' (default) or 'f16', half the device memory; the kernels
   * widen each value to f32, so only X's rounding changes (relative 2⁻¹¹; its effect on a
   * fit: bench/x-storage.md). Off by default.
   */
  xStorage?: XStorage;
  /**
   * Where the design covariance S is formed: 'host' (default: float64 in JavaScript, pL²/2
   * multiply-adds, minutes at L in the thousands) or 'engine' (one covariance pass of the
   * engine at θ = 0: on a GPU far faster; a float32 S whose smallest eigenvalue its rounding
   * cannot resolve is formed again on the host, with a warning). fit/design-covariance.ts.
   */
  designCovariance?: DesignCovarianceWhere;
  device?: GPUDevice;
  /**
   * WebGPU: the entry point to acquire devices from instead of navigator.gpu — in Node,
   * `await dawnGpu()` (src/node/dawn.ts). Nothing global is read or changed when it is given.
   */
  gpu?: GPU;
  signal?: AbortSignal;
  /** phase 'grow': `components` is the stage's number of components (src/fit/grow.ts) */
  onIteration?: (info: IterationInfo & { start: number; phase: 'screen' | 'final' | 'replace' | 'grow'; components?: number }) => void;
}

export interface CheckedOptions {
  K: number;
  restarts: number;
  screenIters: number;
  search: SearchKind;
  wideStarts: number;
  wideIters: number;
  tol: number;
  maxIter: number;
  ridge: number;
  seed: number;
  maxNewtonSteps: number;
  stepDirection: StepDirection;
  hessianEvery: number;
  newtonSolver: NewtonSolver;
  replaceRounds: number;
  se: boolean;
  level: number;
  covariance: boolean;
  bootstrap: number;
}

/** Most bootstrap refits a fit takes (each is a whole fit). */
export const MAX_BOOTSTRAP = 100_000;

/**
 * Most restarts a fit takes. Every start is built and held before screening begins, so
 * `restarts: 1e9` would allocate without end and print nothing; the CLI uses the same bound.
 */
export const MAX_RESTARTS = 1000;

type Options = Record<string, unknown>;

/** undefined and null both mean "not given": the default applies (as for counts/samples). */
const given = (v: unknown): boolean => v !== undefined && v !== null;

/** An integer option in [min, max], or its default; `fallback` undefined makes it required. */
function integerOption(o: Options, name: string, fallback: number | undefined, min: number, max = Infinity): number {
  const v = given(o[name]) ? o[name] : fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
    fail('options', `${name} must be an integer ${range}, got ${describeValue(o[name])}`);
  }
  return v;
}

/** A finite number ≥ 0, or its default. */
function numberOption(o: Options, name: string, fallback: number): number {
  const v = given(o[name]) ? o[name] : fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    fail('options', `${name} must be a finite number ≥ 0, got ${describeValue(o[name])}`);
  }
  return v;
}

/** One of `choices` (strings), or its default. */
function choiceOption<T extends string>(o: Options, name: string, choices: readonly T[], fallback?: T): T | undefined {
  const v = given(o[name]) ? o[name] : fallback;
  if (v !== undefined && !choices.includes(v as T)) {
    const list = choices.map((c) => JSON.stringify(c));
    fail('options', `${name} must be ${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}, got ${typeof v === 'string' ? JSON.stringify(v) : describeValue(v)}`);
  }
  return v as T | undefined;
}

/** Options that are only passed on (flags, callbacks, handles): their type, when given. */
function checkPassedOn(o: Options): void {
  for (const name of ['accelerate', 'localNewton', 'allowFractionalCounts', 'fallbackToCpu', 'se', 'covariance']) {
    if (given(o[name]) && typeof o[name] !== 'boolean') fail('options', `${name} must be true or false, got ${describeValue(o[name])}`);
  }
  for (const name of ['onIteration', 'onBootstrap']) {
    if (given(o[name]) && typeof o[name] !== 'function') fail('options', `${name} must be a function, got ${describeValue(o[name])}`);
  }
  const signal = o.signal as { aborted?: unknown } | undefined;
  if (given(signal) && (typeof signal !== 'object' || typeof signal!.aborted !== 'boolean')) {
    fail('options', `signal must be an AbortSignal, got ${describeValue(signal)}`);
  }
  const device = o.device as { createBuffer?: unknown } | undefined;
  if (given(device) && (typeof device !== 'object' || typeof device!.createBuffer !== 'function')) {
    fail('options', `device must be a GPUDevice, got ${describeValue(device)}`);
  }
  const gpu = o.gpu as { requestAdapter?: unknown } | undefined;
  if (given(gpu) && (typeof gpu !== 'object' || typeof gpu!.requestAdapter !== 'function')) {
    fail('options', `gpu must be a GPU object (navigator.gpu, or dawnGpu() in Node), got ${describeValue(gpu)}`);
  }
  if (given(o.maxChunkRows)) integerOption(o, 'maxChunkRows', undefined, 1);
  if (given(o.xStorage)) choiceOption(o, 'xStorage', X_STORAGES);
  if (given(o.designCovariance)) choiceOption(o, 'designCovariance', DESIGN_COVARIANCE_PLACES);
}

/** An explicit init's arrays hold numbers only (checkParams then checks lengths and values). */
function checkExplicitInit(init: unknown): void {
  if (!given(init) || ['mom', 'subspace', 'random', 'cluster'].includes(init as string)) return;
  if (typeof init !== 'object' || Array.isArray(init)) {
    fail('options', `init must be "mom", "subspace", "random", "cluster" or { alpha, theta }, got ${typeof init === 'string' ? JSON.stringify(init) : describeValue(init)}`);
  }
  const { alpha, theta } = init as { alpha?: unknown; theta?: unknown };
  checkNumbers(alpha, 'init.alpha');
  checkNumbers(theta, 'init.theta', true);
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as ArrayLike<unknown>).length === 'number';
}

/** Every element a number (or, with `rows`, every element an array of numbers: θ as K rows). */
function checkNumbers(v: unknown, name: string, rows = false): void {
  if (!isArrayLike(v)) fail('options', `${name} must be an array of numbers, got ${describeValue(v)}`);
  if (ArrayBuffer.isView(v)) return;
  const nested = rows && v.length > 0 && isArrayLike(v[0]);
  for (let i = 0; i < v.length; i++) {
    if (nested) checkNumbers(v[i], `${name}[${i}]`);
    else if (typeof v[i] !== 'number') fail('options', `${name}[${i}] is ${describeValue(v[i])}, not a number`);
  }
}

/**
 * The options argument is an object: checked first of all, since fitSoftmaxMixture reads
 * options.backend and options.device before the data is validated.
 */
export function checkOptionsObject(o: unknown): asserts o is FitOptions {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    fail('options', `options must be an object { K, … }, got ${describeValue(o)}`);
  }
}

export function checkOptions(options: FitOptions, p: number): CheckedOptions {
  checkOptionsObject(options);
  const o = options as unknown as Options;
  const K = integerOption(o, 'K', undefined, 1);
  if (K > p) fail('options', `K = ${K} components cannot be fitted to p = ${p} support points (need K ≤ p)`);
  checkPassedOn(o);
  checkExplicitInit(o.init);
  choiceOption(o, 'backend', ['cpu', 'webgpu', 'auto'] as const);
  choiceOption(o, 'acceleration', ['squarem', 'anderson'] as const);
  if (o.covariance === true && o.se !== true) fail('options', 'covariance: true needs se: true (the covariance comes with the standard errors)');
  return {
    K,
    restarts: integerOption(o, 'restarts', 4, 0, MAX_RESTARTS),
    screenIters: integerOption(o, 'screenIters', 20, 1),
    search: choiceOption(o, 'search', ['auto', 'narrow', 'wide', 'grow'] as const, 'auto')!,
    wideStarts: integerOption(o, 'wideStarts', 8, 0, MAX_RESTARTS),
    wideIters: integerOption(o, 'wideIters', 160, 1),
    tol: numberOption(o, 'tol', 1e-8),
    maxIter: integerOption(o, 'maxIter', 1000, 0),
    ridge: numberOption(o, 'ridge', 0),
    // Rng takes ⌊|seed|⌋: a fractional or negative seed would silently mean another one
    seed: integerOption(o, 'seed', 1, 0, Number.MAX_SAFE_INTEGER),
    maxNewtonSteps: integerOption(o, 'maxNewtonSteps', 1, 1),
    stepDirection: choiceOption(o, 'stepDirection', ['newton', 'design'] as const, 'newton')!,
    hessianEvery: integerOption(o, 'hessianEvery', 1, 1),
    newtonSolver: choiceOption(o, 'newtonSolver', ['auto', 'dense', 'cg'] as const, 'auto')!,
    replaceRounds: integerOption(o, 'replaceRounds', 0, 0),
    se: o.se === true,
    level: levelOption(o),
    covariance: o.covariance === true,
    bootstrap: integerOption(o, 'bootstrap', 0, 0, MAX_BOOTSTRAP),
  };
}

/** The intervals' level: strictly between 0 and 1 (0.95 by default). */
function levelOption(o: Options): number {
  const v = given(o.level) ? o.level : 0.95;
  if (typeof v !== 'number' || !(v > 0 && v < 1)) fail('options', `level must be a number strictly between 0 and 1 (0.95 for 95% intervals), got ${describeValue(o.level)}`);
  return v;
}
