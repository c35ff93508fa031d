/**
 * A roofline estimate of softmix's passes on a reference GPU (bench/large.ts): a pass takes
 * at least max(flops / peak, bytes / bandwidth), with
 *
 *   flops  counted from the algorithm (a multiply-add is 2; exp/log not counted):
 *            E-step                 4pLK   scores X Θᵀ 2pLK, Σ_j n_j r_jk x_j 2pLK
 *            softmaxStats (mean)    4pLK   scores 2pLK, ∇A = Σ_j σ_jk x_j 2pLK
 *            Hessian–vector pass    6pLK   scores on [Θ; V] 4pLK, Σ_j w_jk x_j 2pLK
 *   bytes  X: the engine's counted reads of X (EngineCounters.xReads, as kernel.ts defines
 *            them: per workgroup the distinct words it loads) × p·L·4;
 *          scratch: the scores and weights of the plan (softmax-plan.ts, hvp-plan.ts), p×K
 *            floats each, by the same per-workgroup rule, and the counts:
 *            E-step   scores written (twice with several slices), read by the log-sum-exp partials and by
 *                     the E-step kernel, which reads the counts and writes the weights; the
 *                     weighted sum reads, per workgroup, the weight columns of its
 *                     column block (`weightColumnReads`)
 *            softmaxStats(mean)  the same without the counts
 *            Hessian–vector      scores of 2K columns written, read by hvp-weights, which
 *                                writes K weight columns; the weighted sum reads them
 *          other: the bytes read back (the counters), and the split-K partials written.
 * Word-granular: a GPU moves 32-byte sectors, so a strided read of one weight column of a
 * p×K array costs up to min(K, 8)× its words; at the shapes of bench/large.ts the weights
 * are a few per cent of the bytes even so. Launch and submit latency are not counted.
 */

import { weightedSumTiling } from '../src/engines/webgpu/weighted-sum-tiling.ts';

export interface Reference {
  /** fp32 FLOP/s */
  peakFlops: number;
  /** bytes/s */
  bandwidth: number;
}

/** The default reference: an H100-class GPU (SXM): 60 TFLOP/s fp32 (non-tensor), 3.35 TB/s HBM3. */
export const H100_CLASS: Reference = { peakFlops: 60e12, bandwidth: 3.35e12 };

export type PassKind = 'eStep' | 'stats' | 'hvp';

export interface PassCost {
  flops: number;
  /** bytes of X moved (counted reads × p·L·4) */
  xBytes: number;
  /** bytes of the scores, weights and counts moved */
  scratchBytes: number;
  /** readback and split-K partials */
  otherBytes: number;
}

export interface RooflineTime {
  /** flops / peak, s */
  computeS: number;
  /** bytes / bandwidth, s */
  memoryS: number;
  /** the larger: the estimate, s */
  seconds: number;
  bound: 'compute' | 'memory';
}

/** Rows per split-K group at most and groups per slice at most (kernel.ts, splitRows). */
const SPLIT_MAX_GROUPS = 64;
const SPLIT_MIN_ROWS = 256;

/**
 * How many p-long weight columns the weighted sum over C columns reads: each of its
 * workgroups (a block of CB columns by BW features, weighted-sum.ts's tiling) stages its
 * columns of every row once, and the ⌈L/BW⌉ feature blocks each do: C·⌈L/BW⌉.
 */
export function weightColumnReads(C: number, L: number): number {
  return C * Math.ceil(L / weightedSumTiling(C, L).features);
}

/**
 * The cost of one pass. `xReads` and `readbackBytes` are the engine's counters for the call;
 * `slices` the plan's row slices (more than one: the E-step and statistics passes compute
 * their scores twice, which the X reads already show); `xBytesPerFeature` 4 for X as f32,
 * 2 as f16.
 */
export function passCost(kind: PassKind, p: number, L: number, K: number, xReads: number, readbackBytes: number, slices = 1, xBytesPerFeature = 4): PassCost {
  const flops = (kind === 'hvp' ? 6 : 4) * p * L * K;
  const wCols = weightColumnReads(K, L);
  const scorePasses = slices > 1 ? 2 : 1;
  let words: number;
  if (kind === 'hvp') {
    // scores 2K written, hvp-weights reads 2K and writes K, weighted sum reads its columns
    words = p * (2 * K + 2 * K + K + wCols);
  } else {
    // scores K written (once per scores pass), read by logsumexp and by estep/sigma; weights K
    // written and read by the weighted sum; the counts (E-step)
    words = p * (scorePasses * K + 2 * K + K + wCols + (kind === 'eStep' ? 1 : 0));
  }
  const groups = slices * Math.min(SPLIT_MAX_GROUPS, Math.max(1, Math.ceil(p / slices / SPLIT_MIN_ROWS)));
  return { flops, xBytes: xReads * p * L * xBytesPerFeature, scratchBytes: words * 4, otherBytes: readbackBytes + groups * K * L * 4 };
}

export function roofline(cost: PassCost, ref: Reference = H100_CLASS): RooflineTime {
  const computeS = cost.flops / ref.peakFlops;
  const memoryS = (cost.xBytes + cost.scratchBytes + cost.otherBytes) / ref.bandwidth;
  return { computeS, memoryS, seconds: Math.max(computeS, memoryS), bound: computeS >= memoryS ? 'compute' : 'memory' };
}

/** Sums the costs of several passes (each `times` times). */
export function addCosts(parts: { cost: PassCost; times: number }[]): PassCost {
  const out: PassCost = { flops: 0, xBytes: 0, scratchBytes: 0, otherBytes: 0 };
  for (const { cost, times } of parts) {
    out.flops += times * cost.flops;
    out.xBytes += times * cost.xBytes;
    out.scratchBytes += times * cost.scratchBytes;
    out.otherBytes += times * cost.otherBytes;
  }
  return out;
}

/**
 * Roofline of a sum of passes: the sum of each pass's own bound (each pass is a separate
 * submission, so one pass's memory time cannot hide another's compute).
 */
export function rooflineOfPasses(parts: { cost: PassCost; times: number }[], ref: Reference = H100_CLASS): number {
  return parts.reduce((s, { cost, times }) => s + times * roofline(cost, ref).seconds, 0);
}
