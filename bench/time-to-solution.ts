/**
 * Time to solution of EM variants (issue 6): from the same start, run each variant to
 * tight convergence, take the best ℓ any variant reaches, and report per variant the
 * E-steps and wall time needed to come within 0.1 nats of it. With a ridge (the books data)
 * "ℓ" is the objective EM climbs, ℓ − (λN/2)Σα_k|θ_k|² (src/ridge.ts).
 *
 *   npx tsx bench/time-to-solution.ts [--settings sim|books|all] [--starts 12345,1,2]
 *                                     [--variants grid|default] [--out FILE]
 *
 * One random start per seed in --starts (every variant starts there), or 'default': the
 * fit's own starts (MoM/subspace + 4 restarts, screened), E-steps counted over all of them.
 * --variants grid runs
 * every variant below; default (and always on the books data, where exact-Newton M-steps at
 * L = 50 are too slow on the cpu backend) runs plain EM, SQUAREM alone and the default fit.
 */
import { simulate } from '../src/simulate.ts';
import { fitSoftmaxMixture, type FitOptions } from '../src/fit.ts';
import { makeDataset, designStats, type DatasetInput } from '../src/data.ts';
import { inverseSqrt, randomStart } from '../src/starts.ts';
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { loadBooks } from '../src/datasets/books-node.ts';

export interface Variant {
  name: string;
  options: Partial<FitOptions>;
}

export const PLAIN: Variant = { name: 'plain EM (--no-accelerate)', options: { accelerate: false } };
export const DEFAULT: Variant = { name: 'default (SQUAREM, Newton–Raphson at the end, 1 Newton M-step)', options: {} };
/** the previous default: SQUAREM alone */
export const SQUAREM_ONLY: Variant = { name: 'SQUAREM, 1 Newton M-step (--no-local-newton)', options: { localNewton: false } };

export const VARIANTS: Variant[] = [
  { name: 'plain EM, exact Newton M-step', options: { accelerate: false, maxNewtonSteps: 20 } },
  PLAIN,
  { name: 'plain EM, 1 design-preconditioned step', options: { accelerate: false, maxNewtonSteps: 1, stepDirection: 'design' } },
  { name: 'SQUAREM, exact Newton M-step', options: { acceleration: 'squarem', maxNewtonSteps: 20, localNewton: false } },
  SQUAREM_ONLY,
  { name: 'SQUAREM, 1 design-preconditioned step', options: { acceleration: 'squarem', maxNewtonSteps: 1, stepDirection: 'design', localNewton: false } },
  { name: 'SQUAREM + Newton–Raphson, exact Newton M-step', options: { maxNewtonSteps: 20 } },
  DEFAULT,
  { name: 'Anderson, exact Newton M-step', options: { acceleration: 'anderson', maxNewtonSteps: 20 } },
  { name: 'Anderson, 1 Newton step', options: { acceleration: 'anderson', maxNewtonSteps: 1 } },
  { name: 'Anderson, 1 design-preconditioned step', options: { acceleration: 'anderson', maxNewtonSteps: 1, stepDirection: 'design' } },
];

/** On the books data (exact-Newton M-steps at L = 50 are too slow on the cpu backend). */
export const SHORT_VARIANTS: Variant[] = [PLAIN, SQUAREM_ONLY, DEFAULT];

export interface Setting {
  name: string;
  data: DatasetInput;
  K: number;
  ridge?: number;
  /** convergence tolerance of every variant (default 1e-12) */
  tol?: number;
}

export function simulatedSettings(): Setting[] {
  const out: Setting[] = [];
  for (const [L, K] of [[8, 3], [32, 3], [8, 8], [32, 8]] as const) {
    const sim = simulate({ p: 5000, L, K, N: 1e6, thetaNorm: 1.5, seed: 11 });
    out.push({ name: `sim p=5000 L=${L} K=${K} N=1e6`, data: { features: sim.features, p: sim.p, L, counts: sim.counts }, K });
  }
  return out;
}

export function booksSetting(): Setting {
  const b = loadBooks();
  // Unpenalised, one component runs off towards a few words (the MLE does not exist): ridge 1e-4.
  return { name: `books p=${b.p} L=${b.L} K=6 λ=1e-4 (train)`, data: { features: b.features, p: b.p, L: b.L, counts: b.countsTrain }, K: 6, ridge: 1e-4, tol: 1e-11 };
}

export interface VariantOutcome {
  variant: string;
  /** the objective at the end (ℓ when λ = 0) */
  finalObjective: number;
  iterations: number;
  eSteps: number;
  converged: boolean;
  /** E-steps and ms until ℓ ≥ best − 0.1 */
  eStepsToBest: number | null;
  msToBest: number | null;
  totalMs: number;
}

export interface SettingResult {
  setting: string;
  startSeed: number | 'default';
  best: number;
  outcomes: VariantOutcome[];
}

export async function runSetting(
  setting: Setting,
  backend: 'cpu' | 'webgpu',
  fit = fitSoftmaxMixture,
  variants = VARIANTS,
  startSeed: number | 'default' = 12345,
): Promise<SettingResult> {
  const data = makeDataset(setting.data);
  const design = designStats(data);
  // One random start, or ('default') the fit's own starts — MoM or a subspace start plus 4
  // subspace restarts, each screened for 20 iterations, the best continued — from seed 1.
  const starts: Partial<FitOptions> =
    startSeed === 'default'
      ? { init: 'mom', restarts: 4, seed: 1 }
      : { init: randomStart(setting.K, data.L, inverseSqrt(design.covariance, data.L), startSeed), restarts: 0 };
  const runs: { variant: string; path: { e: number; t: number; objective: number }[]; fit: Awaited<ReturnType<typeof fitSoftmaxMixture>> }[] = [];
  for (const v of variants) {
    const path: { e: number; t: number; objective: number }[] = [];
    // E-steps over all starts: each start's run counts its own from 0.
    let run = '';
    let eStepsOfEndedRuns = 0;
    let eStepsOfRun = 0;
    const t0 = performance.now();
    const result = await fit(setting.data, {
      K: setting.K,
      backend,
      ...starts,
      tol: setting.tol ?? 1e-12,
      maxIter: setting.name.startsWith('books') ? 6000 : 3000,
      ridge: setting.ridge ?? 0,
      ...v.options,
      onIteration: (i) => {
        if (`${i.start}/${i.phase}` !== run) {
          run = `${i.start}/${i.phase}`;
          eStepsOfEndedRuns += eStepsOfRun;
        }
        eStepsOfRun = i.eSteps;
        path.push({ e: eStepsOfEndedRuns + i.eSteps, t: performance.now() - t0, objective: i.objective });
      },
    });
    runs.push({ variant: v.name, path, fit: result });
  }
  const best = Math.max(...runs.map((r) => r.fit.objective));
  const outcomes = runs.map(({ variant, path, fit: f }) => {
    const hit = path.find((q) => q.objective >= best - 0.1);
    return {
      variant,
      finalObjective: f.objective,
      iterations: f.iterations,
      eSteps: Math.max(f.eSteps, path.length ? path[path.length - 1].e : 0),
      converged: f.converged,
      eStepsToBest: hit ? hit.e : null,
      msToBest: hit ? hit.t : null,
      totalMs: f.timings.emMs,
    };
  });
  return { setting: setting.name, startSeed, best, outcomes };
}

export function markdownTable(results: SettingResult[]): string {
  const lines = [
    '| setting | start | variant | E-steps to best−0.1 | ms to best−0.1 | final ℓ − best | E-steps total | converged |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    for (const o of r.outcomes) {
      lines.push(
        `| ${r.setting} | ${r.startSeed} | ${o.variant} | ${o.eStepsToBest ?? 'never'} | ${o.msToBest === null ? 'never' : o.msToBest.toFixed(0)} | ${(o.finalObjective - r.best).toExponential(2)} | ${o.eSteps} | ${o.converged} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Per setting and start: the default against plain EM, as ratios (the criteria). */
export function summaryTable(results: SettingResult[]): string {
  const lines = [
    '| setting | start | E-steps to best−0.1: plain → default (ratio) | ms: plain → default (ratio) | E-steps to converge at tol: plain → default (ratio) | ℓ: default − plain |',
    '|---|---|---|---|---|---|',
  ];
  const ratio = (a: number | null, b: number | null) => (a === null || b === null ? '—' : (b / a).toFixed(2));
  for (const r of results) {
    const plain = r.outcomes.find((o) => o.variant === PLAIN.name);
    const dflt = r.outcomes.find((o) => o.variant === DEFAULT.name);
    if (!plain || !dflt) continue;
    lines.push(
      `| ${r.setting} | ${r.startSeed} | ${plain.eStepsToBest ?? 'never'} → ${dflt.eStepsToBest ?? 'never'} (${ratio(plain.eStepsToBest, dflt.eStepsToBest)}) | ` +
        `${plain.msToBest?.toFixed(0) ?? 'never'} → ${dflt.msToBest?.toFixed(0) ?? 'never'} (${ratio(plain.msToBest, dflt.msToBest)}) | ` +
        `${plain.eSteps} → ${dflt.eSteps} (${ratio(plain.eSteps, dflt.eSteps)}) | ${(dflt.finalObjective - plain.finalObjective).toFixed(3)} |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const program = new Command()
    .option('--settings <which>', 'sim, books or all', 'all')
    .option('--starts <seeds>', "comma-separated random start seeds; 'default' for the fit's own starts", '12345')
    .option('--variants <which>', 'grid (every variant) or default (plain EM and the default)', 'grid')
    .option('--out <file>', 'write the results as JSON')
    .parse();
  const opts = program.opts<{ settings: string; starts: string; variants: string; out?: string }>();
  const seeds = opts.starts.split(',').map((s) => (s === 'default' ? 'default' : Number(s)));
  const settings = [...(opts.settings !== 'sim' ? [booksSetting()] : []), ...(opts.settings !== 'books' ? simulatedSettings() : [])];
  const results: SettingResult[] = [];
  for (const s of settings) {
    const grid = opts.variants === 'grid' && !s.name.startsWith('books');
    for (const seed of seeds) {
      const r = await runSetting(s, 'cpu', fitSoftmaxMixture, grid ? VARIANTS : SHORT_VARIANTS, seed);
      results.push(r);
      console.error(summaryTable([r]));
    }
  }
  console.log(markdownTable(results));
  console.log();
  console.log(summaryTable(results));
  if (opts.out) writeFileSync(opts.out, JSON.stringify(results, null, 2));
}
