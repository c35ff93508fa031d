/**
 * What a fit takes (FitOptions), and its check: every option is validated, with a message
 * that names it, before any pass over the data.
 */
import { fail } from '../errors.ts';
import type { BackendChoice } from '../engines/create.ts';
import type { IterationInfo, StepDirection } from '../em/index.ts';
import type { InitKind } from './initialize.ts';

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

export interface CheckedOptions {
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

export function checkOptions(o: FitOptions, p: number): CheckedOptions {
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

export function flattenTheta(theta: ExplicitInit['theta']): number[] {
  const rows = Array.from(theta as ArrayLike<unknown>);
  if (rows.length > 0 && typeof rows[0] === 'object' && rows[0] !== null) {
    return (rows as ArrayLike<number>[]).flatMap((r) => Array.from(r));
  }
  return rows as number[];
}
