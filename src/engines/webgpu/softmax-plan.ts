/**
 * The plans of eStep and softmaxStats for one K.
 *
 * Dispatch order (S slices; "×S" = once per slice; scores are recomputed in later
 * phases only when S > 1, because the s/w scratch buffers hold one slice):
 *
 *   phase 1  scores with their logsumexp partials ×S (one dispatch), logsumexp merges
 *            (0 unless more than Plan.cap partials), logsumexp finalize → A on the device
 *   phase 2  [scores ×S], estep or sigma ×S, weighted-sum ×S, merge levels of the
 *            weights, Σwx and (E-step) the compensated ℓ pairs (0 unless too many)
 *   phase 3  (the pair modes) [scores ×S, the weights ×S], weighted-gram ×S, merges
 *
 * Mode 'estepMean' (Engine.eStep with the means) is the E-step with the softmax means at
 * the same Θ: phase 2 writes the E-step's K weight columns and σ's K beside them in one
 * dispatch (estepSigma, both from phase 1's A) and sums the 2K columns in one weighted
 * sum (X read once); the readback's views (Section first/count) split the sums again.
 * The covariance modes ('covariance', and 'estepCovariance': eStep with the covariance)
 * do phases 2 and 3 in one read of X (buildFused): the Gram dispatch forms the weighted
 * sums beside σ's Gram matrices, which it centres where the host says (centre.ts). One
 * submit and one readback for what was an E-step plus a softmaxStats pass; at K = 16,
 * L = 64 with one slice, 5 dispatches and X read 1 + 2 times: scores, finalize,
 * estepSigma, weighted-gram, its merge level.
 *
 * Mode 'pairs' (Engine.pairMoments) has M = K(K+1)/2 weight columns, the pair weights
 * n_j r_jk(δ_kl − r_jl), in place of the K of the E-step: phase 2 writes them (estep
 * pairs) and sums Σw and Σwx; phase 3 forms Σw xxᵀ uncentred (the pair weights change
 * sign and may sum to about 0, so there is no mean to centre at; the features are centred).
 *
 * Mode 'scorePairs' (Engine.pairMoments with weights 'scores') is mode 'pairs' with the
 * weights n_j r_jk r_jl (estep scorePairs).
 *
 * Mode 'residual' (Engine.residualMoments) has one weight column, (n_j − N π_j)_+ (estep
 * residual), and stops after phase 2's Σw and Σwx.
 *
 * The readback is the per-component state and the last few partials of every
 * reduction, summed on the host in float64 (finish.ts).
 */
import type { PairWeights } from '../engine.ts';
import type { Slice } from './chunks.ts';
import { ceilDiv, MAX_PARTIAL_BYTES, wideGroups, type Dispatch } from './kernel.ts';
import { SoftmixError } from '../../errors.ts';
import { columnsOf, Plan, sliceOffsets, type PlanEnv, type Section } from './plan.ts';
import { LogSumExpKernel, LSE_PARTIAL_BYTES, LSE_STATE_BYTES } from './logsumexp.ts';
import { EStepKernel } from './estep.ts';
import { WeightedSumKernel } from './weighted-sum.ts';
import { packedSize, WeightedGramKernel } from './weighted-gram.ts';

export type SoftmaxMode = 'estep' | 'estepMean' | 'estepCovariance' | 'logPartition' | 'mean' | 'covariance' | 'pairs' | 'scorePairs' | 'residual';

export interface SoftmaxLayout {
  /** inputs written before every call: Θ (K × L, f32) and log α (K, f32) */
  theta: GPUBuffer;
  logAlpha: GPUBuffer;
  /** K × (M, S, log S, b) */
  state: Section;
  /** n × K × (m, t) */
  lse: Section;
  /** n × K: c_k (E-step) or Σσ (statistics) */
  weights?: Section;
  /** n × (hi, lo) of Σ n_j log π_j (E-step) */
  ell?: Section;
  /** n × K·L */
  wsum?: Section;
  /** modes estepMean, estepCovariance: Σσ and Σσx (n × K, n × K·L) beside the E-step's Σw, Σwx */
  sigma?: { weights: Section; wsum: Section };
  /** 1 × K·L */
  center?: Section;
  /** mode estepCovariance: the centre's buffer, which the host writes before each call */
  centerInput?: GPUBuffer;
  /** n × K·T */
  gram?: Section;
}

/** `N` (Σ_j n_j) is used by mode 'residual' only. */
export function softmaxPlan(env: PlanEnv, mode: SoftmaxMode, K: number, slices: readonly Slice[], N = 0): Plan<SoftmaxLayout> {
  return new Plan<SoftmaxLayout>(env, `${mode} K=${K}`, (plan) => build(plan, mode, K, slices, N));
}

function build(plan: Plan<SoftmaxLayout>, mode: SoftmaxMode, K: number, slices: readonly Slice[], N: number): SoftmaxLayout {
  const { kernels, L, chunks, s, w } = plan.env;
  // weight columns of phase 2 (C) and of phase 3's Gram matrices
  const pairs = mode === 'pairs' || mode === 'scorePairs';
  const covariance = mode === 'covariance' || mode === 'estepCovariance';
  const withSigma = mode === 'estepMean' || mode === 'estepCovariance';
  const C = pairs ? (K * (K + 1)) / 2 : withSigma ? 2 * K : K;
  const gramColumns = pairs ? C : K;
  const theta = plan.buffer('theta', K * L * 4);
  const logAlpha = plan.buffer('log alpha', K * 4);

  // Partial offsets of each slice: narrow (one per 256 rows) and wide (split-K groups, as
  // many as keep the widest reduction's partials within MAX_PARTIAL_BYTES).
  // the covariance modes: the Gram's partials carry the C weighted sums too (buildFused)
  const gramWidth = WeightedGramKernel.partialWidth(gramColumns, L, covariance ? C : 0);
  // One partial of the Gram matrices (K·L(L+1)/2 floats) is the least a slice can write and
  // the readback must hold: past the budget of any one buffer, the pass is refused here.
  if ((covariance || pairs) && 4 * gramWidth > MAX_PARTIAL_BYTES) {
    const mib = (4 * gramWidth) / 2 ** 20;
    throw new SoftmixError(
      'backend',
      `K = ${gramColumns} Gram matrices of L = ${L} features take ${mib.toFixed(1)} MiB per partial (K·L(L+1)/2 floats), more than the ${MAX_PARTIAL_BYTES / 2 ** 20} MiB any one buffer may hold`,
    );
  }
  const maxGroups = wideGroups(Math.max(C * L, covariance || pairs ? gramWidth : 0), slices.length);
  const { narrowAt, wideAt, nNarrow, nWide } = sliceOffsets(
    slices,
    (rows) => LogSumExpKernel.partialCount(rows),
    (rows) => WeightedSumKernel.partialCount(rows, maxGroups),
  );
  const scores = (sl: Slice) => kernels.scores.dispatch({ x: chunks[sl.chunk].x, theta, s, rowStart: sl.rowStart, rows: sl.rows, L, K });

  // Phase 1: A_k.
  const lse1 = plan.buffer('logsumexp partials', nNarrow * K * LSE_PARTIAL_BYTES);
  slices.forEach((sl, i) => {
    plan.push(kernels.scores.withPartials({ x: chunks[sl.chunk].x, theta, s, rowStart: sl.rowStart, rows: sl.rows, L, K, partials: lse1, outOffset: narrowAt[i] }));
  });
  const lseCap = plan.cap(2 * K);
  const lseChain = kernels.lse.mergeChain(lse1, nNarrow, K, lseCap, plan.pingPong('logsumexp', nNarrow, K * LSE_PARTIAL_BYTES, lseCap));
  plan.push(...lseChain.dispatches);
  const state = plan.buffer('component state', K * LSE_STATE_BYTES);
  plan.push(kernels.lse.finalize({ input: lseChain.buffer, n: lseChain.n, K, logAlpha, state }));
  const layout: SoftmaxLayout = {
    theta,
    logAlpha,
    state: plan.section(state, K, 4),
    lse: plan.section(lseChain.buffer, lseChain.n, 2 * K),
  };
  if (mode === 'logPartition') return layout;
  const posterior: PosteriorArgs = { K, slices, state, narrowAt, wideAt, nNarrow, nWide, maxGroups, scores };
  if (pairs) return buildPairs(plan, layout, posterior, mode === 'pairs' ? 'information' : 'scores');
  if (covariance) return buildFused(plan, layout, posterior, mode === 'estepCovariance');
  if (mode === 'residual') return buildResidual(plan, layout, posterior, N);

  // Phase 2: weights (n r or σ, or both side by side), their sums, Σ w x.
  const estep = mode === 'estep' || mode === 'estepMean';
  const ell1 = estep ? plan.buffer('log-likelihood partials', nNarrow * 8) : null;
  // a slice's weights with their partials (and ℓ's, into `ell`, for the E-step modes)
  const weightsOf = (sl: Slice, partials: GPUBuffer, outOffset: number): Dispatch => {
    const args = { s, state, w, partials, rows: sl.rows, K, outOffset };
    if (!ell1) return kernels.estep.sigma(args);
    const estepArgs = { ...args, counts: chunks[sl.chunk].counts, rowStart: sl.rowStart, ell: ell1 };
    return withSigma ? kernels.estep.estepSigma(estepArgs) : kernels.estep.estep(estepArgs);
  };
  // The E-step with the softmax means at Θ writes the E-step's K columns and σ's K
  // beside them (one dispatch, from phase 1's A; the state's log S_k, not log α_k, scales
  // σ) and sums all 2K in one weighted sum: X is read once for both.
  sumWeightColumns(plan, layout, posterior, C, weightsOf, '');
  if (withSigma) {
    const both = { weights: layout.weights!, wsum: layout.wsum! };
    layout.weights = columnsOf(both.weights, 0, K);
    layout.wsum = columnsOf(both.wsum, 0, K * L);
    layout.sigma = { weights: columnsOf(both.weights, K, K), wsum: columnsOf(both.wsum, K * L, K * L) };
  }
  if (ell1) layout.ell = ellSection(plan, ell1, nNarrow);
  return layout;
}

/** The compensated ℓ pairs' merges (none unless too many) and their readback. */
function ellSection(plan: Plan<SoftmaxLayout>, ell1: GPUBuffer, nNarrow: number): Section {
  const cap = plan.cap(2);
  const chain = plan.env.kernels.merge.chainPairs(ell1, nNarrow, cap, plan.pingPong('log-likelihood', nNarrow, 8, cap));
  plan.push(...chain.dispatches);
  return plan.section(chain.buffer, chain.n, 2);
}

/**
 * Phases 2 and 3 of the covariance modes in one read of X: per slice (scores again when
 * there are several) the weights (σ's K columns; with the E-step, estepSigma writes its K
 * before them), then one weighted-gram dispatch forms σ's Gram matrices around the centre
 * the host wrote and, in its diagonal workgroups, Σwx of every weight column (the
 * shader's fused sums), into one partial row each: one merge chain for all of it. At
 * K = 16, L = 64 with one slice: scores, finalize, the weights, weighted-gram, its merge
 * level (5 dispatches), X read 1 + 2 times.
 */
function buildFused(plan: Plan<SoftmaxLayout>, layout: SoftmaxLayout, a: PosteriorArgs, withEStep: boolean): SoftmaxLayout {
  const { kernels, L, chunks, s, w } = plan.env;
  const { K, slices } = a;
  const C = withEStep ? 2 * K : K;
  const sigmaFirst = C - K; // σ's first column
  const T = packedSize(L);
  const width = WeightedGramKernel.partialWidth(K, L, C);
  const e1 = plan.buffer('weight partials', a.nNarrow * C * 4);
  const ell1 = withEStep ? plan.buffer('log-likelihood partials', a.nNarrow * 8) : null;
  const center = plan.buffer('center', K * L * 4); // written by the host before each call
  const g1 = plan.buffer('weighted-gram and weighted-sum partials', a.nWide * width * 4);
  slices.forEach((sl, i) => {
    const chunk = chunks[sl.chunk];
    if (slices.length > 1) plan.push(a.scores(sl));
    const args = { s, state: a.state, w, partials: e1, rows: sl.rows, K, outOffset: a.narrowAt[i] };
    plan.push(ell1 ? kernels.estep.estepSigma({ ...args, counts: chunk.counts, rowStart: sl.rowStart, ell: ell1 }) : kernels.estep.sigma(args));
    const sums = withEStep ? { otherFirst: 0 } : {};
    plan.push(kernels.gram.dispatch({ x: chunk.x, w, wColumns: { stride: C, first: sigmaFirst }, sums, center, partials: g1, rowStart: sl.rowStart, rows: sl.rows, K, L, outOffset: a.wideAt[i], maxGroups: a.maxGroups }));
  });
  const weights = plan.mergeSums('weights', e1, a.nNarrow, C).section;
  if (ell1) layout.ell = ellSection(plan, ell1, a.nNarrow);
  const merged = plan.mergeSums('weighted-gram and weighted-sum', g1, a.nWide, width).section;
  const sigma = { weights: columnsOf(weights, sigmaFirst, K), wsum: columnsOf(merged, K * T + sigmaFirst * L, K * L) };
  if (withEStep) {
    layout.weights = columnsOf(weights, 0, K);
    layout.wsum = columnsOf(merged, K * T, K * L);
    layout.sigma = sigma;
  } else {
    layout.weights = sigma.weights;
    layout.wsum = sigma.wsum;
  }
  layout.gram = columnsOf(merged, 0, K * T);
  layout.center = plan.section(center, 1, K * L);
  layout.centerInput = center;
  return layout;
}

/** What phase 1 leaves for the posterior-weight modes (pairs, residual). */
interface PosteriorArgs {
  K: number;
  slices: readonly Slice[];
  /** the component state phase 1 wrote */
  state: GPUBuffer;
  narrowAt: number[];
  wideAt: number[];
  nNarrow: number;
  nWide: number;
  /** row groups per slice of the wide reductions */
  maxGroups: number;
  scores: (sl: Slice) => Dispatch;
}

/** Writes a slice's C weight columns into the scratch w, with their Σ partials at `outOffset` of `partials`. */
type WriteWeights = (sl: Slice, partials: GPUBuffer, outOffset: number) => Dispatch;

/**
 * Phase 2 of the posterior-weight modes: per slice (scores again when there are several)
 * the C weight columns, then Σw and Σwx over all slices into layout.weights / layout.wsum.
 */
function sumWeightColumns(plan: Plan<SoftmaxLayout>, layout: SoftmaxLayout, a: PosteriorArgs, C: number, write: WriteWeights, label: string): void {
  const { kernels, L, chunks, w } = plan.env;
  const named = (what: string) => (label ? `${label} ${what}` : what);
  const e1 = plan.buffer(named('weight partials'), a.nNarrow * C * 4);
  const w1 = plan.buffer(named('weighted-sum partials'), a.nWide * C * L * 4);
  a.slices.forEach((sl, i) => {
    if (a.slices.length > 1) plan.push(a.scores(sl));
    plan.push(write(sl, e1, a.narrowAt[i]));
    plan.push(kernels.wsum.dispatch({ x: chunks[sl.chunk].x, w, partials: w1, rowStart: sl.rowStart, rows: sl.rows, K: C, L, outOffset: a.wideAt[i], maxGroups: a.maxGroups }));
  });
  const weights = plan.mergeSums(named('weights'), e1, a.nNarrow, C);
  const wsum = plan.mergeSums(named('weighted-sum'), w1, a.nWide, C * L);
  layout.weights = weights.section;
  layout.wsum = wsum.section;
}

/** Phases 2 and 3 of the pair modes: C = K(K+1)/2 pair-weight columns, their Σw, Σwx, Σwxxᵀ. */
function buildPairs(plan: Plan<SoftmaxLayout>, layout: SoftmaxLayout, a: PosteriorArgs, weights: PairWeights): SoftmaxLayout {
  const { kernels, L, chunks, s, w } = plan.env;
  const { K, slices } = a;
  const C = (K * (K + 1)) / 2;
  const T = packedSize(L);
  const pairWeights: WriteWeights = (sl, partials, outOffset) =>
    kernels.estep.pairs({ s, state: a.state, w, partials, rows: sl.rows, K, outOffset, counts: chunks[sl.chunk].counts, rowStart: sl.rowStart }, weights);
  sumWeightColumns(plan, layout, a, C, pairWeights, 'pair');
  const zeroCenter = plan.buffer('zero center', C * L * 4); // WebGPU buffers start zeroed
  const g1 = plan.buffer('pair weighted-gram partials', a.nWide * C * T * 4);
  const discard = slices.length > 1 ? plan.buffer('discarded pair partials', Math.max(...slices.map((sl) => EStepKernel.partialCount(sl.rows))) * C * 4) : null;
  slices.forEach((sl, i) => {
    if (discard) plan.push(a.scores(sl), pairWeights(sl, discard, 0));
    plan.push(kernels.gram.dispatch({ x: chunks[sl.chunk].x, w, center: zeroCenter, partials: g1, rowStart: sl.rowStart, rows: sl.rows, K: C, L, outOffset: a.wideAt[i], maxGroups: a.maxGroups }));
  });
  layout.gram = plan.mergeSums('pair weighted-gram', g1, a.nWide, C * T).section;
  return layout;
}

/** Phase 2 of mode 'residual': one weight column (n_j − N π_j)_+, its Σw and Σwx. */
function buildResidual(plan: Plan<SoftmaxLayout>, layout: SoftmaxLayout, a: PosteriorArgs, N: number): SoftmaxLayout {
  const { kernels, chunks, s, w } = plan.env;
  const residualWeights: WriteWeights = (sl, partials, outOffset) =>
    kernels.estep.residual({ s, state: a.state, w, partials, rows: sl.rows, K: a.K, outOffset, counts: chunks[sl.chunk].counts, rowStart: sl.rowStart, N });
  sumWeightColumns(plan, layout, a, 1, residualWeights, 'residual');
  return layout;
}
