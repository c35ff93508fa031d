/**
 * The WebGPU engine: one data set (centred features as f32, counts) resident on the
 * device, and the passes of the Engine interface (eStep, softmaxStats, the latent
 * moments). Each call writes its small inputs (Θ and log α, a direction, a projection),
 * replays the cached plan for its (mode, K), and maps ONE staging buffer holding the
 * small results; nothing of size p is read back. Calls run one at a time.
 */
import { SoftmixError } from '../../errors.ts';
import { MapMode } from './flags.ts';
import { checkHessianPoint, checkPairWeights, meanProjections, type DeviceInfo, type HessianPoint, type PlanNeeds, type Engine, type EngineCounters, type EngineInput, type EStepResult, type LatentCountMoments, type PairMoments, type PairWeights, type ProjectedMoments, type ResidualMoments, type SoftmaxStats, type StatsWanted } from '../engine.ts';
import { acquireDevice, describeDevice, DeviceWatch, message } from './device.ts';
import { planChunks, type Chunk } from './chunks.ts';
import { uploadChunks } from './upload.ts';
import { PlanCache } from './plan-cache.ts';
import { deviceBufferSizes, type DeviceChunk, type Kernels, type Plan } from './plan.ts';
import { softmaxPlan, type SoftmaxLayout, type SoftmaxMode } from './softmax-plan.ts';
import { countMomentsPlan, directionPlan, projectedPlan, type DirectionLayout } from './moment-plan.ts';
import { finishHvp, finishCountMoments, finishDirection, finishDirectionCross, finishEStep, finishPairs, finishProjected, finishResidual, finishStats } from './finish.ts';
import { MomentWeightsKernel } from './moment-weights.ts';
import { ThirdMomentKernel } from './third-moment.ts';
import { ScoresKernel } from './scores.ts';
import { LogSumExpKernel } from './logsumexp.ts';
import { EStepKernel } from './estep.ts';
import { WeightedSumKernel } from './weighted-sum.ts';
import { WeightedGramKernel } from './weighted-gram.ts';
import { MergeSumsKernel } from './merge-sums.ts';
import { HvpWeightsKernel } from './hvp-weights.ts';
import { hvpPlan } from './hvp-plan.ts';
import { CentreHints, poorlyCentred } from './centre.ts';
import { checkFinite, checkTheta } from './checks.ts';
import { checkXStorage, xBytesPerFeature } from './x-storage.ts';
import type { WebGpuEngineOptions } from './options.ts';

export type { WebGpuEngineOptions } from './options.ts';

export { countSamples, type CountSamplesOptions } from './histogram.ts';

/** log α below this (and −Infinity) is an empty component; f32 holds it, and exp(it − anything) is 0. */
const EMPTY_LOG_ALPHA = -1e30;

export async function createWebGpuEngine(input: EngineInput, options: WebGpuEngineOptions = {}): Promise<Engine> {
  const { p, L, features, counts } = input;
  if (!Number.isInteger(p) || p < 1 || !Number.isInteger(L) || L < 1) throw new SoftmixError('shape', `p and L must be positive integers, got p = ${p}, L = ${L}`);
  if (features.length !== p * L) throw new SoftmixError('shape', `features must hold p·L = ${p * L} values, got ${features.length}`);
  if (counts.length !== p) throw new SoftmixError('shape', `counts must hold p = ${p} values, got ${counts.length}`);
  const storage = options.xStorage ?? 'f32';
  checkXStorage(storage);
  const acquired = options.device ? null : await acquireDevice({ gpu: options.gpu });
  const device = options.device ?? acquired!.device;
  const watch = new DeviceWatch(device);
  try {
    const [scores, lse, estep, wsum, gram, merge, momentWeights, third, hvp] = await Promise.all([
      ScoresKernel.load(device, storage),
      LogSumExpKernel.load(device),
      EStepKernel.load(device),
      WeightedSumKernel.load(device, storage),
      WeightedGramKernel.load(device, storage),
      MergeSumsKernel.load(device),
      MomentWeightsKernel.load(device),
      ThirdMomentKernel.load(device),
      HvpWeightsKernel.load(device),
    ]);
    const kernels: Kernels = { scores, lse, estep, wsum, gram, merge, momentWeights, third, hvp };
    const info = { ...describeDevice(device, acquired?.adapterInfo), xStorage: storage };
    const chunkRows = planChunks(p, L, device.limits, options.maxChunkRows, xBytesPerFeature(storage));
    const chunks = await uploadChunks(device, features, counts, L, chunkRows, storage);
    return new WebGpuEngine(input, device, !!acquired, watch, kernels, info, options, chunkRows, chunks);
  } catch (e) {
    watch.close();
    if (acquired) device.destroy();
    throw e;
  }
}

class WebGpuEngine implements Engine {
  readonly backend = 'webgpu' as const;
  readonly unitRoundoff = 2 ** -24;
  readonly p: number;
  readonly L: number;
  readonly N: number;
  readonly device: DeviceInfo;
  readonly counters: EngineCounters = { passes: 0, xReads: 0, dispatches: 0, submits: 0, bytesRead: 0, recentred: 0 };

  private readonly cache: PlanCache;
  private tail: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private readonly centres: CentreHints; // where the fused E-step with the covariance centres, per K

  constructor(
    input: EngineInput,
    private readonly gpu: GPUDevice,
    private readonly ownsDevice: boolean,
    private readonly watch: DeviceWatch,
    private readonly kernels: Kernels,
    info: DeviceInfo,
    private readonly options: WebGpuEngineOptions,
    private readonly chunkRows: readonly Chunk[],
    private readonly chunks: DeviceChunk[],
  ) {
    this.p = input.p;
    this.L = input.L;
    this.device = info;
    this.cache = new PlanCache({ device: gpu, kernels, L: input.L, chunks, limits: gpu.limits, maxHostPartials: options.maxHostPartials }, chunkRows);
    this.centres = new CentreHints(input.L);
    let N = 0;
    for (let j = 0; j < input.p; j++) N += input.counts[j];
    this.N = N;
  }

  eStep(logAlpha: Float64Array, theta: Float64Array, K: number, stats?: StatsWanted): Promise<EStepResult> {
    return this.exclusive(async () => {
      const centre = stats?.covariance ? this.centres.choose(K, stats.centre) : undefined;
      const plan = this.posteriorPlan(stats?.covariance ? 'estepCovariance' : stats?.mean ? 'estepMean' : 'estep', logAlpha, theta, K);
      return this.centred(plan, K, centre, !!stats?.mean, (data, mean) => finishEStep(data, plan.layout, K, this.L, logAlpha, stats && { ...stats, mean }), (e) => e.softmax);
    });
  }

  pairMoments(logAlpha: Float64Array, theta: Float64Array, K: number, weights: PairWeights = 'information'): Promise<PairMoments> {
    checkPairWeights(weights);
    return this.exclusive(async () => {
      const plan = this.posteriorPlan(weights === 'information' ? 'pairs' : 'scorePairs', logAlpha, theta, K);
      return finishPairs(await this.run(plan), plan.layout, K, this.L);
    });
  }

  residualMoments(logAlpha: Float64Array, theta: Float64Array, K: number): Promise<ResidualMoments> {
    return this.exclusive(async () => {
      const plan = this.posteriorPlan('residual', logAlpha, theta, K);
      return finishResidual(await this.run(plan), plan.layout);
    });
  }

  /** The Hessian–vector plan for K (2K score columns: the stacked [Θ; V]). */
  private hvpPlan(K: number) {
    return this.cache.get(`hvp:${K}`, 2 * K, (env, slices) => hvpPlan(env, K, slices), K);
  }

  /** Checks (log α, Θ), writes them into the plan of `mode` (estep, pairs or residual) for K, and counts the pass. */
  private posteriorPlan(mode: 'estep' | 'estepMean' | 'estepCovariance' | 'pairs' | 'scorePairs' | 'residual', logAlpha: Float64Array, theta: Float64Array, K: number): Plan<SoftmaxLayout> {
    this.checkUsable();
    checkTheta(theta, K, this.L);
    if (logAlpha.length !== K) throw new SoftmixError('shape', `logAlpha must hold K = ${K} values, got ${logAlpha.length}`);
    const la = new Float32Array(K);
    let finite = 0;
    for (let k = 0; k < K; k++) {
      const v = logAlpha[k];
      if (Number.isNaN(v) || v === Infinity) throw new SoftmixError('not-finite', `logAlpha[${k}] is ${v}`);
      if (v > EMPTY_LOG_ALPHA) finite++;
      la[k] = Math.max(v, EMPTY_LOG_ALPHA);
    }
    if (finite === 0) throw new SoftmixError('options', 'every component is empty (log α = -Infinity for all k)');
    this.counters.passes++;
    const plan = this.softmax(mode, K);
    this.gpu.queue.writeBuffer(plan.layout.theta, 0, Float32Array.from(theta));
    this.gpu.queue.writeBuffer(plan.layout.logAlpha, 0, la);
    return plan;
  }

  softmaxStats(theta: Float64Array, K: number, want: StatsWanted): Promise<SoftmaxStats> {
    return this.exclusive(async () => {
      this.checkUsable();
      checkTheta(theta, K, this.L);
      const centre = want.covariance ? this.centres.choose(K, want.centre) : undefined;
      this.counters.passes++;
      const mode: SoftmaxMode = want.covariance ? 'covariance' : want.mean ? 'mean' : 'logPartition';
      const plan = this.softmax(mode, K);
      this.gpu.queue.writeBuffer(plan.layout.theta, 0, Float32Array.from(theta));
      this.gpu.queue.writeBuffer(plan.layout.logAlpha, 0, new Float32Array(K)); // b_k = −log S_k: σ = exp(s − A)
      return this.centred(plan, K, centre, want.mean, (data, mean) => finishStats(data, plan.layout, K, this.L, { ...want, mean }), (o) => o);
    });
  }

  hessianVectorProducts(theta: Float64Array, K: number, at: HessianPoint, vectors: Float64Array): Promise<Float64Array> {
    return this.exclusive(async () => {
      this.checkUsable();
      checkHessianPoint(theta, K, this.L, at, vectors);
      checkTheta(theta, K, this.L);
      checkFinite('hessianVectorProducts: vectors', vectors);
      this.counters.passes++;
      const L = this.L;
      const plan = this.hvpPlan(K);
      const stacked = new Float32Array(2 * K * L);
      stacked.set(theta);
      stacked.set(vectors, K * L);
      const centres = meanProjections(at, vectors, K, L);
      const coef = new Float32Array(2 * K);
      for (let k = 0; k < K; k++) {
        coef[2 * k] = at.logPartition[k];
        coef[2 * k + 1] = centres[k];
      }
      this.gpu.queue.writeBuffer(plan.layout.stacked, 0, stacked);
      this.gpu.queue.writeBuffer(plan.layout.coef, 0, coef);
      return finishHvp(await this.run(plan), plan.layout.products);
    });
  }

  prepare(K: number, needs: PlanNeeds): void {
    this.checkUsable();
    const build: [string, () => unknown][] = [
      ['the E-step', () => this.softmax('estep', K)],
      ['the E-step with the softmax means', () => this.softmax('estepMean', K)],
      ['the softmax means', () => this.softmax('mean', K)],
    ];
    if (needs.denseHessian) for (const m of ['covariance', 'estepCovariance'] as const) build.push(["the M-step's dense Hessian pass (newtonSolver 'cg' needs no Hessian)", () => this.softmax(m, K)]);
    if (needs.hessianProducts) build.push(['the Hessian–vector products', () => this.hvpPlan(K)]);
    if (needs.moments) build.push(['the latent second moment Σπ̂xxᵀ (the MoM warm start; init random needs none)', () => this.cache.get('count', 1, (env, slices) => countMomentsPlan(env, slices))]);
    for (const [what, plan] of build) {
      try {
        plan();
      } catch (e) {
        throw new SoftmixError('backend', `this WebGPU device cannot run ${what} at p = ${this.p}, L = ${this.L}, K = ${K}: ${message(e)}`);
      }
    }
  }

  // ---- Latent moments (MoM warm start): raw count-weighted moments, one pass each.

  countMoments(): Promise<LatentCountMoments> {
    return this.exclusive(async () => {
      this.checkUsable();
      this.counters.passes++;
      const plan = this.cache.get('count', 1, (env, slices) => countMomentsPlan(env, slices));
      return finishCountMoments(await this.run(plan), plan.layout, this.L, this.N);
    });
  }

  projectedMoments(projection: Float64Array, K: number): Promise<ProjectedMoments> {
    return this.exclusive(async () => {
      this.checkUsable();
      if (!Number.isInteger(K) || K < 1) throw new SoftmixError('shape', `projectedMoments: K must be an integer ≥ 1, got ${K}`);
      if (projection.length !== K * this.L) throw new SoftmixError('shape', `projectedMoments: projection has ${projection.length} values, expected K×L = ${K}×${this.L} = ${K * this.L}`);
      checkFinite('projectedMoments: projection', projection);
      this.counters.passes++;
      const plan = this.cache.get(`projected:${K}`, K, (env, slices) => projectedPlan(env, K, slices), K);
      this.gpu.queue.writeBuffer(plan.layout.projection, 0, Float32Array.from(projection));
      return finishProjected(await this.run(plan), plan.layout, K, this.N);
    });
  }

  directionMoments(direction: Float64Array, maxOrder: number): Promise<Float64Array> {
    return this.exclusive(async () => finishDirection(...(await this.direction('directionMoments', direction, maxOrder, false)), this.N));
  }

  directionCrossMoments(direction: Float64Array, maxOrder: number): Promise<Float64Array> {
    return this.exclusive(async () => finishDirectionCross(...(await this.direction('directionCrossMoments', direction, maxOrder, true)), this.N));
  }

  private async direction(what: string, direction: Float64Array, maxOrder: number, cross: boolean): Promise<[Float32Array, DirectionLayout]> {
    this.checkUsable();
    if (direction.length !== this.L) throw new SoftmixError('shape', `${what}: direction has length ${direction.length}, expected L = ${this.L}`);
    if (!Number.isInteger(maxOrder) || maxOrder < 0) throw new SoftmixError('shape', `${what}: maxOrder must be an integer ≥ 0, got ${maxOrder}`);
    checkFinite(`${what}: direction`, direction);
    this.counters.passes++;
    const orders = maxOrder + 1;
    const plan = this.cache.get(`direction:${orders}:${cross}`, orders, (env, slices) => directionPlan(env, orders, cross, slices));
    this.gpu.queue.writeBuffer(plan.layout.direction, 0, Float32Array.from(direction));
    return [await this.run(plan), plan.layout];
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.cache.destroy();
    for (const c of this.chunks) {
      c.x.destroy();
      c.counts.destroy();
    }
    this.chunks.length = 0;
    this.watch.close();
    if (this.ownsDevice) this.gpu.destroy();
  }

  /** Runs calls one after another (they share scratch and staging buffers). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private checkUsable(): void {
    if (this.disposed) throw new SoftmixError('backend', 'the WebGPU engine was disposed');
    this.watch.check();
  }

  private softmax(mode: SoftmaxMode, K: number): Plan<SoftmaxLayout> {
    // the pair modes keep K(K+1)/2 weights per row in the scratch, the E-step with the statistics 2K
    const columns = mode === 'pairs' || mode === 'scorePairs' ? (K * (K + 1)) / 2 : mode === 'estepMean' || mode === 'estepCovariance' ? 2 * K : K;
    return this.cache.get(`${mode}:${K}`, columns, (env, slices) => softmaxPlan(env, mode, K, slices, this.N), K);
  }

  releasePlans(K: number): Promise<void> {
    return this.exclusive(async () => this.cache.release(K));
  }

  bufferSizes(): Record<string, number> {
    const { scratch, plans } = this.cache.held();
    return deviceBufferSizes(this.chunks, scratch, plans);
  }

  /**
   * Runs a softmax plan and finishes it (`finish` forms the means where its flag says), the
   * covariance modes centred at `centre` (written first) and run again at the means they
   * found where it was too far from them (centre.ts); every pass's means become the next
   * centre at this K. The means are formed for that check and kept only if `keepMean`.
   */
  private async centred<R>(plan: Plan<SoftmaxLayout>, K: number, centre: Float32Array<ArrayBuffer> | undefined, keepMean: boolean, finish: (data: Float32Array, mean: boolean) => R, statsOf: (r: R) => SoftmaxStats | undefined): Promise<R> {
    const once = async (c?: Float32Array<ArrayBuffer>) => {
      if (c) this.gpu.queue.writeBuffer(plan.layout.centerInput!, 0, c);
      const out = finish(await this.run(plan), keepMean || !!c);
      const mean = statsOf(out)?.mean;
      if (mean) this.centres.remember(K, mean);
      return out;
    };
    let out = await once(centre);
    if (centre && poorlyCentred(statsOf(out)!, centre, K, this.L)) {
      this.counters.passes++;
      this.counters.recentred++;
      out = await once(this.centres.at(K));
    }
    if (!keepMean) delete statsOf(out)?.mean;
    return out;
  }

  /** Submits the plan and maps its staging buffer once (one submission); rejects on a device loss or a WebGPU error. */
  private async run(plan: Plan<unknown>): Promise<Float32Array> {
    const gpu = this.gpu;
    gpu.pushErrorScope('out-of-memory');
    gpu.pushErrorScope('validation');
    const encoder = gpu.createCommandEncoder({ label: `softmix ${plan.label}` });
    plan.encode(encoder);
    gpu.queue.submit([encoder.finish()]);
    this.counters.submits++;
    const scopes = Promise.all([gpu.popErrorScope(), gpu.popErrorScope()]);
    const mapped = plan.staging.mapAsync(MapMode.READ);
    scopes.catch(() => undefined);
    mapped.catch(() => undefined);
    let isMapped = false;
    try {
      const [validation, oom] = await this.watch.race(scopes);
      await this.watch.race(mapped);
      isMapped = true;
      const err = validation ?? oom;
      if (err) throw new SoftmixError('backend', `WebGPU error in ${plan.label}: ${err.message}`);
      const data = new Float32Array(plan.staging.getMappedRange(0, plan.floats * 4).slice(0));
      this.counters.dispatches += plan.dispatches.length;
      this.counters.xReads += plan.xRowReads / this.p;
      this.counters.bytesRead += plan.floats * 4;
      return data;
    } catch (e) {
      if (e instanceof SoftmixError) throw e;
      this.watch.check();
      if (this.disposed) throw new SoftmixError('backend', 'the WebGPU engine was disposed during the call');
      throw new SoftmixError('device-lost', `reading results back from the GPU failed: ${message(e)}`);
    } finally {
      if (isMapped) plan.staging.unmap();
    }
  }
}
