/**
 * Cluster starts: a start that follows the counts rather than the features' Gaussian shape.
 *
 * MoM and subspace starts read the design through its moments, which describe a Gaussian
 * cloud well and a word-embedding cloud poorly: there the mixture's components sit on a few
 * heavy items (function words) or on clumps of the cloud (README, "Runaway components").
 * A cluster start groups the items by a count-weighted k-means in standardised coordinates
 * (k-means++ seeding, seeded, then Lloyd steps) and gives component k the weight of its
 * cluster's counts and the atom θ_k = S⁻¹ m_k, where m_k is the cluster's count-weighted
 * mean of the centred features: near θ = 0 the softmax's mean moves by S θ, so θ_k points
 * its softmax towards its cluster. Different seeds give different clusterings, and so
 * starts in different basins of ℓ.
 *
 * Not in MATH.md: a search heuristic (issue 13, item 4), chosen by held-out ℓ on the books.
 */
import { Rng } from '../math/rng.ts';
import { solveLinear } from '../math/linalg.ts';
import type { StartPoint } from './starts.ts';
import type { FloatArray } from '../math/float-array.ts';
import type { Whitening } from './whitening.ts';

/** Lloyd steps after seeding: the clustering only has to be a start, not a converged k-means. */
const LLOYD_STEPS = 10;

/**
 * `centred` p×L (centred features), `counts` n_j, S their covariance, S^{-1/2} for the
 * standardised distances. The start's kind is 'cluster', its seed recorded.
 */
export function clusterStart(
  centred: ArrayLike<number>,
  p: number,
  L: number,
  counts: ArrayLike<number>,
  K: number,
  covariance: Float64Array,
  whitening: Whitening,
  seed: number,
): StartPoint {
  const rng = new Rng(seed);
  const z = standardised(centred, p, L, whitening);
  const centres = seedCentres(z, p, L, counts, K, rng);
  const assign = new Int32Array(p);
  for (let step = 0; step <= LLOYD_STEPS; step++) {
    assignNearest(z, p, L, centres, K, assign);
    if (step < LLOYD_STEPS) updateCentres(z, p, L, counts, K, assign, centres);
  }
  // weights and count-weighted means of the clusters, in the centred coordinates
  const { mass, mean } = clusterMeans(centred, p, L, counts, K, assign);
  const total = mass.reduce((s, v) => s + v, 0);
  const alpha = new Float64Array(K);
  const theta = new Float64Array(K * L);
  for (let k = 0; k < K; k++) {
    // an empty cluster (all of its items' counts zero) starts at θ = 0 with a small weight
    alpha[k] = mass[k] > 0 ? mass[k] / total : 0;
    if (mass[k] > 0) {
      const t = solveLinear(Float64Array.from(covariance), L, mean.slice(k * L, (k + 1) * L));
      if (t) theta.set(t, k * L);
    }
  }
  const floor = 1 / (100 * K);
  for (let k = 0; k < K; k++) alpha[k] = Math.max(alpha[k], floor);
  const sum = alpha.reduce((s, v) => s + v, 0);
  for (let k = 0; k < K; k++) alpha[k] /= sum;
  return { kind: 'cluster', seed, alpha, theta };
}

/** z_j = A x_j for every row (the whitening's A, S^{-1/2} up to L = 256), at the precision of `centred` (float32 features stay 4 bytes per entry). */
function standardised(centred: ArrayLike<number>, p: number, L: number, whitening: Whitening): FloatArray {
  const z = centred instanceof Float32Array ? new Float32Array(p * L) : new Float64Array(p * L);
  for (let j = 0; j < p; j++) z.set(whitening.whiten(Array.prototype.slice.call(centred, j * L, (j + 1) * L)), j * L);
  return z;
}

function distance2(z: FloatArray, j: number, centres: Float64Array, k: number, L: number): number {
  let d = 0;
  for (let a = 0; a < L; a++) {
    const e = z[j * L + a] - centres[k * L + a];
    d += e * e;
  }
  return d;
}

/** k-means++ seeding with the items weighted by their counts. */
function seedCentres(z: FloatArray, p: number, L: number, counts: ArrayLike<number>, K: number, rng: Rng): Float64Array {
  const centres = new Float64Array(K * L);
  const nearest = new Float64Array(p).fill(Infinity);
  const pick = (weights: (j: number) => number) => {
    let total = 0;
    for (let j = 0; j < p; j++) total += weights(j);
    let u = rng.uniform() * total;
    for (let j = 0; j < p; j++) {
      u -= weights(j);
      if (u <= 0 && weights(j) > 0) return j;
    }
    for (let j = p - 1; j >= 0; j--) if (weights(j) > 0) return j;
    return rng.int(p);
  };
  for (let k = 0; k < K; k++) {
    const j = k === 0 ? pick((i) => counts[i]) : pick((i) => counts[i] * nearest[i]);
    centres.set(z.subarray(j * L, (j + 1) * L), k * L);
    for (let i = 0; i < p; i++) nearest[i] = Math.min(nearest[i], distance2(z, i, centres, k, L));
  }
  return centres;
}

function assignNearest(z: FloatArray, p: number, L: number, centres: Float64Array, K: number, assign: Int32Array): void {
  for (let j = 0; j < p; j++) {
    let best = 0;
    let bestD = Infinity;
    for (let k = 0; k < K; k++) {
      const d = distance2(z, j, centres, k, L);
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    assign[j] = best;
  }
}

function updateCentres(z: FloatArray, p: number, L: number, counts: ArrayLike<number>, K: number, assign: Int32Array, centres: Float64Array): void {
  const { mass, mean } = clusterMeans(z, p, L, counts, K, assign);
  // a cluster that lost all its mass keeps its centre
  for (let k = 0; k < K; k++) if (mass[k] > 0) centres.set(mean.subarray(k * L, (k + 1) * L), k * L);
}

/** Each cluster's count mass and the count-weighted mean of `values` (p×L) over its items (0 where it has no mass). */
function clusterMeans(values: ArrayLike<number>, p: number, L: number, counts: ArrayLike<number>, K: number, assign: Int32Array): { mass: Float64Array; mean: Float64Array } {
  const mass = new Float64Array(K);
  const mean = new Float64Array(K * L);
  for (let j = 0; j < p; j++) {
    const k = assign[j];
    mass[k] += counts[j];
    for (let a = 0; a < L; a++) mean[k * L + a] += counts[j] * values[j * L + a];
  }
  for (let k = 0; k < K; k++) if (mass[k] > 0) for (let a = 0; a < L; a++) mean[k * L + a] /= mass[k];
  return { mass, mean };
}
