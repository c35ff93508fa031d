/**
 * The plan of Engine.hessianVectorProducts for one K: per slice, scores on the stacked
 * rows [Θ; V] (2K columns), the weights σ_jk ((x_j − μ_k)·v_k) (hvp-weights), and their
 * weighted sum Σ_j w_jk x_j (weighted-sum); then the merge levels of those sums. X is read
 * once by the scores (all 2K columns per row tile) and once by the weighted sum; nothing of
 * size L² exists. The scores need no logsumexp partials here (scores-only entry).
 *
 * A_k and μ_k·v_k come from the host (the softmax statistics at Θ), so there is no
 * log-sum-exp phase: one pass, three dispatches per slice.
 */
import type { Slice } from './chunks.ts';
import { Plan, sliceOffsets, type PlanEnv, type Section } from './plan.ts';
import { WeightedSumKernel } from './weighted-sum.ts';
import { wideGroups } from './kernel.ts';

export interface HvpLayout {
  /** inputs written before every call: the stacked rows [Θ; V] (2K × L, f32) and K × (A_k, μ_k·v_k) */
  stacked: GPUBuffer;
  coef: GPUBuffer;
  /** n × K·L partials of Σ_j w_jk x_j */
  products: Section;
}

export function hvpPlan(env: PlanEnv, K: number, slices: readonly Slice[]): Plan<HvpLayout> {
  return new Plan<HvpLayout>(env, `hvp K=${K}`, (plan) => {
    const { kernels, L, chunks, s, w } = plan.env;
    const stacked = plan.buffer('theta and vectors', 2 * K * L * 4);
    const coef = plan.buffer('hvp coefficients', K * 8);
    const maxGroups = wideGroups(K * L, slices.length);
    const { wideAt, nWide } = sliceOffsets(slices, () => 0, (rows) => WeightedSumKernel.partialCount(rows, maxGroups));
    const partials = plan.buffer('hvp partials', nWide * K * L * 4);
    slices.forEach((sl, i) => {
      const x = chunks[sl.chunk].x;
      plan.push(
        kernels.scores.dispatch({ x, theta: stacked, s, rowStart: sl.rowStart, rows: sl.rows, L, K: 2 * K }),
        kernels.hvp.dispatch({ s, coef, w, rows: sl.rows, K }),
        kernels.wsum.dispatch({ x, w, partials, rowStart: sl.rowStart, rows: sl.rows, K, L, outOffset: wideAt[i], maxGroups }),
      );
    });
    return { stacked, coef, products: plan.mergeSums('hvp', partials, nWide, K * L).section };
  });
}
