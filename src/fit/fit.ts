/**
 * fitSoftmaxMixture: data → engine → starts → screening → EM → (replacement) → a sorted,
 * reported fit. The one entry point used by the library, the CLI and the demo page.
 */
import { addWork, usesCg, type EmResult } from '../em/index.ts';
import { createEngine, hostPrecisionFor, webGpuAvailable, type BackendChoice } from '../engines/create.ts';
import type { Engine } from '../engines/engine.ts';
import { SoftmixError } from '../errors.ts';
import { makeDataset, centreFeatures, type DatasetInput } from '../model/data.ts';
import { LANCZOS_MIN_L } from '../mom/index.ts';
import { checkParams } from '../model/mixture.ts';
import { runawayComponents } from '../model/runaway.ts';
import type { StartPoint } from '../model/starts.ts';
import { designWhitening } from '../model/whitening.ts';
import { Climber } from './climber.ts';
import { checkedHostCovariance, engineCovariance } from './design-covariance.ts';
import { buildStarts, type InitKind } from './initialize.ts';
import { checkOptions, checkOptionsObject, type CheckedOptions, type FitOptions } from './options.ts';
import { replaceComponents } from './replace.ts';
import { parametricBootstrap } from './bootstrap.ts';
import { inferenceAt } from './inference.ts';
import { fitResult, type FitResult } from './result.ts';
import { searchFit } from './search.ts';
import { stationarity } from './stationarity.ts';

export type { ExplicitInit, FitOptions } from './options.ts';
export type { FitResult, StartRecord } from './result.ts';

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export async function fitSoftmaxMixture(data: DatasetInput, options: FitOptions): Promise<FitResult> {
  checkOptionsObject(options); // first: options.backend and options.device are read before checkOptions runs
  try {
    return await fitOnce(data, options, options.backend ?? 'auto', []);
  } catch (err) {
    if (options.fallbackToCpu && err instanceof SoftmixError && err.code === 'device-lost') {
      return fitOnce(data, options, 'cpu', [`the GPU failed mid-fit (${err.message}); refitted on the cpu backend`]);
    }
    throw err;
  }
}

async function fitOnce(input: DatasetInput, options: FitOptions, backend: BackendChoice, warnings: string[]): Promise<FitResult> {
  const t0 = now();
  const data = makeDataset(await countSamplesOnGpu(input, backend, options), { allowFractionalCounts: options.allowFractionalCounts });
  const o = checkOptions(options, data.p);
  if (o.bootstrap > 0 && !Number.isSafeInteger(data.N)) {
    throw new SoftmixError('options', `bootstrap draws whole counts from the fitted model, and these counts sum to N = ${data.N}, not a whole number: use bootstrap only with integer counts`);
  }
  const centring = centreFeatures(data, hostPrecisionFor(backend, options));
  // The fit runs on features scaled by centring.scale (a power of two, 1 for ordinary data):
  // atoms θ' = θ/scale, and the ridge λ|θ|² is λ·scale²|θ'|² (model/design.ts).
  const scaled: CheckedOptions = { ...o, ridge: scaledRidge(o.ridge, centring.scale) };
  // S on the host, its rank checked before the engine starts, unless the engine is to form it (design-covariance.ts)
  const hostS = options.designCovariance === 'engine' ? null : checkedHostCovariance(data, centring);
  const engine = await createEngine(backend, { p: data.p, L: data.L, features: centring.centred, counts: data.counts }, options, warnings);
  let result: FitResult;
  try {
    const design = { ...centring, covariance: hostS ?? (await engineCovariance(engine, data, centring, warnings)) };
    const init0 = options.init ?? 'mom';
    engine.prepare?.(o.K, {
      denseHessian: o.stepDirection === 'newton' && !usesCg(o.newtonSolver, data.L),
      hessianProducts: o.stepDirection === 'newton' && usesCg(o.newtonSolver, data.L),
      // the count Gram pass forms M̂_2 only where MoM does not apply it by Lanczos (mom/moments.ts)
      moments: (init0 === 'mom' || init0 === 'subspace') && (data.L < LANCZOS_MIN_L || o.K > data.L),
    });
    const whitening = designWhitening(design.covariance, data.L);
    const init = firstStart(options, o.K, data.L, design.scale);
    const setupMs = now() - t0;
    const initOutcome = await buildStarts(engine, o.K, { covariance: design.covariance, whitening, centred: design.centred, counts: data.counts }, init, o.restarts, o.seed, warnings);

    const tEm = now();
    const climber = new Climber(engine, o.K, design.covariance, initOutcome.starts, scaled, options);
    // runaway as the result will name it (model/runaway.ts): a score spread beyond 25 nats, or 99% on five items
    const hasRunaway = (run: EmResult) => runawayComponents(design.centred, data.p, data.L, run.theta, o.K, design.covariance).length > 0;
    const screened = await searchFit(engine, climber, initOutcome, scaled, design.covariance, options, hasRunaway);
    const { final, replacement } = o.replaceRounds > 0 ? await replace(engine, climber, screened, scaled, design.covariance, options) : { final: screened.final, replacement: null };
    if (screened.best >= 0) Object.assign(climber.records[screened.best], { finalLogLik: final.logLik, iterations: final.iterations, eSteps: final.eSteps });
    const emMs = now() - tEm;

    // ∂ℓ/∂θ = ∂ℓ/∂θ' / scale
    const gradientNorm = (await stationarity(engine, final, o.K, scaled.ridge)) / design.scale;
    result = fitResult(engine, {
      o,
      N: data.N,
      final: { ...final, theta: final.theta.map((v) => v * design.scale) },
      records: climber.records,
      init: typeof init === 'object' ? 'explicit' : init,
      initOutcome,
      replacement,
      search: screened.search,
      gradientNorm,
      runawayOf: (theta) => runawayComponents(design.centred, data.p, data.L, theta.map((v) => v / design.scale), o.K, design.covariance, design.scale),
      timings: { setupMs, emMs, t0, now },
      warnings,
    });
    if (o.se) {
      const tSe = now();
      const inference = await inferenceAt(engine, result, o, scaled.ridge, design.scale);
      Object.assign(result, { se: inference.se, ci: inference.ci });
      result.warnings.push(...inference.warnings);
      result.timings.seMs = now() - tSe;
      result.timings.totalMs = now() - t0;
    }
  } finally {
    engine.dispose();
  }
  if (o.bootstrap > 0) result.bootstrap = await parametricBootstrap(data, result, options, o, fitSoftmaxMixture);
  return result;
}

/** The first start as the options give it: 'mom' by default, or an explicit (α, Θ), checked, its atoms in the scaled units. */
function firstStart(options: FitOptions, K: number, L: number, scale: number): InitKind | StartPoint {
  if (!options.init || typeof options.init !== 'object') return options.init ?? 'mom';
  const { alpha, theta } = checkParams(options.init.alpha, options.init.theta, K, L, 'init');
  return { kind: 'explicit', alpha, theta: theta.map((v) => v / scale) };
}

/** λ on θ' = θ/scale: λ·scale² (0 stays 0, also where scale² overflows). */
function scaledRidge(ridge: number, scale: number): number {
  if (ridge === 0) return 0;
  const r = ridge * scale * scale;
  if (!Number.isFinite(r) || r === 0) {
    throw new SoftmixError('options', `ridge λ = ${ridge} cannot be used at this feature scale: the fit scales the features by ${scale} (a power of two) and λ·scale² = ${r} is not a usable number; choose λ for the features' units (it carries 1/units²) or rescale them`);
  }
  return r;
}


/** Component replacement after convergence (replace.ts): the fit it ends at, with every trial's work added. */
async function replace(
  engine: Engine,
  climber: Climber,
  { final, best }: { final: EmResult; best: number },
  o: CheckedOptions,
  designCovariance: Float64Array,
  options: FitOptions,
): Promise<{ final: EmResult; replacement: FitResult['replacement'] }> {
  const outcome = await replaceComponents(engine, o.K, final, {
    rounds: o.replaceRounds,
    // beyond the convergence target, and beyond the device's rounding of ℓ
    minGain: Math.max(o.tol * engine.N, 16 * engine.unitRoundoff * Math.abs(final.objective)),
    ridge: o.ridge,
    designCovariance,
    climb: (start) => climber.climb(start, null, null, (info) => options.onIteration?.({ ...info, start: best, phase: 'replace' })),
  });
  const kept = outcome.trials.filter((t) => t.accepted).map((t) => t.objective);
  return {
    final: {
      ...outcome.fit,
      ...addWork(final, outcome.work),
      trace: [...final.trace, ...kept],
      warnings: outcome.fit === final ? final.warnings : [...final.warnings, ...outcome.fit.warnings],
    },
    replacement: { objectiveBefore: final.objective, trials: outcome.trials, stopReason: outcome.stopReason },
  };
}

/**
 * Raw samples already in a Uint32Array (integers by construction) are counted by the
 * histogram kernel when the fit runs on WebGPU; anything else is validated and counted
 * on the host by makeDataset.
 */
async function countSamplesOnGpu(input: DatasetInput, backend: BackendChoice, options: FitOptions): Promise<DatasetInput> {
  if (!input || !(input.samples instanceof Uint32Array) || input.counts != null || backend === 'cpu' || !webGpuAvailable(options)) return input;
  if (!Number.isInteger(input.p) || input.p < 1) return input; // makeDataset names the problem
  const { countSamples } = await import('../engines/webgpu/engine.ts');
  const counts = await countSamples(input.samples, input.p, { device: options.device, gpu: options.gpu });
  return { features: input.features, p: input.p, L: input.L, counts };
}
