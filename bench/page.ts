/**
 * The benchmark page (app/bench.html), driven by bench/run.ts through Playwright. Everything
 * that is timed runs here, in one Chromium tab, so softmix on WebGPU, the cpu engine (same
 * V8) and the TensorFlow.js baseline share the machine at the same moment.
 *
 * Timing: wall time (performance.now) around an awaited call. Every engine call ends with
 * a mapAsync readback of its small results, so the time covers the device work. A phase is
 * called once untimed (warm-up: plan building, JIT, TF.js shader compilation), then
 * repeated; the median is reported. A softmix/cpu call slower than `capMs` is timed once
 * (its first call is the measurement: softmix compiles its pipelines when the engine is
 * created, not on the first call). TF.js compiles shaders on the first call of each shape,
 * so it always gets the warm-up (`alwaysWarm`) and then at least one timed call.
 */
import type { Engine, EngineInput, EStepResult, SoftmaxStats } from '../src/engines/engine.ts';
import { createCpuEngine } from '../src/engines/cpu.ts';
import { createWebGpuEngine } from '../src/engines/webgpu/engine.ts';
import { acquireDevice, describeDevice } from '../src/engines/webgpu/device.ts';
import { simulate } from '../src/model/simulate.ts';
import { makeDataset, designStats, type DatasetInput } from '../src/model/data.ts';
import { fitSoftmaxMixture, type FitResult } from '../src/fit/fit.ts';
import { newtonMStep } from '../src/em/mstep.ts';
import { DEFAULT_NEWTON, logOf } from '../src/em/index.ts';
import { momEstimate } from '../src/mom/index.ts';
import { Rng } from '../src/math/rng.ts';
import { measurePeak } from './peak.ts';
import { createTfjsEngine } from './tfjs-engine.ts';

// ---------------------------------------------------------------------------
// Types shared with bench/run.ts

export interface Timing {
  /** median of the timed calls */
  ms: number;
  min: number;
  max: number;
  /** timed calls after the warm-up (1 and `single` when the first call exceeded capMs and is the measurement) */
  reps: number;
  single: boolean;
  /** the first call (warm-up, or the measurement when single) */
  firstMs: number;
}

export interface TimingOptions {
  minReps: number;
  maxReps: number;
  /** stop repeating after this much time once minReps are done */
  budgetMs: number;
  /** a first call slower than this: no more repetitions (one more timed call when alwaysWarm) */
  capMs: number;
  /** the first call is never the measurement (TF.js: it compiles shaders) */
  alwaysWarm: boolean;
}

export const PHASES = ['upload', 'countMoments', 'projectedMoments', 'mom', 'eStep', 'newtonPass', 'logPartitionPass', 'emIteration', 'fit'] as const;
export type Phase = (typeof PHASES)[number];

export interface EngineConfig {
  /** the phases to time (the others are skipped: too slow for the time budget, or not offered) */
  phases: Phase[];
  timing: TimingOptions;
}

export interface SizeConfig {
  p: number;
  L: number;
  K: number;
  seed: number;
  /** draws of the simulated counts */
  N: number;
  webgpu: EngineConfig;
  cpu: EngineConfig;
  tfjs: EngineConfig;
  /** full fit (webgpu, cpu): init 'mom', restarts 0; tol 0 means exactly maxIter EM map evaluations */
  fit: { maxIter: number; tol: number };
  /** ms from the start of this call after which no new phase starts (skipped: 'deadline') */
  remainingMs: number;
}

export interface FitSummary {
  ms: number;
  iterations: number;
  eSteps: number;
  passes: number;
  newtonSteps: number;
  converged: boolean;
  stopReason: string;
  logLikPerSample: number;
  timings: FitResult['timings'];
  maxIter: number;
  tol: number;
  warnings: string[];
}

export interface EngineTimings {
  upload?: Timing;
  countMoments?: Timing;
  projectedMoments?: Timing;
  mom?: Timing;
  eStep?: Timing;
  newtonPass?: Timing;
  logPartitionPass?: Timing;
  emIteration?: Timing;
  /** passes over p one momEstimate made (1 when it gave up before the third moments) and its outcome */
  momPasses?: number;
  momOutcome?: string;
  /** passes over p per timed EM iteration (2 when every Newton step was accepted at t = 1) */
  emPassesPerIteration?: number;
  fit?: FitSummary;
  /** phases of the plan that did not run because the time budget ran out */
  deadlineSkipped: Phase[];
  error?: string;
}

export interface SizeResult {
  p: number;
  L: number;
  K: number;
  N: number;
  webgpu: EngineTimings;
  cpu: EngineTimings;
  tfjs: EngineTimings & { backend: string | null };
  /** agreement of the E-step ℓ and the Newton-pass Hessians with the float64 cpu engine (relative) */
  check: Record<string, number>;
  momRoute?: string;
  wallMs: number;
}

// ---------------------------------------------------------------------------

const now = () => performance.now();
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function timeIt<T>(fn: () => Promise<T>, o: TimingOptions): Promise<{ timing: Timing; last: T }> {
  let t = now();
  let last = await fn();
  const firstMs = now() - t;
  if (firstMs > o.capMs && !o.alwaysWarm) return { timing: { ms: firstMs, min: firstMs, max: firstMs, reps: 1, single: true, firstMs }, last };
  const minReps = firstMs > o.capMs ? 1 : o.minReps;
  const maxReps = firstMs > o.capMs ? 1 : o.maxReps;
  const times: number[] = [];
  const start = now();
  while (times.length < maxReps && (times.length < minReps || now() - start < o.budgetMs)) {
    t = now();
    last = await fn();
    times.push(now() - t);
  }
  return { timing: { ms: median(times), min: Math.min(...times), max: Math.max(...times), reps: times.length, single: false, firstMs }, last };
}

/** Runs the phases an engine's plan asks for, until the deadline; records what was skipped. */
class PhaseRunner {
  constructor(
    readonly what: string,
    readonly phases: Set<Phase>,
    readonly timing: TimingOptions,
    readonly out: EngineTimings,
    readonly deadline: number,
  ) {}

  /** Whether `phase` should run now (false, and recorded, when the deadline has passed). */
  wants(phase: Phase): boolean {
    if (!this.phases.has(phase)) return false;
    if (now() > this.deadline) {
      this.out.deadlineSkipped.push(phase);
      return false;
    }
    return true;
  }

  async time<T>(phase: Exclude<Phase, 'fit'>, fn: () => Promise<T>, timing: TimingOptions = this.timing): Promise<T | undefined> {
    if (!this.wants(phase)) return undefined;
    const { timing: t, last } = await timeIt(fn, timing);
    this.out[phase] = t;
    console.log(`bench: ${this.what} ${phase} ${t.ms.toFixed(1)} ms${t.single ? ' (single call)' : ` (median of ${t.reps})`}`);
    return last;
  }
}

let devicePromise: Promise<{ device: GPUDevice; info: ReturnType<typeof describeDevice> }> | null = null;
function gpuDevice() {
  devicePromise ??= acquireDevice().then(({ device, adapterInfo }) => ({ device, info: describeDevice(device, adapterInfo) }));
  return devicePromise;
}

// ---------------------------------------------------------------------------
// TensorFlow.js

type Tf = typeof import('@tensorflow/tfjs');
interface TfAttempt {
  backend: string;
  ok: boolean;
  error?: string;
}
let tfState: { tf: Tf; backend: string } | null = null;

/** Loads TF.js and takes the first backend of `order` that works (a smoke-test matMul must come back right). */
async function tfjsInit(order: string[]): Promise<{ backend: string | null; version: string | null; attempts: TfAttempt[] }> {
  const attempts: TfAttempt[] = [];
  let tf: Tf;
  try {
    tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-webgpu');
  } catch (e) {
    return { backend: null, version: null, attempts: [{ backend: 'import', ok: false, error: String(e) }] };
  }
  for (const b of order) {
    try {
      const ok = await tf.setBackend(b);
      await tf.ready();
      if (!ok || tf.getBackend() !== b) throw new Error(`setBackend('${b}') returned ${ok}, the backend is ${tf.getBackend()}`);
      const v = await tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([1, 0, 0, 1], [2, 2])).data();
      if (v[3] !== 4) throw new Error(`smoke test matMul gave ${Array.from(v)}`);
      attempts.push({ backend: b, ok: true });
      tfState = { tf, backend: b };
      return { backend: b, version: tf.version.tfjs, attempts };
    } catch (e) {
      attempts.push({ backend: b, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return { backend: null, version: tf.version.tfjs, attempts };
}

// ---------------------------------------------------------------------------
// Phases

interface EmState {
  alpha: Float64Array;
  theta: Float64Array;
  stats?: SoftmaxStats;
  /** the E-step at (α, Θ), when the last M-step's trial pass computed it */
  e?: EStepResult;
  passes: number;
}

/**
 * One EM iteration as src/em/run-em.ts runs it once EM has settled (plain EM, maxNewtonSteps 1):
 * E-step, α = c/N, targets m_k, one Newton step (src/em/mstep.ts) from the statistics the
 * previous M-step left, whose trial pass is also the next E-step (Engine.eStep with stats):
 * one pass per iteration where the step is taken in full.
 */
async function emIteration(engine: Engine, K: number, S: Float64Array, st: EmState): Promise<EmState> {
  const L = engine.L;
  const e = st.e ?? (await engine.eStep(logOf(st.alpha), st.theta, K));
  const alpha = e.weights.map((c) => c / engine.N);
  const targets = new Float64Array(K * L);
  const active: boolean[] = [];
  for (let k = 0; k < K; k++) {
    const c = e.weights[k];
    active.push(c > 0);
    for (let l = 0; l < L; l++) targets[k * L + l] = c > 0 ? e.featureSums[k * L + l] / c : 0;
  }
  const m = await newtonMStep(engine, st.theta, targets, active, K, S, { ...DEFAULT_NEWTON, ridge: 0, maxSteps: 1 }, st.stats, undefined, logOf(alpha));
  return { alpha, theta: m.theta, stats: m.statsAtTheta, e: m.eStepAtTheta, passes: (st.e ? 0 : 1) + m.passes };
}

interface Keep {
  logLik?: number;
  covariance?: Float64Array;
}

/** E-step, Newton pass, A-only pass and EM iteration at (α0, θ0), on any engine. */
async function passPhases(run: PhaseRunner, engine: Engine, K: number, S: Float64Array, alpha0: Float64Array, theta0: Float64Array, keep: Keep): Promise<void> {
  const logAlpha0 = alpha0.map(Math.log);
  const e = await run.time('eStep', () => engine.eStep(logAlpha0, theta0, K));
  if (e) keep.logLik = e.logLik;
  const stats0 = await run.time('newtonPass', () => engine.softmaxStats(theta0, K, { mean: true, covariance: true }));
  if (stats0) keep.covariance = stats0.covariance;
  await run.time('logPartitionPass', () => engine.softmaxStats(theta0, K, { mean: false, covariance: false }));
  if (stats0 && run.phases.has('emIteration')) {
    // EM iterations from (α0, θ0), the statistics at θ0 already known (as after an M-step).
    let st: EmState = { alpha: alpha0, theta: theta0, stats: stats0, passes: 0 };
    const passes: number[] = [];
    const done = await run.time('emIteration', async () => {
      st = await emIteration(engine, K, S, st);
      passes.push(st.passes);
      return st;
    });
    if (done) run.out.emPassesPerIteration = median(passes);
  }
}

/** The MoM passes (countMoments, projectedMoments) and the whole momEstimate. */
async function momPhases(run: PhaseRunner, engine: Engine, K: number, design: { covariance: Float64Array }, projection: Float64Array): Promise<string | undefined> {
  await run.time('countMoments', () => engine.countMoments());
  await run.time('projectedMoments', () => engine.projectedMoments(projection, K));
  const mom = await run.time('mom', () => momEstimate(engine, K, design, { seed: 1 }));
  if (!mom) return undefined;
  run.out.momPasses = mom.diagnostics?.passes;
  run.out.momOutcome = `${mom.diagnostics?.route ?? '?'}${mom.ok ? '' : ` (failed: ${mom.reason})`}`;
  return run.out.momOutcome;
}

async function fitPhase(run: PhaseRunner, data: DatasetInput, K: number, backend: 'webgpu' | 'cpu', device: GPUDevice | undefined, fit: SizeConfig['fit']): Promise<void> {
  if (!run.wants('fit')) return;
  const t = now();
  const r = await fitSoftmaxMixture(data, { K, backend, device, init: 'mom', restarts: 0, maxIter: fit.maxIter, tol: fit.tol });
  run.out.fit = {
    ms: now() - t,
    iterations: r.iterations,
    eSteps: r.eSteps,
    passes: r.stats.passes,
    newtonSteps: r.stats.newtonSteps,
    converged: r.converged,
    stopReason: r.stopReason,
    logLikPerSample: r.logLikPerSample,
    timings: r.timings,
    maxIter: fit.maxIter,
    tol: fit.tol,
    warnings: r.warnings,
  };
  console.log(`bench: ${run.what} fit ${run.out.fit.ms.toFixed(0)} ms (${r.iterations} iterations, ${r.eSteps} E-steps, ${r.stopReason})`);
}

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

const errorText = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

async function benchSize(cfg: SizeConfig): Promise<SizeResult> {
  const t0 = now();
  const deadline = t0 + cfg.remainingMs;
  const { p, L, K } = cfg;
  const name = `p=${p} L=${L} K=${K}`;
  const { device } = await gpuDevice();
  const sim = simulate({ p, L, K, N: cfg.N, thetaNorm: 1.5, seed: cfg.seed });
  const data: DatasetInput = { features: sim.features, p, L, counts: sim.counts };
  const ds = makeDataset(data);
  const design = designStats(ds);
  const input: EngineInput = { p, L, features: design.centred, counts: ds.counts };
  const S = design.covariance;
  // The point the passes are timed at: the truth, perturbed (EM then takes full Newton steps).
  const rng = new Rng(cfg.seed + 7);
  const theta0 = Float64Array.from(sim.truth.theta, (v) => v + 0.1 * rng.normal());
  const alpha0 = new Float64Array(K).fill(1 / K);
  const projection = Float64Array.from({ length: K * L }, () => rng.normal() / Math.sqrt(L));
  const check: Record<string, number> = {};
  let momRoute: string | undefined;

  // ---- softmix on WebGPU
  const gpu: EngineTimings = { deadlineSkipped: [] };
  const gpuKeep: Keep = {};
  const gpuRun = new PhaseRunner(`${name} webgpu`, new Set(cfg.webgpu.phases), cfg.webgpu.timing, gpu, deadline);
  try {
    await gpuRun.time('upload', async () => {
      const e = await createWebGpuEngine(input, { device });
      await device.queue.onSubmittedWorkDone();
      e.dispose();
    }, { ...cfg.webgpu.timing, alwaysWarm: true, capMs: Infinity }); // the first engine on the device compiles the pipelines: firstMs
    const engine = await createWebGpuEngine(input, { device });
    try {
      momRoute = await momPhases(gpuRun, engine, K, design, projection);
      await passPhases(gpuRun, engine, K, S, alpha0, theta0, gpuKeep);
    } finally {
      engine.dispose();
    }
    await fitPhase(gpuRun, data, K, 'webgpu', device, cfg.fit);
  } catch (e) {
    gpu.error = errorText(e);
  }

  // ---- the cpu engine (float64 JavaScript, same V8)
  const cpu: EngineTimings = { deadlineSkipped: [] };
  const cpuKeep: Keep = {};
  const cpuRun = new PhaseRunner(`${name} cpu`, new Set(cfg.cpu.phases), cfg.cpu.timing, cpu, deadline);
  try {
    await cpuRun.time('upload', async () => createCpuEngine(input));
    const engine = createCpuEngine(input);
    await momPhases(cpuRun, engine, K, design, projection);
    await passPhases(cpuRun, engine, K, S, alpha0, theta0, cpuKeep);
    await fitPhase(cpuRun, data, K, 'cpu', undefined, cfg.fit);
  } catch (e) {
    cpu.error = errorText(e);
  }
  if (gpuKeep.logLik !== undefined && cpuKeep.logLik !== undefined) check.webgpuLogLikRel = Math.abs(gpuKeep.logLik - cpuKeep.logLik) / Math.abs(cpuKeep.logLik);
  if (gpuKeep.covariance && cpuKeep.covariance) check.webgpuHessianRel = relDiff(gpuKeep.covariance, cpuKeep.covariance);

  // ---- the TensorFlow.js baseline
  const tfjs: EngineTimings & { backend: string | null } = { deadlineSkipped: [], backend: tfState?.backend ?? null };
  if (tfState && cfg.tfjs.phases.length > 0) {
    const keep: Keep = {};
    const tfRun = new PhaseRunner(`${name} tfjs-${tfState.backend}`, new Set(cfg.tfjs.phases), cfg.tfjs.timing, tfjs, deadline);
    let engine: Engine | null = null;
    try {
      engine = createTfjsEngine(tfState.tf, input);
      await passPhases(tfRun, engine, K, S, alpha0, theta0, keep);
    } catch (e) {
      tfjs.error = errorText(e);
    } finally {
      engine?.dispose();
    }
    if (keep.logLik !== undefined && cpuKeep.logLik !== undefined) check.tfjsLogLikRel = Math.abs(keep.logLik - cpuKeep.logLik) / Math.abs(cpuKeep.logLik);
    if (keep.covariance && cpuKeep.covariance) check.tfjsHessianRel = relDiff(keep.covariance, cpuKeep.covariance);
  }
  return { p, L, K, N: cfg.N, webgpu: gpu, cpu, tfjs, check, momRoute, wallMs: now() - t0 };
}

// ---------------------------------------------------------------------------
// Device information, the FMA ceiling, the per-call floor

async function benchInfo() {
  const { device, info } = await gpuDevice();
  return {
    adapter: info,
    hardwareConcurrency: navigator.hardwareConcurrency,
    userAgent: navigator.userAgent,
    features: Array.from(device.features),
  };
}

async function benchPeak(targetMs?: number) {
  const { device } = await gpuDevice();
  return measurePeak(device, { targetMs });
}

/**
 * The floor under every engine call: submit a command buffer with 0, 1, 10 or 40 tiny
 * dispatches and map 16 bytes back. Medians over `reps`.
 */
async function benchLatency(reps = 20) {
  const { device } = await gpuDevice();
  const module = device.createShaderModule({
    code: '@group(0) @binding(0) var<storage, read_write> o: array<f32>; @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) { if (g.x < 4u) { o[g.x] = o[g.x] + 1.0; } }',
  });
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const buf = device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const staging = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: buf } }] });
  /** Wall time of one submit: a compute pass per entry of `workgroups`, then one 16-byte readback. */
  const timedSubmit = async (pipe: GPUComputePipeline, bindGroup: GPUBindGroup, src: GPUBuffer, workgroups: number[]) => {
    const t = now();
    const enc = device.createCommandEncoder();
    for (const groups of workgroups) {
      const pass = enc.beginComputePass();
      pass.setPipeline(pipe);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(groups);
      pass.end();
    }
    enc.copyBufferToBuffer(src, 0, staging, 0, 16);
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    staging.unmap();
    return now() - t;
  };
  const once = (dispatches: number) => timedSubmit(pipeline, bind, buf, new Array(dispatches).fill(1));
  const out: Record<string, number> = {};
  // Workgroup launch: one dispatch of 4096 near-empty 64-wide workgroups against one of 1.
  const launch = (groups: number) => timedSubmit(pipeline, bind, buf, [groups]);
  await launch(4096);
  const l1 = median([await launch(1), await launch(1), await launch(1)]);
  const l4096 = median([await launch(4096), await launch(4096), await launch(4096)]);
  /** µs per (near-empty, 64-invocation) workgroup */
  out.workgroupMicroseconds = ((l4096 - l1) * 1000) / 4095;
  // workgroupBarrier: 256 workgroups of 256 invocations, each passing `n` barriers.
  const bmod = device.createShaderModule({
    code: `@group(0) @binding(0) var<storage, read_write> o: array<f32>;
var<workgroup> sh: array<f32, 256>;
@group(0) @binding(1) var<uniform> n: vec4<u32>;
@compute @workgroup_size(256) fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  sh[li] = f32(li);
  for (var i = 0u; i < n.x; i++) { workgroupBarrier(); sh[li] = sh[(li + 1u) & 255u] * 0.5 + 1.0; }
  workgroupBarrier();
  if (li == 0u) { o[wg.x] = sh[0]; }
}`,
  });
  const bpipe = await device.createComputePipelineAsync({ layout: 'auto', compute: { module: bmod, entryPoint: 'main' } });
  const bout = device.createBuffer({ size: 256 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const bn = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const bbind = device.createBindGroup({ layout: bpipe.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: bout } }, { binding: 1, resource: { buffer: bn } }] });
  const barriers = (n: number) => {
    device.queue.writeBuffer(bn, 0, new Uint32Array([n, 0, 0, 0]));
    return timedSubmit(bpipe, bbind, bout, [256]);
  };
  await barriers(1);
  const b0 = median([await barriers(0), await barriers(0), await barriers(0)]);
  const b64 = median([await barriers(64), await barriers(64), await barriers(64)]);
  /** µs per workgroupBarrier of one 256-invocation workgroup */
  out.barrierMicroseconds = ((b64 - b0) * 1000) / (256 * 64);
  bout.destroy();
  bn.destroy();
  for (const d of [0, 1, 10, 40]) {
    await once(d);
    const ts: number[] = [];
    for (let r = 0; r < reps; r++) ts.push(await once(d));
    out[`dispatches${d}`] = median(ts);
  }
  buf.destroy();
  staging.destroy();
  return out;
}

declare global {
  interface Window {
    bench?: {
      info: typeof benchInfo;
      peak: typeof benchPeak;
      latency: typeof benchLatency;
      tfjsInit: typeof tfjsInit;
      size: typeof benchSize;
    };
    benchReady?: boolean;
  }
}

window.bench = { info: benchInfo, peak: benchPeak, latency: benchLatency, tfjsInit, size: benchSize };
window.benchReady = true;
document.getElementById('status')!.textContent = 'softmix bench: ready';
