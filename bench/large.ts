/**
 * Large shapes: bench rows at (p, L, K) = (10⁶, 128, 32), (5·10⁴, 768, 8), (2.5·10⁵, 1024, 8)
 * and (2.5·10⁵, 4096, 4), each one E-step plus one M-step of the matrix-free route (a full
 * fit does not fit the bench's time on SwiftShader): the M-step is one softmaxStats(mean)
 * pass, c Hessian–vector passes (one per CG iteration, src/em/newton-cg.ts) and one trial
 * softmaxStats(mean) pass. For each row: the time of each pass (each kind run once or a few
 * times; the M-step is 2·stats + c·hvp), the device-independent counts of each pass (X reads,
 * dispatches, submits, readback bytes: EngineCounters), the device's buffer bytes
 * (Engine.bufferSizes), and a roofline estimate for a reference GPU (bench/roofline.ts).
 * TF.js (bench/tfjs-engine.ts) runs the same passes where it fits. Once per fit, the design
 * covariance S: the engine's K = 1 covariance pass at θ = 0 (designCovariance 'engine'), timed
 * where it fits the cap, beside the host's float64 sum (256 rows timed, scaled to p), and the
 * host's two L³ steps after it: the rank check's eigenvalues and the whitening's factor.
 *
 *   npx tsx bench/large.ts              # SwiftShader through Dawn; writes bench/large.md
 *   npm ci && npx tsx bench/large.ts --gpu   # the machine's GPU; writes bench/results-gpu.md
 *
 *   --rows 1,3 | 250000x1024x8   which rows (1-based indices into ROWS, or p×L×K)
 *   --gpu                        the machine's GPU through Dawn (Vulkan/Metal/D3D12), not SwiftShader
 *   --out FILE.md                where the table goes
 *   --cg N | measure             CG iterations per M-step (default a stated 10; 'measure': a small cpu run per row)
 *   --peak FLOPS --bandwidth B   the reference GPU (default an H100-class 60e12 FLOP/s fp32, 3.35e12 B/s)
 *   --cap-s S                    skip a row whose predicted time exceeds S seconds (SwiftShader; default 300)
 *   --no-tfjs, --tfjs-max PLK    TF.js off, or only where p·L·K ≤ PLK (default 4e8 on SwiftShader, all with --gpu)
 *   --x-storage f16              X on the device as f16 (engines/webgpu/x-storage.ts; default f32)
 *
 * Data: synthetic, seeded: x_jl ~ N(0, 1)/√L (polar method on xorshift32 streams, one per
 * block of 1024 rows, so X does not depend on how the engine chunks it), counts n_j uniform
 * in 1..20, θ_kl ~ 1.5·N(0, 1) (scores of spread ≈ 1.5), α uniform, V ~ N(0, 1). The engine
 * gets a stand-in for the p×L float64 array that makes each chunk's rows when asked
 * (subarray), so the host never holds X whole (at 2.5·10⁵ × 4096 it would be 8 GB).
 *
 * WebGPU runs in this process through Dawn (the `webgpu` package, src/node/dawn.ts), which
 * needs the `?raw` WGSL imports turned into modules: the same loader hook as bin/softmix.mjs.
 */
import './wgsl-loader.ts';
import { writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type { Engine, EngineCounters, EngineInput, EStepResult } from '../src/engines/engine.ts';
import { createCpuEngine } from '../src/engines/cpu.ts';
import { addCosts, H100_CLASS, passCost, roofline, rooflineOfPasses, type PassCost, type PassKind, type Reference } from './roofline.ts';
import { centreFeatures, checkRank, hostCovariance, type Centring } from '../src/model/design.ts';
import { designWhitening } from '../src/model/whitening.ts';
import { designCovariancePass } from '../src/fit/design-covariance.ts';

const { createWebGpuEngine } = await import('../src/engines/webgpu/engine.ts');
const { acquireDevice } = await import('../src/engines/webgpu/device.ts');
const { planChunks, planSlices } = await import('../src/engines/webgpu/chunks.ts');
const { scoresXReads } = await import('../src/engines/webgpu/scores.ts');
const { weightedSumXReads } = await import('../src/engines/webgpu/weighted-sum.ts');
const { dawnGpu } = await import('../src/node/dawn.ts');
const { findSwiftShader, useSwiftShader } = await import('../src/node/vulkan.ts');

const ROWS: [number, number, number][] = [
  [1_000_000, 128, 32],
  [50_000, 768, 8],
  [250_000, 1024, 8],
  [250_000, 4096, 4],
];

const o = new Command()
  .option('--rows <list>', 'rows: 1-based indices or pxLxK, comma-separated', '1,2,3,4')
  .option('--gpu', "the machine's GPU (no SwiftShader pin)")
  .option('--out <file>', 'markdown output')
  .option('--cg <n>', "CG iterations per M-step, or 'measure' (a small cpu run per row)", '10')
  .option('--peak <flops>', 'reference fp32 peak, FLOP/s', String(H100_CLASS.peakFlops))
  .option('--bandwidth <bytes>', 'reference memory bandwidth, bytes/s', String(H100_CLASS.bandwidth))
  .option('--cap-s <s>', 'skip rows predicted to take longer (SwiftShader)', '300')
  .option('--no-tfjs', 'leave TF.js out')
  .option('--tfjs-max <plk>', 'TF.js only where p·L·K ≤ this')
  .option('--seed <n>', 'data seed', '1')
  .option('--x-storage <s>', 'X on the device: f32 or f16', 'f32')
  .parse()
  .opts();

const gpuMode = !!o.gpu;
const outFile = o.out ?? join(import.meta.dirname, gpuMode ? 'results-gpu.md' : 'large.md');
const ref: Reference = { peakFlops: Number(o.peak), bandwidth: Number(o.bandwidth) };
const capS = gpuMode ? Infinity : Number(o.capS);
const tfjsMax = o.tfjs === false ? 0 : o.tfjsMax !== undefined ? Number(o.tfjsMax) : gpuMode ? Infinity : 4e8;
const seed = Number(o.seed);
const xStorage = o.xStorage as 'f32' | 'f16';
if (xStorage !== 'f32' && xStorage !== 'f16') throw new Error(`--x-storage must be f32 or f16, got ${o.xStorage}`);
const rows = String(o.rows)
  .split(',')
  .map((s) => (s.includes('x') ? (s.split('x').map(Number) as [number, number, number]) : ROWS[Number(s) - 1]))
  .filter(Boolean);
const START = Date.now();
const say = (line: string) => console.error(`[large ${((Date.now() - START) / 1000).toFixed(0).padStart(4)} s] ${line}`);

// ---------------------------------------------------------------------------
// Data

/** Fills `out` with N(0,1)·scale from the stream `stream` (xorshift32, Marsaglia's polar method). */
function normals(out: Float32Array | Float64Array, stream: number, scale: number): void {
  let s = Math.imul(stream + 1, 0x9e3779b9) ^ 0x5bd1e995;
  for (let i = 0; i < 8; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
  }
  if (s === 0) s = 1;
  const n = out.length;
  let i = 0;
  while (i < n) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const x = (s | 0) / 2147483648;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const y = (s | 0) / 2147483648;
    const q = x * x + y * y;
    if (q >= 1 || q === 0) continue;
    const f = scale * Math.sqrt((-2 * Math.log(q)) / q);
    out[i++] = x * f;
    if (i < n) out[i++] = y * f;
  }
}

const BLOCK = 1024;

/** Rows [from, to) of X, generated block by block. */
function featureRows(p: number, L: number, from: number, to: number): Float64Array {
  const out = new Float64Array((to - from) * L);
  const block = new Float32Array(BLOCK * L);
  for (let b = Math.floor(from / BLOCK); b * BLOCK < to; b++) {
    normals(block, seed * 1_000_003 + b, 1 / Math.sqrt(L));
    const lo = Math.max(from, b * BLOCK);
    const hi = Math.min(to, (b + 1) * BLOCK, p);
    out.set(block.subarray((lo - b * BLOCK) * L, (hi - b * BLOCK) * L), (lo - from) * L);
  }
  return out;
}

/** A stand-in for X (p×L float64) that makes the rows of each subarray on request. */
function lazyFeatures(p: number, L: number): Float64Array {
  const standIn = {
    length: p * L,
    subarray(begin: number, end: number) {
      if (begin % L !== 0 || end % L !== 0) throw new Error('lazyFeatures: subarray must cover whole rows');
      return featureRows(p, L, begin / L, end / L);
    },
  };
  return standIn as unknown as Float64Array;
}

function problem(p: number, L: number, K: number) {
  const counts = new Float64Array(p);
  let s = seed * 7919 + 1;
  for (let j = 0; j < p; j++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    counts[j] = 1 + (s % 20);
  }
  const theta = new Float64Array(K * L);
  normals(theta, 900_001 + seed, 1.5);
  const vectors = new Float64Array(K * L);
  normals(vectors, 900_002 + seed, 1);
  const logAlpha = new Float64Array(K).fill(-Math.log(K));
  return { counts, theta, vectors, logAlpha };
}

// ---------------------------------------------------------------------------
// Timing and counting

interface Measured {
  ms: number;
  /** one call only (it took over a second) */
  single: boolean;
  counts: EngineCounters;
}

const delta = (a: EngineCounters, b: EngineCounters): EngineCounters => ({
  passes: b.passes - a.passes,
  xReads: b.xReads - a.xReads,
  dispatches: b.dispatches - a.dispatches,
  submits: b.submits - a.submits,
  bytesRead: b.bytesRead - a.bytesRead,
  recentred: b.recentred - a.recentred,
});

/** The first call (its counters are the pass's), then more while the calls are short; median of those. */
async function measure(engine: Engine, call: () => Promise<unknown>): Promise<Measured> {
  const before = { ...engine.counters };
  let t = performance.now();
  await call();
  const first = performance.now() - t;
  const counts = delta(before, engine.counters);
  if (first > 1000) return { ms: first, single: true, counts };
  const times: number[] = [];
  const until = performance.now() + 3000;
  while (times.length < 5 && (times.length < 2 || performance.now() < until)) {
    t = performance.now();
    await call();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], single: false, counts };
}

// ---------------------------------------------------------------------------
// CG iterations per M-step, measured on a small cpu run

async function measureCg(L: number, K: number): Promise<{ c: number; note: string }> {
  const { simulate } = await import('../src/model/simulate.ts');
  const { makeDataset, designStats } = await import('../src/model/data.ts');
  const { randomStart } = await import('../src/model/starts.ts');
  const { runEm } = await import('../src/em/index.ts');
  const Ls = Math.min(L, 256);
  const p = 1000;
  const sim = simulate({ p, L: Ls, K, N: 1e6, seed: 5, thetaNorm: 1.5 });
  const data = makeDataset({ features: sim.features, counts: sim.counts, p, L: Ls });
  const design = designStats(data);
  const inner = createCpuEngine({ p, L: Ls, features: design.centred, counts: data.counts });
  let hvp = 0;
  let solves = 0;
  let last = '';
  const counting = new Proxy(inner, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (key === 'hessianVectorProducts') {
          hvp++;
          if (last !== 'hessianVectorProducts') solves++;
        }
        last = String(key);
        return v.apply(target, args);
      };
    },
  }) as Engine;
  const start = randomStart(K, Ls, designWhitening(design.covariance, Ls), 1);
  await runEm(counting, K, start, design.covariance, { tol: 0, maxIter: 4, ridge: 0, localNewton: false, newton: { solver: 'cg' } });
  const c = solves > 0 ? hvp / solves : 10;
  return { c, note: `measured: ${hvp} Hessian–vector passes in ${solves} CG solves (simulated p = ${p}, L = ${Ls}, K = ${K}, 4 EM iterations from a random start, cpu)` };
}

// ---------------------------------------------------------------------------
// The rows

interface RowResult {
  p: number;
  L: number;
  K: number;
  c: number;
  cNote: string;
  /** why the row did not run (then the counts below are the formula's, `predicted`) */
  skipped?: string;
  uploadMs?: number;
  generateMs?: number;
  passes: Partial<Record<PassKind, Measured>>;
  predictedXReads: Record<PassKind, number>;
  buffers?: Record<string, number>;
  tfjs: { note?: string; ms: Partial<Record<PassKind, { ms: number; single: boolean }>>; logLikRel?: number };
  sanity?: string;
  /** once per fit: S from the engine's K = 1 covariance pass at θ = 0 (FitOptions.designCovariance 'engine') */
  designS?: Measured;
  /** why that pass did not run */
  designSSkipped?: string;
  /** the host's float64 sum of S (hostCovariance) timed over 256 rows, scaled to p */
  hostSMs?: number;
  /** the host's L³ steps once S is formed: the rank check's eigenvalues, the whitening's factor */
  hostL3?: { rankMs: number; whiteningMs: number; whitening: string };
}

const PASS_LABEL: Record<PassKind, string> = { eStep: 'E-step', stats: 'softmaxStats(mean)', hvp: 'Hessian–vector pass' };
const flopsOf = (kind: PassKind, p: number, L: number, K: number) => (kind === 'hvp' ? 6 : 4) * p * L * K;

let gpu: GPU;
try {
  if (gpuMode) {
    gpu = await dawnGpu({ swiftShader: false });
  } else {
    const ss = findSwiftShader();
    if (ss) useSwiftShader(ss); // pin SwiftShader even where a GPU driver answers
    gpu = await dawnGpu();
  }
} catch (err) {
  console.error(`bench/large.ts: no WebGPU adapter${gpuMode ? ' (--gpu)' : ''}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
const { device, adapterInfo } = await acquireDevice({ gpu });
const adapterName = [adapterInfo?.vendor, adapterInfo?.architecture, adapterInfo?.device, adapterInfo?.description].filter(Boolean).join(' ') || 'unknown adapter';
say(`adapter: ${adapterName}; maxStorageBufferBindingSize ${device.limits.maxStorageBufferBindingSize}, maxBufferSize ${device.limits.maxBufferSize}`);

/** Formula X reads per call (kernel.ts's definition), for the device's chunking. */
function predictedXReads(p: number, L: number, K: number): Record<PassKind, number> {
  const chunks = planChunks(p, L, device.limits);
  const S = planSlices(chunks, K, device.limits).length;
  const wsum = weightedSumXReads(K, L);
  const stats = (S > 1 ? 2 : 1) * scoresXReads(K) + wsum;
  return { eStep: stats, stats, hvp: scoresXReads(2 * K) + wsum };
}

// Calibration: one small E-step, for the time predictions that decide what runs here.
let rate = Infinity;
if (Number.isFinite(capS)) {
  const [p, L, K] = [20_000, 256, 8];
  const pr = problem(p, L, K);
  const e = await createWebGpuEngine({ p, L, features: featureRows(p, L, 0, p), counts: pr.counts }, { device, xStorage });
  await e.eStep(pr.logAlpha, pr.theta, K);
  const m = await measure(e, () => e.eStep(pr.logAlpha, pr.theta, K));
  e.dispose();
  rate = flopsOf('eStep', p, L, K) / (m.ms / 1000);
  say(`calibration: E-step at p=${p} L=${L} K=${K} in ${m.ms.toFixed(0)} ms = ${(rate / 1e9).toFixed(2)} GFLOP/s`);
}

/** Flops of the design covariance pass: the K = 1 Gram's p·L(L+1)/2 multiply-adds. */
const designSFlops = (p: number, L: number) => p * L * (L + 1);
/** S at θ = 0: σ_j = 1/p, so the K = 1 covariance pass is S (the pass of fit/design-covariance.ts). */
const designS = (e: Engine) => designCovariancePass(e);
let gramRate = Infinity;
if (Number.isFinite(capS)) {
  const [p, L] = [20_000, 256];
  const e = await createWebGpuEngine({ p, L, features: featureRows(p, L, 0, p), counts: new Float64Array(p).fill(1) }, { device, xStorage });
  await designS(e);
  const m = await measure(e, () => designS(e));
  e.dispose();
  gramRate = designSFlops(p, L) / (m.ms / 1000);
  say(`calibration: design covariance pass at p=${p} L=${L} in ${m.ms.toFixed(0)} ms = ${(gramRate / 1e9).toFixed(2)} GFLOP/s`);
}

/** The host's float64 S (model/design.ts hostCovariance, what designCovariance 'host' runs) over 256 rows, scaled to p rows. */
function hostSMs(p: number, L: number): number {
  const rows = 256;
  const data = { p: rows, L, features: featureRows(p, L, 0, rows), counts: new Float64Array(rows).fill(1), N: rows };
  const centring = centreFeatures(data);
  hostCovariance(data, centring); // warms the JIT: the second call is timed
  const t = performance.now();
  hostCovariance(data, centring);
  return ((performance.now() - t) * p) / rows;
}

/**
 * The host's L³ steps after S, timed once on a stand-in S = I + R with R symmetric, entries
 * N(0, 1/16L), so its spectrum lies near [0.5, 1.5] (their cost does not depend on the data):
 * the rank check as designStats makes it (model/design.ts checkRank: above L = 64 a Cholesky
 * factor of S − 10⁻¹⁰·tr S·I, below the extreme eigenvalues) and the fit's whitening
 * (model/whitening.ts designWhitening: S^{-1/2} up to L = 256, Cholesky's factor above).
 */
function hostL3(L: number): NonNullable<RowResult['hostL3']> {
  const S = new Float64Array(L * L);
  const r = new Float32Array(L * L);
  normals(r, seed * 7919 + L, 0.25 / Math.sqrt(L));
  for (let a = 0; a < L; a++) {
    S[a * L + a] = 1 + r[a * L + a];
    for (let b = 0; b < a; b++) S[a * L + b] = S[b * L + a] = r[a * L + b];
  }
  let t = performance.now();
  checkRank({ maxAbs: 1, scale: 1 } as Centring, S, L, L); // unit-scale entries: the spread condition holds
  const rankMs = performance.now() - t;
  t = performance.now();
  const w = designWhitening(S, L);
  return { rankMs, whiteningMs: performance.now() - t, whitening: w.method === 'cholesky' ? 'Cholesky' : 'S^{-1/2}' };
}

let tf: typeof import('@tensorflow/tfjs') | null = null;
async function loadTfjs(): Promise<typeof import('@tensorflow/tfjs') | null> {
  if (tf) return tf;
  const { globals } = (await import('webgpu')) as unknown as { globals: Record<string, unknown> };
  for (const [name, value] of Object.entries(globals)) if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  if (typeof navigator === 'undefined') Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true });
  const mod = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await mod.setBackend('webgpu'))) return null;
  await mod.ready();
  tf = mod;
  return tf;
}

// ---------------------------------------------------------------------------
// The table

const fmtMs = (v: number | undefined, single = false) => (v === undefined ? '—' : `${single ? '*' : ''}${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}`);
const fmtBytes = (b: number) => (b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`);
const fmtN = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
const fmtRoof = (s: number, bound: string) => `${(s * 1000).toFixed(s < 0.01 ? 3 : 2)} (${bound[0]})`;

function costOf(r: RowResult, kind: PassKind): PassCost {
  const m = r.passes[kind];
  const slices = planSlices(planChunks(r.p, r.L, device.limits), kind === 'hvp' ? 2 * r.K : r.K, device.limits).length;
  return passCost(kind, r.p, r.L, r.K, m ? m.counts.xReads : r.predictedXReads[kind], m ? m.counts.bytesRead : 0, slices, xStorage === 'f16' ? 2 : 4);
}

/** Writes the table of the rows so far to `outFile` (after every row, so a crash keeps what ran) and returns it. */
function writeTable(): string {
  const md: string[] = [];
  md.push(gpuMode ? '# Large shapes on a GPU (bench/large.ts --gpu)' : '# Large shapes: one E-step plus one matrix-free M-step (bench/large.ts)');
  md.push('');
  md.push('On a machine with a GPU (a Vulkan driver on Linux, e.g. libvulkan1 and the NVIDIA driver; Metal or D3D12 elsewhere), from a clone, run as-is:');
  md.push('');
  md.push('```sh');
  md.push('npm ci && npx tsx bench/large.ts --gpu');
  md.push('```');
  md.push('');
  md.push(
    'It writes bench/results-gpu.md (this table for that GPU: every row, TF.js included, no time cap). Without `--gpu` the same script runs on SwiftShader ' +
      '(Vulkan on the CPU, through Dawn) and writes bench/large.md. Options: `--rows 1,3` or `--rows 250000x1024x8`, `--out FILE.md`, `--cg N`, ' +
      '`--peak FLOP/s --bandwidth B/s` (the roofline\'s reference GPU), `--cap-s S`, `--no-tfjs`, `--x-storage f16`.',
  );
  md.push('');
  md.push(
    `${new Date(START).toISOString().slice(0, 10)} · ${adapterName} through Dawn (webgpu npm package) in Node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB · ` +
      `roofline reference: ${(ref.peakFlops / 1e12).toFixed(1)} TFLOP/s fp32, ${(ref.bandwidth / 1e12).toFixed(2)} TB/s${ref.peakFlops === H100_CLASS.peakFlops && ref.bandwidth === H100_CLASS.bandwidth ? ' (the default: an H100-class GPU, SXM, fp32 without tensor cores, HBM3)' : ''} · ` +
      `X as ${xStorage} · total ${((Date.now() - START) / 1000).toFixed(0)} s`,
  );
  md.push('');
  md.push('## One E-step plus one M-step');
  md.push('');
  md.push('| p | L | K | c (CG) | X | device buffers | X reads | dispatches | submits | readback | roofline ms | measured ms | TF.js ms |');
  md.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const parts = [
      { cost: costOf(r, 'eStep'), times: 1 },
      { cost: costOf(r, 'stats'), times: 2 },
      { cost: costOf(r, 'hvp'), times: r.c },
    ];
    const roof = rooflineOfPasses(parts, ref) * 1000;
    const ran = !r.skipped && r.passes.eStep && r.passes.stats && r.passes.hvp;
    const sum = (f: (m: Measured) => number) => (ran ? f(r.passes.eStep!) + 2 * f(r.passes.stats!) + r.c * f(r.passes.hvp!) : undefined);
    const xReads = ran ? sum((m) => m.counts.xReads)! : r.predictedXReads.eStep + 2 * r.predictedXReads.stats + r.c * r.predictedXReads.hvp;
    const why = r.skipped ? 'not run' : '—';
    const tf = r.tfjs.ms;
    const tfTotal = tf.eStep && tf.stats && tf.hvp ? tf.eStep.ms + 2 * tf.stats.ms + r.c * tf.hvp.ms : undefined;
    md.push(
      `| ${r.p} | ${r.L} | ${r.K} | ${r.c.toFixed(1)} | ${fmtBytes(r.p * r.L * 4)} | ${r.buffers ? fmtBytes(r.buffers.total) : why} | ${ran ? fmtN(xReads) : `≈${fmtN(xReads)}`} | ` +
        `${ran ? fmtN(sum((m) => m.counts.dispatches)!) : why} | ${ran ? fmtN(sum((m) => m.counts.submits)!) : why} | ${ran ? fmtBytes(sum((m) => m.counts.bytesRead)!) : why} | ` +
        `${roof.toFixed(2)} | ${ran ? `≈${fmtMs(sum((m) => m.ms))}` : r.skipped ? `not run: ${r.skipped}` : '—'} | ${tfTotal !== undefined ? `≈${fmtMs(tfTotal)}` : (r.tfjs.note ?? '—')} |`,
    );
  }
  md.push('');
  md.push('## Per pass');
  md.push('');
  md.push('| p | L | K | pass | ×/step | GFLOP | X reads | dispatches | submits | readback | GB moved (X + scratch) | roofline ms (bound) | measured ms | TF.js ms |');
  md.push('|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    for (const kind of ['eStep', 'stats', 'hvp'] as const) {
      const m = r.passes[kind];
      const cost = costOf(r, kind);
      const rl = roofline(cost, ref);
      const why = r.skipped ? 'not run' : '—';
      md.push(
        `| ${r.p} | ${r.L} | ${r.K} | ${PASS_LABEL[kind]} | ${kind === 'eStep' ? 1 : kind === 'stats' ? 2 : r.c.toFixed(1)} | ${cost.flops >= 1e9 ? (cost.flops / 1e9).toFixed(1) : (cost.flops / 1e9).toPrecision(2)} | ` +
          `${m ? fmtN(m.counts.xReads) : `≈${fmtN(r.predictedXReads[kind])}`} | ${m ? m.counts.dispatches : why} | ${m ? m.counts.submits : why} | ${m ? fmtBytes(m.counts.bytesRead) : why} | ` +
          `${((cost.xBytes + cost.scratchBytes) / 1e9).toFixed(2)} (${(cost.xBytes / 1e9).toFixed(2)} + ${(cost.scratchBytes / 1e9).toFixed(2)}) | ${fmtRoof(rl.seconds, rl.bound)} | ` +
          `${m ? fmtMs(m.ms, m.single) : why} | ${fmtMs(r.tfjs.ms[kind]?.ms, r.tfjs.ms[kind]?.single)} |`,
      );
    }
  }
  md.push('');
  md.push('## Once per fit: the design covariance S');
  md.push('');
  md.push('| p | L | engine pass: X reads | dispatches | submits | readback | roofline ms (bound) | measured ms | host float64 s (256 rows timed, × p/256) | host: rank check s | host: whitening s |');
  md.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const m = r.designS;
    const cost: PassCost = { flops: designSFlops(r.p, r.L), xBytes: (m?.counts.xReads ?? 0) * r.p * r.L * (xStorage === 'f16' ? 2 : 4), scratchBytes: 2 * r.p * 4, otherBytes: m?.counts.bytesRead ?? 0 };
    const rl = roofline(cost, ref);
    const why = r.skipped ? 'not run' : (r.designSSkipped ?? '—');
    md.push(
      `| ${r.p} | ${r.L} | ${m ? fmtN(m.counts.xReads) : why} | ${m ? m.counts.dispatches : '—'} | ${m ? m.counts.submits : '—'} | ${m ? fmtBytes(m.counts.bytesRead) : '—'} | ` +
        `${m ? fmtRoof(rl.seconds, rl.bound) : `≥${fmtRoof(rl.computeS, 'compute')}`} | ${m ? fmtMs(m.ms, m.single) : '—'} | ${r.hostSMs !== undefined ? (r.hostSMs / 1000).toFixed(1) : '—'} | ` +
        `${r.hostL3 ? (r.hostL3.rankMs / 1000).toFixed(2) : '—'} | ${r.hostL3 ? `${(r.hostL3.whiteningMs / 1000).toFixed(2)} (${r.hostL3.whitening})` : '—'} |`,
    );
  }
  md.push('');
  md.push(
    'S is formed once per fit: on the host in float64 by default, or by one K = 1 covariance pass of the engine at θ = 0 (`designCovariance: \'engine\'`, ' +
      'src/fit/design-covariance.ts; its rank is checked at the engine\'s precision). Roofline flops p·L(L+1) (the Gram\'s upper triangle); its bytes need the ' +
      'pass\'s counted X reads, so a row that did not run shows the compute bound alone (≥). After S, on the host whichever formed it: the rank check ' +
      '(model/design.ts checkRank: a Cholesky factor of S − 10⁻¹⁰·tr S·I, L³/3 flops, above L = 64; the extreme eigenvalues below) and the whitening z = Ax (model/whitening.ts: S^{-1/2}, ~10L³, ' +
      'up to L = 256; Cholesky\'s factor, L³/3, above), each timed once on a stand-in S of the same size.',
  );
  md.push('');
  md.push('## Notes');
  md.push('');
  md.push(
    '- One "M-step" = one softmaxStats(mean) pass + c Hessian–vector passes (one per CG iteration) + one trial softmaxStats(mean) pass (src/em/mstep.ts, ' +
      'the matrix-free route taken above L = 64), so a row is E + 2·stats + c·hvp: each pass kind is run and timed, the row\'s totals (≈) are that sum. ' +
      'Times: wall time of the awaited engine call (submit + one readback), plans built beforehand (Engine.prepare); the median of up to 5 calls after the first, ' +
      'or `*` the first call alone where it took over a second.',
  );
  md.push(
    '- Counts are the engine\'s counters for one call of each pass (src/engines/engine.ts, EngineCounters): X reads as src/engines/webgpu/kernel.ts defines them ' +
      '(per workgroup the distinct words of X it loads, / p·L: the traffic of a GPU with no cache reuse across workgroups); `≈` = not run here, from the same ' +
      'formulas (scores 1 per dispatch, weighted sum in weighted-sum.ts) and this device\'s chunking. Device buffers: Engine.bufferSizes after the three plans were built.',
  );
  md.push(
    `- Roofline (bench/roofline.ts): per pass max(flops / peak, bytes / bandwidth), summed over the passes (each is its own submission); (m) memory-bound, (c) ` +
      `compute-bound. Flops: E-step and softmaxStats 4pLK, Hessian–vector pass 6pLK. Bytes: X reads × p·L·${xStorage === 'f16' ? '2 (X as f16)' : '4'}, the scores/weights/counts traffic of the plan, ` +
      'the readback and the split-K partials. Launch and submit latency are not in it.',
  );
  md.push('- c per row: ' + results.map((r) => `p=${r.p} L=${r.L} K=${r.K}: ${r.c.toFixed(1)} (${r.cNote})`).join('; ') + '.');
  md.push(
    '- c = 10 is a stated figure. Small cpu runs (`--cg measure`: simulated data, a random start, 4–6 EM iterations; measured when this script was written) ' +
      'spent 10.7 Hessian–vector passes per CG solve at p = 1000, L = 128, K = 32; 14.5 at L = 256, K = 8; 25 at p = 1000 and 17.9 at p = 2000 with L = 512, K = 8. ' +
      'The M-step\'s columns are 2·stats + c·hvp, linear in c.',
  );
  for (const r of results) {
    const extra = [
      r.uploadMs !== undefined ? `engine creation ${(r.uploadMs / 1000).toFixed(1)} s (generating X ≈ ${((r.generateMs ?? 0) / 1000).toFixed(1)} s of it)` : '',
      r.sanity ?? '',
      r.tfjs.logLikRel !== undefined ? `TF.js E-step ℓ within ${r.tfjs.logLikRel.toExponential(1)} (relative) of softmix's` : '',
      r.tfjs.note ? `TF.js: ${r.tfjs.note}` : '',
      r.buffers ? `largest buffers: ${Object.entries(r.buffers).filter(([k]) => k !== 'total').sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k} ${fmtBytes(v)}`).join(', ')}` : '',
    ].filter(Boolean);
    if (extra.length) md.push(`- p=${r.p} L=${r.L} K=${r.K}: ${extra.join('; ')}.`);
  }
  md.push(
    '- Data: x_jl ~ N(0, 1)/√L (seeded), n_j uniform in 1..20, θ_kl ~ 1.5·N(0, 1), α uniform, V ~ N(0, 1); the passes are timed at that Θ. ' +
      'TF.js: bench/tfjs-engine.ts\'s passes (matMul-based), one untimed call first (it compiles its shaders per shape), or `*` that first call alone, ' +
      'compilation included, where it took over 5 s.',
  );
  md.push('');
  writeFileSync(outFile, md.join('\n'));
    return md.join('\n');
  }

const results: RowResult[] = [];
for (const [p, L, K] of rows) {
  if (results.length) writeTable(); // the rows so far
  say(`row p=${p} L=${L} K=${K}`);
  const r: RowResult = { p, L, K, c: 10, cNote: 'stated', passes: {}, predictedXReads: predictedXReads(p, L, K), tfjs: { ms: {} } };
  results.push(r);
  if (o.cg !== 'measure') {
    r.c = Number(o.cg);
    r.cNote = o.cg === '10' ? 'stated' : `--cg ${o.cg}`;
  } else {
    const t = performance.now();
    const m = await measureCg(L, K);
    r.c = m.c;
    r.cNote = m.note;
    say(`  c = ${m.c.toFixed(1)}: ${m.note} (${((performance.now() - t) / 1000).toFixed(0)} s)`);
  }
  const xBytes = p * L * (xStorage === 'f16' ? 2 : 4);
  const hostNeed = (gpuMode ? 0 : xBytes) + 4 * Math.min(xBytes, device.limits.maxBufferSize);
  const runFlops = flopsOf('eStep', p, L, K) + flopsOf('stats', p, L, K) + flopsOf('hvp', p, L, K);
  const predictedS = runFlops / rate + xBytes / 0.5e9;
  if (hostNeed > 0.8 * freemem()) {
    r.skipped = `needs about ${(hostNeed / 2 ** 30).toFixed(1)} GiB of host memory${gpuMode ? '' : ' (SwiftShader keeps X in it)'}, ${(freemem() / 2 ** 30).toFixed(1)} GiB free`;
  } else if (predictedS > capS) {
    r.skipped = `predicted ${predictedS.toFixed(0)} s on this device (${(runFlops / 1e9).toFixed(0)} GFLOP at the calibrated ${(rate / 1e9).toFixed(2)} GFLOP/s), over the ${capS} s cap`;
  }
  r.hostSMs = hostSMs(p, L);
  say(`  host float64 S ≈ ${(r.hostSMs / 1000).toFixed(1)} s (256 rows timed)`);
  r.hostL3 = hostL3(L);
  say(`  host rank check ${(r.hostL3.rankMs / 1000).toFixed(2)} s, whitening (${r.hostL3.whitening}) ${(r.hostL3.whiteningMs / 1000).toFixed(2)} s`);
  if (r.skipped) {
    say(`  not run: ${r.skipped}`);
    continue;
  }
  const pr = problem(p, L, K);
  let engine: Engine | null = null;
  try {
    const tg = performance.now();
    const features = lazyFeatures(p, L);
    featureRows(p, L, 0, Math.min(p, 4 * BLOCK)); // warm the generator
    r.generateMs = ((performance.now() - tg) * p) / Math.min(p, 4 * BLOCK);
    const tu = performance.now();
    engine = await createWebGpuEngine({ p, L, features, counts: pr.counts } satisfies EngineInput, { device, xStorage });
    await device.queue.onSubmittedWorkDone();
    r.uploadMs = performance.now() - tu;
    engine.prepare!(K, { denseHessian: false, hessianProducts: true, moments: false });
    say(`  engine: ${(r.uploadMs / 1000).toFixed(1)} s (X generated and uploaded)`);
    const e = engine;
    let es: EStepResult | null = null;
    r.passes.eStep = await measure(e, async () => {
      es = await e.eStep(pr.logAlpha, pr.theta, K);
    });
    say(`  E-step ${r.passes.eStep.ms.toFixed(0)} ms`);
    let at: { logPartition: Float64Array; mean: Float64Array } | null = null;
    r.passes.stats = await measure(e, async () => {
      const s = await e.softmaxStats(pr.theta, K, { mean: true, covariance: false });
      at = { logPartition: s.logPartition, mean: s.mean! };
    });
    say(`  softmaxStats(mean) ${r.passes.stats.ms.toFixed(0)} ms`);
    let hv: Float64Array | null = null;
    r.passes.hvp = await measure(e, async () => {
      hv = await e.hessianVectorProducts(pr.theta, K, at!, pr.vectors);
    });
    say(`  Hessian–vector pass ${r.passes.hvp.ms.toFixed(0)} ms`);
    r.buffers = e.bufferSizes!();
    const ev = es as unknown as EStepResult;
    const cSum = ev.weights.reduce((a, b) => a + b, 0);
    r.sanity = `Σc/N − 1 = ${(cSum / e.N - 1).toExponential(1)}, ℓ/N = ${(ev.logLik / e.N).toFixed(4)}, hvp finite: ${hv !== null && (hv as Float64Array).every(Number.isFinite)}`;
    const sPredicted = designSFlops(p, L) / gramRate;
    if (sPredicted > capS) {
      r.designSSkipped = `predicted ${sPredicted.toFixed(0)} s at the calibrated ${(gramRate / 1e9).toFixed(2)} GFLOP/s, over the ${capS} s cap`;
    } else {
      try {
        e.prepare!(1, { denseHessian: true, hessianProducts: false, moments: false });
        r.designS = await measure(e, () => designS(e));
        say(`  design covariance pass ${r.designS.ms.toFixed(0)} ms`);
      } catch (err) {
        r.designSSkipped = `failed: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`;
      }
    }
    for (const kind of ['eStep', 'stats', 'hvp'] as const) {
      const got = r.passes[kind]!.counts.xReads;
      if (Math.abs(got - r.predictedXReads[kind]) > 1e-9 * got) say(`  note: ${kind} X reads ${got} differ from the formula's ${r.predictedXReads[kind]}`);
    }
    engine.dispose();
    engine = null;

    const binding = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    if (p * L * K <= tfjsMax && xBytes > binding) {
      r.tfjs.note = `not run: X (${(xBytes / 2 ** 30).toFixed(2)} GiB) is more than one storage binding of this device (${(binding / 2 ** 30).toFixed(2)} GiB), and TF.js binds a tensor whole`;
    } else if (p * L * K <= tfjsMax) {
      const t = await loadTfjs();
      if (!t) r.tfjs.note = 'TF.js webgpu backend did not start';
      else {
        const { createTfjsEngine } = await import('./tfjs-engine.ts');
        let te: Engine | null = null;
        try {
          te = createTfjsEngine(t, { p, L, features: featureRows(p, L, 0, p), counts: pr.counts });
          const tEngine = te;
          for (const [kind, call] of [
            ['eStep', () => tEngine.eStep(pr.logAlpha, pr.theta, K)],
            ['stats', () => tEngine.softmaxStats(pr.theta, K, { mean: true, covariance: false })],
            ['hvp', () => tEngine.hessianVectorProducts(pr.theta, K, at!, pr.vectors)],
          ] as const) {
            const w = performance.now();
            const first = await (call as () => Promise<unknown>)(); // compiles TF.js's shaders for this shape
            if (kind === 'eStep') r.tfjs.logLikRel = Math.abs((first as { logLik: number }).logLik - ev.logLik) / Math.abs(ev.logLik);
            const warm = performance.now() - w;
            if (warm > 5000) {
              r.tfjs.ms[kind] = { ms: warm, single: true }; // one call is the measurement (its shader compilation included)
            } else {
              const m = await measure(tEngine, call as () => Promise<unknown>);
              r.tfjs.ms[kind] = { ms: m.ms, single: false };
            }
            say(`  TF.js ${kind}: ${r.tfjs.ms[kind]!.ms.toFixed(0)} ms (first call ${warm.toFixed(0)} ms)`);
          }
        } catch (err) {
          r.tfjs.note = `TF.js failed: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`;
          say(`  ${r.tfjs.note}`);
        } finally {
          te?.dispose();
        }
      }
    } else {
      r.tfjs.note = o.tfjs === false ? 'off (--no-tfjs)' : `not run: p·L·K = ${(p * L * K).toExponential(2)} > ${tfjsMax.toExponential(1)} (--tfjs-max)`;
    }
  } catch (err) {
    r.skipped = `failed: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`;
    say(`  ${r.skipped}`);
    r.passes = {};
  } finally {
    engine?.dispose();
  }
}
device.destroy();
console.log(writeTable());
say(`wrote ${outFile}`);

