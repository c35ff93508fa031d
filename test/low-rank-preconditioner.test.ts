/**
 * The low-rank-plus-diagonal preconditioner of Newton–CG at large L (src/em/low-rank-preconditioner.ts):
 * its Woodbury apply inverts exactly the P = D + VΛVᵀ it built, and P matches a covariance
 * whose spectrum is a few large directions over a flat bulk (what embeddings look like).
 */
import { describe, it, expect } from 'vitest';
import { applyLowRankPlusDiagonal, lowRankPlusDiagonal } from '../src/em/low-rank-preconditioner.ts';
import { preconditionerFor } from '../src/em/newton-cg.ts';
import { Rng } from '../src/math/rng.ts';
import { symmetricEigen } from '../src/math/linalg.ts';

/** S = U diag(spikes) Uᵀ + diag(bulk) for a random orthonormal-ish U (L × spikes.length). */
function spiked(L: number, spikes: number[], bulk: (a: number) => number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const S = new Float64Array(L * L);
  for (const s of spikes) {
    const u = Float64Array.from({ length: L }, () => rng.normal());
    const n = Math.hypot(...u);
    for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) S[a * L + b] += (s * u[a] * u[b]) / (n * n);
  }
  for (let a = 0; a < L; a++) S[a * L + a] += bulk(a);
  return S;
}

/** P = D + VΛVᵀ rebuilt densely from the preconditioner's parts. */
function dense(P: ReturnType<typeof lowRankPlusDiagonal>, L: number): Float64Array {
  const M = new Float64Array(L * L);
  for (let a = 0; a < L; a++) M[a * L + a] = 1 / P.dInv[a];
  for (let i = 0; i < P.r; i++) for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) M[a * L + b] += P.values[i] * P.V[i * L + a] * P.V[i * L + b];
  return M;
}

describe('low-rank-plus-diagonal preconditioner', () => {
  it('applies exactly the inverse of the P it built (Woodbury), for the rows asked', () => {
    const L = 40;
    const S = spiked(L, [50, 20, 9], (a) => 0.5 + 0.01 * a, 3);
    const P = lowRankPlusDiagonal(S, L, 0.1, 6);
    expect(P.r).toBe(6);
    const M = dense(P, L);
    const rng = new Rng(4);
    // 5 rows asked of 7: they go through in groups of four, so one full group and a tail
    const rows = [true, false, true, true, true, false, true];
    const K = rows.length;
    const g = Float64Array.from({ length: K * L }, () => rng.normal());
    const out = applyLowRankPlusDiagonal(P, L, g, rows);
    for (const k of [0, 2, 3, 4, 6]) {
      // P · (P⁻¹ g) = g to float64 rounding times P's condition (≈ 10³ here)
      for (let a = 0; a < L; a++) {
        let s = 0;
        for (let b = 0; b < L; b++) s += M[a * L + b] * out[k * L + b];
        expect(Math.abs(s - g[k * L + a])).toBeLessThan(1e-10 * Math.hypot(...g.subarray(k * L, k * L + L)));
      }
    }
    for (const k of [1, 5]) for (let a = 0; a < L; a++) expect(out[k * L + a]).toBe(0);
  });

  it('captures the spikes: P⁻¹S is near the identity where S is spikes over a flat bulk', () => {
    const L = 120;
    const spikes = [400, 150, 60, 30, 12];
    const S = spiked(L, spikes, () => 1, 7);
    const P = lowRankPlusDiagonal(S, L, 0, 8);
    // the top eigenvalues found are S's: the range finder's subspace error after two power
    // iterations is about (1/13)³ for the smallest spike (13 = its eigenvalue over the bulk's),
    // and a Rayleigh quotient's error is its square, 2·10⁻⁷; 10⁻⁴ leaves room
    const exact = symmetricEigen(S, L).values;
    for (let i = 0; i < spikes.length; i++) expect(Math.abs(P.values[i] - exact[i]) / exact[i]).toBeLessThan(1e-4);
    // the preconditioned operator's spread of Rayleigh quotients over random vectors stays
    // within a factor 2 (S itself spans 400×)
    const rng = new Rng(8);
    const rows = [true];
    let lo = Infinity;
    let hi = 0;
    for (let t = 0; t < 30; t++) {
      const v = Float64Array.from({ length: L }, () => rng.normal());
      const Sv = new Float64Array(L);
      for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) Sv[a] += S[a * L + b] * v[b];
      const w = applyLowRankPlusDiagonal(P, L, Sv, rows);
      let vw = 0;
      let vv = 0;
      for (let a = 0; a < L; a++) {
        vw += v[a] * w[a];
        vv += v[a] * v[a];
      }
      lo = Math.min(lo, vw / vv);
      hi = Math.max(hi, vw / vv);
    }
    expect(hi / lo).toBeLessThan(2);
  });

  it("'auto' keeps the exact factor up to 256 features on a device and 2048 on the cpu engine", () => {
    expect(preconditionerFor('auto', 256, 'webgpu')).toBe('exact');
    expect(preconditionerFor(undefined, 257, 'webgpu')).toBe('lowRank');
    expect(preconditionerFor('auto', 2048, 'cpu')).toBe('exact');
    expect(preconditionerFor('auto', 2049, 'cpu')).toBe('lowRank');
    expect(preconditionerFor('lowRank', 8, 'cpu')).toBe('lowRank');
    expect(preconditionerFor('exact', 4096, 'webgpu')).toBe('exact');
  });
});
