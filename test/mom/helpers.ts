/**
 * Shared by test/mom/*.test.ts: random mixtures and designs, matching estimates to the
 * truth, and an Engine whose moments are the population's (so MoM must be exact on it).
 */
import type { Engine, EngineCounters, LatentCountMoments, ProjectedMoments } from '../../src/engines/engine.ts';
import type { Rng } from '../../src/math/rng.ts';
import { matchComponents } from '../../src/model/metrics.ts';
import { inverseSqrt } from '../../src/model/whitening.ts';
import { symmetricEigen, spectralFunction, matVec, matMul, transpose } from '../../src/math/linalg.ts';

export function randomOrthonormal(K: number, rng: Rng): Float64Array {
  // eigenvectors of a random symmetric matrix: columns of a row-major K×K matrix
  const A = new Float64Array(K * K);
  for (let i = 0; i < K; i++) for (let j = 0; j <= i; j++) A[i * K + j] = A[j * K + i] = rng.normal();
  return symmetricEigen(A, K).vectors;
}

export function randomSpd(L: number, rng: Rng): Float64Array {
  const B = Float64Array.from(rng.normals(L * L));
  const S = matMul(B, transpose(B, L, L), L, L, L);
  for (let i = 0; i < L; i++) S[i * L + i] += 0.5 * L;
  return S;
}

export function randomMixture(K: number, L: number, rng: Rng, norm = 1.5): { alpha: Float64Array; beta: Float64Array } {
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
export function matchedErrors(estAlpha: ArrayLike<number>, estAtoms: ArrayLike<number>, alpha: ArrayLike<number>, atoms: ArrayLike<number>, K: number, L: number) {
  const m = matchComponents({ alpha: estAlpha, theta: estAtoms }, { alpha, theta: atoms }, K, L);
  return { atom: m.thetaError, weight: m.alphaError };
}

/**
 * An Engine whose "data" is the population: z ~ Σ α_k N(β_k, I), x = S^{1/2} z. Its raw
 * moments are exactly those the Hermite corrections assume, so the latent moments it
 * implies are exactly M_r = Σ α_k β_k^{⊗r}: momEstimate must invert them exactly.
 */
export class PopulationEngine implements Engine {
  readonly backend = 'cpu' as const;
  readonly unitRoundoff = 2 ** -53;
  readonly p: number;
  readonly N = 1;
  readonly device = { backend: 'cpu' as const, description: 'exact population moments (test)' };
  readonly counters: EngineCounters = { passes: 0, xReads: 0, dispatches: 0, submits: 0, bytesRead: 0, recentred: 0 };
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
  async hessianVectorProducts(): Promise<never> {
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

export function dotArr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** θ = S^{-1/2} β for every row. */
export function toTheta(beta: Float64Array, K: number, L: number, S: Float64Array): Float64Array {
  const inv = inverseSqrt(S, L);
  const theta = new Float64Array(K * L);
  for (let k = 0; k < K; k++) theta.set(matVec(inv, L, L, beta.subarray(k * L, k * L + L)), k * L);
  return theta;
}
