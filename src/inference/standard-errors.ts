/**
 * Standard errors and Wald intervals for (α, Θ) at a fit (MATH-style notes in the README,
 * "Standard errors"): the information and the meat in φ (information.ts), their covariances
 * (covariance.ts), and the delta method back to (α, Θ) in the caller's units.
 *
 * α = softmax(0, η_1, …, η_{K−1}), so ∂α_i/∂η_k = α_i(δ_ik − α_k); θ = scale·θ' for the atoms
 * θ' the engine fits on scaled features. Cov(α, Θ) = J Cov(φ) Jᵀ with that Jacobian J.
 */
import type { Engine } from '../engines/engine.ts';
import { LOCAL_NEWTON_MAX_DIM } from '../em/index.ts';
import { SoftmixError } from '../errors.ts';
import { normalQuantile } from '../math/normal.ts';
import { covariances } from './covariance.ts';
import { informationAt } from './information.ts';

export interface ErrorsOf {
  /** per weight, in the components' order; null where the component is not determined */
  alpha: (number | null)[];
  /** per atom coordinate, K×L */
  theta: (number | null)[][];
}

export interface UndeterminedComponent {
  component: number;
  /** 'runaway': its atom has no finite maximiser; 'singular': the information is flat along a direction it carries */
  reason: 'runaway' | 'singular';
  /** the other components that direction involves (components that nearly coincide) */
  with: number[];
}

export interface StandardErrors {
  available: true;
  /** what `alpha` and `theta` come from */
  method: 'observed-information';
  alpha: (number | null)[];
  theta: (number | null)[][];
  /** sandwich errors A⁻¹BA⁻¹, B from the per-draw scores: valid when the model is misspecified */
  robust: ErrorsOf;
  /** per component, the error of the atom's norm |θ_k| (delta method on its covariance block); null when undetermined */
  atomNorm: (number | null)[];
  /**
   * per component, the most its errors are inflated by correlation with the other
   * parameters: √ of the largest variance inflation of its coordinates (1: none); null when undetermined
   */
  inflation: (number | null)[];
  undetermined: UndeterminedComponent[];
  /** on request: Cov(α, Θ) in the order α_0..α_{K−1}, θ_0,0..θ_{K−1},L−1 (`parameters`); 0 rows where undetermined */
  covariance?: { parameters: string[]; observed: number[][]; robust: number[][] };
}

export interface StandardErrorsUnavailable {
  available: false;
  reason: string;
}

export interface ConfidenceIntervals {
  level: number;
  method: 'wald';
  /** [lower, upper] per weight; null where there is no standard error */
  alpha: ([number, number] | null)[];
  theta: ([number, number] | null)[][];
}

export interface InferenceInput {
  engine: Engine;
  /** the fit in the output order (largest weight first), atoms in the engine's units */
  alpha: Float64Array;
  theta: Float64Array;
  K: number;
  /** the ridge in the engine's units */
  ridge: number;
  /** caller's atoms = scale · engine's atoms */
  scale: number;
  /** components whose atoms run off (held fixed: no errors) */
  runaway: number[];
  covariance: boolean;
}

/** Eigenvalues of the unit-diagonal information below this many unit roundoffs are noise (covariance.ts). */
export const INFORMATION_FLOOR_ULPS = 1024;

/** Dense errors need the (K(L+1) − 1)² information on the host: the same bound as the Newton step's. */
export const MAX_PARAMETERS = LOCAL_NEWTON_MAX_DIM;

export async function standardErrors(inp: InferenceInput): Promise<StandardErrors | StandardErrorsUnavailable> {
  const { engine, alpha, theta, K, scale } = inp;
  const L = engine.L;
  const d = K * (L + 1) - 1;
  if (d > MAX_PARAMETERS) {
    return { available: false, reason: `not available at this size: K(L+1) − 1 = ${d} free parameters, beyond the dense limit of ${MAX_PARAMETERS} (the information is ${d}² on the host); use the bootstrap` };
  }
  let info;
  try {
    info = await informationAt(engine, alpha, theta, K, inp.ridge);
  } catch (err) {
    if (err instanceof SoftmixError && err.code === 'backend') return { available: false, reason: `not available on this device: ${err.message}` };
    throw err;
  }
  const n = info.n;
  const componentOf = new Int32Array(n);
  for (let k = 1; k < K; k++) componentOf[k - 1] = k;
  for (let k = 0; k < K; k++) componentOf.fill(k, K - 1 + k * L, K - 1 + (k + 1) * L);
  const runaway = new Set(inp.runaway);
  const excluded = Array.from(componentOf, (k, i) => i >= K - 1 && runaway.has(k));
  const cov = covariances({ information: info.information, meat: info.meat, n, componentOf, excluded, floor: INFORMATION_FLOOR_ULPS * engine.unitRoundoff });

  const undetermined: UndeterminedComponent[] = [...runaway].map((component) => ({ component, reason: 'runaway' as const, with: [] }));
  for (const [component, others] of cov.undetermined) if (!runaway.has(component)) undetermined.push({ component, reason: 'singular', with: [...others].sort((a, b) => a - b) });
  undetermined.sort((a, b) => a.component - b.component);
  const singular = new Set(undetermined.filter((u) => u.reason === 'singular').map((u) => u.component));

  const J = jacobian(alpha, K, L, scale);
  const observed = transform(J, cov.observed, K + K * L, n);
  const robust = transform(J, cov.robust, K + K * L, n);
  const hasError = (i: number) => (i < K ? !singular.has(i) : !singular.has(Math.floor((i - K) / L)) && !runaway.has(Math.floor((i - K) / L)));
  const errorsOf = (V: Float64Array): ErrorsOf => {
    const m = K + K * L;
    const se = (i: number) => (hasError(i) ? Math.sqrt(Math.max(V[i * m + i], 0)) : null);
    return {
      alpha: Array.from({ length: K }, (_, k) => se(k)),
      theta: Array.from({ length: K }, (_, k) => Array.from({ length: L }, (_, l) => se(K + k * L + l))),
    };
  };
  const inflation = Array.from({ length: K }, (_, k) => {
    if (singular.has(k)) return null;
    let most = 0;
    for (let i = 0; i < n; i++) if (componentOf[i] === k && cov.determined[i]) most = Math.max(most, cov.inflation[i]);
    return most > 0 ? Math.sqrt(most) : null;
  });
  const out: StandardErrors = {
    available: true,
    method: 'observed-information',
    ...errorsOf(observed),
    robust: errorsOf(robust),
    atomNorm: Array.from({ length: K }, (_, k) => (hasError(K + k * L) ? normError(observed, theta.subarray(k * L, (k + 1) * L), K + k * L, K + K * L) : null)),
    inflation,
    undetermined,
  };
  if (inp.covariance) out.covariance = { parameters: parameterNames(K, L), observed: rows(observed, K + K * L), robust: rows(robust, K + K * L) };
  return out;
}

/** Wald intervals estimate ± z·se at `level` (two-sided). */
export function waldIntervals(alpha: ArrayLike<number>, theta: ArrayLike<number>[], se: ErrorsOf, level: number): ConfidenceIntervals {
  const z = normalQuantile(0.5 + level / 2);
  const interval = (x: number, s: number | null): [number, number] | null => (s === null ? null : [x - z * s, x + z * s]);
  return {
    level,
    method: 'wald',
    alpha: Array.from(alpha, (a, k) => interval(a, se.alpha[k])),
    theta: theta.map((row, k) => Array.from(row, (t, l) => interval(t, se.theta[k][l]))),
  };
}

/** 'alpha[0]', …, 'theta[k][l]', … in the covariance's order. */
export function parameterNames(K: number, L: number): string[] {
  const names = Array.from({ length: K }, (_, k) => `alpha[${k}]`);
  for (let k = 0; k < K; k++) for (let l = 0; l < L; l++) names.push(`theta[${k}][${l}]`);
  return names;
}

/** √(gᵀ V g) with g = θ/|θ| over the block of V from `first` (θ in either units: g has none); 0 at θ = 0, where |θ| is not differentiable, is left out as null */
function normError(V: Float64Array, theta: Float64Array, first: number, m: number): number | null {
  const norm = Math.hypot(...theta);
  if (!(norm > 0)) return null;
  let v = 0;
  for (let a = 0; a < theta.length; a++) for (let b = 0; b < theta.length; b++) v += theta[a] * theta[b] * V[(first + a) * m + first + b];
  return Math.sqrt(Math.max(v, 0)) / norm;
}

/** ∂(α, Θ)/∂φ: (K + KL) × (K − 1 + KL), row-major. */
function jacobian(alpha: Float64Array, K: number, L: number, scale: number): Float64Array {
  const rowsN = K + K * L;
  const n = K - 1 + K * L;
  const J = new Float64Array(rowsN * n);
  for (let i = 0; i < K; i++) for (let k = 1; k < K; k++) J[i * n + k - 1] = alpha[i] * ((i === k ? 1 : 0) - alpha[k]);
  for (let c = 0; c < K * L; c++) J[(K + c) * n + K - 1 + c] = scale;
  return J;
}

/** J V Jᵀ, J m×n. */
function transform(J: Float64Array, V: Float64Array, m: number, n: number): Float64Array {
  const JV = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let k = 0; k < n; k++) {
    const jik = J[i * n + k];
    if (jik === 0) continue;
    for (let j = 0; j < n; j++) JV[i * n + j] += jik * V[k * n + j];
  }
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += JV[i * n + k] * J[j * n + k];
    out[i * m + j] = s;
  }
  return out;
}

function rows(V: Float64Array, m: number): number[][] {
  return Array.from({ length: m }, (_, i) => Array.from(V.subarray(i * m, i * m + m)));
}
