/**
 * What a fit is worth against known truth (simulations): matched parameter errors,
 * W1 between the mixing measures (MATH.md §6).
 */
import { matchComponents } from './metrics.ts';
import { wasserstein1 } from './transport.ts';
import { SoftmixError } from '../errors.ts';

export interface TruthJson {
  alpha: number[];
  theta: number[][];
}

export interface TruthComparison {
  thetaError: number;
  alphaError: number;
  w1: number;
  /** truth component k ↔ fitted component permutation[k] */
  permutation: number[];
}

export function compareWithTruth(fit: { alpha: number[]; theta: number[][]; L: number }, truth: TruthJson): TruthComparison {
  if (!Array.isArray(truth?.alpha) || !Array.isArray(truth?.theta)) {
    throw new SoftmixError('file-format', 'truth must have "alpha" and "theta" (as written by softmix simulate)');
  }
  const K = fit.alpha.length;
  if (truth.alpha.length !== K) {
    throw new SoftmixError('shape', `the truth has K = ${truth.alpha.length} components, the fit has ${K}`);
  }
  const est = { alpha: fit.alpha, theta: fit.theta.flat() };
  const tru = { alpha: truth.alpha, theta: truth.theta.flat() };
  const m = matchComponents(est, tru, K, fit.L);
  return { thetaError: m.thetaError, alphaError: m.alphaError, w1: wasserstein1(est, tru, fit.L), permutation: Array.from(m.permutation) };
}
