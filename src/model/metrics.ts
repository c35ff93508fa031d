/**
 * Measuring a fit (MATH.md §6): parameter error after matching components,
 * W1 between mixing measures, total variation between item distributions, and
 * BIC/AIC for choosing K. Plain float64 TypeScript; K is small, so exact
 * combinatorial solvers (Hungarian, transportation simplex) are cheap.
 *
 * Bad input throws a SoftmixError (a subclass of Error) whose message names the problem.
 */
import { fail } from '../errors.ts';

/** A mixing measure Σ_k α_k δ_{θ_k}: K weights and a row-major K×L atom matrix. */
export interface MixingMeasure {
  alpha: ArrayLike<number>;
  theta: ArrayLike<number>;
}

export interface ComponentMatch {
  /** permutation[k] = index of the estimated component matched to true component k. */
  permutation: Int32Array;
  /** max_k |θ̂_σ(k) − θ_k|₂ */
  thetaError: number;
  /** max_k |α̂_σ(k) − α_k| */
  alphaError: number;
}

export interface InformationCriteria {
  bic: number;
  aic: number;
  /** Free parameters K(L+1) − 1: K atoms in R^L plus K weights on the simplex. */
  parameters: number;
}

// ---------------------------------------------------------------------------
// Small helpers

export function requireCount(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) fail('shape', `${name} must be an integer ≥ ${min}, got ${v}`);
}

export function requireFinite(name: string, x: ArrayLike<number>): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) fail('not-finite', `${name}[${i}] = ${x[i]} is not finite`);
  }
}

/** Euclidean distance between row i of A and row k of B (both row-major, L columns). */
function rowDistance(A: ArrayLike<number>, i: number, B: ArrayLike<number>, k: number, L: number): number {
  let s = 0;
  for (let l = 0; l < L; l++) {
    const d = A[i * L + l] - B[k * L + l];
    s += d * d;
  }
  return Math.sqrt(s);
}

/** Ka×Kb row-major matrix of Euclidean distances between the atoms of a and b. */
export function distanceMatrix(thetaA: ArrayLike<number>, Ka: number, thetaB: ArrayLike<number>, Kb: number, L: number): Float64Array {
  const C = new Float64Array(Ka * Kb);
  for (let i = 0; i < Ka; i++) for (let j = 0; j < Kb; j++) C[i * Kb + j] = rowDistance(thetaA, i, thetaB, j, L);
  return C;
}

// ---------------------------------------------------------------------------
// 1. Hungarian assignment

/**
 * Minimum-cost perfect assignment on a square n×n row-major cost matrix.
 * Returns assign[row] = col.
 *
 * Kuhn–Munkres with row/column potentials (u, v) and shortest augmenting paths,
 * O(n³): rows are added one at a time, and each addition grows a Dijkstra-like
 * tree over reduced costs c_ij − u_i − v_j ≥ 0 until it reaches a free column.
 * Indices are 1-based internally; row 0 / column 0 is the virtual root.
 */
export function hungarian(cost: Float64Array, n: number): Int32Array {
  requireCount('hungarian: n', n, 0);
  if (cost.length !== n * n) fail('shape', `hungarian: cost has ${cost.length} entries, expected n×n = ${n}×${n} = ${n * n}`);
  // Infinite or NaN costs would break the potentials silently, so refuse them up front.
  requireFinite('hungarian: cost', cost);

  const u = new Float64Array(n + 1); // row potentials
  const v = new Float64Array(n + 1); // column potentials
  const rowOfCol = new Int32Array(n + 1); // rowOfCol[j] = row matched to column j (0 = free)
  const way = new Int32Array(n + 1); // previous column on the augmenting path
  const minv = new Float64Array(n + 1);
  const used = new Uint8Array(n + 1);

  for (let i = 1; i <= n; i++) {
    rowOfCol[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    // Grow the alternating tree until it reaches an unmatched column.
    do {
      used[j0] = 1;
      const i0 = rowOfCol[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const reduced = cost[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
        if (reduced < minv[j]) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      if (j1 === 0) fail('internal', 'hungarian: no augmenting column found (costs too large to compare?)');
      // Shift potentials so the tree's edges stay tight and the new edge becomes tight.
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[rowOfCol[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (rowOfCol[j0] !== 0);
    // Flip the matching along the augmenting path back to the root.
    do {
      const j1 = way[j0];
      rowOfCol[j0] = rowOfCol[j1];
      j0 = j1;
    } while (j0 !== 0);
  }

  const assign = new Int32Array(n);
  for (let j = 1; j <= n; j++) assign[rowOfCol[j] - 1] = j - 1;
  return assign;
}

// ---------------------------------------------------------------------------
// 2. Parameter error after matching

/**
 * Match estimated components to true ones by a minimum-total-distance assignment on
 * |θ̂_i − θ_k|₂ (components are unordered, so errors are only meaningful after matching),
 * then report the worst atom and weight errors over the matched pairs.
 */
export function matchComponents(estimate: MixingMeasure, truth: MixingMeasure, K: number, L: number): ComponentMatch {
  requireCount('matchComponents: K', K, 1);
  requireCount('matchComponents: L', L, 1);
  const Kest = estimate.alpha.length;
  const Ktrue = truth.alpha.length;
  if (Kest !== Ktrue) {
    fail('shape', `matchComponents: estimate has K = ${Kest} components but truth has K = ${Ktrue}`);
  }
  if (Ktrue !== K) fail('shape', `matchComponents: alpha has ${Ktrue} components, expected K = ${K}`);
  for (const [name, m] of [['estimate', estimate], ['truth', truth]] as const) {
    if (m.theta.length !== K * L) {
      fail('shape', `matchComponents: ${name}.theta has ${m.theta.length} values, expected K×L = ${K}×${L} = ${K * L}`);
    }
    requireFinite(`matchComponents: ${name}.alpha`, m.alpha);
    requireFinite(`matchComponents: ${name}.theta`, m.theta);
  }

  // Rows are true components and columns estimated ones, so assign[k] is σ(k) directly.
  const cost = distanceMatrix(truth.theta, K, estimate.theta, K, L);
  const permutation = hungarian(cost, K);

  let thetaError = 0;
  let alphaError = 0;
  for (let k = 0; k < K; k++) {
    const s = permutation[k];
    thetaError = Math.max(thetaError, cost[k * K + s]);
    alphaError = Math.max(alphaError, Math.abs(estimate.alpha[s] - truth.alpha[k]));
  }
  return { permutation, thetaError, alphaError };
}

// ---------------------------------------------------------------------------
// 4. Total variation

/** ½ Σ_j |π̂_j − π_j| between two item distributions of the same length. */
export function totalVariation(pi: ArrayLike<number>, piHat: ArrayLike<number>): number {
  if (pi.length !== piHat.length) {
    fail('shape', `totalVariation: pi has length ${pi.length} but piHat has length ${piHat.length}`);
  }
  requireFinite('totalVariation: pi', pi);
  requireFinite('totalVariation: piHat', piHat);
  let s = 0;
  for (let j = 0; j < pi.length; j++) s += Math.abs(piHat[j] - pi[j]);
  return 0.5 * s;
}

// ---------------------------------------------------------------------------
// 5. Model choice over K

/** BIC = −2ℓ + P log N and AIC = −2ℓ + 2P with P = K(L+1) − 1 free parameters. */
export function informationCriteria(logLik: number, K: number, L: number, N: number): InformationCriteria {
  if (!Number.isFinite(logLik)) fail('not-finite', `informationCriteria: logLik = ${logLik} is not finite`);
  requireCount('informationCriteria: K', K, 1);
  requireCount('informationCriteria: L', L, 1);
  if (!(N > 0) || !Number.isFinite(N)) fail('options', `informationCriteria: N must be a positive number of draws, got ${N}`);
  const parameters = K * (L + 1) - 1;
  return {
    bic: -2 * logLik + parameters * Math.log(N),
    aic: -2 * logLik + 2 * parameters,
    parameters,
  };
}
