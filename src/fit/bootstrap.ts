/**
 * The parametric bootstrap (issue 16): B count vectors n* ~ Multinomial(N, π̂) drawn from the
 * fitted model on the data's own features, each refitted from the fit itself (no MoM, no
 * restarts: the question is how far the estimate moves, not whether another maximum exists),
 * its components matched to the fit's by a minimum-distance assignment of the atoms.
 * Reports the bootstrap SD of every parameter and percentile intervals.
 *
 * Seeded by the fit's `seed`: the same seed draws the same count vectors.
 */
import { Rng } from '../math/rng.ts';
import { SoftmixError } from '../errors.ts';
import type { Dataset } from '../model/data.ts';
import type { FloatArray } from '../math/float-array.ts';
import { matchComponents } from '../model/metrics.ts';
import { mixtureProbabilities } from '../model/mixture.ts';
import { sampleMultinomial } from '../model/multinomial.ts';
import type { CheckedOptions, FitOptions } from './options.ts';
import type { FitResult } from './result.ts';

export interface BootstrapSummary {
  /** refits asked for */
  B: number;
  seed: number;
  level: number;
  /** refits that ended with an error (left out of the summaries) */
  failed: number;
  /** refits that stopped at maxIter (kept) */
  notConverged: number;
  /** the standard deviation over the refits, per parameter in the components' order */
  sd: { alpha: number[]; theta: number[][] };
  /** percentile intervals at `level` */
  ci: { alpha: [number, number][]; theta: [number, number][][] };
  /** E-steps over all refits */
  eSteps: number;
  timeMs: number;
}

type Refit = (data: { features: FloatArray; p: number; L: number; counts: Float64Array }, options: FitOptions) => Promise<FitResult>;

export async function parametricBootstrap(data: Dataset, fit: FitResult, options: FitOptions, o: CheckedOptions, refit: Refit): Promise<BootstrapSummary> {
  const t0 = Date.now();
  const { K, L } = fit;
  const refitOptions: FitOptions = {
    ...options,
    backend: fit.backend,
    init: { alpha: fit.alpha, theta: fit.theta },
    restarts: 0,
    replaceRounds: 0,
    se: false,
    covariance: false,
    bootstrap: 0,
    onIteration: undefined,
    onBootstrap: undefined,
  };
  // one device for every refit on WebGPU, rather than one requested and destroyed per refit
  let shared: GPUDevice | null = null;
  if (fit.backend === 'webgpu' && !options.device) {
    const { acquireDevice } = await import('../engines/webgpu/device.ts');
    shared = (await acquireDevice({ gpu: options.gpu })).device;
    refitOptions.device = shared;
  }
  let outcome: Refits;
  try {
    outcome = await refitAll(data, fit, o.bootstrap, new Rng(o.seed), refitOptions, refit, options.onBootstrap);
  } finally {
    shared?.destroy();
  }
  const { draws, failed } = outcome;
  if (draws.length < 2) {
    throw new SoftmixError('samples', `the bootstrap needs at least 2 refits that end, and ${failed} of ${o.bootstrap} failed`);
  }
  const summary = (get: (d: Draw) => number) => {
    const values = draws.map(get).sort((a, b) => a - b);
    return { sd: standardDeviation(values), ci: [quantile(values, 0.5 - o.level / 2), quantile(values, 0.5 + o.level / 2)] as [number, number] };
  };
  const alpha = Array.from({ length: K }, (_, k) => summary((d) => d.alpha[k]));
  const theta = Array.from({ length: K }, (_, k) => Array.from({ length: L }, (_, l) => summary((d) => d.theta[k * L + l])));
  return {
    B: o.bootstrap,
    seed: o.seed,
    level: o.level,
    failed,
    notConverged: outcome.notConverged,
    sd: { alpha: alpha.map((s) => s.sd), theta: theta.map((row) => row.map((s) => s.sd)) },
    ci: { alpha: alpha.map((s) => s.ci), theta: theta.map((row) => row.map((s) => s.ci)) },
    eSteps: outcome.eSteps,
    timeMs: Date.now() - t0,
  };
}

/** One refit's estimate, its components in the fit's order. */
interface Draw {
  alpha: number[];
  theta: number[];
}

interface Refits {
  draws: Draw[];
  failed: number;
  notConverged: number;
  eSteps: number;
}

async function refitAll(data: Dataset, fit: FitResult, B: number, rng: Rng, refitOptions: FitOptions, refit: Refit, onBootstrap: FitOptions['onBootstrap']): Promise<Refits> {
  const { p, L, K } = fit;
  const pi = mixtureProbabilities(data.features, p, L, { alpha: Float64Array.from(fit.alpha), theta: Float64Array.from(fit.theta.flat()) });
  const reference = { alpha: fit.alpha, theta: fit.theta.flat() };
  const out: Refits = { draws: [], failed: 0, notConverged: 0, eSteps: 0 };
  for (let b = 0; b < B; b++) {
    const counts = sampleMultinomial(rng, data.N, pi);
    try {
      const r = await refit({ features: data.features, p, L, counts }, refitOptions);
      const { permutation } = matchComponents({ alpha: r.alpha, theta: r.theta.flat() }, reference, K, L);
      out.draws.push({
        alpha: Array.from(permutation, (s) => r.alpha[s]),
        theta: Array.from(permutation, (s) => r.theta[s]).flat(),
      });
      if (!r.converged) out.notConverged++;
      out.eSteps += r.eSteps;
    } catch (err) {
      // a lost device or a cancelled fit ends the bootstrap; a refit that fails on its data does not
      if (!(err instanceof SoftmixError) || err.code === 'device-lost' || err.code === 'cancelled') throw err;
      out.failed++;
    }
    onBootstrap?.({ done: b + 1, total: B, failed: out.failed });
  }
  return out;
}

function standardDeviation(values: number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
}

/** The q-quantile of sorted values, linearly interpolated (Hyndman and Fan's type 7, R's default). */
export function quantile(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
