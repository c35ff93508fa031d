import { describe, it, expect } from 'vitest';
import { Rng } from '../src/math/rng.ts';
import { createCpuEngine } from '../src/engines/cpu.ts';
import type { Engine, EngineCounters, LatentCountMoments, ProjectedMoments } from '../src/engines/engine.ts';
import { simulate } from '../src/model/simulate.ts';
import { makeDataset, designStats } from '../src/model/data.ts';
import { matchComponents } from '../src/model/metrics.ts';
import { inverseSqrt } from '../src/model/starts.ts';
import { symmetricEigen, spectralFunction, matVec, matMul, transpose } from '../src/math/linalg.ts';
import {
  decomposeOrthogonalTensor,
  subspaceFromSecondMoment,
  whitening,
  tensorMom,
  gaussQuadrature,
  hermiteFromPower,
  momEstimate,
  subspaceStarts,
  subspaceStart,
  chebyshevAlgorithm,
  momentSupportRadius,
  projectOntoMomentSpace,
  type MomSuccess,
} from '../src/mom/mom.ts';

// ---------------------------------------------------------------------------
// Helpers

function randomOrthonormal(K: number, rng: Rng): Float64Array {
  // eigenvectors of a random symmetric matrix: columns of a row-major K×K matrix
  const A = new Float64Array(K * K);
  for (let i = 0; i < K; i++) for (let j = 0; j <= i; j++) A[i * K + j] = A[j * K + i] = rng.normal();
  return symmetricEigen(A, K).vectors;
}

function randomSpd(L: number, rng: Rng): Float64Array {
  const B = Float64Array.from(rng.normals(L * L));
  const S = matMul(B, transpose(B, L, L), L, L, L);
  for (let i = 0; i < L; i++) S[i * L + i] += 0.5 * L;
  return S;
}

function randomMixture(K: number, L: number, rng: Rng, norm = 1.5): { alpha: Float64Array; beta: Float64Array } {
  const alpha = Float64Array.from({ length: K }, () => 0.5 + rng.uniform());
  const total = alpha.reduce((a, b) => a + b, 0);
  for (let k = 0; k < K; k++) alpha[k] /= total;
  const beta = new Float64Array(K * L);
  for (let k = 0; k < K; k++) {
    const g = rng.normals(L);
    const n = Math.hypot(...g);
    const scale = norm * (0.6 + 0.8 * rng.uniform());
    for (let l = 0; l < L; l++) beta[k * L + l] = (scale * g[l]) / n;
  }
  return { alpha, beta };
}

/** Max over matched pairs (true k ↔ estimated σ(k)) of the atom distance, and of the weight difference. */
function matchedErrors(estAlpha: ArrayLike<number>, estAtoms: ArrayLike<number>, alpha: ArrayLike<number>, atoms: ArrayLike<number>, K: number, L: number) {
  const m = matchComponents({ alpha: estAlpha, theta: estAtoms }, { alpha, theta: atoms }, K, L);
  return { atom: m.thetaError, weight: m.alphaError };
}

/**
 * An Engine whose "data" is the population: z ~ Σ α_k N(β_k, I), x = S^{1/2} z. Its raw
 * moments are exactly those the Hermite corrections assume, so the latent moments it
 * implies are exactly M_r = Σ α_k β_k^{⊗r}: momEstimate must invert them exactly.
 */
class PopulationEngine implements Engine {
  readonly backend = 'cpu' as const;
  readonly unitRoundoff = 2 ** -53;
  readonly p: number;
  readonly N = 1;
  readonly device = { backend: 'cpu' as const, description: 'exact population moments (test)' };
  readonly counters: EngineCounters = { passes: 0, dispatches: 0, bytesRead: 0 };
  private readonly sqrtS: Float64Array;

  constructor(
    readonly L: number,
    private readonly alpha: Float64Array,
    private readonly beta: Float64Array,
    S: Float64Array,
    p = 1e6,
  ) {
    this.p = p;
    this.sqrtS = spectralFunction(symmetricEigen(S, L), L, Math.sqrt);
  }
  private get K() {
    return this.alpha.length;
  }
  private b(k: number) {
    return this.beta.subarray(k * this.L, (k + 1) * this.L);
  }
  async eStep(): Promise<never> {
    throw new Error('not used');
  }
  async softmaxStats(): Promise<never> {
    throw new Error('not used');
  }
  async pairMoments(): Promise<never> {
    throw new Error('not used');
  }
  async residualMoments(): Promise<never> {
    throw new Error('not used');
  }
  async countMoments(): Promise<LatentCountMoments> {
    this.counters.passes++;
    const { L, K } = this;
    const mz = new Float64Array(L);
    const Mz = new Float64Array(L * L);
    for (let k = 0; k < K; k++) {
      const b = this.b(k);
      for (let i = 0; i < L; i++) {
        mz[i] += this.alpha[k] * b[i];
        for (let j = 0; j < L; j++) Mz[i * L + j] += this.alpha[k] * b[i] * b[j];
      }
    }
    for (let i = 0; i < L; i++) Mz[i * L + i] += 1;
    return { mean: matVec(this.sqrtS, L, L, mz), second: matMul(matMul(this.sqrtS, Mz, L, L, L), this.sqrtS, L, L, L) };
  }
  async projectedMoments(P: Float64Array, Kp: number): Promise<ProjectedMoments> {
    this.counters.passes++;
    const { L, K } = this;
    const Q = matMul(P, this.sqrtS, Kp, L, L); // y = Q z
    const C = matMul(Q, transpose(Q, Kp, L), Kp, L, Kp);
    const first = new Float64Array(Kp);
    const third = new Float64Array(Kp * Kp * Kp);
    for (let k = 0; k < K; k++) {
      const m = matVec(Q, Kp, L, this.b(k));
      const w = this.alpha[k];
      for (let a = 0; a < Kp; a++) {
        first[a] += w * m[a];
        for (let b = 0; b < Kp; b++)
          for (let c = 0; c < Kp; c++)
            third[(a * Kp + b) * Kp + c] += w * (m[a] * m[b] * m[c] + m[a] * C[b * Kp + c] + m[b] * C[a * Kp + c] + m[c] * C[a * Kp + b]);
      }
    }
    return { first, third };
  }
  /** E t^r for t ~ N(mean, var): E t^r = mean E t^{r−1} + (r−1) var E t^{r−2}. */
  private gaussianPowers(mean: number, variance: number, R: number): Float64Array {
    const e = new Float64Array(R + 1);
    e[0] = 1;
    if (R >= 1) e[1] = mean;
    for (let r = 2; r <= R; r++) e[r] = mean * e[r - 1] + (r - 1) * variance * e[r - 2];
    return e;
  }
  async directionMoments(d: Float64Array, R: number): Promise<Float64Array> {
    this.counters.passes++;
    const c = matVec(this.sqrtS, this.L, this.L, d); // t = c·z
    const out = new Float64Array(R + 1);
    for (let k = 0; k < this.K; k++) {
      const e = this.gaussianPowers(dotArr(c, this.b(k)), dotArr(c, c), R);
      for (let r = 0; r <= R; r++) out[r] += this.alpha[k] * e[r];
    }
    return out;
  }
  /** E[x t^r] = S^{1/2} E[z t^r], E[z t^r] = β E t^r + r c E t^{r−1} (Stein). */
  async directionCrossMoments(d: Float64Array, R: number): Promise<Float64Array> {
    this.counters.passes++;
    const { L } = this;
    const c = matVec(this.sqrtS, L, L, d);
    const zc = new Float64Array((R + 1) * L);
    for (let k = 0; k < this.K; k++) {
      const b = this.b(k);
      const e = this.gaussianPowers(dotArr(c, b), dotArr(c, c), R);
      for (let r = 0; r <= R; r++)
        for (let l = 0; l < L; l++) zc[r * L + l] += this.alpha[k] * (b[l] * e[r] + (r > 0 ? r * c[l] * e[r - 1] : 0));
    }
    const out = new Float64Array((R + 1) * L);
    for (let r = 0; r <= R; r++) out.set(matVec(this.sqrtS, L, L, zc.subarray(r * L, r * L + L)), r * L);
    return out;
  }
  dispose(): void {}
}

function dotArr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** θ = S^{-1/2} β for every row. */
function toTheta(beta: Float64Array, K: number, L: number, S: Float64Array): Float64Array {
  const inv = inverseSqrt(S, L);
  const theta = new Float64Array(K * L);
  for (let k = 0; k < K; k++) theta.set(matVec(inv, L, L, beta.subarray(k * L, k * L + L)), k * L);
  return theta;
}

// ---------------------------------------------------------------------------
// Pieces on exact inputs

describe('orthogonal tensor decomposition (Jennrich + power refinement)', () => {
  for (let K = 2; K <= 6; K++) {
    it(`recovers a planted Σ λ_k v_k^⊗3 to 1e-8 (K = ${K})`, () => {
      const rng = new Rng(100 + K);
      const V = randomOrthonormal(K, rng);
      const lambda = Float64Array.from({ length: K }, () => 1 + 2 * rng.uniform());
      // one planted with a negative sign: λ (−v)^⊗3 = −λ v^⊗3 must come back as (λ, −v)
      const sign = Float64Array.from({ length: K }, (_, k) => (k === 1 ? -1 : 1));
      const T = new Float64Array(K * K * K);
      for (let k = 0; k < K; k++)
        for (let a = 0; a < K; a++)
          for (let b = 0; b < K; b++)
            for (let c = 0; c < K; c++) T[(a * K + b) * K + c] += sign[k] * lambda[k] * V[a * K + k] * V[b * K + k] * V[c * K + k];
      const dec = decomposeOrthogonalTensor(T, K, new Rng(7));
      expect(dec.refined).toBe(true);
      const used = new Set<number>();
      for (let k = 0; k < K; k++) {
        const vk = Float64Array.from({ length: K }, (_, a) => sign[k] * V[a * K + k]);
        let best = -1;
        let bestDot = -Infinity;
        for (let j = 0; j < K; j++) {
          const d = dotArr(vk, dec.vectors.subarray(j * K, j * K + K));
          if (d > bestDot) [best, bestDot] = [j, d];
        }
        expect(used.has(best)).toBe(false);
        used.add(best);
        for (let a = 0; a < K; a++) expect(Math.abs(dec.vectors[best * K + a] - vk[a])).toBeLessThan(1e-8);
        expect(Math.abs(dec.lambda[best] - lambda[k])).toBeLessThan(1e-8);
      }
    });
  }
});

describe('whitening', () => {
  for (const [K, L] of [
    [2, 2],
    [3, 7],
    [5, 12],
  ]) {
    it(`Wᵀ M₂ W = I to 1e-10 for exact M₂ = Σ α_k β_k β_kᵀ (K = ${K}, L = ${L})`, () => {
      const rng = new Rng(K * 31 + L);
      const { alpha, beta } = randomMixture(K, L, rng);
      const M2 = new Float64Array(L * L);
      for (let k = 0; k < K; k++)
        for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) M2[a * L + b] += alpha[k] * beta[k * L + a] * beta[k * L + b];
      const sub = subspaceFromSecondMoment(M2, L, K);
      const W = whitening(sub);
      const WtMW = matMul(matMul(transpose(W, L, K), M2, K, L, L), W, K, L, K);
      for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) expect(Math.abs(WtMW[a * K + b] - (a === b ? 1 : 0))).toBeLessThan(1e-10);
      // the remaining eigenvalues of an exact rank-K M₂ vanish
      for (let i = K; i < L; i++) expect(Math.abs(sub.spectrum[i])).toBeLessThan(1e-12);
    });
  }
});

describe('the MoM map on exact moments', () => {
  for (const [K, L] of [
    [2, 3],
    [3, 3],
    [3, 8],
    [5, 9],
  ]) {
    it(`tensorMom sends Σ α_k β_k^⊗r back to α, β to 1e-8 (K = ${K}, L = ${L})`, async () => {
      const rng = new Rng(K * 7 + L);
      const { alpha, beta } = randomMixture(K, L, rng);
      const M1 = new Float64Array(L);
      const M2 = new Float64Array(L * L);
      for (let k = 0; k < K; k++)
        for (let a = 0; a < L; a++) {
          M1[a] += alpha[k] * beta[k * L + a];
          for (let b = 0; b < L; b++) M2[a * L + b] += alpha[k] * beta[k * L + a] * beta[k * L + b];
        }
      const oracle = (W: Float64Array, Kw: number) => {
        const T = new Float64Array(Kw ** 3);
        for (let k = 0; k < K; k++) {
          const y = matVec(transpose(W, L, Kw), Kw, L, beta.subarray(k * L, k * L + L));
          for (let a = 0; a < Kw; a++)
            for (let b = 0; b < Kw; b++) for (let c = 0; c < Kw; c++) T[(a * Kw + b) * Kw + c] += alpha[k] * y[a] * y[b] * y[c];
        }
        return T;
      };
      const res = await tensorMom(M1, M2, L, K, oracle, new Rng(3));
      expect(res.ok).toBe(true);
      if (!res.ok) return;
      const e = matchedErrors(res.alpha, res.beta, alpha, beta, K, L);
      expect(e.atom).toBeLessThan(1e-8);
      expect(e.weight).toBeLessThan(1e-8);
      expect(res.firstMomentResidual).toBeLessThan(1e-8);
      expect(res.warnings).toEqual([]);
    });
  }

  for (const [K, L] of [
    [1, 4],
    [2, 2],
    [3, 6],
    [4, 10],
  ]) {
    it(`momEstimate on an exact population engine recovers α, θ to 1e-8 (K = ${K}, L = ${L}, correlated design)`, async () => {
      const rng = new Rng(K * 13 + L);
      const { alpha, beta } = randomMixture(K, L, rng);
      const S = randomSpd(L, rng);
      const engine = new PopulationEngine(L, alpha, beta, S);
      const res = await momEstimate(engine, K, { covariance: S }, { seed: 5 });
      expect(res.ok).toBe(true);
      const ok = res as MomSuccess;
      expect(ok.diagnostics.route).toBe(K === 1 ? 'mean' : 'tensor');
      const e = matchedErrors(ok.alpha, ok.theta, alpha, toTheta(beta, K, L, S), K, L);
      expect(e.atom).toBeLessThan(1e-8);
      expect(e.weight).toBeLessThan(1e-8);
      expect(ok.diagnostics.passes).toBe(K === 1 ? 1 : 2);
    });
  }

  it('fails with a reason (and still returns the subspace) when M₂ has fewer than K positive eigenvalues', async () => {
    const L = 4;
    const K = 3;
    // three atoms in a 2-dimensional plane: M₂ has rank 2
    const beta = Float64Array.from([1, 0, 0, 0, 0, 1.2, 0, 0, -0.8, -0.7, 0, 0]);
    const alpha = Float64Array.from([0.3, 0.3, 0.4]);
    const S = randomSpd(L, new Rng(1));
    const res = await momEstimate(new PopulationEngine(L, alpha, beta, S), K, { covariance: S }, { seed: 1 });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.reason).toMatch(/only 2 clearly positive eigenvalue/);
    expect(res.subspace?.r).toBe(3);
  });
});

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

  for (let K = 1; K <= 4; K++) {
    it(`momEstimate with L = 1 recovers ${K} atoms and weights from an exact population to 1e-8`, async () => {
      const rng = new Rng(70 + K);
      const atoms = Float64Array.from({ length: K }, (_, k) => -1.8 + (3.6 * (k + 0.25 + 0.5 * rng.uniform())) / K);
      const alpha = Float64Array.from({ length: K }, () => 0.5 + rng.uniform());
      const tw = alpha.reduce((a, b) => a + b, 0);
      for (let k = 0; k < K; k++) alpha[k] /= tw;
      const S = Float64Array.of(2.5);
      const res = await momEstimate(new PopulationEngine(1, alpha, atoms, S), K, { covariance: S }, { seed: 2 });
      expect(res.ok).toBe(true);
      const ok = res as MomSuccess;
      expect(ok.diagnostics.route).toBe(K === 1 ? 'mean' : 'univariate');
      const e = matchedErrors(ok.alpha, ok.theta, alpha, atoms.map((b) => b / Math.sqrt(2.5)), K, 1);
      expect(e.atom).toBeLessThan(1e-8);
      expect(e.weight).toBeLessThan(1e-8);
    });
  }

  for (const [K, L] of [
    [3, 2],
    [4, 3],
  ]) {
    it(`K = ${K} > L = ${L}: cross moments give the full atoms exactly`, async () => {
      const rng = new Rng(K * 100 + L);
      const { alpha, beta } = randomMixture(K, L, rng);
      const S = randomSpd(L, rng);
      const truth = toTheta(beta, K, L, S);
      const res = await momEstimate(new PopulationEngine(L, alpha, beta, S), K, { covariance: S }, { seed: 4 });
      expect(res.ok).toBe(true);
      const ok = res as MomSuccess;
      expect(ok.diagnostics.route).toBe('univariate');
      expect(ok.diagnostics.crossMoments).toBe(true);
      expect(ok.diagnostics.denoised).toBe(false);
      expect(ok.diagnostics.momentMisfit).toBeLessThan(1e-8);
      expect(ok.warnings).toEqual([]);
      const e = matchedErrors(ok.alpha, ok.theta, alpha, truth, K, L);
      expect(e.atom).toBeLessThan(1e-8);
      expect(e.weight).toBeLessThan(1e-8);
    });
  }
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

// ---------------------------------------------------------------------------
// The cpu engine's moment passes

describe('cpu latent-moment passes equal brute-force sums', () => {
  const p = 57;
  const L = 4;
  const rng = new Rng(11);
  const x = Float64Array.from(rng.normals(p * L));
  const n = Float64Array.from({ length: p }, (_, j) => (j % 7 === 3 ? 0 : 1 + rng.int(20)));
  const N = n.reduce((a, b) => a + b, 0);
  const engine = createCpuEngine({ p, L, features: x, counts: n });
  const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(b)));

  it('countMoments', async () => {
    const { mean, second } = await engine.countMoments();
    for (let a = 0; a < L; a++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += n[j] * x[j * L + a];
      close(mean[a], s / N);
      for (let b = 0; b < L; b++) {
        let t = 0;
        for (let j = 0; j < p; j++) t += n[j] * x[j * L + a] * x[j * L + b];
        close(second[a * L + b], t / N);
      }
    }
  });

  it('projectedMoments', async () => {
    const K = 3;
    const P = Float64Array.from(rng.normals(K * L));
    const { first, third } = await engine.projectedMoments(P, K);
    const y = (j: number, a: number) => dotArr(P.subarray(a * L, a * L + L), x.subarray(j * L, j * L + L));
    for (let a = 0; a < K; a++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += n[j] * y(j, a);
      close(first[a], s / N);
      for (let b = 0; b < K; b++)
        for (let c = 0; c < K; c++) {
          let t = 0;
          for (let j = 0; j < p; j++) t += n[j] * y(j, a) * y(j, b) * y(j, c);
          close(third[(a * K + b) * K + c], t / N);
        }
    }
  });

  it('directionMoments and directionCrossMoments', async () => {
    const d = Float64Array.from(rng.normals(L));
    const R = 5;
    const pw = await engine.directionMoments(d, R);
    const cr = await engine.directionCrossMoments(d, R);
    for (let r = 0; r <= R; r++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += n[j] * dotArr(d, x.subarray(j * L, j * L + L)) ** r;
      close(pw[r], s / N);
      for (let l = 0; l < L; l++) {
        let t = 0;
        for (let j = 0; j < p; j++) t += n[j] * dotArr(d, x.subarray(j * L, j * L + L)) ** r * x[j * L + l];
        close(cr[r * L + l], t / N);
      }
    }
  });

  it('counts one pass per call and rejects wrong shapes', async () => {
    const before = engine.counters.passes;
    await engine.countMoments();
    await engine.directionMoments(new Float64Array(L), 2);
    expect(engine.counters.passes).toBe(before + 2);
    await expect(engine.projectedMoments(new Float64Array(5), 2)).rejects.toThrow(/projection has 5 values/);
    await expect(engine.directionMoments(new Float64Array(L + 1), 2)).rejects.toThrow(/direction has length/);
  });
});

// ---------------------------------------------------------------------------
// Subspace starts

describe('subspace starts', () => {
  it('θ_k = S^{-1/2} U g_k: atoms lie in the subspace, α uniform, reproducible per seed', () => {
    const L = 6;
    const K = 3;
    const rng = new Rng(8);
    const S = randomSpd(L, rng);
    const { alpha, beta } = randomMixture(K, L, rng);
    const M2 = new Float64Array(L * L);
    for (let k = 0; k < K; k++)
      for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) M2[a * L + b] += alpha[k] * beta[k * L + a] * beta[k * L + b];
    const sub = subspaceFromSecondMoment(M2, L, K);
    const inv = inverseSqrt(S, L);
    const sqrtS = spectralFunction(symmetricEigen(S, L), L, Math.sqrt);
    const starts = subspaceStarts(sub, K, L, inv, 4, 123);
    expect(starts).toHaveLength(4);
    expect(new Set(starts.map((s) => s.seed)).size).toBe(4);
    for (const s of starts) {
      expect(s.kind).toBe('subspace');
      expect(Array.from(s.alpha)).toEqual([1 / 3, 1 / 3, 1 / 3]);
      for (let k = 0; k < K; k++) {
        // β = S^{1/2} θ must equal U Uᵀ β
        const b = matVec(sqrtS, L, L, s.theta.subarray(k * L, k * L + L));
        const coef = matVec(transpose(sub.U, L, K), K, L, b);
        const back = matVec(sub.U, L, K, coef);
        for (let l = 0; l < L; l++) expect(Math.abs(back[l] - b[l])).toBeLessThan(1e-12);
      }
      const again = subspaceStart(sub, K, inv, s.seed!);
      expect(Array.from(again.theta)).toEqual(Array.from(s.theta));
    }
    // scale: E|g|² = Σ D / K, checked loosely over many draws
    const many = subspaceStarts(sub, K, L, inv, 400, 9);
    let sq = 0;
    for (const s of many)
      for (let k = 0; k < K; k++) sq += norm2Sq(matVec(sqrtS, L, L, s.theta.subarray(k * L, k * L + L)));
    const expected = sub.D.reduce((a, b) => a + b, 0) / K;
    expect(sq / (400 * K)).toBeGreaterThan(0.85 * expected);
    expect(sq / (400 * K)).toBeLessThan(1.15 * expected);
  });
});

function norm2Sq(v: ArrayLike<number>): number {
  return dotArr(v, v);
}

// ---------------------------------------------------------------------------
// Simulated data (MATH.md §7): the design, not N, limits MoM

async function momOnSimulation(p: number, L: number, K: number, seed: number, theta?: number[]) {
  const sim = simulate({ p, L, K, N: 1e7, thetaNorm: 1.5, seed, theta });
  const data = makeDataset({ features: sim.features, p, L, counts: sim.counts });
  const design = designStats(data);
  const engine = createCpuEngine({ p, L, features: design.centred, counts: data.counts });
  const res = await momEstimate(engine, K, design, { seed: 1 });
  expect(res.ok).toBe(true);
  const ok = res as MomSuccess;
  return { res: ok, match: matchComponents(ok, sim.truth, K, L), sim };
}

describe('MoM on simulated data', () => {
  // Same seeds at both sizes. Measured (cpu, this machine): each p = 2e5 case ≈ 0.5 s.
  for (const seed of [1, 2, 3]) {
    it(`L = 10, K = 3: atom error at p = 2e5 is at most half that at p = 2e3 (seed ${seed})`, async () => {
      const small = await momOnSimulation(2000, 10, 3, seed);
      const large = await momOnSimulation(200000, 10, 3, seed);
      expect(large.res.diagnostics.route).toBe('tensor');
      expect(large.match.thetaError).toBeLessThanOrEqual(0.5 * small.match.thetaError);
      expect(large.match.thetaError).toBeLessThan(0.35);
    });
  }

  for (const seed of [1, 2, 3]) {
    it(`L = 1, K = 2, atoms (−1, 1.2), p = 20000: MoM atoms within 0.2 (seed ${seed})`, async () => {
      const { res, match, sim } = await momOnSimulation(20000, 1, 2, seed, [-1, 1.2]);
      expect(res.diagnostics.route).toBe('univariate');
      expect(match.thetaError).toBeLessThan(0.2);
      expect(match.alphaError).toBeLessThan(0.1);
      expect(Array.from(sim.truth.theta)).toEqual([-1, 1.2]);
      expect(momentSupportRadius(20000)).toBeGreaterThan(1.2);
    });
  }
});
