/**
 * W1 between mixing measures (MATH.md §6) by the transportation simplex: exact, and cheap
 * since K is small. Part of metrics.ts's measures of a fit.
 */
import { fail } from '../errors.ts';
import { distanceMatrix, requireCount, requireFinite, type MixingMeasure } from './metrics.ts';

// 3. W1 between mixing measures (transportation simplex)

/** Validate a measure's shape and return its weights normalised to sum 1. */
function normalisedWeights(name: string, m: MixingMeasure, L: number): Float64Array {
  const K = m.alpha.length;
  if (K < 1) fail('shape', `wasserstein1: ${name} has no atoms`);
  if (m.theta.length !== K * L) {
    fail('shape', `wasserstein1: ${name}.theta has ${m.theta.length} values, expected K×L = ${K}×${L} = ${K * L}`);
  }
  requireFinite(`wasserstein1: ${name}.alpha`, m.alpha);
  requireFinite(`wasserstein1: ${name}.theta`, m.theta);
  let total = 0;
  for (let k = 0; k < K; k++) {
    if (m.alpha[k] < 0) fail('options', `wasserstein1: ${name}.alpha[${k}] = ${m.alpha[k]} is negative`);
    total += m.alpha[k];
  }
  if (!(total > 0)) fail('options', `wasserstein1: ${name}.alpha sums to 0`);
  const w = new Float64Array(K);
  for (let k = 0; k < K; k++) w[k] = m.alpha[k] / total;
  return w;
}

/**
 * A basic feasible solution of the transportation problem: m+n−1 basic cells forming a
 * spanning tree of the bipartite row/column graph, with their flows. Degenerate basic
 * cells (flow 0) are kept explicitly; that is what keeps the tree spanning.
 */
interface Basis {
  m: number;
  n: number;
  /** basic[i*n+j] = 1 if cell (i, j) is in the basis */
  basic: Uint8Array;
  /** flow on every cell (0 off the basis) */
  flow: Float64Array;
}

/**
 * North-west corner rule. Every step fixes one cell and advances exactly one of row or
 * column (never both, even when both are exhausted together), so it produces exactly
 * m+n−1 cells in a staircase, which is a spanning tree.
 */
function northWestCorner(supply: Float64Array, demand: Float64Array): Basis {
  const m = supply.length;
  const n = demand.length;
  const s = Float64Array.from(supply);
  const d = Float64Array.from(demand);
  const basic = new Uint8Array(m * n);
  const flow = new Float64Array(m * n);
  let i = 0;
  let j = 0;
  for (;;) {
    const x = Math.min(s[i], d[j]);
    basic[i * n + j] = 1;
    flow[i * n + j] = x;
    s[i] -= x;
    d[j] -= x;
    if (i === m - 1 && j === n - 1) break;
    if (i === m - 1) j++;
    else if (j === n - 1) i++;
    else if (s[i] <= d[j]) i++; // row exhausted (or tie: the column keeps a degenerate 0 next)
    else j++;
  }
  return { m, n, basic, flow };
}

/**
 * Dual potentials with u_i + v_j = c_ij on every basic cell (u_0 = 0), found by walking
 * the basis tree. Node ids: rows 0..m−1, columns m..m+n−1.
 */
function potentials(B: Basis, cost: Float64Array): { u: Float64Array; v: Float64Array } {
  const { m, n, basic } = B;
  const u = new Float64Array(m);
  const v = new Float64Array(n);
  const seen = new Uint8Array(m + n);
  const stack = [0];
  seen[0] = 1;
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node < m) {
      const i = node;
      for (let j = 0; j < n; j++) {
        if (basic[i * n + j] && !seen[m + j]) {
          v[j] = cost[i * n + j] - u[i];
          seen[m + j] = 1;
          stack.push(m + j);
        }
      }
    } else {
      const j = node - m;
      for (let i = 0; i < m; i++) {
        if (basic[i * n + j] && !seen[i]) {
          u[i] = cost[i * n + j] - v[j];
          seen[i] = 1;
          stack.push(i);
        }
      }
    }
  }
  if (seen.includes(0)) fail('internal', 'wasserstein1: the transportation basis is not a spanning tree');
  return { u, v };
}

/**
 * The cells of the unique path in the basis tree from column node jCol to row node iRow,
 * in order starting at the column. Together with the entering cell (iRow, jCol) this is
 * the pivot cycle.
 */
function treePath(B: Basis, iRow: number, jCol: number): number[] {
  const { m, n, basic } = B;
  const parentCell = new Int32Array(m + n).fill(-1);
  const parentNode = new Int32Array(m + n).fill(-1);
  const start = m + jCol;
  const seen = new Uint8Array(m + n);
  seen[start] = 1;
  const queue = [start];
  while (queue.length > 0 && !seen[iRow]) {
    const node = queue.shift()!;
    const isRow = node < m;
    const count = isRow ? n : m;
    for (let t = 0; t < count; t++) {
      const cell = isRow ? node * n + t : t * n + (node - m);
      const other = isRow ? m + t : t;
      if (basic[cell] && !seen[other]) {
        seen[other] = 1;
        parentCell[other] = cell;
        parentNode[other] = node;
        queue.push(other);
      }
    }
  }
  if (!seen[iRow]) fail('internal', 'wasserstein1: the transportation basis is disconnected');
  // Walk back from the row to the column, then reverse so the path starts at the column.
  const path: number[] = [];
  for (let node = iRow; node !== start; node = parentNode[node]) path.push(parentCell[node]);
  return path.reverse();
}

/**
 * One simplex pivot on entering cell e = (i, j): push θ units around the cycle
 * e(+), path[0](−), path[1](+), ..., where θ is the smallest flow on a (−) cell.
 * That cell leaves the basis (smallest index on ties — Bland's rule, which together with
 * the smallest-index entering rule rules out cycling on degenerate pivots).
 */
function pivot(B: Basis, entering: number, path: number[]): void {
  let theta = Infinity;
  let leaving = -1;
  for (let t = 0; t < path.length; t += 2) {
    const cell = path[t];
    const f = B.flow[cell];
    if (f < theta || (f === theta && cell < leaving)) {
      theta = f;
      leaving = cell;
    }
  }
  B.flow[entering] += theta;
  for (let t = 0; t < path.length; t++) {
    // x − θ with x ≥ θ is ≥ 0 exactly in IEEE arithmetic, so flows never go negative.
    if (t % 2 === 0) B.flow[path[t]] -= theta;
    else B.flow[path[t]] += theta;
  }
  B.basic[entering] = 1;
  B.basic[leaving] = 0;
  B.flow[leaving] = 0;
}

/**
 * Exact min-cost transport between supplies (rows) and demands (columns) with a dense
 * cost matrix: transportation simplex (MODI). Returns the optimal flow matrix.
 */
function solveTransport(supply: Float64Array, demand: Float64Array, cost: Float64Array): Float64Array {
  const m = supply.length;
  const n = demand.length;
  const B = northWestCorner(supply, demand);
  // A reduced cost must be clearly negative to enter: rounding in u, v is ~1e-16 × the
  // cost scale, and entering on noise would only waste pivots (it can't make W1 worse).
  let scale = 0;
  for (let c = 0; c < cost.length; c++) scale = Math.max(scale, cost[c]);
  const tol = 1e-13 * Math.max(scale, Number.MIN_VALUE);
  // Bland's rule guarantees termination; the cap only guards against a logic error.
  const maxPivots = 1000 + 50 * m * n * (m + n);
  for (let iter = 0; iter < maxPivots; iter++) {
    const { u, v } = potentials(B, cost);
    let entering = -1;
    for (let cell = 0; cell < m * n && entering < 0; cell++) {
      const i = Math.floor(cell / n);
      const j = cell - i * n;
      if (!B.basic[cell] && cost[cell] - u[i] - v[j] < -tol) entering = cell;
    }
    if (entering < 0) return B.flow; // all reduced costs ≥ 0: optimal
    const i = Math.floor(entering / n);
    pivot(B, entering, treePath(B, i, entering - i * n));
  }
  return fail('internal', `wasserstein1: transportation simplex did not converge in ${maxPivots} pivots`);
}

/**
 * W1 between the discrete measures Σ α_k δ_{θ_k} of a and b with Euclidean ground cost.
 * The two sides may have different numbers of atoms; weights are normalised to sum 1
 * on each side first. Solved exactly as a transportation LP.
 */
export function wasserstein1(a: MixingMeasure, b: MixingMeasure, L: number): number {
  requireCount('wasserstein1: L', L, 1);
  const wa = normalisedWeights('a', a, L);
  const wb = normalisedWeights('b', b, L);
  const Ka = wa.length;
  const Kb = wb.length;
  const cost = distanceMatrix(a.theta, Ka, b.theta, Kb, L);
  const flow = solveTransport(wa, wb, cost);
  let total = 0;
  for (let c = 0; c < flow.length; c++) total += flow[c] * cost[c];
  return total;
}

