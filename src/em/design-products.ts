/**
 * S·θ_k for the design covariance S (L×L), remembered between M-steps. The M-step needs the
 * spread of each atom's scores √(θ_kᵀSθ_k) where it starts (atoms held at the arithmetic's
 * limit), the spread of each step √(dᵀSd) (the trust region) and the spread where it ends
 * (runaway reports): three products of L² each per component, about 48 ms of host time per
 * EM iteration at L = 1024, K = 8 (bench/host-time.ts's profile). With S·d formed once per step, S·θ follows each accepted
 * step in O(L) (S(θ + t d) = Sθ + t·Sd), and the product at the M-step's result is kept
 * here: the next M-step of plain EM starts exactly there, so it costs one L² per component
 * (S·d) instead of three. A start it has not seen (a SQUAREM extrapolation, a restart) is
 * one L² again.
 *
 * Kept per S (one fit): the last M-step's rows only, matched by their exact values, so a
 * product is never returned for another θ; the updated Sθ + t·Sd differs from a fresh
 * S(θ + t d) only by rounding (these spreads are compared with thresholds of tens of nats).
 */

import { matVecFour } from '../math/four-vectors.ts';

interface Remembered {
  row: Float64Array;
  product: Float64Array;
}

const memory = new WeakMap<Float64Array, Remembered[]>();

/**
 * S·x_k for the rows k of the K×L block X with `rows[k]` (0 elsewhere), S symmetric: four
 * rows per read of S (math/four-vectors.ts).
 */
export function designTimesRows(S: Float64Array, X: Float64Array, rows: readonly boolean[], L: number): Float64Array {
  const out = new Float64Array(X.length);
  const ks = rows.flatMap((on, k) => (on ? [k] : []));
  for (let i = 0; i < ks.length; i += 4) {
    // a group of up to four rows; a short group repeats its last row (the same sums again)
    const offsets = [0, 1, 2, 3].map((j) => ks[Math.min(i + j, ks.length - 1)] * L) as [number, number, number, number];
    matVecFour(S, L, L, X, offsets).forEach((y, q) => out.set(y, offsets[q]));
  }
  return out;
}

/**
 * S·θ_k for the rows k of the K×L block `theta` with `rows[k]`: remembered where this exact
 * row was the last M-step's result with this S, else formed (L² each, in one read of S).
 */
export function designTimesAtoms(S: Float64Array, theta: Float64Array, rows: readonly boolean[], L: number): Float64Array {
  const remembered = memory.get(S) ?? [];
  const found = rows.map((on, k) => (on ? remembered.find((r) => sameRow(r.row, theta, k * L, L)) : undefined));
  const out = designTimesRows(S, theta, rows.map((on, k) => on && !found[k]), L);
  found.forEach((r, k) => r && out.set(r.product, k * L));
  return out;
}

/**
 * Remembers the M-step's result: `products` (K×L) holds S·θ_k for the rows k of `theta` with
 * `known[k]`. Replaces what was remembered for S before.
 */
export function rememberDesignTimes(S: Float64Array, theta: Float64Array, products: Float64Array, known: readonly boolean[], L: number): void {
  const rows: Remembered[] = [];
  known.forEach((on, k) => {
    if (on) rows.push({ row: theta.slice(k * L, k * L + L), product: products.slice(k * L, k * L + L) });
  });
  memory.set(S, rows);
}

/** √(xᵀ(Sx)) given Sx: the spread of the scores (clamped at 0 against rounding). */
export function spreadOf(x: Float64Array, Sx: Float64Array, L: number, off = 0): number {
  let q = 0;
  for (let a = 0; a < L; a++) q += x[off + a] * Sx[a];
  return Math.sqrt(Math.max(q, 0));
}

function sameRow(row: Float64Array, theta: Float64Array, off: number, L: number): boolean {
  for (let a = 0; a < L; a++) if (row[a] !== theta[off + a]) return false;
  return true;
}
