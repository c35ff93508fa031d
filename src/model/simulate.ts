/**
 * The paper's random-design generator (MATH.md §7): x_j ~ N(0, I_L), atoms at a given
 * norm in uniform directions (or given), weights (uniform by default), and N draws from
 * π, all from one seeded generator. Features are rounded to float32 so every backend
 * sees the same bits, and π is computed from those rounded features.
 */
import { Rng } from '../math/rng.ts';
import { fail } from '../errors.ts';
import { checkParams, mixtureProbabilities, type MixtureParams } from './mixture.ts';

export interface SimulateOptions {
  p: number;
  L: number;
  K: number;
  /** number of draws */
  N: number;
  /** |θ_k| for random atoms (default 1.5); ignored when theta is given */
  thetaNorm?: number;
  /** explicit atoms, K×L row-major */
  theta?: ArrayLike<number>;
  /** weights (default uniform) */
  alpha?: ArrayLike<number>;
  seed?: number;
  /** also return the N raw draws (indices), not only their counts */
  keepSamples?: boolean;
}

export interface SimulatedData {
  p: number;
  L: number;
  K: number;
  N: number;
  /** row-major p×L, float32 */
  features: Float32Array;
  counts: Float64Array;
  samples?: Uint32Array;
  truth: MixtureParams;
  /** the true π (length p) */
  pi: Float64Array;
  seed: number;
}

export function simulate(options: SimulateOptions): SimulatedData {
  const { p, L, K } = options;
  for (const [name, v] of [['p', p], ['L', L], ['K', K]] as const) {
    if (!Number.isInteger(v) || v < 1) fail('options', `simulate: ${name} must be a positive integer, got ${v}`);
  }
  const N = options.N;
  if (!Number.isInteger(N) || N < 1) fail('options', `simulate: N must be a positive integer, got ${N}`);
  const seed = options.seed ?? 1;
  const rng = new Rng(seed);

  const features = new Float32Array(p * L);
  for (let i = 0; i < p * L; i++) features[i] = rng.normal();

  let theta: Float64Array;
  if (options.theta) {
    theta = Float64Array.from(options.theta);
  } else {
    const norm = options.thetaNorm ?? 1.5;
    if (!(norm >= 0) || !Number.isFinite(norm)) fail('options', `simulate: thetaNorm must be finite and ≥ 0, got ${norm}`);
    theta = new Float64Array(K * L);
    for (let k = 0; k < K; k++) {
      const g = rng.normals(L);
      let len = 0;
      for (let l = 0; l < L; l++) len += g[l] * g[l];
      len = Math.sqrt(len);
      for (let l = 0; l < L; l++) theta[k * L + l] = (norm * g[l]) / len;
    }
  }
  const alpha = options.alpha ? Float64Array.from(options.alpha) : new Float64Array(K).fill(1 / K);
  const truth = checkParams(alpha, theta, K, L, 'simulate');
  const pi = mixtureProbabilities(features, p, L, truth);

  const sampler = new AliasSampler(pi);
  const counts = new Float64Array(p);
  const samples = options.keepSamples ? new Uint32Array(N) : undefined;
  for (let i = 0; i < N; i++) {
    const y = sampler.draw(rng);
    counts[y]++;
    if (samples) samples[i] = y;
  }
  return { p, L, K, N, features, counts, samples, truth, pi, seed };
}

/** Walker's alias method: O(p) set-up, O(1) per draw, exact for the given probabilities. */
export class AliasSampler {
  private readonly prob: Float64Array;
  private readonly alias: Uint32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i];
    this.prob = new Float64Array(n);
    this.alias = new Uint32Array(n);
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i] * n) / total;
      (scaled[i] < 1 ? small : large).push(i);
    }
    while (small.length && large.length) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    for (const i of [...small, ...large]) {
      this.prob[i] = 1;
      this.alias[i] = i;
    }
  }

  draw(rng: Rng): number {
    const u = rng.uniform() * this.prob.length;
    const i = Math.floor(u);
    return u - i < this.prob[i] ? i : this.alias[i];
  }
}
