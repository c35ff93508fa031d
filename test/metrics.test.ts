import { describe, expect, it } from 'vitest';
import { Rng } from '../src/math/rng.ts';
import { hungarian, informationCriteria, matchComponents, totalVariation } from '../src/model/metrics.ts';
import { wasserstein1 } from '../src/model/transport.ts';

// Tolerances: every quantity here is O(1) and computed in float64 by two different
// summation orders (solver vs. independent reference), so they agree to a few ulps
// times the number of terms (≤ ~100): 1e-12 relative leaves a wide margin while still
// catching any genuinely wrong assignment or transport plan (errors of order 1e-2 or more).
const REL = 1e-12;

function expectClose(actual: number, expected: number, rel = REL): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) {
    for (let pos = 0; pos <= rest.length; pos++) out.push([...rest.slice(0, pos), n - 1, ...rest.slice(pos)]);
  }
  return out;
}

function assignmentCost(cost: Float64Array, n: number, assign: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += cost[i * n + assign[i]];
  return s;
}

function bruteForceMin(cost: Float64Array, n: number): number {
  let best = Infinity;
  for (const p of permutations(n)) best = Math.min(best, assignmentCost(cost, n, p));
  return best;
}

function expectPermutation(assign: Int32Array, n: number): void {
  expect(assign.length).toBe(n);
  expect([...assign].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
}

/** Random weights (positive, not normalised) and atoms. */
function randomMeasure(rng: Rng, K: number, L: number): { alpha: Float64Array; theta: Float64Array } {
  const alpha = new Float64Array(K);
  for (let k = 0; k < K; k++) alpha[k] = 0.05 + rng.uniform();
  return { alpha, theta: rng.normals(K * L) };
}

/**
 * W1 on the real line computed independently of any transport solver:
 * ∫ |F(x) − G(x)| dx, with F, G the (normalised) CDFs, integrated between
 * consecutive atoms where both are constant.
 */
function lineW1(xa: ArrayLike<number>, wa: ArrayLike<number>, xb: ArrayLike<number>, wb: ArrayLike<number>): number {
  const sum = (w: ArrayLike<number>) => Array.from(w).reduce((s, v) => s + v, 0);
  const ta = sum(wa);
  const tb = sum(wb);
  const events = [
    ...Array.from(xa, (x, i) => ({ x, dF: wa[i] / ta, dG: 0 })),
    ...Array.from(xb, (x, i) => ({ x, dF: 0, dG: wb[i] / tb })),
  ].sort((p, q) => p.x - q.x);
  let F = 0;
  let G = 0;
  let total = 0;
  for (let e = 0; e < events.length; e++) {
    F += events[e].dF;
    G += events[e].dG;
    if (e + 1 < events.length) total += Math.abs(F - G) * (events[e + 1].x - events[e].x);
  }
  return total;
}

describe('hungarian', () => {
  it('matches brute force over all permutations on random matrices, n = 1..7', () => {
    const rng = new Rng(20240601);
    for (let n = 1; n <= 7; n++) {
      for (let trial = 0; trial < 20; trial++) {
        const cost = new Float64Array(n * n);
        // Mix of scales and signs, plus some repeated values to exercise ties.
        for (let c = 0; c < n * n; c++) cost[c] = trial % 3 === 0 ? rng.int(4) : 10 * rng.normal();
        const assign = hungarian(cost, n);
        expectPermutation(assign, n);
        expectClose(assignmentCost(cost, n, assign), bruteForceMin(cost, n));
      }
    }
  });

  it('finds the anti-diagonal when it is the only cheap assignment', () => {
    const n = 5;
    const cost = new Float64Array(n * n).fill(1);
    for (let i = 0; i < n; i++) cost[i * n + (n - 1 - i)] = 0;
    expect(Array.from(hungarian(cost, n))).toEqual([4, 3, 2, 1, 0]);
  });

  it('handles n = 0', () => {
    expect(hungarian(new Float64Array(0), 0).length).toBe(0);
  });

  it('rejects non-finite costs and wrong sizes', () => {
    expect(() => hungarian(Float64Array.of(1, NaN, 2, 3), 2)).toThrow(/not finite/);
    expect(() => hungarian(Float64Array.of(1, Infinity, 2, 3), 2)).toThrow(/not finite/);
    expect(() => hungarian(Float64Array.of(1, 2, 3), 2)).toThrow(/n×n/);
  });
});

describe('matchComponents', () => {
  it('recovers the permutation with zero error on a permuted truth', () => {
    const rng = new Rng(7);
    const K = 6;
    const L = 3;
    const truth = randomMeasure(rng, K, L);
    const sigma = [3, 0, 5, 1, 4, 2]; // truth k -> estimate index
    const estimate = { alpha: new Float64Array(K), theta: new Float64Array(K * L) };
    for (let k = 0; k < K; k++) {
      estimate.alpha[sigma[k]] = truth.alpha[k];
      for (let l = 0; l < L; l++) estimate.theta[sigma[k] * L + l] = truth.theta[k * L + l];
    }
    const m = matchComponents(estimate, truth, K, L);
    expect(Array.from(m.permutation)).toEqual(sigma);
    expect(m.thetaError).toBe(0);
    expect(m.alphaError).toBe(0);
  });

  it('reports the worst matched errors after a small perturbation', () => {
    const rng = new Rng(11);
    const K = 4;
    const L = 2;
    // Atoms far apart (on a circle of radius 5) so a 0.01 perturbation cannot change the matching.
    const truthTheta = new Float64Array(K * L);
    for (let k = 0; k < K; k++) {
      truthTheta[k * L] = 5 * Math.cos((2 * Math.PI * k) / K);
      truthTheta[k * L + 1] = 5 * Math.sin((2 * Math.PI * k) / K);
    }
    const truth = { alpha: [0.4, 0.3, 0.2, 0.1], theta: truthTheta };
    const sigma = [2, 3, 1, 0];
    const estimate = { alpha: new Float64Array(K), theta: new Float64Array(K * L) };
    let thetaErr = 0;
    let alphaErr = 0;
    for (let k = 0; k < K; k++) {
      const da = 0.01 * rng.normal();
      estimate.alpha[sigma[k]] = truth.alpha[k] + da;
      alphaErr = Math.max(alphaErr, Math.abs(truth.alpha[k] + da - truth.alpha[k]));
      let s = 0;
      for (let l = 0; l < L; l++) {
        const v = truthTheta[k * L + l] + 0.01 * rng.normal();
        estimate.theta[sigma[k] * L + l] = v;
        s += (v - truthTheta[k * L + l]) ** 2;
      }
      thetaErr = Math.max(thetaErr, Math.sqrt(s));
    }
    const m = matchComponents(estimate, truth, K, L);
    expect(Array.from(m.permutation)).toEqual(sigma);
    expectClose(m.thetaError, thetaErr);
    expectClose(m.alphaError, alphaErr);
    expect(m.thetaError).toBeGreaterThan(0);
  });

  it('names both K when estimate and truth differ', () => {
    const est = { alpha: [0.5, 0.5], theta: [0, 1] };
    const tru = { alpha: [1 / 3, 1 / 3, 1 / 3], theta: [0, 1, 2] };
    expect(() => matchComponents(est, tru, 3, 1)).toThrow(/K = 2.*K = 3/);
  });

  it('rejects a theta of the wrong size', () => {
    expect(() => matchComponents({ alpha: [1], theta: [0, 1] }, { alpha: [1], theta: [0] }, 1, 1)).toThrow(/theta/);
  });
});

describe('wasserstein1', () => {
  it('is the distance between atoms when each side has one atom', () => {
    const a = { alpha: [2], theta: [1, 2, 3] };
    const b = { alpha: [0.7], theta: [4, 6, 3] };
    expectClose(wasserstein1(a, b, 3), 5);
  });

  it('is Σ β_j |θ − θ_j| when one side has a single atom', () => {
    const rng = new Rng(3);
    const L = 3;
    const a = { alpha: [1], theta: rng.normals(L) };
    const b = randomMeasure(rng, 5, L);
    const total = b.alpha.reduce((s, v) => s + v, 0);
    let expected = 0;
    for (let j = 0; j < 5; j++) {
      let d2 = 0;
      for (let l = 0; l < L; l++) d2 += (a.theta[l] - b.theta[j * L + l]) ** 2;
      expected += (b.alpha[j] / total) * Math.sqrt(d2);
    }
    expectClose(wasserstein1(a, b, L), expected);
    expectClose(wasserstein1(b, a, L), expected);
  });

  it('equals ∫|F − G| for random measures on a line (different numbers of atoms)', () => {
    const rng = new Rng(99);
    for (let trial = 0; trial < 60; trial++) {
      const Ka = 1 + rng.int(6);
      const Kb = 1 + rng.int(6);
      const a = randomMeasure(rng, Ka, 1);
      const b = randomMeasure(rng, Kb, 1);
      // Every few trials use dyadic weights, which create exact ties (degenerate pivots).
      if (trial % 4 === 0) {
        a.alpha.fill(1);
        b.alpha.fill(1);
        if (Ka > 1) a.alpha[0] = 2;
      }
      expectClose(wasserstein1(a, b, 1), lineW1(a.theta, a.alpha, b.theta, b.alpha));
    }
  });

  it('equals the 1-D value for a line embedded in R^3 along a random direction', () => {
    const rng = new Rng(5);
    const dir = rng.normals(3);
    const norm = Math.hypot(dir[0], dir[1], dir[2]);
    const offset = rng.normals(3);
    const embed = (x: Float64Array) => {
      const t = new Float64Array(x.length * 3);
      for (let k = 0; k < x.length; k++) for (let l = 0; l < 3; l++) t[k * 3 + l] = offset[l] + (x[k] * dir[l]) / norm;
      return t;
    };
    const a = randomMeasure(rng, 4, 1);
    const b = randomMeasure(rng, 7, 1);
    const w3 = wasserstein1({ alpha: a.alpha, theta: embed(a.theta) }, { alpha: b.alpha, theta: embed(b.theta) }, 3);
    // Embedding adds rounding in every coordinate, hence a slightly looser 1e-11.
    expectClose(w3, lineW1(a.theta, a.alpha, b.theta, b.alpha), 1e-11);
  });

  it('equals the best assignment cost / K for uniform weights and equal K (Birkhoff)', () => {
    const rng = new Rng(1234);
    for (let trial = 0; trial < 30; trial++) {
      const K = 1 + rng.int(7);
      const L = 1 + rng.int(4);
      const a = { alpha: new Float64Array(K).fill(1), theta: rng.normals(K * L) };
      const b = { alpha: new Float64Array(K).fill(1), theta: rng.normals(K * L) };
      const cost = new Float64Array(K * K);
      for (let i = 0; i < K; i++) {
        for (let j = 0; j < K; j++) {
          let d2 = 0;
          for (let l = 0; l < L; l++) d2 += (a.theta[i * L + l] - b.theta[j * L + l]) ** 2;
          cost[i * K + j] = Math.sqrt(d2);
        }
      }
      expectClose(wasserstein1(a, b, L), bruteForceMin(cost, K) / K);
    }
  });

  it('is 0 between identical measures, also with atoms listed in another order', () => {
    const rng = new Rng(8);
    const a = randomMeasure(rng, 6, 2);
    expect(wasserstein1(a, a, 2)).toBeLessThan(1e-14);
    const order = [4, 2, 0, 5, 1, 3];
    const b = { alpha: new Float64Array(6), theta: new Float64Array(12) };
    order.forEach((src, dst) => {
      b.alpha[dst] = a.alpha[src];
      b.theta[dst * 2] = a.theta[src * 2];
      b.theta[dst * 2 + 1] = a.theta[src * 2 + 1];
    });
    expect(wasserstein1(a, b, 2)).toBeLessThan(1e-14);
  });

  it('is symmetric, invariant to weight scale, and satisfies the triangle inequality', () => {
    const rng = new Rng(42);
    const L = 2;
    for (let trial = 0; trial < 40; trial++) {
      const a = randomMeasure(rng, 1 + rng.int(6), L);
      const b = randomMeasure(rng, 1 + rng.int(6), L);
      const c = randomMeasure(rng, 1 + rng.int(6), L);
      const ab = wasserstein1(a, b, L);
      const bc = wasserstein1(b, c, L);
      const ac = wasserstein1(a, c, L);
      expectClose(wasserstein1(b, a, L), ab);
      expectClose(wasserstein1({ alpha: a.alpha.map((w) => 3.5 * w), theta: a.theta }, b, L), ab);
      expect(ac).toBeLessThanOrEqual((ab + bc) * (1 + REL));
      expect(ab).toBeGreaterThan(0);
    }
  });

  it('ignores atoms with zero weight', () => {
    const a = { alpha: [0.5, 0, 0.5], theta: [0, 100, 2] };
    const b = { alpha: [1], theta: [1] };
    expectClose(wasserstein1(a, b, 1), 1);
  });

  it('rejects negative weights, zero totals and mis-sized atoms', () => {
    const b = { alpha: [1], theta: [0] };
    expect(() => wasserstein1({ alpha: [0.5, -0.1], theta: [0, 1] }, b, 1)).toThrow(/negative/);
    expect(() => wasserstein1({ alpha: [0, 0], theta: [0, 1] }, b, 1)).toThrow(/sums to 0/);
    expect(() => wasserstein1(b, { alpha: [0, 0], theta: [0, 1] }, 1)).toThrow(/b\.alpha sums to 0/);
    expect(() => wasserstein1({ alpha: [1, 1], theta: [0, 1, 2] }, b, 1)).toThrow(/theta/);
    expect(() => wasserstein1({ alpha: [], theta: [] }, b, 1)).toThrow(/no atoms/);
  });
});

describe('totalVariation', () => {
  it('matches a hand computation', () => {
    // ½(|0.4 − 0.5| + |0.4 − 0.3| + 0) = 0.1; the decimals are not exact in binary, so
    // compare to a few ulps of 0.1 rather than with toBe.
    expect(Math.abs(totalVariation([0.5, 0.3, 0.2], [0.4, 0.4, 0.2]) - 0.1)).toBeLessThan(1e-15);
    // Exactly representable values give an exact answer: ½(0.25 + 0.25 + 0.5) = 0.5.
    expect(totalVariation([0.5, 0.25, 0.25, 0], [0.25, 0.5, 0, 0.25])).toBe(0.5);
    expect(totalVariation([1, 0], [0, 1])).toBe(1);
    expect(totalVariation([0.2, 0.8], [0.2, 0.8])).toBe(0);
  });

  it('rejects a length mismatch', () => {
    expect(() => totalVariation([0.5, 0.5], [1])).toThrow(/length 2.*length 1/);
  });
});

describe('informationCriteria', () => {
  it('matches hand values', () => {
    // K = 3, L = 2: P = 3·3 − 1 = 8. −2ℓ = 2469; 8·ln 1000 = 55.262042231857096.
    const r = informationCriteria(-1234.5, 3, 2, 1000);
    expect(r.parameters).toBe(8);
    expectClose(r.bic, 2524.262042231857);
    expect(r.aic).toBe(2485);
  });

  it('penalises extra components', () => {
    const small = informationCriteria(-500, 2, 4, 10_000);
    const big = informationCriteria(-500, 3, 4, 10_000);
    expect(big.parameters - small.parameters).toBe(5);
    expectClose(big.bic - small.bic, 5 * Math.log(10_000));
    expect(big.aic - small.aic).toBe(10);
  });

  it('rejects bad arguments', () => {
    expect(() => informationCriteria(NaN, 2, 2, 10)).toThrow(/logLik/);
    expect(() => informationCriteria(-1, 0, 2, 10)).toThrow(/K/);
    expect(() => informationCriteria(-1, 2, 2, 0)).toThrow(/N/);
  });
});
