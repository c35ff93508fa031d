/**
 * The plans of the latent-moment passes (MATH.md §3–4): raw moments of the centred
 * features weighted by the counts. The host divides by N (exact, float64) and does the
 * standardisation and Hermite corrections (src/mom/).
 *
 *   countMoments         moment-weights counts ×S, weighted-sum ×S (K = 1), merges,
 *                        center, [counts ×S again when S > 1], weighted-gram ×S, merges
 *   directionMoments     scores ×S (Θ = d, K = 1), moment-weights powers ×S, merges
 *     (+ cross moments)  + weighted-sum ×S with the power weights, merges
 *   projectedMoments     scores ×S (Θ = P), moment-weights scaled ×S, third-moment ×S, merges
 */
import { SoftmixError } from '../../errors.ts';
import type { Slice } from './chunks.ts';
import { ceilDiv, MAX_PARTIAL_BYTES, wideGroups } from './kernel.ts';
import { Plan, sliceOffsets, type PlanEnv, type Section } from './plan.ts';
import { MomentWeightsKernel } from './moment-weights.ts';
import { WeightedSumKernel } from './weighted-sum.ts';
import { packedSize } from './weighted-gram.ts';
import { packedThirdSize, THIRD_COLUMNS } from './third-moment.ts';

export interface CountMomentsLayout {
  /** Σ n_j (a check against N) */
  counts: Section;
  /** Σ n_j x_j */
  wsum: Section;
  /** c, near the count-weighted mean */
  center: Section;
  /** Σ n_j (x_j − c)(x_j − c)ᵀ, upper half packed */
  gram: Section;
}

export interface DirectionLayout {
  /** input written before every call: d (L, f32) */
  direction: GPUBuffer;
  /** Σ n_j t_j^r, r < orders */
  sums: Section;
  /** Σ n_j t_j^r x_j (orders × L) */
  cross?: Section;
}

export interface ProjectedLayout {
  /** input written before every call: P (K × L, f32) */
  projection: GPUBuffer;
  /** Σ n_j y_j */
  first: Section;
  /** Σ n_j y_a y_b y_c, a ≤ b ≤ c packed */
  third: Section;
}

/** Partial offsets of each slice: narrow (one per 256 rows) and wide (split-K groups). */
function offsets(slices: readonly Slice[], maxGroups?: number) {
  return sliceOffsets(slices, (rows) => MomentWeightsKernel.partialCount(rows), (rows) => WeightedSumKernel.partialCount(rows, maxGroups));
}

/** One partial of W floats is the least a slice writes and the readback holds: refused past the budget of one buffer. */
function checkWidth(W: number, what: string): void {
  if (4 * W > MAX_PARTIAL_BYTES) {
    throw new SoftmixError('backend', `${what}: ${W} outputs take ${((4 * W) / 2 ** 20).toFixed(1)} MiB per partial, more than the ${MAX_PARTIAL_BYTES / 2 ** 20} MiB any one buffer may hold`);
  }
}

export function countMomentsPlan(env: PlanEnv, slices: readonly Slice[]): Plan<CountMomentsLayout> {
  return new Plan<CountMomentsLayout>(env, 'count moments', (plan) => {
    const { kernels, L, chunks, w } = env;
    const T = packedSize(L);
    checkWidth(T, 'countMoments');
    const maxGroups = wideGroups(T, slices.length); // the Gram's partials within MAX_PARTIAL_BYTES
    const { narrowAt, wideAt, nNarrow, nWide } = offsets(slices, maxGroups);
    const multi = slices.length > 1;
    const e1 = plan.buffer('count partials', nNarrow * 4);
    const w1 = plan.buffer('count-weighted sum partials', nWide * L * 4);
    slices.forEach((sl, i) => {
      const chunk = chunks[sl.chunk];
      plan.push(
        kernels.momentWeights.counts({ counts: chunk.counts, rowStart: sl.rowStart, rows: sl.rows, w, partials: e1, outOffset: narrowAt[i] }),
        kernels.wsum.dispatch({ x: chunk.x, w, partials: w1, rowStart: sl.rowStart, rows: sl.rows, K: 1, L, outOffset: wideAt[i], maxGroups }),
      );
    });
    const counts = plan.mergeSums('counts', e1, nNarrow, 1);
    const wsum = plan.mergeSums('count-weighted sum', w1, nWide, L);
    const center = plan.buffer('count center', L * 4);
    plan.push(kernels.gram.center({ sums: wsum.buffer, nF: wsum.n, weights: counts.buffer, nS: counts.n, center, K: 1, L }));
    const g1 = plan.buffer('count-weighted gram partials', nWide * T * 4);
    const discard = multi ? plan.buffer('discarded count partials', Math.max(...slices.map((sl) => MomentWeightsKernel.partialCount(sl.rows))) * 4) : null;
    slices.forEach((sl, i) => {
      const chunk = chunks[sl.chunk];
      if (discard) plan.push(kernels.momentWeights.counts({ counts: chunk.counts, rowStart: sl.rowStart, rows: sl.rows, w, partials: discard, outOffset: 0 }));
      plan.push(kernels.gram.dispatch({ x: chunk.x, w, center, partials: g1, rowStart: sl.rowStart, rows: sl.rows, K: 1, L, outOffset: wideAt[i], maxGroups }));
    });
    return {
      counts: counts.section,
      wsum: wsum.section,
      center: plan.section(center, 1, L),
      gram: plan.mergeSums('count-weighted gram', g1, nWide, T).section,
    };
  });
}

/** Power moments along one direction (`orders` = maxOrder + 1 columns), optionally crossed with x. */
export function directionPlan(env: PlanEnv, orders: number, cross: boolean, slices: readonly Slice[]): Plan<DirectionLayout> {
  return new Plan<DirectionLayout>(env, `direction moments r<${orders}${cross ? ' × x' : ''}`, (plan) => {
    const { kernels, L, chunks, s, w } = env;
    if (cross) checkWidth(orders * L, 'directionCrossMoments');
    const { narrowAt, wideAt, nNarrow, nWide } = offsets(slices);
    const direction = plan.buffer('direction', L * 4);
    const e1 = plan.buffer('power partials', nNarrow * orders * 4);
    const w1 = cross ? plan.buffer('cross partials', nWide * orders * L * 4) : null;
    slices.forEach((sl, i) => {
      const chunk = chunks[sl.chunk];
      plan.push(
        kernels.scores.dispatch({ x: chunk.x, theta: direction, s, rowStart: sl.rowStart, rows: sl.rows, L, K: 1 }),
        kernels.momentWeights.powers({ s, orders, counts: chunk.counts, rowStart: sl.rowStart, rows: sl.rows, w, partials: e1, outOffset: narrowAt[i] }),
      );
      if (w1) plan.push(kernels.wsum.dispatch({ x: chunk.x, w, partials: w1, rowStart: sl.rowStart, rows: sl.rows, K: orders, L, outOffset: wideAt[i] }));
    });
    const layout: DirectionLayout = { direction, sums: plan.mergeSums('powers', e1, nNarrow, orders).section };
    if (w1) layout.cross = plan.mergeSums('cross', w1, nWide, orders * L).section;
    return layout;
  });
}

export function projectedPlan(env: PlanEnv, K: number, slices: readonly Slice[]): Plan<ProjectedLayout> {
  return new Plan<ProjectedLayout>(env, `projected moments K=${K}`, (plan) => {
    const { kernels, L, chunks, s, w } = env;
    const W3 = packedThirdSize(K);
    // the third-moment kernel tiles its W3 outputs along grid y, THIRD_COLUMNS per workgroup
    if (ceilDiv(W3, THIRD_COLUMNS) > env.device.limits.maxComputeWorkgroupsPerDimension) {
      throw new SoftmixError('backend', `projectedMoments: ${W3} outputs are more than one WebGPU dispatch can cover`);
    }
    checkWidth(W3, 'projectedMoments');
    const { narrowAt, wideAt, nNarrow, nWide } = offsets(slices);
    const projection = plan.buffer('projection', K * L * 4);
    const e1 = plan.buffer('projected first partials', nNarrow * K * 4);
    const t1 = plan.buffer('projected third partials', nWide * W3 * 4);
    slices.forEach((sl, i) => {
      const chunk = chunks[sl.chunk];
      plan.push(
        kernels.scores.dispatch({ x: chunk.x, theta: projection, s, rowStart: sl.rowStart, rows: sl.rows, L, K }),
        kernels.momentWeights.scaled({ s, K, counts: chunk.counts, rowStart: sl.rowStart, rows: sl.rows, w, partials: e1, outOffset: narrowAt[i] }),
        kernels.third.dispatch({ y: s, counts: chunk.counts, partials: t1, rowStart: sl.rowStart, rows: sl.rows, K, outOffset: wideAt[i] }),
      );
    });
    return {
      projection,
      first: plan.mergeSums('projected first', e1, nNarrow, K).section,
      third: plan.mergeSums('projected third', t1, nWide, W3).section,
    };
  });
}
