/**
 * selectModel: chooses K (and a ridge λ) from one count vector by count splitting. The
 * counts are thinned into a training and a validation part (model/thinning.ts: two
 * independent multinomial samples from the same π), or into k folds; every candidate
 * (K, λ) is fitted on the training part and scored by ℓ/N on the part it never saw. The
 * best validation ℓ/N wins — a direct estimate of the expected log-probability of a new
 * draw, with no asymptotics about the parameter count (which BIC needs and which a
 * mixture's singular boundary at too-large K breaks). BIC and AIC of the training fits
 * stand beside it in the table for comparison, and so does the one-standard-error choice
 * (the smallest K within a paired standard error of the best: SelectOptions.rule). The
 * winner is then refitted on all counts.
 */
import { fail } from '../errors.ts';
import { makeDataset, type Dataset, type DatasetInput } from '../model/data.ts';
import { logLikelihood, mixtureLogProbabilities } from '../model/mixture.ts';
import { informationCriteria } from '../model/metrics.ts';
import { foldCounts, thinCounts } from '../model/thinning.ts';
import type { StopReason } from '../em/index.ts';
import { fitSoftmaxMixture, type FitOptions, type FitResult } from './fit.ts';
import { checkSelectOptions, type CheckedSelect } from './select-check.ts';

export { MAX_FOLDS } from './select-check.ts';

export interface SelectOptions {
  /** the numbers of components to try: integers 1 ≤ K ≤ p, distinct */
  K: number[];
  /** ridges λ ≥ 0 to try with every K (default [0]) */
  ridge?: number[];
  /** 1 (default): one split, validationFraction held out; k ≥ 2: k-fold count splitting */
  folds?: number;
  /** the share of the draws held out for validation with one split (default 0.5) */
  validationFraction?: number;
  /** seed of the split (default 1); the fits take theirs from fit.seed */
  seed?: number;
  /**
   * which candidate is chosen and refitted: 'best' (default), the best mean validation ℓ/N;
   * or 'oneSE', the smallest K whose validation ℓ/N is within one standard error of the
   * best's (the paired standard error of the difference, over the held-out draws), and at
   * that K the λ that scores best. Past the true K the validation score is flat up to noise
   * of the order of its gain, so 'best' picks too large a K now and then; 'oneSE' trades a
   * little predictive score for that. Both choices are reported either way.
   */
  rule?: 'best' | 'oneSE';
  /** passed to every fit (backend, restarts, tol, …); K and ridge come from the candidates */
  fit?: Partial<FitOptions>;
  onProgress?: (info: SelectProgress) => void;
  signal?: AbortSignal;
}

export type SelectProgress =
  | { stage: 'fit'; K: number; ridge: number; fold: number; folds: number; candidate: number; candidates: number }
  | { stage: 'candidate'; row: SelectionRow; candidate: number; candidates: number }
  | { stage: 'refit'; K: number; ridge: number };

/** One candidate's fit on one split's training part, and its score on the held-out part. */
export interface FoldScore {
  fold: number;
  NTrain: number;
  NValidation: number;
  /** ℓ/N of the training fit on its own counts */
  trainLogLikPerSample: number;
  /** ℓ/N of the training fit on the held-out counts */
  validationLogLikPerSample: number;
  /** of the training fit: −2ℓ_train + d·log N_train and −2ℓ_train + 2d */
  bic: number;
  aic: number;
  converged: boolean;
  stopReason: StopReason;
  eSteps: number;
  seconds: number;
  /** the training fit (weights descending, atoms in the features' units), e.g. to score it elsewhere */
  alpha: number[];
  theta: number[][];
}

export interface SelectionRow {
  K: number;
  ridge: number;
  /** free parameters d = (K − 1) + K·L */
  parameters: number;
  /**
   * validation ℓ/N minus the best candidate's (≤ 0), and the standard error of that
   * difference: per held-out draw the difference of the two fits' log π at the drawn item,
   * its variance over the draws / N_validation, pooled over folds (0 for the best itself)
   */
  differenceFromBest: number;
  differenceStdError: number;
  /** mean over the folds (the one split's value with folds = 1) */
  validationLogLikPerSample: number;
  /**
   * standard error of that mean over folds, sd/√k (null with one split). The folds' training
   * parts overlap, so their scores are correlated and this understates the uncertainty a little.
   */
  validationStdError: number | null;
  trainLogLikPerSample: number;
  bic: number;
  aic: number;
  /** every fold's fit converged */
  converged: boolean;
  /** 'maxIter' if any fold stopped there, else 'tol' */
  stopReason: StopReason;
  /** totals over the folds */
  eSteps: number;
  seconds: number;
  folds: FoldScore[];
}

export interface SelectionResult {
  split: {
    folds: number;
    /** the held-out share with one split; null for k folds (each holds 1/k) */
    validationFraction: number | null;
    seed: number;
    N: number;
    NTrain: number[];
    NValidation: number[];
  };
  /** candidates in order of K, then λ */
  table: SelectionRow[];
  /** the candidate options.rule picks, the one refitted */
  chosen: Choice & { rule: 'best' | 'oneSE' };
  /** the best mean validation ℓ/N (ties: the smaller K, then the smaller λ) */
  bestChoice: Choice;
  /** the smallest K within one standard error of the best (see SelectOptions.rule) */
  oneSeChoice: Choice;
  /** the smallest mean BIC, for comparison */
  bicChoice: Choice;
  /** the chosen candidate refitted on all counts */
  refit: FitResult;
}

export interface Choice {
  K: number;
  ridge: number;
  /** the row of the table */
  index: number;
}


const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export async function selectModel(input: DatasetInput, options: SelectOptions): Promise<SelectionResult> {
  // fractional counts pass here only to get thinCounts' message, which says why they cannot be split
  const data = makeDataset(input, { allowFractionalCounts: true });
  const o = checkSelectOptions(options, data.p);
  const parts = splitCounts(data, o);
  const candidates = o.Ks.flatMap((K) => o.ridges.map((ridge) => ({ K, ridge })));

  const table: SelectionRow[] = [];
  /** log π̂ of every candidate's fit on every split, for the paired differences */
  const logPis: Float64Array[][] = [];
  for (const [c, { K, ridge }] of candidates.entries()) {
    const folds: FoldScore[] = [];
    const rowLogPi: Float64Array[] = [];
    for (const [i, part] of parts.entries()) {
      throwIfAborted(options.signal);
      options.onProgress?.({ stage: 'fit', K, ridge, fold: i, folds: parts.length, candidate: c, candidates: candidates.length });
      const scored = await fitAndScore(data, part, i, { ...o.fit, K, ridge, signal: options.signal ?? o.fit.signal });
      folds.push(scored.score);
      rowLogPi.push(scored.logPi);
    }
    const row = summariseRow(K, ridge, data.L, folds);
    table.push(row);
    logPis.push(rowLogPi);
    options.onProgress?.({ stage: 'candidate', row, candidate: c, candidates: candidates.length });
  }

  const bestChoice = argmax(table, (r) => r.validationLogLikPerSample);
  for (const [r, row] of table.entries()) Object.assign(row, pairedDifference(parts, logPis[r], logPis[bestChoice.index]));
  const oneSeChoice = withinOneSe(table);
  const bicChoice = argmax(table, (r) => -r.bic);
  const chosen = { ...(o.rule === 'best' ? bestChoice : oneSeChoice), rule: o.rule };
  throwIfAborted(options.signal);
  options.onProgress?.({ stage: 'refit', K: chosen.K, ridge: chosen.ridge });
  const refit = await fitSoftmaxMixture(datasetInput(data, data.counts), { ...o.fit, K: chosen.K, ridge: chosen.ridge, signal: options.signal ?? o.fit.signal });
  return {
    split: {
      folds: o.folds,
      validationFraction: o.folds === 1 ? o.validationFraction : null,
      seed: o.seed,
      N: data.N,
      NTrain: parts.map((q) => q.NTrain),
      NValidation: parts.map((q) => q.NValidation),
    },
    table,
    chosen,
    bestChoice,
    oneSeChoice,
    bicChoice,
    refit,
  };
}

interface Part {
  train: Float64Array;
  validation: Float64Array;
  NTrain: number;
  NValidation: number;
}

/** One split (thinning by validationFraction) or k folds (train on all but fold i, validate on fold i). */
function splitCounts(data: Dataset, o: CheckedSelect): Part[] {
  let pairs: { train: Float64Array; validation: Float64Array }[];
  if (o.folds === 1) {
    const { train, validation } = thinCounts(data.counts, 1 - o.validationFraction, o.seed);
    pairs = [{ train, validation }];
  } else {
    const parts = foldCounts(data.counts, o.folds, o.seed);
    pairs = parts.map((validation) => ({ train: data.counts.map((n, j) => n - validation[j]), validation }));
  }
  return pairs.map(({ train, validation }, i) => {
    const NTrain = sum(train);
    const NValidation = sum(validation);
    const which = o.folds === 1 ? 'the split' : `fold ${i + 1} of ${o.folds}`;
    if (NTrain === 0 || NValidation === 0) {
      fail('counts', `${which} left the ${NTrain === 0 ? 'training' : 'validation'} part without draws (N = ${data.N} in all): too few counts to split`);
    }
    return { train, validation, NTrain, NValidation };
  });
}

async function fitAndScore(data: Dataset, part: Part, fold: number, fitOptions: FitOptions): Promise<{ score: FoldScore; logPi: Float64Array }> {
  const t0 = now();
  const fit = await fitSoftmaxMixture(datasetInput(data, part.train), fitOptions);
  const seconds = (now() - t0) / 1000;
  const logPi = mixtureLogProbabilities(data.features, data.p, data.L, { alpha: Float64Array.from(fit.alpha), theta: Float64Array.from(fit.theta.flat()) });
  const criteria = informationCriteria(fit.logLik, fit.K, data.L, part.NTrain);
  const score: FoldScore = {
    fold,
    NTrain: part.NTrain,
    NValidation: part.NValidation,
    trainLogLikPerSample: fit.logLik / part.NTrain,
    validationLogLikPerSample: logLikelihood(part.validation, logPi) / part.NValidation,
    bic: criteria.bic,
    aic: criteria.aic,
    converged: fit.converged,
    stopReason: fit.stopReason,
    eSteps: fit.eSteps,
    seconds,
    alpha: fit.alpha,
    theta: fit.theta,
  };
  return { score, logPi };
}

function summariseRow(K: number, ridge: number, L: number, folds: FoldScore[]): SelectionRow {
  const validation = folds.map((f) => f.validationLogLikPerSample);
  const k = folds.length;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const m = mean(validation);
  const sd = k > 1 ? Math.sqrt(validation.reduce((s, v) => s + (v - m) ** 2, 0) / (k - 1)) : NaN;
  return {
    K,
    ridge,
    parameters: K - 1 + K * L,
    // filled in once every candidate is scored (selectModel)
    differenceFromBest: NaN,
    differenceStdError: NaN,
    validationLogLikPerSample: m,
    validationStdError: k > 1 ? sd / Math.sqrt(k) : null,
    trainLogLikPerSample: mean(folds.map((f) => f.trainLogLikPerSample)),
    bic: mean(folds.map((f) => f.bic)),
    aic: mean(folds.map((f) => f.aic)),
    converged: folds.every((f) => f.converged),
    stopReason: folds.some((f) => f.stopReason === 'maxIter') ? 'maxIter' : folds[0].stopReason,
    eSteps: folds.reduce((s, f) => s + f.eSteps, 0),
    seconds: folds.reduce((s, f) => s + f.seconds, 0),
    folds,
  };
}

/**
 * Candidate a's validation ℓ/N minus candidate b's, and its standard error. On split i
 * every held-out draw y contributes d(y) = log π̂_a(y) − log π̂_b(y); the draws are i.i.d.
 * given the fits, so the mean of d has variance Var(d)/N_validation. Over k folds the mean
 * of the folds' means has variance Σ_i Var_i(d)/N_i / k².
 */
function pairedDifference(parts: Part[], a: Float64Array[], b: Float64Array[]): { differenceFromBest: number; differenceStdError: number } {
  let mean = 0;
  let variance = 0;
  for (const [i, part] of parts.entries()) {
    const v = part.validation;
    let m = 0;
    for (let j = 0; j < v.length; j++) if (v[j] > 0) m += v[j] * (a[i][j] - b[i][j]);
    m /= part.NValidation;
    let ss = 0;
    for (let j = 0; j < v.length; j++) if (v[j] > 0) ss += v[j] * (a[i][j] - b[i][j] - m) ** 2;
    mean += m;
    variance += ss / part.NValidation / part.NValidation;
  }
  const k = parts.length;
  return { differenceFromBest: mean / k, differenceStdError: Math.sqrt(variance) / k };
}

/** The smallest K with a candidate within one standard error of the best, and at that K the best-scoring λ. */
function withinOneSe(table: SelectionRow[]): Choice {
  const close = table.filter((r) => r.differenceFromBest >= -r.differenceStdError);
  const K = Math.min(...close.map((r) => r.K));
  const atK = table.map((r, index) => ({ r, index })).filter(({ r }) => r.K === K);
  const { r, index } = atK.reduce((x, y) => (y.r.validationLogLikPerSample > x.r.validationLogLikPerSample ? y : x));
  return { K: r.K, ridge: r.ridge, index };
}

/** The row with the largest score; the first wins ties, and the table runs by K, then λ, ascending. */
function argmax(table: SelectionRow[], score: (r: SelectionRow) => number): Choice {
  let index = 0;
  for (let i = 1; i < table.length; i++) if (score(table[i]) > score(table[index])) index = i;
  return { K: table[index].K, ridge: table[index].ridge, index };
}

function datasetInput(data: Dataset, counts: Float64Array): DatasetInput {
  return { features: data.features, p: data.p, L: data.L, counts };
}

function sum(xs: Float64Array): number {
  let s = 0;
  for (let j = 0; j < xs.length; j++) s += xs[j];
  return s;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) fail('cancelled', 'the model selection was cancelled');
}
