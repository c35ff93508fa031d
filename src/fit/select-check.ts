/**
 * The check of selectModel's options (select.ts): the candidate lists, the split, and the
 * fit options once, all before any fit, each problem named in an 'options' error.
 */
import { fail } from '../errors.ts';
import { describeValue } from '../model/data.ts';
import type { FitOptions } from './options.ts';
import { checkOptions, checkOptionsObject } from './options.ts';
import type { SelectOptions } from './select.ts';

/** More folds than this is a mistake (every fold refits every candidate). */
export const MAX_FOLDS = 100;

export interface CheckedSelect {
  rule: 'best' | 'oneSE';
  Ks: number[];
  ridges: number[];
  folds: number;
  validationFraction: number;
  seed: number;
  fit: Partial<FitOptions>;
}

/** A non-empty list of distinct numbers, each checked by `ok`; sorted ascending. */
function candidateList(v: unknown, name: string, ok: (x: number) => boolean, want: string): number[] {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) fail('options', `selectModel: ${name} must be a list of candidates, each ${want}; got ${describeValue(v)}`);
  const xs = Array.from(v as ArrayLike<unknown>);
  if (xs.length === 0) fail('options', `selectModel: the ${name} list is empty: give at least one candidate`);
  for (const [i, x] of xs.entries()) {
    if (typeof x !== 'number' || !ok(x)) fail('options', `selectModel: ${name}[${i}] = ${describeValue(x)}: each ${name} must be ${want}`);
  }
  const sorted = (xs as number[]).slice().sort((a, b) => a - b);
  const dup = sorted.find((x, i) => i > 0 && x === sorted[i - 1]);
  if (dup !== undefined) fail('options', `selectModel: ${name} = ${dup} is listed twice`);
  return sorted;
}

/** Every option checked, and the fit options once, before any fit. */
export function checkSelectOptions(options: SelectOptions, p: number): CheckedSelect {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail('options', `selectModel: options must be an object { K: [...], … }, got ${describeValue(options)}`);
  }
  const rule = options.rule ?? 'best';
  if (rule !== 'best' && rule !== 'oneSE') fail('options', `selectModel: rule must be "best" or "oneSE", got ${typeof rule === 'string' ? JSON.stringify(rule) : describeValue(rule)}`);
  const Ks = candidateList(options.K, 'K', (x) => Number.isInteger(x) && x >= 1, 'an integer ≥ 1');
  const tooBig = Ks.find((K) => K > p);
  if (tooBig !== undefined) fail('options', `selectModel: K = ${tooBig} components cannot be fitted to p = ${p} support points (need K ≤ p)`);
  const ridges = options.ridge == null ? [0] : candidateList(options.ridge, 'ridge', (x) => Number.isFinite(x) && x >= 0, 'a finite number ≥ 0');

  const folds = options.folds ?? 1;
  if (typeof folds !== 'number' || !Number.isInteger(folds) || folds < 1 || folds > MAX_FOLDS) {
    fail('options', `selectModel: folds must be an integer from 1 to ${MAX_FOLDS}, got ${describeValue(options.folds)}`);
  }
  if (options.validationFraction != null && folds > 1) {
    fail('options', `selectModel: validationFraction is for a single split (folds = 1); with folds = ${folds} every fold holds 1/${folds} of the draws in turn`);
  }
  const validationFraction = options.validationFraction ?? 0.5;
  if (typeof validationFraction !== 'number' || !(validationFraction > 0 && validationFraction < 1)) {
    fail('options', `selectModel: validationFraction must be a number in (0, 1), got ${describeValue(options.validationFraction)}`);
  }
  const seed = options.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) fail('options', `selectModel: seed must be an integer ≥ 0, got ${describeValue(options.seed)}`);
  if (options.onProgress != null && typeof options.onProgress !== 'function') fail('options', `selectModel: onProgress must be a function, got ${describeValue(options.onProgress)}`);

  const fit = options.fit ?? {};
  checkOptionsObject(fit);
  for (const name of ['K', 'ridge'] as const) {
    if (fit[name] != null) fail('options', `selectModel: fit.${name} is set by the candidates: give the ${name} values to try as options.${name}`);
  }
  // the fit options as every fit will see them: the largest K and λ stand for all
  checkOptions({ ...fit, K: Ks[Ks.length - 1], ridge: ridges[ridges.length - 1], signal: options.signal ?? fit.signal }, p);
  return { rule, Ks, ridges, folds, validationFraction, seed, fit };
}
