/**
 * The most characteristic items of each fitted component: those with the highest
 * responsibility-weighted lift
 *
 *   score_jk = n_j · r_jk · log(r_jk / α_k),   r_jk = α_k σ_j(θ_k) / π_j,   lift_jk = r_jk / α_k = σ_j(θ_k) / π_j,
 *
 * i.e. the expected count of item j in component k times its log-lift. Items the
 * component over-represents score positive, in proportion to how often they were seen;
 * rare items with a large lift do not crowd out frequent ones. Host float64, in logs
 * throughout (log σ from logSoftmaxTable, log π by log-sum-exp), so that large scores
 * never overflow exp.
 */
import { logSoftmaxTable } from './mixture.ts';
import { logSumExp } from '../math/linalg.ts';
import { fail } from '../errors.ts';

export interface CharacteristicItem {
  /** the item's index j in 0..p−1 */
  index: number;
  /** n_j · r_jk · log(lift) */
  score: number;
  /** σ_j(θ_k) / π_j */
  lift: number;
}

export interface ComponentItems {
  /** the component's index in alpha/theta */
  k: number;
  /** up to `top` items, highest score first (ties: lower index first) */
  items: CharacteristicItem[];
}

export function characteristicItems(
  features: ArrayLike<number>,
  p: number,
  L: number,
  counts: ArrayLike<number>,
  alpha: number[],
  theta: number[][],
  top = 12,
): ComponentItems[] {
  const K = alpha.length;
  if (features.length !== p * L) fail('shape', `characteristicItems: features hold ${features.length} values, expected p×L = ${p}×${L}`);
  if (counts.length !== p) fail('shape', `characteristicItems: counts have length ${counts.length}, expected p = ${p}`);
  if (theta.length !== K || theta.some((row) => row.length !== L)) {
    fail('shape', `characteristicItems: theta must be K = ${K} rows of length L = ${L}`);
  }
  if (!Number.isInteger(top) || top < 0) fail('options', `characteristicItems: top must be an integer ≥ 0, got ${top}`);

  const logSigma = logSoftmaxTable(features, p, L, theta.flat(), K);
  const logAlpha = alpha.map((a) => Math.log(a));
  const logPi = new Float64Array(p);
  const terms = new Float64Array(K);
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < K; k++) terms[k] = logAlpha[k] + logSigma[j * K + k];
    logPi[j] = logSumExp(terms);
  }

  const out: ComponentItems[] = [];
  for (let k = 0; k < K; k++) {
    const scored: CharacteristicItem[] = [];
    for (let j = 0; j < p; j++) {
      const logLift = logSigma[j * K + k] - logPi[j];
      // r_jk = α_k · lift ≤ 1; an empty component (α_k = 0) has r = 0 and score 0.
      const r = alpha[k] > 0 ? Math.exp(logAlpha[k] + logLift) : 0;
      const n = counts[j];
      scored.push({ index: j, score: n > 0 && r > 0 ? n * r * logLift : 0, lift: Math.exp(logLift) });
    }
    scored.sort((a, b) => b.score - a.score || a.index - b.index);
    out.push({ k, items: scored.slice(0, top) });
  }
  return out;
}
