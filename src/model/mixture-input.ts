/**
 * Checks of what callers hand to the public mixture functions (mixture.ts) and to a fitted
 * model: features, weights and atoms. These functions index flat arrays, so a nested
 * `theta: number[][]` or a short array read as `undefined` and turned every π into NaN or
 * −Infinity without a word; here every such input gets a SoftmixError naming the argument.
 * Nested atoms (K rows of L, as a FitResult holds them) are accepted and flattened.
 */
import { fail } from '../errors.ts';
import { describeValue } from './data.ts';

/** Features p×L: flat row-major numbers (any typed array or number[]), or p rows of L numbers. */
export type FeaturesInput = ArrayLike<number> | ArrayLike<ArrayLike<number>>;

/** (α, Θ) as a caller may give them: θ flat K×L row-major, or K rows of L (FitResult.theta). */
export interface MixtureParamsInput {
  alpha: ArrayLike<number>;
  theta: ArrayLike<number> | ArrayLike<ArrayLike<number>>;
}

/**
 * How far Σα may be from 1 and still be on the simplex: K float32 roundings, with a margin
 * of 4. Weights often pass through float32 on their way here — a float32 .npy or CSV, a
 * GPU's buffer, a model saved by another tool in single precision — and each such weight
 * carries a relative rounding of 2^−24, so |Σα − 1| ≤ K·2^−24
 * to first order; float64's own roundings are far below that. 4K·2^−24 (1.4e-6 at K = 6)
 * still refuses weights typed to a few digits (0.33 + 0.33 + 0.33 is 1e-2 short).
 */
export function simplexTolerance(K: number): number {
  return 4 * K * 2 ** -24;
}

const isArrayLike = (v: unknown): v is ArrayLike<unknown> =>
  v !== null && typeof v === 'object' && typeof (v as { length?: unknown }).length === 'number';

/** Every element a finite number (typed arrays hold numbers; plain arrays may hold anything). */
function checkFiniteNumbers(values: ArrayLike<unknown>, name: (i: number) => string): void {
  // BigInt arrays hold bigints, which no arithmetic here may mix with numbers
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) fail('shape', `${name(0)} is a BigInt: convert the array to numbers`);
  const typed = ArrayBuffer.isView(values);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!typed && typeof v !== 'number') fail('shape', `${name(i)} is ${describeValue(v)}, not a number`);
    if (!Number.isFinite(v as number)) fail('not-finite', `${name(i)} = ${v as number} is not finite`);
  }
}

/** Rows of L finite numbers each (`name[i]` in messages) → a float64 copy, row-major. */
function flatRows(rows: ArrayLike<unknown>, L: number, name: string, lengthWord: string): Float64Array {
  const out = new Float64Array(rows.length * L);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!isArrayLike(row)) fail('shape', `${name}[${i}] is ${describeValue(row)}, not a row of L = ${L} numbers`);
    if (row.length !== L) fail('shape', `${name}[${i}] has ${row.length} values, ${lengthWord} L = ${L}`);
    checkFiniteNumbers(row, (l) => `${name}[${i}][${l}]`);
    for (let l = 0; l < L; l++) out[i * L + l] = row[l] as number;
  }
  return out;
}

/** A dimension (p, L, K) handed in by a caller: a positive integer. */
export function checkDimension(what: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail('shape', `${what}: ${name} must be a positive integer, got ${describeValue(v)}`);
  return v;
}

/**
 * Checks flat features against p and L: length p·L, finite numbers. Returns them as they
 * are (no copy: the mixture functions only read them).
 */
export function checkFlatFeatures(features: unknown, p: number, L: number, what: string): ArrayLike<number> {
  checkDimension(what, 'p', p);
  checkDimension(what, 'L', L);
  if (!isArrayLike(features)) fail('shape', `${what}: features must be an array of p×L numbers (row-major), got ${describeValue(features)}`);
  if (features.length !== p * L) {
    const nested = features.length > 0 && isArrayLike(features[0]);
    fail('shape', `${what}: features has ${features.length} ${nested ? 'rows' : 'values'}, expected p×L = ${p}×${L} = ${p * L} numbers${nested ? ' (give them flat, row-major, or use FittedModel, which takes rows)' : ''}`);
  }
  checkFiniteNumbers(features, (i) => `${what}: features[${i}] (row ${Math.floor(i / L)}, column ${i % L})`);
  return features as ArrayLike<number>;
}

/**
 * Features of unknown p: flat (length a multiple of L, p = length / L) or p rows of L numbers.
 * Returns a float64 copy, row-major, and p.
 */
export function featureMatrix(features: unknown, L: number, what: string): { values: Float64Array; p: number } {
  checkDimension(what, 'L', L);
  if (!isArrayLike(features)) fail('shape', `${what}: features must be p×L numbers (flat, row-major) or p rows of L numbers, got ${describeValue(features)}`);
  if (features.length === 0) fail('shape', `${what}: features is empty: there are no items`);
  if (isArrayLike(features[0])) return { values: flatRows(features, L, `${what}: features`, 'the model has'), p: features.length };
  if (features.length % L !== 0) fail('shape', `${what}: features has ${features.length} values, not a multiple of L = ${L} (p×L numbers, row-major)`);
  const p = features.length / L;
  checkFiniteNumbers(features, (i) => `${what}: features[${i}] (row ${Math.floor(i / L)}, column ${i % L})`);
  return { values: Float64Array.from(features as ArrayLike<number>), p };
}

/** Weights on the simplex: K ≥ 1 finite numbers ≥ 0 summing to 1 within simplexTolerance(K). */
export function checkSimplex(alpha: unknown, what: string, name = 'alpha'): Float64Array {
  if (!isArrayLike(alpha) || alpha.length === 0) fail('shape', `${what}: ${name} must be a non-empty array of weights, got ${describeValue(alpha)}`);
  checkFiniteNumbers(alpha, (k) => `${what}: ${name}[${k}]`);
  const a = Float64Array.from(alpha as ArrayLike<number>);
  let total = 0;
  for (let k = 0; k < a.length; k++) {
    if (a[k] < 0) fail('options', `${what}: ${name}[${k}] = ${a[k]} is negative: weights are ≥ 0`);
    total += a[k];
  }
  const tol = simplexTolerance(a.length);
  if (!(Math.abs(total - 1) <= tol)) {
    fail('options', `${what}: ${name} sums to ${total}, not 1 (|Σ − 1| = ${Math.abs(total - 1).toExponential(2)} > ${tol.toExponential(2)}, float32 rounding for K = ${a.length}): divide the weights by their sum`);
  }
  return a;
}

/** Atoms for K components of dimension L: K×L flat, or K rows of L. A float64 copy, row-major. */
export function checkAtoms(theta: unknown, K: number, L: number, what: string): Float64Array {
  if (!isArrayLike(theta)) fail('shape', `${what}: theta must be K×L numbers (flat, row-major) or K rows of L numbers, got ${describeValue(theta)}`);
  if (theta.length > 0 && isArrayLike(theta[0])) {
    if (theta.length !== K) fail('shape', `${what}: theta has ${theta.length} rows, alpha has K = ${K} weights`);
    return flatRows(theta, L, `${what}: theta`, 'expected');
  }
  if (theta.length !== K * L) fail('shape', `${what}: theta has ${theta.length} values, expected K×L = ${K}×${L} = ${K * L}`);
  checkFiniteNumbers(theta, (i) => `${what}: theta[${i}] (component ${Math.floor(i / L)}, coordinate ${i % L})`);
  return Float64Array.from(theta as ArrayLike<number>);
}

/** (α, Θ) checked against L: α on the simplex (K from its length), Θ K×L; float64 copies. */
export function checkMixtureParams(params: unknown, L: number, what: string): { alpha: Float64Array; theta: Float64Array } {
  if (params === null || typeof params !== 'object') fail('shape', `${what}: the parameters must be an object { alpha, theta }, got ${describeValue(params)}`);
  const { alpha, theta } = params as Partial<MixtureParamsInput>;
  const a = checkSimplex(alpha, what);
  return { alpha: a, theta: checkAtoms(theta, a.length, L, what) };
}
