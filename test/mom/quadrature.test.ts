// Univariate moment problems: Gauss quadrature, Hermite from power moments, denoising.
import { describe, it, expect } from 'vitest';
import { Rng } from '../../src/math/rng.ts';
import { gaussQuadrature, hermiteFromPower, chebyshevAlgorithm, projectOntoMomentSpace } from '../../src/mom/quadrature.ts';

describe('the univariate route on exact moments', () => {
  for (let K = 1; K <= 4; K++) {
    it(`Gauss quadrature recovers ${K} atoms and weights from m_0..m_{2K−1} to 1e-8`, () => {
      const rng = new Rng(40 + K);
      const nodes = Float64Array.from({ length: K }, (_, k) => -2 + (4 * (k + 0.3 + 0.4 * rng.uniform())) / K);
      const weights = Float64Array.from({ length: K }, () => 0.5 + rng.uniform());
      const tw = weights.reduce((a, b) => a + b, 0);
      for (let k = 0; k < K; k++) weights[k] /= tw;
      const m = Float64Array.from({ length: 2 * K }, (_, r) => nodes.reduce((s, b, k) => s + weights[k] * b ** r, 0));
      for (const support of [undefined, [-4, 4] as [number, number]]) {
        const q = gaussQuadrature(m, K, { support });
        expect(q.ok).toBe(true);
        if (!q.ok) return;
        expect(q.denoised).toBe(false);
        for (let k = 0; k < K; k++) {
          expect(Math.abs(q.nodes[k] - nodes[k])).toBeLessThan(1e-8);
          expect(Math.abs(q.weights[k] - weights[k])).toBeLessThan(1e-8);
        }
      }
    });
  }

  it('Hermite moments from power moments: He_r moments of N(b, 1) are b^r', () => {
    const b = 0.7;
    const raw = [1, b];
    for (let r = 2; r <= 9; r++) raw.push(b * raw[r - 1] + (r - 1) * raw[r - 2]);
    const m = hermiteFromPower(raw);
    for (let r = 0; r <= 9; r++) expect(m[r]).toBeCloseTo(b ** r, 12);
  });
});

describe('denoising invalid moment sequences', () => {
  it('a sequence with negative variance is projected onto moments of measures on the support', () => {
    const m = Float64Array.of(1, 0.3, 0.05, 0.2); // m_2 − m_1² < 0: no measure has these
    expect(chebyshevAlgorithm(m, 2)).toBeNull();
    const noSupport = gaussQuadrature(m, 2);
    expect(noSupport.ok).toBe(false);
    const q = gaussQuadrature(m, 2, { support: [-3, 3] });
    expect(q.ok).toBe(true);
    if (!q.ok) return;
    expect(q.denoised).toBe(true);
    expect(q.adjustment).toBeGreaterThan(0);
    expect(q.weights[0] + q.weights[1]).toBeCloseTo(1, 14);
    expect(Math.abs(q.weights[0] * q.nodes[0] + q.weights[1] * q.nodes[1] - 0.3)).toBeLessThan(0.05);
    for (let k = 0; k < 2; k++) {
      expect(q.weights[k]).toBeGreaterThan(0);
      expect(Math.abs(q.nodes[k])).toBeLessThanOrEqual(3);
    }
  });

  it('the projection leaves a valid sequence unchanged', () => {
    const nodes = [-1.2, 0.1, 1.4];
    const weights = [0.3, 0.3, 0.4];
    const m = Float64Array.from({ length: 6 }, (_, r) => nodes.reduce((s, b, k) => s + weights[k] * b ** r, 0));
    const proj = projectOntoMomentSpace(m, 3, [-2, 2]);
    for (let r = 0; r < 6; r++) expect(Math.abs(proj.moments[r] - m[r])).toBeLessThan(1e-9);
  });

  it('noisy high-order moments of 3 atoms: atoms stay in the support', () => {
    const nodes = [-1.2, 0.1, 1.4];
    const weights = [0.3, 0.3, 0.4];
    const m = Float64Array.from({ length: 6 }, (_, r) => nodes.reduce((s, b, k) => s + weights[k] * b ** r, 0));
    m[4] -= 0.6; // push the two top moments out of the moment space of measures on [−2, 2]
    m[5] += 3;
    expect(gaussQuadrature(m, 3, { support: [-2, 2], denoise: false }).ok).toBe(false);
    const q = gaussQuadrature(m, 3, { support: [-2, 2] });
    expect(q.ok).toBe(true);
    if (!q.ok) return;
    expect(q.denoised).toBe(true);
    for (let k = 0; k < 3; k++) {
      expect(Math.abs(q.nodes[k])).toBeLessThanOrEqual(2);
      expect(q.weights[k]).toBeGreaterThan(0);
    }
  });

  it('fails with a reason when the projection is carried by fewer than K atoms', () => {
    const q = gaussQuadrature(Float64Array.of(1, 0, -0.1, 0), 2, { support: [-3, 3] });
    expect(q.ok).toBe(false);
    if (q.ok) return;
    expect(q.reason).toMatch(/carried by 1 atom/);
  });
});
