/**
 * The saved form of a fitted model and its check on load. Two inputs are read:
 *   - the model's own versioned JSON, `{ format: 'softmix-model', version: 1, K, L, alpha,
 *     theta, ridge?, se?, training? }` (FittedModel.toJSON writes it);
 *   - the JSON of a fit, as `softmix fit` prints it or `--out` writes it (a FitResult: no
 *     `format`, with K, L, alpha, theta), and any JSON of that shape (simulate's truth.json).
 * Everything is checked, and every problem is a SoftmixError 'file-format' whose message
 * names the field. Fields the version does not define are ignored.
 */
import { SoftmixError } from '../errors.ts';
import { describeValue } from '../model/data.ts';
import { checkAtoms, checkSimplex } from '../model/mixture-input.ts';
import type { ErrorsOf } from '../inference/index.ts';

export const MODEL_FORMAT = 'softmix-model';
export const MODEL_VERSION = 1;

/** Standard errors kept with a model (from the fit's `se`), in the components' order; null where undetermined. */
export type ModelStandardErrors = ErrorsOf & { robust?: ErrorsOf };

/** What the model was fitted on, for reference. */
export interface TrainingSummary {
  p: number;
  N: number;
  logLik: number;
}

/** Version 1 of the saved model. */
export interface ModelJson {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  K: number;
  L: number;
  alpha: number[];
  /** K rows of L */
  theta: number[][];
  /** the fit's ridge λ, when it had one (0 for none) */
  ridge?: number;
  se?: ModelStandardErrors;
  training?: TrainingSummary;
}

/** A model's checked contents: the constructor's input. */
export interface ModelParts {
  K: number;
  L: number;
  alpha: Float64Array;
  theta: Float64Array;
  ridge: number | null;
  se: ModelStandardErrors | null;
  training: TrainingSummary | null;
}

function bad(where: string, message: string): never {
  throw new SoftmixError('file-format', `${where}: ${message}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The mixture checks raise 'shape', 'not-finite' or 'options'; in a file every one is a file's problem. */
function asFileFormat<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof SoftmixError) throw new SoftmixError('file-format', err.message);
    throw err;
  }
}

function positiveInteger(where: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) bad(where, `${name} must be a positive integer, got ${describeValue(v)}`);
  return v as number;
}

function finiteNumber(where: string, name: string, v: unknown, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(where, `${name} must be a finite number, got ${describeValue(v)}`);
  if ((v as number) < min) bad(where, `${name} must be ≥ ${min}, got ${v}`);
  return v as number;
}

/** A standard error: a finite number ≥ 0, or null (undetermined). */
function errorValue(where: string, name: string, v: unknown): number | null {
  return v === null ? null : finiteNumber(where, name, v, 0);
}

function errorsOf(where: string, name: string, v: unknown, K: number, L: number): ErrorsOf {
  if (!isObject(v)) bad(where, `${name} must be an object { alpha, theta }, got ${describeValue(v)}`);
  const { alpha, theta } = v as Record<string, unknown>;
  if (!Array.isArray(alpha) || alpha.length !== K) bad(where, `${name}.alpha must be an array of K = ${K} standard errors`);
  if (!Array.isArray(theta) || theta.length !== K) bad(where, `${name}.theta must be K = ${K} rows of L = ${L} standard errors`);
  const rows = (theta as unknown[]).map((row, k) => {
    if (!Array.isArray(row) || row.length !== L) bad(where, `${name}.theta[${k}] must be a row of L = ${L} standard errors, got ${describeValue(row)}`);
    return (row as unknown[]).map((x, l) => errorValue(where, `${name}.theta[${k}][${l}]`, x));
  });
  return { alpha: (alpha as unknown[]).map((x, k) => errorValue(where, `${name}.alpha[${k}]`, x)), theta: rows };
}

function standardErrors(where: string, name: string, v: unknown, K: number, L: number): ModelStandardErrors {
  const se: ModelStandardErrors = errorsOf(where, name, v, K, L);
  const robust = (v as Record<string, unknown>).robust;
  if (robust !== undefined) se.robust = errorsOf(where, `${name}.robust`, robust, K, L);
  return se;
}

/** K, L, α and Θ of either input; K and L may be left out (then read off α and Θ) but must agree when given. */
function mixtureOf(where: string, o: Record<string, unknown>): Pick<ModelParts, 'K' | 'L' | 'alpha' | 'theta'> {
  if (!Array.isArray(o.alpha)) bad(where, `alpha must be an array of K weights, got ${describeValue(o.alpha)}`);
  if (!Array.isArray(o.theta) || !(o.theta as unknown[]).every(Array.isArray)) bad(where, `theta must be an array of K rows of L numbers, got ${describeValue(o.theta)}`);
  const rows = o.theta as unknown[][];
  const K = o.K === undefined ? (o.alpha as unknown[]).length : positiveInteger(where, 'K', o.K);
  if ((o.alpha as unknown[]).length !== K) bad(where, `alpha has ${(o.alpha as unknown[]).length} weights but K = ${K}`);
  if (rows.length === 0) bad(where, 'theta has no rows');
  const L = o.L === undefined ? rows[0].length : positiveInteger(where, 'L', o.L);
  const alpha = asFileFormat(() => checkSimplex(o.alpha, where));
  const theta = asFileFormat(() => checkAtoms(rows, K, L, where));
  return { K, L, alpha, theta };
}

function ridgeOf(where: string, v: unknown): number | null {
  return v === undefined || v === null ? null : finiteNumber(where, 'ridge', v, 0);
}

function trainingOf(where: string, v: unknown): TrainingSummary {
  if (!isObject(v)) bad(where, `training must be an object { p, N, logLik }, got ${describeValue(v)}`);
  const t = v as Record<string, unknown>;
  return { p: positiveInteger(where, 'training.p', t.p), N: finiteNumber(where, 'training.N', t.N, 0), logLik: finiteNumber(where, 'training.logLik', t.logLik) };
}

/** The model's own JSON, version 1. */
function fromModelJson(where: string, o: Record<string, unknown>): ModelParts {
  if (o.format !== MODEL_FORMAT) bad(where, `format is ${describeValue(o.format)}, expected "${MODEL_FORMAT}"`);
  if (o.version === undefined) bad(where, `no version: this softmix reads ${MODEL_FORMAT} version ${MODEL_VERSION}`);
  if (o.version !== MODEL_VERSION) {
    const newer = typeof o.version === 'number' && o.version > MODEL_VERSION;
    bad(where, `${MODEL_FORMAT} version ${describeValue(o.version)} is not supported: this softmix reads version ${MODEL_VERSION}${newer ? ' (the file was written by a newer softmix)' : ''}`);
  }
  if (o.K === undefined || o.L === undefined) bad(where, `K and L are required in a ${MODEL_FORMAT} file`);
  const m = mixtureOf(where, o);
  return {
    ...m,
    ridge: ridgeOf(where, o.ridge),
    se: o.se === undefined ? null : standardErrors(where, 'se', o.se, m.K, m.L),
    training: o.training === undefined ? null : trainingOf(where, o.training),
  };
}

/** A fit's JSON (FitResult): its `se` when it is available, its data's p, N and ℓ when all are there. */
function fromFitJson(where: string, o: Record<string, unknown>): ModelParts {
  const m = mixtureOf(where, o);
  const se = isObject(o.se) && o.se.available === true ? standardErrors(where, 'se', o.se, m.K, m.L) : null;
  const hasTraining = o.p !== undefined && o.N !== undefined && o.logLik !== undefined;
  return { ...m, ridge: ridgeOf(where, o.ridge), se, training: hasTraining ? trainingOf(where, { p: o.p, N: o.N, logLik: o.logLik }) : null };
}

/**
 * Reads a model from its JSON (a string or the parsed value): the model's own format, or a
 * fit's JSON. `where` starts every message (e.g. "--fit fit.json").
 */
export function parseModelJson(json: unknown, where = 'model JSON'): ModelParts {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (err) {
      bad(where, `not valid JSON (${(err as Error).message})`);
    }
  }
  if (!isObject(value)) bad(where, `expected an object { format: "${MODEL_FORMAT}", version: ${MODEL_VERSION}, … } or a fit's JSON, got ${describeValue(value)}`);
  const o = value as Record<string, unknown>;
  if (o.format !== undefined) return fromModelJson(where, o);
  if (o.alpha !== undefined || o.theta !== undefined) return fromFitJson(where, o);
  return bad(where, `not a softmix model: expected { format: "${MODEL_FORMAT}", version: ${MODEL_VERSION}, K, L, alpha, theta } or the JSON of a fit (softmix fit --out), with "alpha" and "theta"`);
}

/** The saved form of checked parts. */
export function modelJsonOf(parts: ModelParts): ModelJson {
  const { K, L } = parts;
  const out: ModelJson = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    K,
    L,
    alpha: Array.from(parts.alpha),
    theta: Array.from({ length: K }, (_, k) => Array.from(parts.theta.subarray(k * L, (k + 1) * L))),
  };
  if (parts.ridge !== null) out.ridge = parts.ridge;
  if (parts.se) out.se = structuredClone(parts.se);
  if (parts.training) out.training = { ...parts.training };
  return out;
}
