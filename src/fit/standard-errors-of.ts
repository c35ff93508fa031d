/**
 * standardErrorsOf: the standard errors of a FitResult that was made without `se`, from the
 * data it was fitted to (the library's form of issue 16's "a function of a FitResult and the
 * data"). It builds an engine on the data, as the fit did, and takes the information at the
 * fit's (α, Θ): four passes over p, no refit.
 */
import { createEngine, hostPrecisionFor, type BackendChoice } from '../engines/create.ts';
import { SoftmixError } from '../errors.ts';
import { makeDataset, designStats, type DatasetInput } from '../model/data.ts';
import { checkParams } from '../model/mixture.ts';
import { inferenceAt, type InferenceParts } from './inference.ts';
import { checkOptions, checkOptionsObject, type FitOptions } from './options.ts';
import type { FitResult } from './result.ts';

export interface StandardErrorsOptions {
  backend?: BackendChoice;
  /** the intervals' level (default 0.95) */
  level?: number;
  covariance?: boolean;
  allowFractionalCounts?: boolean;
  device?: GPUDevice;
  /** WebGPU: acquire the device from this GPU instead of navigator.gpu (FitOptions.gpu) */
  gpu?: GPU;
}

export async function standardErrorsOf(data: DatasetInput, fit: FitResult, options: StandardErrorsOptions = {}): Promise<InferenceParts> {
  checkOptionsObject(options as FitOptions);
  const dataset = makeDataset(data, { allowFractionalCounts: options.allowFractionalCounts });
  if (!fit || typeof fit !== 'object' || !Array.isArray(fit.alpha) || !Array.isArray(fit.theta)) {
    throw new SoftmixError('options', 'standardErrorsOf needs the FitResult that fitSoftmaxMixture returned (with alpha and theta)');
  }
  if (fit.p !== dataset.p || fit.L !== dataset.L) {
    throw new SoftmixError('shape', `the fit is of p = ${fit.p} items with L = ${fit.L} features, and the data have p = ${dataset.p}, L = ${dataset.L}: pass the data it was fitted to`);
  }
  if (Math.abs(fit.N - dataset.N) > 1e-9 * dataset.N) {
    throw new SoftmixError('counts', `the fit was made from N = ${fit.N} draws and these counts sum to ${dataset.N}: pass the counts it was fitted to`);
  }
  const { alpha, theta } = checkParams(fit.alpha, fit.theta, fit.K, fit.L, 'fit');
  const o = checkOptions({ K: fit.K, ridge: fit.ridge, se: true, level: options.level, covariance: options.covariance === true }, dataset.p);
  const design = designStats(dataset, hostPrecisionFor(options.backend ?? 'auto', options));
  const warnings: string[] = [];
  const engine = await createEngine(options.backend ?? 'auto', { p: dataset.p, L: dataset.L, features: design.centred, counts: dataset.counts }, options, warnings);
  try {
    const checked = { ...fit, alpha: Array.from(alpha), theta: Array.from({ length: fit.K }, (_, k) => Array.from(theta.subarray(k * fit.L, (k + 1) * fit.L))) };
    const parts = await inferenceAt(engine, checked, o, o.ridge * design.scale * design.scale, design.scale);
    return { ...parts, warnings: [...warnings, ...parts.warnings] };
  } finally {
    engine.dispose();
  }
}
