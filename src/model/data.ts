/**
 * Datasets: validation of features and counts (or raw samples), samples → counts,
 * and the design statistics every fit starts from (column means, covariance, rank).
 * Every bad input gets a SoftmixError that names the problem; nothing is clipped.
 */
import { fail, type SoftmixErrorCode } from '../errors.ts';
import { symmetricEigen, JACOBI_MAX_N } from '../math/linalg.ts';
import { symmetricEigenTop } from '../math/tridiagonal-eigen.ts';
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

export interface DesignStats {
  /** column means x̄ (uniform over j), in the features' own units */
  mean: Float64Array;
  /** covariance S of the scaled rows (uniform over j), L×L */
  covariance: Float64Array;
  /**
   * (features − x̄)·scale, row-major p×L: what the engine holds. Centred in float64, stored
   * at the precision asked for (designStats' `precision`).
   */
  centred: FloatArray;
  /**
   * the power of two the centred features are multiplied by, so that float32 holds them and
   * their squares (1 for features of ordinary scale, see FEATURE_SCALE_RANGE). x·θ is
   * unchanged when x is scaled by s and θ by 1/s, so the fit runs on scaled features and its
   * atoms are θ = scale·θ' (and a ridge λ on θ is λ·scale² on θ').
   */
  scale: number;
}

/**
 * Features whose centred root-mean-square lies within these powers of two are used as they
 * are; outside it they are scaled by a power of two (exact in binary floating point) to an
 * RMS near 1. float32 spans 2^±126: 2^±10 leaves room for atoms, scores and Hessians
 * (squares) at either end. Ordinary data (standardised features, embeddings) stay unscaled,
 * so their fits are unchanged.
 */
export const FEATURE_SCALE_RANGE = [2 ** -10, 2 ** 10] as const;

/**
 * Centres the features (leaves every π_j unchanged, removes the shift symmetry of θ)
 * and checks that the centred columns have full rank: otherwise Θ is not identifiable.
 * Float64 on the host, once per fit: O(pL²). The covariance is summed over blocks of
 * centred rows, so beside the features the host holds only the centred copy and one block
 * of float64 rows. `precision` is the centred copy's: 'float64' for the float64 cpu engine
 * (the default), 'float32' for an engine that reads X in float32 (WebGPU: the device then
 * sees the same values, rounded once, and the host keeps 4 bytes per entry, not 8).
 */
export function designStats(data: Dataset, precision: 'float32' | 'float64' = 'float64'): DesignStats {
  const { p, L, features } = data;
  // Features beyond 2^±20 are first brought near 1 by a power of two, so that neither their
  // sums nor their squares overflow or underflow float64 (×1e200, ×1e-200 features).
  let maxAbs = 0;
  for (let i = 0; i < p * L; i++) maxAbs = Math.max(maxAbs, Math.abs(features[i]));
  const prescale = maxAbs > 2 ** 20 || (maxAbs > 0 && maxAbs < 2 ** -20) ? 2 ** -Math.floor(Math.log2(maxAbs)) : 1;
  const mean = new Float64Array(L);
  for (let j = 0; j < p; j++) for (let l = 0; l < L; l++) mean[l] += features[j * L + l] * prescale;
  for (let l = 0; l < L; l++) mean[l] /= p;
  // x_ja·prescale − x̄_a in float64: exact scaling by a power of two, then one rounding
  const centredAt = (i: number, a: number) => features[i] * prescale - mean[a];
  const covariance = new Float64Array(L * L);
  const block = new Float64Array(Math.min(p, GRAM_BLOCK_ROWS) * L);
  for (let j0 = 0; j0 < p; j0 += GRAM_BLOCK_ROWS) {
    const rows = Math.min(GRAM_BLOCK_ROWS, p - j0);
    for (let r = 0; r < rows; r++) for (let a = 0; a < L; a++) block[r * L + a] = centredAt((j0 + r) * L + a, a);
    addUpperGram(covariance, block, rows, L);
  }
  for (let a = 0; a < L; a++) {
    for (let b = a; b < L; b++) {
      covariance[a * L + b] /= p;
      covariance[b * L + a] = covariance[a * L + b];
    }
  }
  const s = unitRmsFactor(covariance, L);
  const centred = precision === 'float32' ? new Float32Array(p * L) : new Float64Array(p * L);
  for (let j = 0; j < p; j++) for (let a = 0; a < L; a++) centred[j * L + a] = centredAt(j * L + a, a) * s;
  const scale = prescale * s;
  for (let l = 0; l < L; l++) mean[l] /= prescale;
  checkRank(centred, covariance, p, L, scale, maxAbs);
  return { mean, covariance, centred, scale };
}

/** Rows per block of designStats' covariance sum: a multiple of 4 (addUpperGram's sweep), 2 MB of float64 at L = 1024. */
const GRAM_BLOCK_ROWS = 256;

/**
 * Adds Σ_j x_ja x_jb for a ≤ b (the upper triangle, row-major L×L) of the `rows`×L rows x_j
 * to g. Four rows per sweep of the triangle, so each entry is loaded and stored once per four
 * rows instead of every row (the triangle, L²/2 float64, is far larger than a cache at L in
 * the hundreds: designStats took 17–18 s at p = 2·10⁴, L = 768 with the one-row loop,
 * 6.6–7.8 s with this, `npx tsx bench/host-setup.ts`). Each entry still adds its rows'
 * products one at a time in row order, so the sums are the one-row loop's to the bit, and
 * summing in blocks of rows gives the same bits as one call over all of them.
 */
function addUpperGram(g: Float64Array, x: Float64Array, rows: number, L: number): void {
  let j = 0;
  for (; j + 4 <= rows; j += 4) {
    const [r0, r1, r2, r3] = [j * L, (j + 1) * L, (j + 2) * L, (j + 3) * L];
    for (let a = 0; a < L; a++) {
      const [v0, v1, v2, v3] = [x[r0 + a], x[r1 + a], x[r2 + a], x[r3 + a]];
      const row = a * L;
      for (let b = a; b < L; b++) {
        let s = g[row + b];
        s += v0 * x[r0 + b];
        s += v1 * x[r1 + b];
        s += v2 * x[r2 + b];
        s += v3 * x[r3 + b];
        g[row + b] = s;
      }
    }
  }
  for (; j < rows; j++) {
    for (let a = 0; a < L; a++) {
      const va = x[j * L + a];
      for (let b = a; b < L; b++) g[a * L + b] += va * x[j * L + b];
    }
  }
}

/**
 * The power of two the centred features are multiplied by when their RMS lies outside
 * FEATURE_SCALE_RANGE (1 when left alone); scales S by its square.
 */
function unitRmsFactor(covariance: Float64Array, L: number): number {
  let trace = 0;
  for (let a = 0; a < L; a++) trace += covariance[a * L + a];
  const rms = Math.sqrt(trace / L);
  if (!(rms > 0) || (rms >= FEATURE_SCALE_RANGE[0] && rms <= FEATURE_SCALE_RANGE[1])) return 1;
  const s = 2 ** -Math.round(Math.log2(rms));
  for (let i = 0; i < covariance.length; i++) covariance[i] *= s * s;
  return s;
}

/** Θ is identifiable only if the centred columns have full rank: say why not, naming an outlier when one item is the cause. */
function checkRank(centred: FloatArray, covariance: Float64Array, p: number, L: number, scale: number, maxAbs: number): void {
  // the eigenvalues only (no eigenvectors) above Jacobi's range
  const eig = L > JACOBI_MAX_N ? symmetricEigenTop(covariance, L, 0) : symmetricEigen(covariance, L);
  const top = eig.values[0];
  const bottom = eig.values[L - 1];
  const [topInUnits, bottomInUnits] = [top / scale ** 2, bottom / scale ** 2];
  // Exact collinearity shows up as an eigenvalue at rounding level (~1e-16 relative in
  // float64, ~1e-14 once features went through float32); 1e-10 leaves a wide margin.
  // A constant column keeps a spread of rounding (~1e-16 of its magnitude, e.g. 1e-19 for
  // values of 1e-3) that the relative test alone takes for data when L = 1: the spread must
  // also reach 1e-10 of the features' magnitude (float32 features resolve ~1e-7 of it).
  if (top > 0 && bottom > 1e-10 * top && Math.sqrt(top) > 1e-10 * maxAbs * scale) return;
  const outlier = dominantItem(centred, p, L);
  if (outlier) {
    fail(
      'rank-deficient',
      `item ${outlier.j} is an outlier: its row carries ${(100 * outlier.share).toFixed(4)}% of the features' total spread about their mean, ` +
        `so it alone spans the design covariance (eigenvalues from ${topInUnits.toExponential(3)} down to ${bottomInUnits.toExponential(3)}) and θ is not identifiable along the rest. ` +
        `Check row ${outlier.j} of the features (a unit or parsing error?), or drop that item.`,
    );
  }
  fail(
    'rank-deficient',
    `the centred feature columns are rank deficient (covariance eigenvalues from ${topInUnits.toExponential(3)} down to ${bottomInUnits.toExponential(3)}): ` +
      'θ is not identifiable. Drop constant or collinear feature columns' + (p <= L ? ` (note p = ${p} ≤ L = ${L})` : '') + '.',
  );
}

/**
 * The item whose centred row carries over 90% of the features' total sum of squares, or
 * null. (Its own row dominates even after centring, though centring spreads 1/p of it over
 * every other row.)
 */
function dominantItem(centred: FloatArray, p: number, L: number): { j: number; share: number } | null {
  let total = 0;
  let best = { j: 0, ss: -1 };
  for (let j = 0; j < p; j++) {
    let ss = 0;
    for (let l = 0; l < L; l++) ss += centred[j * L + l] ** 2;
    total += ss;
    if (ss > best.ss) best = { j, ss };
  }
  const share = best.ss / total;
  return share > 0.9 ? { j: best.j, share } : null;
}
