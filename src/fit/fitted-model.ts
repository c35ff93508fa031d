/**
 * A fitted softmax mixture as an object, next to scikit-learn's GaussianMixture: built from
 * a FitResult or from its saved JSON, it gives log π on any features, ℓ on held-out counts,
 * per-item posteriors r_jk and their argmax, seeded samples, and a versioned JSON to save
 * (model-json.ts). Everything runs in float64 on the host; features may be flat p×L
 * (row-major, any typed array) or p rows of L, and p is read off them.
 */
import { SoftmixError } from '../errors.ts';
import { Rng } from '../math/rng.ts';
import { makeDataset } from '../model/data.ts';
import { featureMatrix, type FeaturesInput } from '../model/mixture-input.ts';
import { logLikelihood, logProbabilitiesOf, posteriorsOf } from '../model/mixture.ts';
import { sampleMultinomial } from '../model/multinomial.ts';
import { AliasSampler } from '../model/simulate.ts';
import { modelJsonOf, parseModelJson, type ModelJson, type ModelParts, type ModelStandardErrors, type TrainingSummary } from './model-json.ts';
import type { FitResult } from './result.ts';

export type { FeaturesInput } from '../model/mixture-input.ts';

/** ℓ of held-out counts under the model, named as in FitResult. */
export interface ModelScore {
  /** ℓ = Σ_j n_j log π_j */
  logLik: number;
  /** ℓ/N */
  logLikPerSample: number;
  /** Σ_j n_j */
  N: number;
  /** items scored */
  p: number;
}

export interface SampleOptions {
  /** seed of the generator (default 1, as everywhere in softmix) */
  seed?: number;
  /** 'counts' (default): n_j, length p, an exact multinomial draw; 'draws': the N item indices, in order */
  as?: 'counts' | 'draws';
}

export interface ScoreOptions {
  /** accept non-integer counts (weights or frequencies); default false */
  allowFractionalCounts?: boolean;
}

/** The most draws `as: 'draws'` returns (a Uint32Array of N; counts have no such limit). */
export const MAX_DRAWS = 2 ** 30;

/** The fields of a FitResult a model is built from (any object of its shape will do). */
export type FitLike = Pick<FitResult, 'alpha' | 'theta'> & Partial<Pick<FitResult, 'K' | 'L' | 'p' | 'N' | 'logLik' | 'ridge' | 'se'>>;

/** argmax_k r_jk per item (the first of equal ones). */
export function argmaxRows(r: Float64Array, p: number, K: number): Int32Array {
  const out = new Int32Array(p);
  for (let j = 0; j < p; j++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (r[j * K + k] > r[j * K + best]) best = k;
    out[j] = best;
  }
  return out;
}

export class FittedModel {
  readonly K: number;
  readonly L: number;
  /** the fit's ridge λ (null when the source did not say) */
  readonly ridge: number | null;
  /** the fit's standard errors, when it had them */
  readonly standardErrors: ModelStandardErrors | null;
  /** p, N and ℓ of the data it was fitted on, when known */
  readonly training: TrainingSummary | null;
  // Private, handed out as copies: the parameters were checked once, on construction, and
  // a caller writing into them would bypass that check.
  private readonly a: Float64Array;
  private readonly t: Float64Array;

  private constructor(parts: ModelParts) {
    this.K = parts.K;
    this.L = parts.L;
    this.a = parts.alpha;
    this.t = parts.theta;
    this.ridge = parts.ridge;
    this.standardErrors = parts.se;
    this.training = parts.training;
  }

  /** The model of a fit (what fitSoftmaxMixture returned), checked as a saved one would be. */
  static fromFit(fit: FitLike): FittedModel {
    if (fit === null || typeof fit !== 'object' || 'format' in fit) {
      throw new SoftmixError('options', 'FittedModel.fromFit takes the FitResult of fitSoftmaxMixture; for a saved model use FittedModel.fromJSON');
    }
    return new FittedModel(parseModelJson(fit, 'FittedModel.fromFit'));
  }

  /**
   * A model from its JSON (a string or the parsed object): what toJSON wrote, or the JSON of
   * a fit (`softmix fit` prints it). Checked in full; a SoftmixError 'file-format' names the
   * field that is wrong. `where` starts the messages (a file name, say).
   */
  static fromJSON(json: unknown, where = 'FittedModel.fromJSON'): FittedModel {
    return new FittedModel(parseModelJson(json, where));
  }

  /** The weights α (a copy). */
  get alpha(): Float64Array {
    return this.a.slice();
  }

  /** The atoms Θ, K×L row-major (a copy). */
  get theta(): Float64Array {
    return this.t.slice();
  }

  /** The features as a checked float64 matrix, p read off them. */
  private features(features: FeaturesInput, method: string): { values: Float64Array; p: number } {
    return featureMatrix(features, this.L, `FittedModel.${method}`);
  }

  /** log π_j on the given items, length p. */
  logProbabilities(features: FeaturesInput): Float64Array {
    const x = this.features(features, 'logProbabilities');
    return logProbabilitiesOf(x.values, x.p, this.L, this.a, this.t);
  }

  /** π_j on the given items, length p (sums to 1 up to rounding). */
  probabilities(features: FeaturesInput): Float64Array {
    return this.logProbabilities(features).map(Math.exp);
  }

  /** ℓ, ℓ/N and N of counts n_j (length p, whole numbers ≥ 0 unless allowFractionalCounts) on the given items. */
  score(features: FeaturesInput, counts: ArrayLike<number>, options: ScoreOptions = {}): ModelScore {
    const x = this.features(features, 'score');
    // makeDataset checks the counts as a fit would: length p, finite, ≥ 0, integers, N > 0
    const data = makeDataset({ features: x.values, p: x.p, L: this.L, counts }, { allowFractionalCounts: options.allowFractionalCounts });
    const logLik = logLikelihood(data.counts, logProbabilitiesOf(data.features, data.p, this.L, this.a, this.t));
    return { logLik, logLikPerSample: logLik / data.N, N: data.N, p: data.p };
  }

  /** r_jk = α_k σ_j(θ_k) / π_j: p×K row-major, each row summing to 1. */
  posteriors(features: FeaturesInput): Float64Array {
    const x = this.features(features, 'posteriors');
    return posteriorsOf(x.values, x.p, this.L, this.a, this.t).r;
  }

  /** argmax_k r_jk per item: the component most likely to have chosen it (the first of equals). */
  predict(features: FeaturesInput): Int32Array {
    const x = this.features(features, 'predict');
    return argmaxRows(posteriorsOf(x.values, x.p, this.L, this.a, this.t).r, x.p, this.K);
  }

  /**
   * N draws from π on the given items, from a seeded generator (src/math/rng.ts): their
   * counts (an exact multinomial, p binomial draws whatever N is) or the draws themselves.
   */
  sample(features: FeaturesInput, N: number, options?: SampleOptions & { as?: 'counts' }): Float64Array;
  sample(features: FeaturesInput, N: number, options: SampleOptions & { as: 'draws' }): Uint32Array;
  sample(features: FeaturesInput, N: number, options: SampleOptions = {}): Float64Array | Uint32Array {
    const as = options.as ?? 'counts';
    if (as !== 'counts' && as !== 'draws') throw new SoftmixError('options', `FittedModel.sample: as must be 'counts' or 'draws', got ${JSON.stringify(as)}`);
    if (!Number.isSafeInteger(N) || N < 0) throw new SoftmixError('options', `FittedModel.sample: N must be a whole number of draws ≥ 0, got ${N}`);
    if (as === 'draws' && N > MAX_DRAWS) throw new SoftmixError('options', `FittedModel.sample: N = ${N} draws is more than ${MAX_DRAWS} to hold one by one; ask for as: 'counts'`);
    const seed = options.seed ?? 1;
    if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new SoftmixError('options', `FittedModel.sample: seed must be a finite number, got ${String(seed)}`);
    const pi = this.probabilities(features);
    const rng = new Rng(seed);
    if (as === 'counts') return sampleMultinomial(rng, N, pi);
    const sampler = new AliasSampler(pi);
    const draws = new Uint32Array(N);
    for (let i = 0; i < N; i++) draws[i] = sampler.draw(rng);
    return draws;
  }

  /** The versioned JSON (format 'softmix-model', version 1) that fromJSON reads back exactly. */
  toJSON(): ModelJson {
    return modelJsonOf({ K: this.K, L: this.L, alpha: this.a, theta: this.t, ridge: this.ridge, se: this.standardErrors, training: this.training });
  }
}
