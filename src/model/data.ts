/**
 * Datasets: validation of features and counts (or raw samples), samples → counts,
 * and the design statistics every fit starts from (column means, covariance, rank).
 * Every bad input gets a SoftmixError that names the problem; nothing is clipped.
 */
import { fail } from '../errors.ts';
import { symmetricEigen } from '../math/linalg.ts';

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
  /** features as given, row-major p×L, float64 */
  features: Float64Array;
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

/** Validates and copies a dataset into float64 arrays. */
export function makeDataset(input: DatasetInput, options: DatasetOptions = {}): Dataset {
  if (!input || typeof input !== 'object') fail('shape', 'the data must be an object { features, p, L, counts | samples }');
  const p = checkDimension('p (number of support points)', input.p);
  const L = checkDimension('L (feature dimension)', input.L);
  const { features } = input;
  if (!features || typeof features.length !== 'number') fail('shape', 'features must be an array of p×L numbers (row-major)');
  if (features.length !== p * L) {
    fail('shape', `features has ${features.length} values but p×L = ${p}×${L} = ${p * L}`);
  }
  const x = Float64Array.from(features);
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
  if (!(N > 0)) fail('counts', 'all counts are zero: there is nothing to fit');
  return { p, L, features: x, counts, N };
}

function checkCounts(raw: NumericArray, p: number, options: DatasetOptions): Float64Array {
  if (raw.length !== p) fail('shape', `counts has length ${raw.length} but there are p = ${p} support points`);
  const counts = Float64Array.from(raw);
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
export function samplesToCounts(samples: NumericArray, p: number): Float64Array {
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
  /** column means x̄ (uniform over j) */
  mean: Float64Array;
  /** covariance S of the rows (uniform over j), L×L */
  covariance: Float64Array;
  /** features minus x̄, row-major p×L */
  centred: Float64Array;
}

/**
 * Centres the features (leaves every π_j unchanged, removes the shift symmetry of θ)
 * and checks that the centred columns have full rank: otherwise Θ is not identifiable.
 * Float64 on the host, once per fit: O(pL²).
 */
export function designStats(data: Dataset): DesignStats {
  const { p, L, features } = data;
  const mean = new Float64Array(L);
  for (let j = 0; j < p; j++) for (let l = 0; l < L; l++) mean[l] += features[j * L + l];
  for (let l = 0; l < L; l++) mean[l] /= p;
  const centred = new Float64Array(p * L);
  const covariance = new Float64Array(L * L);
  for (let j = 0; j < p; j++) {
    for (let a = 0; a < L; a++) centred[j * L + a] = features[j * L + a] - mean[a];
    for (let a = 0; a < L; a++) {
      const va = centred[j * L + a];
      for (let b = a; b < L; b++) covariance[a * L + b] += va * centred[j * L + b];
    }
  }
  for (let a = 0; a < L; a++) {
    for (let b = a; b < L; b++) {
      covariance[a * L + b] /= p;
      covariance[b * L + a] = covariance[a * L + b];
    }
  }
  const eig = symmetricEigen(covariance, L);
  const top = eig.values[0];
  const bottom = eig.values[L - 1];
  // Exact collinearity shows up as an eigenvalue at rounding level (~1e-16 relative in
  // float64, ~1e-14 once features went through float32); 1e-10 leaves a wide margin.
  if (!(top > 0) || bottom <= 1e-10 * top) {
    fail(
      'rank-deficient',
      `the centred feature columns are rank deficient (covariance eigenvalues from ${top.toExponential(3)} down to ${bottom.toExponential(3)}): ` +
        'θ is not identifiable. Drop constant or collinear feature columns' + (p <= L ? ` (note p = ${p} ≤ L = ${L})` : '') + '.',
    );
  }
  return { mean, covariance, centred };
}
