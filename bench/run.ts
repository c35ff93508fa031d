/**
 * `npm run bench`: times every phase of softmix on WebGPU in headless Chromium (on this
 * machine: SwiftShader, Vulkan on the CPU), the same phases on the float64 `cpu` engine,
 * and the same EM written with TensorFlow.js ops, all in one page so ratios hold on a
 * noisy machine; measures the device's FMA ceiling; writes bench/results.json and
 * bench/results.md and prints the table.
 *
 *   npm run bench                 # the grid below, under 10 minutes here
 *   npm run bench -- --quick      # the smallest size only (a smoke test)
 *   npm run bench -- --out DIR    # write results.json / results.md to DIR
 *
 * The plan is trimmed to what SwiftShader finishes: see PLAN for what each size runs and
 * why. Phases left out are shown as "—" (and, for one EM iteration, estimated as E-step +
 * Newton pass, marked ≈). A guard stops starting new phases 8 minutes in, so a slower
 * machine (or a busier one) still finishes; what it skipped is listed.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { join } from 'node:path';
import { openPage, projectRoot } from '../src/browser/open-page.ts';
import { flops, type Size } from './flops.ts';
import type { EngineConfig, Phase, SizeConfig, SizeResult, Timing, TimingOptions } from './page.ts';

const START = Date.now();
const elapsed = () => Date.now() - START;
/** no new phase starts after this (the longest single phase here is ~30 s) */
const PHASE_DEADLINE_MS = 8.5 * 60_000;

// ---------------------------------------------------------------------------
// The plan

const ALL: Phase[] = ['upload', 'countMoments', 'projectedMoments', 'mom', 'eStep', 'newtonPass', 'logPartitionPass', 'emIteration', 'fit'];
const MOM: Phase[] = ['countMoments', 'projectedMoments', 'mom'];
const PASSES: Phase[] = ['eStep', 'newtonPass', 'logPartitionPass', 'emIteration'];

const GPU_TIMING: TimingOptions = { minReps: 3, maxReps: 5, budgetMs: 1500, capMs: 1200, alwaysWarm: false };
const CPU_TIMING: TimingOptions = { minReps: 3, maxReps: 7, budgetMs: 1000, capMs: 1200, alwaysWarm: false };
const TF_TIMING: TimingOptions = { minReps: 3, maxReps: 5, budgetMs: 1500, capMs: 1200, alwaysWarm: true };

interface PlanEntry extends Size {
  webgpu: Phase[];
  cpu: Phase[];
  tfjs: Phase[];
  fit: { maxIter: number; tol: number };
  /** why phases were left out (shown in the Markdown notes) */
  note?: string;
}

const except = (list: Phase[], ...drop: Phase[]) => list.filter((p) => !drop.includes(p));

/**
 * Measured on this machine (SwiftShader on 2 shared cores) before choosing: the Newton pass
 * (the weighted-gram kernel, pL²K) takes ~9 s at p=1e4 L=64 K=4, ~36 s at K=16, and an
 * estimated 90 s / 360 s at p=1e5; TF.js needs 10–16 s per E-step at p=1e5 (plus its
 * shader compilation on the first call of every shape). Order: the most informative first,
 * so that the deadline guard, if it fires, cuts the least.
 */
const PLAN: PlanEntry[] = [
  { p: 10_000, L: 16, K: 4, webgpu: ALL, cpu: except(ALL, 'upload'), tfjs: PASSES, fit: { maxIter: 3, tol: 0 } },
  {
    p: 20_000, L: 32, K: 8, webgpu: except(ALL, 'fit'), cpu: [...MOM, ...PASSES], tfjs: PASSES, fit: { maxIter: 0, tol: 0 },
    note: 'no full fit (3 fixed iterations took ~45 s on SwiftShader)',
  },
  { p: 10_000, L: 16, K: 16, webgpu: ALL, cpu: except(ALL, 'upload'), tfjs: PASSES, fit: { maxIter: 3, tol: 0 } },
  {
    p: 100_000, L: 16, K: 4, webgpu: except(ALL, 'fit'), cpu: [...MOM, ...PASSES], tfjs: ['eStep', 'newtonPass'], fit: { maxIter: 0, tol: 0 },
    note: 'TF.js: E-step and Newton pass only (~10 s and ~6 s a call here); no full fit',
  },
  {
    p: 10_000, L: 64, K: 4, webgpu: except(ALL, 'emIteration', 'fit'), cpu: [...MOM, ...PASSES], tfjs: except(PASSES, 'emIteration'), fit: { maxIter: 0, tol: 0 },
    note: 'softmix EM iteration not run (its Newton pass alone is ~9 s): ≈ E-step + Newton pass; no full fit',
  },
  {
    p: 10_000, L: 64, K: 16, webgpu: except(ALL, 'emIteration', 'fit'), cpu: [...MOM, ...PASSES], tfjs: except(PASSES, 'emIteration'), fit: { maxIter: 0, tol: 0 },
    note: 'the Newton pass is one call (~25–36 s on SwiftShader); EM iterations ≈ E-step + Newton pass; no full fit',
  },
  {
    p: 100_000, L: 64, K: 4, webgpu: ['upload', 'countMoments', 'projectedMoments', 'eStep', 'logPartitionPass'], cpu: [...MOM, ...PASSES], tfjs: ['eStep'], fit: { maxIter: 0, tol: 0 },
    note: 'softmix Newton pass not run (est. ~90 s); TF.js E-step only (~16 s a call); no full fit',
  },
  {
    p: 100_000, L: 64, K: 16, webgpu: ['upload', 'countMoments', 'projectedMoments', 'eStep', 'logPartitionPass'], cpu: [...MOM, ...PASSES], tfjs: ['eStep'], fit: { maxIter: 0, tol: 0 },
    note: 'softmix Newton pass not run (est. ~6 min); TF.js E-step only (~15 s a call); no full fit',
  },
  {
    p: 100_000, L: 16, K: 16, webgpu: ['upload', 'eStep', 'newtonPass', 'logPartitionPass'], cpu: [...MOM, ...PASSES], tfjs: ['eStep'], fit: { maxIter: 0, tol: 0 },
    note: 'softmix: no MoM phases, EM iteration ≈ E-step + Newton pass; TF.js E-step only (~15 s a call); no full fit',
  },
];

// ---------------------------------------------------------------------------

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const outDir = args.includes('--out') ? args[args.indexOf('--out') + 1] : join(projectRoot, 'bench');
const plan = quick ? PLAN.slice(0, 1).map((e) => ({ ...e, fit: { maxIter: 3, tol: 0 } })) : PLAN;

const say = (line: string) => console.error(`[bench ${(elapsed() / 1000).toFixed(0).padStart(3)} s] ${line}`);

const loadStart = loadavg();
say(`opening app/bench.html in headless Chromium (load average ${loadStart.map((v) => v.toFixed(2)).join(' ')})`);
const { page, chromiumVersion, executablePath, close } = await openPage('/app/bench.html', {
  ready: 'window.benchReady === true',
  optimize: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu'],
  onConsole: (line) => {
    if (line.startsWith('bench: ')) say(line.slice(7));
  },
});

let info!: Awaited<ReturnType<NonNullable<Window['bench']>['info']>>;
let tfInit!: Awaited<ReturnType<NonNullable<Window['bench']>['tfjsInit']>>;
let peak!: Awaited<ReturnType<NonNullable<Window['bench']>['peak']>>;
let latency!: Record<string, number>;
const results: SizeResult[] = [];
try {
  info = await page.evaluate(() => window.bench!.info());
  say(`adapter: ${info.adapter.description}; navigator.hardwareConcurrency = ${info.hardwareConcurrency}; Chromium ${chromiumVersion}`);
  tfInit = await page.evaluate(() => window.bench!.tfjsInit(['webgpu', 'webgl', 'cpu']));
  say(`TensorFlow.js ${tfInit.version}: backend ${tfInit.backend ?? 'none'} (${tfInit.attempts.map((a) => `${a.backend}: ${a.ok ? 'ok' : a.error}`).join('; ')})`);
  latency = await page.evaluate(() => window.bench!.latency(10));
  say(`submit + 16-byte readback: ${[0, 1, 10, 40].map((d) => `${d} dispatches ${latency[`dispatches${d}`].toFixed(1)} ms`).join(', ')}; one near-empty 64-wide workgroup: ${latency.workgroupMicroseconds.toFixed(2)} µs; one workgroupBarrier of a 256-wide workgroup: ${latency.barrierMicroseconds.toFixed(1)} µs`);
  peak = await page.evaluate(() => window.bench!.peak(300));
  say(`FMA ceiling: ${peak.gflops.toFixed(2)} GFLOP/s (${peak.best.chains} vec4 chains, workgroup ${peak.best.workgroupSize} × ${peak.best.workgroups})`);

  for (const entry of plan) {
    const cfg: SizeConfig = {
      p: entry.p,
      L: entry.L,
      K: entry.K,
      seed: 1000 + entry.K,
      N: 20 * entry.p,
      webgpu: { phases: entry.webgpu, timing: GPU_TIMING } satisfies EngineConfig,
      cpu: { phases: entry.cpu, timing: CPU_TIMING },
      tfjs: { phases: tfInit.backend ? entry.tfjs : [], timing: TF_TIMING },
      fit: entry.fit,
      remainingMs: Math.max(0, PHASE_DEADLINE_MS - elapsed()),
    };
    say(`size p=${entry.p} L=${entry.L} K=${entry.K}`);
    const r = await page.evaluate((c) => window.bench!.size(c), cfg);
    results.push(r);
    for (const [who, t] of [['webgpu', r.webgpu], ['cpu', r.cpu], ['tfjs', r.tfjs]] as const) {
      if (t.error) say(`  ${who} failed: ${t.error}`);
      if (t.deadlineSkipped.length) say(`  ${who}: skipped at the deadline: ${t.deadlineSkipped.join(', ')}`);
    }
  }
} finally {
  await close();
}
const totalMs = elapsed();
const loadEnd = loadavg();

// ---------------------------------------------------------------------------
// Derived numbers and the table

type Engine3 = 'webgpu' | 'cpu' | 'tfjs';
interface Row {
  phase: string;
  gflop: number | null;
  ms: Record<Engine3, number | null>;
  /** "*" single call, "≈" estimate */
  mark: Record<Engine3, string>;
  gflops: Record<Engine3, number | null>;
  fractionOfPeak: Record<'webgpu' | 'tfjs', number | null>;
  ratioTfjs: number | null;
  ratioCpu: number | null;
}

const PHASE_ROWS: { key: Phase; label: string; flops?: (s: Size) => number }[] = [
  { key: 'upload', label: 'upload (engine creation)' },
  { key: 'countMoments', label: 'MoM pass: Σπ̂xxᵀ', flops: flops.countMoments },
  { key: 'projectedMoments', label: 'MoM pass: projected 3rd moments', flops: flops.projectedMoments },
  { key: 'mom', label: 'MoM estimate (passes + host)' },
  { key: 'eStep', label: 'E-step', flops: flops.eStep },
  { key: 'newtonPass', label: 'M-step Newton pass (A, ∇A, ∇²A)', flops: flops.newtonPass },
  { key: 'logPartitionPass', label: 'M-step A-only pass', flops: flops.logPartitionPass },
  { key: 'emIteration', label: 'one EM iteration', flops: flops.emIteration },
];

function rowsFor(r: SizeResult): Row[] {
  const size: Size = { p: r.p, L: r.L, K: r.K };
  const rows: Row[] = [];
  const engines: Record<Engine3, SizeResult['webgpu']> = { webgpu: r.webgpu, cpu: r.cpu, tfjs: r.tfjs };
  for (const ph of PHASE_ROWS) {
    const ms = {} as Record<Engine3, number | null>;
    const mark = {} as Record<Engine3, string>;
    for (const e of ['webgpu', 'cpu', 'tfjs'] as const) {
      const t = engines[e][ph.key as keyof SizeResult['webgpu']] as Timing | undefined;
      ms[e] = t ? t.ms : null;
      mark[e] = t?.single ? '*' : '';
      if (ph.key === 'emIteration' && !t) {
        const es = engines[e].eStep;
        const nw = engines[e].newtonPass;
        if (es && nw) {
          ms[e] = es.ms + nw.ms;
          mark[e] = '≈';
        }
      }
    }
    if (ph.key === 'upload') ms.tfjs = null;
    let label = ph.label;
    let gflop = ph.flops ? ph.flops(size) / 1e9 : null;
    if (ph.key === 'mom') {
      // momEstimate stops after Σπ̂xxᵀ when M̂_2 cannot support K atoms: count the passes it made.
      const passes = r.webgpu.momPasses ?? r.cpu.momPasses;
      if (passes !== undefined) {
        gflop = (flops.countMoments(size) + (passes >= 2 ? flops.projectedMoments(size) : 0)) / 1e9;
        const outcome = r.webgpu.momOutcome ?? r.cpu.momOutcome ?? '';
        label = `MoM estimate (${passes} pass${passes === 1 ? '' : 'es'} + host${outcome.includes('failed') ? '; gave up → subspace start' : ''})`;
      }
    }
    const rate = (e: Engine3) => (gflop !== null && ms[e] ? gflop / (ms[e]! / 1000) : null);
    const gflops = { webgpu: rate('webgpu'), cpu: rate('cpu'), tfjs: rate('tfjs') };
    rows.push({
      phase: label,
      gflop,
      ms,
      mark,
      gflops,
      fractionOfPeak: {
        webgpu: gflops.webgpu !== null ? gflops.webgpu / peak.gflops : null,
        tfjs: gflops.tfjs !== null ? gflops.tfjs / peak.gflops : null,
      },
      ratioTfjs: ms.webgpu && ms.tfjs ? ms.webgpu / ms.tfjs : null,
      ratioCpu: ms.webgpu && ms.cpu ? ms.webgpu / ms.cpu : null,
    });
  }
  const gf = r.webgpu.fit;
  const cf = r.cpu.fit;
  if (gf || cf) {
    const f = gf ?? cf!;
    const label = f.tol === 0 ? `full fit: MoM + ${f.maxIter} EM iterations (fixed)` : `full fit: MoM + EM to tol ${f.tol} (${gf?.iterations ?? cf?.iterations} it)`;
    rows.push({
      phase: label,
      gflop: null,
      ms: { webgpu: gf?.ms ?? null, cpu: cf?.ms ?? null, tfjs: null },
      mark: { webgpu: '', cpu: '', tfjs: '' },
      gflops: { webgpu: null, cpu: null, tfjs: null },
      fractionOfPeak: { webgpu: null, tfjs: null },
      ratioTfjs: null,
      ratioCpu: gf && cf ? gf.ms / cf.ms : null,
    });
  }
  return rows;
}

const fmtMs = (v: number | null, mark = '') => (v === null ? '—' : `${mark}${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}`);
const fmtRate = (v: number | null) => (v === null ? '—' : v >= 1 ? v.toFixed(2) : v >= 0.01 ? v.toFixed(3) : v.toExponential(1));
const fmtPct = (v: number | null) => (v === null ? '—' : `${(100 * v).toFixed(v >= 0.1 ? 0 : v >= 0.01 ? 1 : 2)}%`);
const fmtRatio = (v: number | null) => (v === null ? '—' : v >= 10 ? `${v.toFixed(0)}×` : `${v.toFixed(2)}×`);

const sorted = [...results].sort((a, b) => a.p - b.p || a.L - b.L || a.K - b.K);
const tfName = tfInit.backend ? `TF.js (${tfInit.backend})` : 'TF.js (none ran)';
const md: string[] = [];
md.push('# softmix benchmark');
md.push('');
md.push(
  `${new Date(START).toISOString()} · ${info.adapter.description} (WebGPU adapter) · Chromium ${chromiumVersion} (headless) · ` +
    `navigator.hardwareConcurrency = ${info.hardwareConcurrency} · ${cpus()[0]?.model ?? 'cpu'} · TensorFlow.js ${tfInit.version} on ${tfInit.backend ?? '—'} · ` +
    `load average ${loadStart[0].toFixed(1)} → ${loadEnd[0].toFixed(1)} · total ${(totalMs / 1000).toFixed(0)} s`,
);
md.push('');
md.push(
  `Device FMA ceiling (bench/peak.ts): **${peak.gflops.toFixed(2)} GFLOP/s**. Submit + 16-byte readback: ${latency.dispatches1.toFixed(1)} ms. ` +
    `A near-empty 64-invocation workgroup: ${latency.workgroupMicroseconds.toFixed(2)} µs; one workgroupBarrier of a 256-invocation workgroup: ${latency.barrierMicroseconds.toFixed(1)} µs.`,
);
md.push('');
md.push('## One EM iteration (E-step + one Newton step), ms');
md.push('');
md.push(`| p | L | K | softmix WebGPU | cpu | ${tfName} | softmix / TF.js | softmix / cpu |`);
md.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of sorted) {
  const em = rowsFor(r).find((x) => x.phase === 'one EM iteration')!;
  md.push(
    `| ${r.p} | ${r.L} | ${r.K} | ${fmtMs(em.ms.webgpu, em.mark.webgpu)} | ${fmtMs(em.ms.cpu, em.mark.cpu)} | ${fmtMs(em.ms.tfjs, em.mark.tfjs)} | ${fmtRatio(em.ratioTfjs)} | ${fmtRatio(em.ratioCpu)} |`,
  );
}
md.push('');
md.push('## Every phase');
md.push('');
md.push(`| size | phase | GFLOP | softmix WebGPU ms | GFLOP/s | of peak | cpu ms | cpu GFLOP/s | ${tfName} ms | TF.js GFLOP/s | TF.js of peak | softmix / TF.js | softmix / cpu |`);
md.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of sorted) {
  for (const row of rowsFor(r)) {
    md.push(
      `| p=${r.p} L=${r.L} K=${r.K} | ${row.phase} | ${row.gflop === null ? '—' : fmtRate(row.gflop)} | ${fmtMs(row.ms.webgpu, row.mark.webgpu)} | ${fmtRate(row.gflops.webgpu)} | ${fmtPct(row.fractionOfPeak.webgpu)} | ` +
        `${fmtMs(row.ms.cpu, row.mark.cpu)} | ${fmtRate(row.gflops.cpu)} | ${fmtMs(row.ms.tfjs, row.mark.tfjs)} | ${fmtRate(row.gflops.tfjs)} | ${fmtPct(row.fractionOfPeak.tfjs)} | ${fmtRatio(row.ratioTfjs)} | ${fmtRatio(row.ratioCpu)} |`,
    );
  }
}
md.push('');
md.push('## Notes');
md.push('');
md.push(
  '- Wall time around an awaited call; every engine call ends with one mapAsync readback. Median of 3–7 calls after an untimed warm-up; `*` = a single call ' +
    '(the first call took over 1.2 s and is the measurement; softmix compiles its pipelines when the engine is created). TF.js always gets a warm-up call ' +
    '(it compiles shaders on the first call of every shape), then at least one timed call. `≈` = estimated as E-step + Newton pass (not run). `—` = not run.',
);
md.push('- Ratios are softmix WebGPU time ÷ the other\'s time: below 1× softmix is faster, above 1× it is slower.');
md.push(
  '- Flops (bench/flops.ts, MATH.md §2–3; a multiply-add is 2): E-step 4pLK (scores + sums), Newton pass 4pLK + pL²K, A-only pass 2pLK, EM iteration 8pLK + pL²K, ' +
    'Σπ̂xxᵀ pL², projected moments p(2LK + K³/3). exp/log and host work are not counted. "of peak" = GFLOP/s ÷ the FMA ceiling of the same device.',
);
md.push(
  '- "one EM iteration" is src/em/run-em.ts\'s plain step with one Newton step (src/em/mstep.ts), driven identically for all three engines: E-step, α = c/N, the Newton ' +
    'direction from the statistics the previous step left, one softmaxStats(mean + covariance) pass at the trial point (2 passes over p; every step here was accepted at t = 1).',
);
md.push(
  '- cpu = softmix\'s float64 reference engine in the same page (same V8), single-threaded. TF.js = the same passes as TF.js ops (bench/tfjs-engine.ts): ' +
    'matMul, logSumExp, exp, sum, and per-component matMul(Xᵀ, X ∘ σ_k) for the Hessians; one readback per call.',
);
const cold = results.find((r) => r.webgpu.upload)?.webgpu.upload?.firstMs;
if (cold !== undefined) md.push(`- Upload = createWebGpuEngine + queue idle (f32 conversion, buffers, writeBuffer), median after a warm-up; the very first engine on the device also compiles the kernels' pipelines: ${cold.toFixed(0)} ms cold.`);
md.push(`- Data: simulated (src/model/simulate.ts), x ~ N(0, I), |θ| = 1.5, N = 20p draws; passes timed near the truth (θ + 0.1·noise).`);
md.push(`- Full fits: init 'mom', restarts 0, default SQUAREM and maxNewtonSteps 1; "fixed" = tol 0, so exactly that many EM map evaluations (plus MoM, the set-up and the final stationarity check).`);
for (const e of plan) if (e.note) md.push(`- p=${e.p} L=${e.L} K=${e.K}: ${e.note}.`);
const skippedNotes = sorted.flatMap((r) =>
  (['webgpu', 'cpu', 'tfjs'] as const).flatMap((w) => (r[w].deadlineSkipped.length ? [`p=${r.p} L=${r.L} K=${r.K} ${w}: ${r[w].deadlineSkipped.join(', ')}`] : [])),
);
if (skippedNotes.length) md.push(`- Skipped by the time guard (no new phase after ${PHASE_DEADLINE_MS / 60_000} min): ${skippedNotes.join('; ')}.`);
const errors = sorted.flatMap((r) => (['webgpu', 'cpu', 'tfjs'] as const).flatMap((w) => (r[w].error ? [`p=${r.p} L=${r.L} K=${r.K} ${w}: ${r[w].error}`] : [])));
if (errors.length) md.push(`- Errors: ${errors.join('; ')}.`);
md.push(
  `- Agreement with the float64 cpu engine at the timed point (relative): E-step ℓ softmix ≤ ${fmtSci(maxOf(sorted, 'webgpuLogLikRel'))}, TF.js ≤ ${fmtSci(maxOf(sorted, 'tfjsLogLikRel'))}; ` +
    `Newton-pass Hessians softmix ≤ ${fmtSci(maxOf(sorted, 'webgpuHessianRel'))}, TF.js ≤ ${fmtSci(maxOf(sorted, 'tfjsHessianRel'))}.`,
);
md.push('');

function maxOf(rs: SizeResult[], key: string): number | null {
  const v = rs.map((r) => r.check[key]).filter((x) => x !== undefined);
  return v.length ? Math.max(...v) : null;
}
function fmtSci(v: number | null) {
  return v === null ? '—' : v.toExponential(1);
}

const json = {
  date: new Date(START).toISOString(),
  totalMs,
  machine: {
    adapter: info.adapter,
    features: info.features,
    hardwareConcurrency: info.hardwareConcurrency,
    userAgent: info.userAgent,
    chromiumVersion,
    chromiumPath: executablePath,
    cpuModel: cpus()[0]?.model,
    cpuCount: cpus().length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    kernel: release(),
    node: process.version,
    loadAverageStart: loadStart,
    loadAverageEnd: loadEnd,
  },
  tfjs: tfInit,
  peak,
  latencyMs: latency,
  timing: { webgpu: GPU_TIMING, cpu: CPU_TIMING, tfjs: TF_TIMING, phaseDeadlineMs: PHASE_DEADLINE_MS },
  flopModel: 'bench/flops.ts',
  plan,
  sizes: sorted.map((r) => ({ ...r, table: rowsFor(r) })),
};

mkdirSync(outDir, { recursive: true });
// 4 significant digits are more than the noise of this machine allows; keeps the file small.
const round = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v);
writeFileSync(join(outDir, 'results.json'), JSON.stringify(json, round, 1) + '\n');
writeFileSync(join(outDir, 'results.md'), md.join('\n'));
console.log(md.join('\n'));
say(`wrote ${join(outDir, 'results.json')} and results.md in ${(totalMs / 1000).toFixed(0)} s`);
