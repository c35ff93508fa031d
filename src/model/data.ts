/**
 * Datasets: validation of features and counts (or raw samples), samples → counts,
 * and the design statistics every fit starts from (column means, covariance, rank).
 * Every bad input gets a SoftmixError that names the problem; nothing is clipped.
 */
import { fail, type SoftmixErrorCode } from '../errors.ts';
import type { FloatArray } from '../math/float-array.ts';

export type NumericArray = ArrayLike<number>;

/** What a user hands to `fitSoftmaxMixture`: features p×L row-major, and counts or samples. */
export interface DatasetInput {
  features: NumericArray;
  p: number;
  L: number;
  /** n_j, length p: how often item j was chosen */
  counts?: NumericArray;
  /** raw draws y_i ∈ [0, p), turned into counts */
  samples?: NumericArray;
}

export interface Dataset {
  p: number;
  L: number;
  /** features as given, row-major p×L: a Float32Array when they came as one (4 bytes per entry), else float64 */
  features: FloatArray;
  counts: Float64Array;
  /** Σ n_j */
  N: number;
}

export interface DatasetOptions {
  /** accept non-integer counts (weights or frequencies); default false */
  allowFractionalCounts?: boolean;
}

function checkDimension(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    fail('shape', `${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

/** Integers beyond this are not all exact in float64 (2^53 + 1 is not a double). */
const TWO_53 = 2 ** 53;

/** A value for a message: strings quoted and said to be strings, so `"5"` is not read as 5. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  if (typeof v === 'bigint') return `the BigInt ${v}n`;
  if (typeof v === 'function') return 'a function';
  if (v !== null && typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object';
  return String(v);
}

/**
 * A float64 copy of an array the caller handed in, refusing instead of coercing: from a
 * plain array every element must be a number (Float64Array.from would turn null into 0, "5"
 * into 5, true into 1); from a BigInt64Array / BigUint64Array every element must lie within
 * ±2^53, where the conversion is exact (Float64Array.from throws a TypeError on BigInts).
 * `where(i)` names element i in messages.
 */
function toFloat64(values: ArrayLike<unknown>, where: (i: number) => string, code: SoftmixErrorCode): Float64Array {
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v > BigInt(TWO_53) || v < -BigInt(TWO_53)) {
        fail(code, `${where(i)} = ${v} is larger than 2^53 in magnitude and cannot be represented exactly as a JavaScript number`);
      }
      out[i] = Number(v);
    }
    return out;
  }
  if (ArrayBuffer.isView(values)) return Float64Array.from(values as ArrayLike<number>); // numeric by construction
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number') fail(code, `${where(i)} is ${describeValue(v)}, not a number`);
    out[i] = v;
  }
  return out;
}

/**
 * N = Σ n_j must be finite, and for integer counts exact: float64 sums of integers are exact
 * while they stay ≤ 2^53 − 1, and a total past that can round (2^53 + 1 → 2^53). Fractional
 * counts must keep N within [2^-1022, 2^900]: ℓ, its gradient and Hessian carry a factor N,
 * and 2^900 leaves 2^124 before float64 overflows (ℓ turned NaN at N = 1.7e308); below
 * 2^-1022, 1/N overflows. The fitted α and θ do not depend on the counts' scale.
 */
function checkTotal(N: number, options: DatasetOptions): void {
  if (!Number.isFinite(N)) fail('counts', `the counts sum to ${N}: the total N must be a finite number`);
  const rescale = 'multiply the weights by a constant (the fitted α and θ do not depend on their scale)';
  if (N > 0 && N < 2 ** -1022) fail('counts', `the counts sum to ${N}, below 2^-1022 (the smallest normal double), too small to fit: ${rescale}`);
  if (N > 2 ** 900) fail('counts', `the counts sum to ${N}, above 2^900 ≈ 8.5e270, where ℓ and its derivatives come near float64 overflow: ${rescale}`);
  if (!options.allowFractionalCounts && N > Number.MAX_SAFE_INTEGER) {
    fail('counts', `the counts sum to more than 2^53 − 1 = ${Number.MAX_SAFE_INTEGER} (Number.MAX_SAFE_INTEGER), past which an integer total is not exact in float64`);
  }
}

/** Validates and copies a dataset: float32 features into a Float32Array, everything else into float64 arrays. */
export function makeDataset(input: DatasetInput, options: DatasetOptions = {}): Dataset {
  if (!input || typeof input !== 'object') fail('shape', 'the data must be an object { features, p, L, counts | samples }');
  const p = checkDimension('p (number of support points)', input.p);
  const L = checkDimension('L (feature dimension)', input.L);
  const { features } = input;
  if (!features || typeof features.length !== 'number') fail('shape', 'features must be an array of p×L numbers (row-major)');
  if (features.length !== p * L) {
    fail('shape', `features has ${features.length} values but p×L = ${p}×${L} = ${p * L}`);
  }
  const x = features instanceof Float32Array ? features.slice() : toFloat64(features, (i) => `features[${i}] (row ${Math.floor(i / L)}, column ${i % L}, 0-based)`, 'not-finite');
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      fail('not-finite', `features contain ${x[i]} at row ${Math.floor(i / L)}, column ${i % L} (0-based)`);
    }
  }
  const hasCounts = input.counts !== undefined && input.counts !== null;
  const hasSamples = input.samples !== undefined && input.samples !== null;
  if (hasCounts === hasSamples) fail('shape', 'give exactly one of counts (length p) or samples (indices in [0, p))');
  const counts = hasCounts ? checkCounts(input.counts!, p, options) : samplesToCounts(input.samples!, p);
  let N = 0;
  for (let j = 0; j < p; j++) N += counts[j];
  checkTotal(N, options);
  if (!(N > 0)) fail('counts', 'all counts are zero: there is nothing to fit');
  return { p, L, features: x, counts, N };
}

function checkCounts(raw: NumericArray, p: number, options: DatasetOptions): Float64Array {
  if (raw.length !== p) fail('shape', `counts has length ${raw.length} but there are p = ${p} support points`);
  const counts = toFloat64(raw, (j) => `counts[${j}]`, 'counts');
  for (let j = 0; j < p; j++) {
    const v = counts[j];
    if (!Number.isFinite(v)) fail('not-finite', `counts[${j}] is ${v}`);
    if (v < 0) fail('counts', `counts[${j}] = ${v} is negative`);
    if (!options.allowFractionalCounts && !Number.isInteger(v)) {
      fail('counts', `counts[${j}] = ${v} is not an integer (pass allowFractionalCounts for weights or frequencies)`);
    }
  }
  return counts;
}

/** Histogram of raw draws: n_j = #{i : y_i = j}. */
export function samplesToCounts(raw: NumericArray, p: number): Float64Array {
  if (!raw || typeof raw.length !== 'number') fail('samples', 'samples must be an array of item indices in [0, p)');
  const samples = toFloat64(raw, (i) => `samples[${i}]`, 'samples');
  const counts = new Float64Array(p);
  for (let i = 0; i < samples.length; i++) {
    const y = samples[i];
    if (!Number.isInteger(y) || y < 0 || y >= p) {
      fail('samples', `samples[${i}] = ${y} is not an item index in [0, ${p})`);
    }
    counts[y]++;
  }
  if (samples.length === 0) fail('counts', 'samples is empty: there is nothing to fit');
  return counts;
}

// The design statistics (centring, S, the rank check) live in design.ts.
export { designStats, centreFeatures, hostCovariance, FEATURE_SCALE_RANGE, type DesignStats, type Centring } from './design.ts';
