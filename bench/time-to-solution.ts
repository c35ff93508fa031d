/**
 * Time to solution of EM variants (issue 6): from the same start, run each variant to
 * tight convergence, take the best ℓ any variant reaches, and report per variant the
 * E-steps and wall time needed to come within 0.1 nats of it. With a ridge (the books data)
 * "ℓ" is the objective EM climbs, ℓ − (λN/2)Σα_k|θ_k|² (src/em/ridge.ts).
 *
 *   npx tsx bench/time-to-solution.ts [--settings sim|books|all] [--starts 12345,1,2]
 *                                     [--variants grid|default] [--out FILE]
 *
 * One random start per seed in --starts (every variant starts there), or 'default': the
 * fit's own starts (MoM/subspace + 4 restarts, screened), E-steps counted over all of them,
 * or 'each': each of those five starts alone, to convergence.
 * --variants grid runs
 * every variant below; default (and always on the books data, where exact-Newton M-steps at
 * L = 50 are too slow on the cpu backend) runs plain EM, SQUAREM alone and the default fit.
 */
import { simulate } from '../src/model/simulate.ts';
import { fitSoftmaxMixture, type FitOptions } from '../src/fit/fit.ts';
import { makeDataset, designStats, type DatasetInput } from '../src/model/data.ts';
import { randomStart } from '../src/model/starts.ts';
import { designWhitening } from '../src/model/whitening.ts';
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { loadBooks } from '../src/datasets/books-node.ts';
import { createCpuEngine } from '../src/engines/cpu.ts';
import { buildStarts } from '../src/fit/initialize.ts';

export interface Variant {
  name: string;
  options: Partial<FitOptions>;
}

export const PLAIN: Variant = { name: 'plain EM (--no-accelerate)', options: { accelerate: false } };
export const DEFAULT: Variant = { name: 'default (SQUAREM, Newton–Raphson at the end, 1 Newton M-step)', options: {} };
/** the previous default: SQUAREM alone */
export const SQUAREM_ONLY: Variant = { name: 'SQUAREM, 1 Newton M-step (--no-local-newton)', options: { localNewton: false } };

/** the fastest in wall time on the simulated settings (the design is the random-design Hessian); see --variants design */
export const DESIGN_NR: Variant = { name: 'SQUAREM + Newton–Raphson, 1 design-preconditioned step', options: { maxNewtonSteps: 1, stepDirection: 'design' } };

export const VARIANTS: Variant[] = [
  { name: 'plain EM, exact Newton M-step', options: { accelerate: false, maxNewtonSteps: 20 } },
  PLAIN,
  { name: 'plain EM, 1 design-preconditioned step', options: { accelerate: false, maxNewtonSteps: 1, stepDirection: 'design' } },
  { name: 'SQUAREM, exact Newton M-step', options: { acceleration: 'squarem', maxNewtonSteps: 20, localNewton: false } },
  SQUAREM_ONLY,
  { name: 'SQUAREM, 1 design-preconditioned step', options: { acceleration: 'squarem', maxNewtonSteps: 1, stepDirection: 'design', localNewton: false } },
  { name: 'SQUAREM + Newton–Raphson, exact Newton M-step', options: { maxNewtonSteps: 20 } },
  DEFAULT,
  DESIGN_NR,
  { name: 'Anderson, exact Newton M-step', options: { acceleration: 'anderson', maxNewtonSteps: 20 } },
  { name: 'Anderson, 1 Newton step', options: { acceleration: 'anderson', maxNewtonSteps: 1 } },
  { name: 'Anderson, 1 design-preconditioned step', options: { acceleration: 'anderson', maxNewtonSteps: 1, stepDirection: 'design' } },
];

/** On the books data (exact-Newton M-steps at L = 50 are too slow on the cpu backend). */
export const SHORT_VARIANTS: Variant[] = [PLAIN, SQUAREM_ONLY, DEFAULT];

/**
 * The default with component replacement (src/fit/replace.ts) after it converges, against plain
 * EM and the default (--variants replace): on the books, which maximum a start reaches is
 * decided by search.
 */
export const REPLACE: Variant[] = [PLAIN, DEFAULT, { name: 'default + component replacement (6 rounds at most)', options: { replaceRounds: 6 } }];

/**
 * Two plain EMs that differ only in how far each M-step climbs (--variants plain-pair): where
 * they end at different maxima from one start, which maximum a start leads to is not a
 * property of the start alone, and no accelerated EM can be expected to follow plain EM there.
 */
export const PLAIN_PAIR: Variant[] = [PLAIN, { name: 'plain EM, 2 Newton steps per M-step', options: { accelerate: false, maxNewtonSteps: 2 } }];

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

/**
 * Unpenalised, one component runs off towards a few words (the MLE does not exist). 1e-4 is
 * what the page and `npm start` use (bench/books-ridge.md); 1e-3 was, before.
 */
export function booksSetting(ridge = 1e-4): Setting {
  const b = loadBooks();
  return { name: `books p=${b.p} L=${b.L} K=6 λ=${ridge.toExponential()} (train)`, data: { features: b.features, p: b.p, L: b.L, counts: b.countsTrain }, K: 6, ridge, tol: 1e-11 };
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

/** A random start's seed; 'default': the fit's own starts, screened; `fit-i`: the fit's own start i alone. */
export type StartChoice = number | 'default' | `fit-${number}`;

export interface SettingResult {
  setting: string;
  startSeed: StartChoice;
  best: number;
  outcomes: VariantOutcome[];
}

export async function runSetting(
  setting: Setting,
  backend: 'cpu' | 'webgpu',
  fit = fitSoftmaxMixture,
  variants = VARIANTS,
  startSeed: StartChoice = 12345,
): Promise<SettingResult> {
  const data = makeDataset(setting.data);
  const design = designStats(data);
  // One random start, or ('default') the fit's own starts — MoM or a subspace start plus 4
  // subspace restarts, screened by successive halving (5, 10, 20 iterations), the best
  // continued — from seed 1,
  // or ('fit-i') the i-th of those starts alone, run to convergence without screening.
  const starts: Partial<FitOptions> =
    startSeed === 'default'
      ? { init: 'mom', restarts: 4, seed: 1 }
      : typeof startSeed === 'string'
        ? { init: await fitStart(setting, Number(startSeed.slice(4))), restarts: 0 }
        : { init: randomStart(setting.K, data.L, designWhitening(design.covariance, data.L), startSeed), restarts: 0 };
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
        // a new EM run: another start or phase, or the next replacement trial (its count restarts)
        if (`${i.start}/${i.phase}` !== run || i.eSteps < eStepsOfRun) {
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

/** The i-th start of the default fit (init 'mom', 4 restarts, seed 1), in the fit's centred coordinates. */
export async function fitStart(setting: Setting, i: number): Promise<{ alpha: Float64Array; theta: Float64Array }> {
  const data = makeDataset(setting.data);
  const design = designStats(data);
  const engine = createCpuEngine({ p: data.p, L: data.L, features: design.centred, counts: data.counts });
  const outcome = await buildStarts(engine, setting.K, { covariance: design.covariance, whitening: designWhitening(design.covariance, data.L), centred: design.centred, counts: data.counts }, 'mom', 4, 1, []);
  const start = outcome.starts[i];
  if (!start) throw new Error(`the default fit has ${outcome.starts.length} starts, no start ${i}`);
  return { alpha: start.alpha, theta: start.theta };
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
    .option('--starts <seeds>', "comma-separated random start seeds; 'default' for the fit's own starts (screened); 'each' (or fit-0 … fit-4) for each of them alone", '12345')
    .option('--variants <which>', 'grid (every variant), default (plain EM, SQUAREM alone, the default), plain-pair (two plain EMs), design (the default against the design-preconditioned M-step) or replace (plain EM, the default, the default with component replacement)', 'grid')
    .option('--ridge <lambda>', 'ridge λ of the books setting', '1e-4')
    .option('--out <file>', 'write the results as JSON')
    .parse();
  const opts = program.opts<{ settings: string; starts: string; variants: string; ridge: string; out?: string }>();
  const booksRidge = Number(opts.ridge);
  if (!(booksRidge >= 0)) throw new Error(`--ridge: "${opts.ridge}" is not a number ≥ 0`);
  const seeds: StartChoice[] = opts.starts
    .split(',')
    .flatMap((s): StartChoice[] => {
      if (s === 'default') return ['default'];
      if (s === 'each') return [0, 1, 2, 3, 4].map((i) => `fit-${i}` as const);
      if (/^fit-\d+$/.test(s)) return [s as `fit-${number}`];
      if (!Number.isFinite(Number(s))) throw new Error(`--starts: "${s}" is not a seed, 'default', 'each' or fit-i`);
      return [Number(s)];
    });
  const settings = [...(opts.settings !== 'sim' ? [booksSetting(booksRidge)] : []), ...(opts.settings !== 'books' ? simulatedSettings() : [])];
  const results: SettingResult[] = [];
  for (const s of settings) {
    const grid = opts.variants === 'grid' && !s.name.startsWith('books');
    for (const seed of seeds) {
      const named: Record<string, Variant[]> = { 'plain-pair': PLAIN_PAIR, design: [DEFAULT, DESIGN_NR], replace: REPLACE };
      const variants = named[opts.variants] ?? (grid ? VARIANTS : SHORT_VARIANTS);
      const r = await runSetting(s, 'cpu', fitSoftmaxMixture, variants, seed);
      results.push(r);
      console.error(summaryTable([r]));
    }
  }
  console.log(markdownTable(results));
  console.log();
  console.log(summaryTable(results));
  if (opts.out) writeFileSync(opts.out, JSON.stringify(results, null, 2));
}
