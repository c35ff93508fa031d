/**
 * The float64 reference backend: plain TypeScript, one loop over p per pass.
 * Every GPU result is tested against this, and it is the fallback where WebGPU
 * is missing.
 */
import type { Engine, EngineInput, EStepResult, SoftmaxStats, EngineCounters, DeviceInfo, LatentCountMoments } from './engine.ts';
import type { ProjectedMoments, PairMoments, ResidualMoments, StatsWanted } from './engine.ts';
import { checkHessianPoint, checkPairWeights, meanProjections, type HessianPoint, type PairWeights } from './engine.ts';
import { fail } from '../errors.ts';
import type { FloatArray } from '../math/float-array.ts';

export function createCpuEngine(input: EngineInput): Engine {
  return new CpuEngine(input);
}

class CpuEngine implements Engine {
  readonly backend = 'cpu' as const;
  readonly unitRoundoff = 2 ** -53;
  readonly p: number;
  readonly L: number;
  readonly N: number;
  readonly device: DeviceInfo = { backend: 'cpu', description: 'float64 reference (JavaScript)' };
  readonly counters: EngineCounters = { passes: 0, xReads: 0, dispatches: 0, submits: 0, bytesRead: 0, recentred: 0 };
  /** the fraction of rows with n_j > 0: what a loop that skips the empty rows reads of X */
  private readonly occupied: number;
  private readonly x: FloatArray;
  private readonly n: Float64Array;

  constructor(input: EngineInput) {
    this.p = input.p;
    this.L = input.L;
    this.x = input.features;
    this.n = input.counts;
    let total = 0;
    for (let j = 0; j < this.p; j++) total += this.n[j];
    this.N = total;
    this.occupied = this.n.reduce((rows, n) => rows + (n !== 0 ? 1 : 0), 0) / this.p;
  }

  /** Counts one pass whose own loops read X `reads` times (the rows with n_j > 0: `occupied`); logPartitions adds its 2. */
  private count(reads: number): void {
    this.counters.passes++;
    this.counters.xReads += reads;
  }

  /** s_jk = x_j·θ_k for one support point, into `out` (K). */
  private scoresAt(j: number, theta: Float64Array, K: number, out: Float64Array): void {
    const L = this.L;
    const row = j * L;
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let l = 0; l < L; l++) s += this.x[row + l] * theta[k * L + l];
      out[k] = s;
    }
  }

  /** A_k for every k: two passes (max, then shifted sum) so large scores cannot overflow; two reads of X. */
  private logPartitions(theta: Float64Array, K: number): Float64Array {
    this.counters.xReads += 2;
    const s = new Float64Array(K);
    const max = new Float64Array(K).fill(-Infinity);
    for (let j = 0; j < this.p; j++) {
      this.scoresAt(j, theta, K, s);
      for (let k = 0; k < K; k++) if (s[k] > max[k]) max[k] = s[k];
    }
    const sum = new Float64Array(K);
    for (let j = 0; j < this.p; j++) {
      this.scoresAt(j, theta, K, s);
      for (let k = 0; k < K; k++) sum[k] += Math.exp(s[k] - max[k]);
    }
    return max.map((m, k) => m + Math.log(sum[k]));
  }

  /**
   * log π_j for one support point, with t_k = log α_k + s_jk − A_k left in `t` (K) so that
   * r_jk = exp(t_k − log π_j). `s` is scratch (K).
   */
  private logPi(j: number, logAlpha: Float64Array, theta: Float64Array, A: Float64Array, K: number, s: Float64Array, t: Float64Array): number {
    this.scoresAt(j, theta, K, s);
    let m = -Infinity;
    for (let k = 0; k < K; k++) {
      t[k] = logAlpha[k] + s[k] - A[k];
      if (t[k] > m) m = t[k];
    }
    let z = 0;
    for (let k = 0; k < K; k++) z += Math.exp(t[k] - m);
    return m + Math.log(z);
  }

  async eStep(logAlpha: Float64Array, theta: Float64Array, K: number, stats?: StatsWanted): Promise<EStepResult> {
    this.count(this.occupied);
    const { p, L } = this;
    const A = this.logPartitions(theta, K);
    const s = new Float64Array(K);
    const t = new Float64Array(K);
    const weights = new Float64Array(K);
    const featureSums = new Float64Array(K * L);
    // ℓ is a sum of p terms of one sign: summed naively its rounding grows like p·u|ℓ|, which would
    // swamp the monotonicity checks near a maximum. Neumaier's compensation keeps it at a few u|ℓ|.
    let logLik = 0;
    let logLikCompensation = 0;
    for (let j = 0; j < p; j++) {
      const nj = this.n[j];
      if (nj === 0) continue; // r_jk is multiplied by n_j everywhere
      const logPi = this.logPi(j, logAlpha, theta, A, K, s, t);
      const term = nj * logPi;
      const sum = logLik + term;
      logLikCompensation += Math.abs(logLik) >= Math.abs(term) ? logLik - sum + term : term - sum + logLik;
      logLik = sum;
      for (let k = 0; k < K; k++) {
        const w = nj * Math.exp(t[k] - logPi);
        weights[k] += w;
        for (let l = 0; l < L; l++) featureSums[k * L + l] += w * this.x[j * L + l];
      }
    }
    const out: EStepResult = { logLik: logLik + logLikCompensation, weights, featureSums };
    if (stats) out.softmax = this.softmaxMoments(theta, K, A, stats);
    return out;
  }

  async softmaxStats(theta: Float64Array, K: number, want: StatsWanted): Promise<SoftmaxStats> {
    this.count(0);
    return this.softmaxMoments(theta, K, this.logPartitions(theta, K), want);
  }

  /** The softmax statistics at Θ given A (one more loop over X when a mean or covariance is wanted). */
  private softmaxMoments(theta: Float64Array, K: number, A: Float64Array, want: StatsWanted): SoftmaxStats {
    const { p, L } = this;
    if (!want.mean && !want.covariance) return { logPartition: A };
    this.counters.xReads++;
    const s = new Float64Array(K);
    const mean = new Float64Array(K * L);
    const second = want.covariance ? new Float64Array(K * L * L) : null;
    for (let j = 0; j < p; j++) {
      this.scoresAt(j, theta, K, s);
      const row = j * L;
      for (let k = 0; k < K; k++) {
        const sigma = Math.exp(s[k] - A[k]);
        for (let a = 0; a < L; a++) {
          const wa = sigma * this.x[row + a];
          mean[k * L + a] += wa;
          if (second) {
            const base = k * L * L + a * L;
            for (let b = a; b < L; b++) second[base + b] += wa * this.x[row + b];
          }
        }
      }
    }
    const out: SoftmaxStats = { logPartition: A };
    if (want.mean) out.mean = mean;
    if (second) out.covariance = covarianceFromMoments(second, mean, K, L);
    return out;
  }

  async hessianVectorProducts(theta: Float64Array, K: number, at: HessianPoint, vectors: Float64Array): Promise<Float64Array> {
    checkHessianPoint(theta, K, this.L, at, vectors);
    this.count(1);
    const { p, L } = this;
    const s = new Float64Array(K);
    const t = new Float64Array(K);
    const c = meanProjections(at, vectors, K, L);
    const out = new Float64Array(K * L);
    for (let j = 0; j < p; j++) {
      this.scoresAt(j, theta, K, s);
      this.scoresAt(j, vectors, K, t);
      const row = j * L;
      for (let k = 0; k < K; k++) {
        const w = Math.exp(s[k] - at.logPartition[k]) * (t[k] - c[k]);
        for (let l = 0; l < L; l++) out[k * L + l] += w * this.x[row + l];
      }
    }
    return out;
  }

  async pairMoments(logAlpha: Float64Array, theta: Float64Array, K: number, weights: PairWeights = 'information'): Promise<PairMoments> {
    checkPairWeights(weights);
    this.count(this.occupied);
    const { p, L } = this;
    const M = (K * (K + 1)) / 2;
    const A = this.logPartitions(theta, K);
    const s = new Float64Array(K);
    const r = new Float64Array(K);
    const w = new Float64Array(M);
    const total = new Float64Array(M);
    const first = new Float64Array(M * L);
    const second = new Float64Array(M * L * L);
    for (let j = 0; j < p; j++) {
      const nj = this.n[j];
      if (nj === 0) continue;
      const logPi = this.logPi(j, logAlpha, theta, A, K, s, r);
      for (let k = 0; k < K; k++) r[k] = Math.exp(r[k] - logPi);
      let i = 0;
      for (let k = 0; k < K; k++) {
        for (let l = k; l < K; l++) w[i++] = weights === 'information' ? nj * r[k] * ((k === l ? 1 : 0) - r[l]) : nj * r[k] * r[l];
      }
      const row = j * L;
      for (let m = 0; m < M; m++) {
        total[m] += w[m];
        for (let a = 0; a < L; a++) {
          const wa = w[m] * this.x[row + a];
          first[m * L + a] += wa;
          const base = m * L * L + a * L;
          for (let b = a; b < L; b++) second[base + b] += wa * this.x[row + b];
        }
      }
    }
    fillLowerHalves(second, M, L);
    return { total, first, second };
  }

  async residualMoments(logAlpha: Float64Array, theta: Float64Array, K: number): Promise<ResidualMoments> {
    this.count(this.occupied);
    const { p, L, N } = this;
    const A = this.logPartitions(theta, K);
    const s = new Float64Array(K);
    const t = new Float64Array(K);
    let total = 0;
    const first = new Float64Array(L);
    for (let j = 0; j < p; j++) {
      const nj = this.n[j];
      if (nj === 0) continue; // (0 − N π_j)_+ = 0
      const w = nj - N * Math.exp(this.logPi(j, logAlpha, theta, A, K, s, t));
      if (!(w > 0)) continue;
      total += w;
      for (let l = 0; l < L; l++) first[l] += w * this.x[j * L + l];
    }
    return { total, first };
  }

  async countMoments(): Promise<LatentCountMoments> {
    this.count(this.occupied);
    const { p, L } = this;
    const mean = new Float64Array(L);
    const second = new Float64Array(L * L);
    for (let j = 0; j < p; j++) {
      const nj = this.n[j];
      if (nj === 0) continue;
      const row = j * L;
      for (let a = 0; a < L; a++) {
        const wa = nj * this.x[row + a];
        mean[a] += wa;
        for (let b = a; b < L; b++) second[a * L + b] += wa * this.x[row + b];
      }
    }
    const inv = 1 / this.N;
    for (let a = 0; a < L; a++) {
      mean[a] *= inv;
      for (let b = a; b < L; b++) {
        second[a * L + b] *= inv;
        second[b * L + a] = second[a * L + b];
      }
    }
    return { mean, second };
  }

  async projectedMoments(projection: Float64Array, K: number): Promise<ProjectedMoments> {
    const { p, L } = this;
    if (!Number.isInteger(K) || K < 1) fail('shape', `projectedMoments: K must be an integer ≥ 1, got ${K}`);
    if (projection.length !== K * L) {
      fail('shape', `projectedMoments: projection has ${projection.length} values, expected K×L = ${K}×${L} = ${K * L}`);
    }
    this.count(this.occupied);
    const first = new Float64Array(K);
    const third = new Float64Array(K * K * K);
    const y = new Float64Array(K);
    for (let j = 0; j < p; j++) {
      const nj = this.n[j];
      if (nj === 0) continue;
      const row = j * L;
      for (let a = 0; a < K; a++) {
        let s = 0;
        for (let l = 0; l < L; l++) s += projection[a * L + l] * this.x[row + l];
        y[a] = s;
        first[a] += nj * s;
      }
      for (let a = 0; a < K; a++) {
        const wa = nj * y[a];
        for (let b = a; b < K; b++) {
          const wab = wa * y[b];
          const base = (a * K + b) * K;
          for (let c = b; c < K; c++) third[base + c] += wab * y[c];
        }
      }
    }
    const inv = 1 / this.N;
    for (let a = 0; a < K; a++) first[a] *= inv;
    // Scale the a ≤ b ≤ c entries, then copy them to the other five index orders.
    for (let a = 0; a < K; a++) {
      for (let b = a; b < K; b++) {
        for (let c = b; c < K; c++) {
          const v = third[(a * K + b) * K + c] * inv;
          third[(a * K + b) * K + c] = v;
          third[(a * K + c) * K + b] = v;
          third[(b * K + a) * K + c] = v;
          third[(b * K + c) * K + a] = v;
          third[(c * K + a) * K + b] = v;
          third[(c * K + b) * K + a] = v;
        }
      }
    }
    return { first, third };
  }

  /** x_j·u */
  private projection(j: number, direction: Float64Array): number {
    const row = j * this.L;
    let t = 0;
    for (let l = 0; l < this.L; l++) t += direction[l] * this.x[row + l];
    return t;
  }

  async directionMoments(direction: Float64Array, maxOrder: number): Promise<Float64Array> {
    const { p, L } = this;
    this.checkDirection('directionMoments', direction, maxOrder);
    this.count(this.occupied);
    const out = new Float64Array(maxOrder + 1);
    for (let j = 0; j < p; j++) {
      const nj = this.n[j];
      if (nj === 0) continue;
      let w = nj;
      const t = this.projection(j, direction);
      for (let r = 0; r <= maxOrder; r++) {
        out[r] += w;
        w *= t;
      }
    }
    for (let r = 0; r <= maxOrder; r++) out[r] /= this.N;
    return out;
  }

  async directionCrossMoments(direction: Float64Array, maxOrder: number): Promise<Float64Array> {
    const { p, L } = this;
    this.checkDirection('directionCrossMoments', direction, maxOrder);
    this.count(this.occupied);
    const out = new Float64Array((maxOrder + 1) * L);
    for (let j = 0; j < p; j++) {
      const nj = this.n[j];
      if (nj === 0) continue;
      const row = j * L;
      const t = this.projection(j, direction);
      let w = nj;
      for (let r = 0; r <= maxOrder; r++) {
        for (let l = 0; l < L; l++) out[r * L + l] += w * this.x[row + l];
        w *= t;
      }
    }
    for (let i = 0; i < out.length; i++) out[i] /= this.N;
    return out;
  }

  private checkDirection(what: string, direction: Float64Array, maxOrder: number): void {
    if (direction.length !== this.L) fail('shape', `${what}: direction has length ${direction.length}, expected L = ${this.L}`);
    if (!Number.isInteger(maxOrder) || maxOrder < 0) fail('shape', `${what}: maxOrder must be an integer ≥ 0, got ${maxOrder}`);
  }

  /** The host arrays it reads: the features and counts (float64). */
  bufferSizes(): Record<string, number> {
    return { features: this.x.byteLength, counts: this.n.byteLength, total: this.x.byteLength + this.n.byteLength };
  }

  dispose(): void {}
}

/** Copies the upper half of each of `blocks` L×L blocks onto its lower half. Shared with the GPU backend. */
export function fillLowerHalves(matrices: Float64Array, blocks: number, L: number): void {
  for (let m = 0; m < blocks; m++) {
    const base = m * L * L;
    for (let a = 0; a < L; a++) for (let b = a + 1; b < L; b++) matrices[base + b * L + a] = matrices[base + a * L + b];
  }
}

/**
 * Turns upper-triangular raw second moments Σσ x xᵀ into the full symmetric
 * covariance Σσ x xᵀ − ∇A ∇Aᵀ, per component. Shared with the GPU backend, which
 * returns the same upper halves.
 */
export function covarianceFromMoments(upperSecond: Float64Array, mean: Float64Array, K: number, L: number): Float64Array {
  const cov = new Float64Array(K * L * L);
  for (let k = 0; k < K; k++) {
    const base = k * L * L;
    for (let a = 0; a < L; a++) {
      for (let b = a; b < L; b++) {
        const v = upperSecond[base + a * L + b] - mean[k * L + a] * mean[k * L + b];
        cov[base + a * L + b] = v;
        cov[base + b * L + a] = v;
      }
    }
  }
  return cov;
}
