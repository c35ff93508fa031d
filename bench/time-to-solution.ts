/**
 * Time to solution of EM variants (issue 6): from the same start, run each variant to
 * tight convergence, take the best ℓ any variant reaches, and report per variant the
 * E-steps and wall time needed to come within 0.1 nats of it.
 *
 *   npx tsx bench/time-to-solution.ts [--backend cpu] [--settings sim|books|all] [--out FILE]
 *
 * (--backend webgpu runs in headless Chromium through bench/browser; cpu runs here.)
 */
import { simulate } from '../src/simulate.ts';
import { fitSoftmaxMixture, type FitOptions } from '../src/fit.ts';
import { makeDataset, designStats, type DatasetInput } from '../src/data.ts';
import { inverseSqrt, randomStart } from '../src/starts.ts';
import { writeFileSync } from 'node:fs';
import { loadBooks } from '../src/datasets/books-node.ts';

export interface Variant {
  name: string;
  options: Partial<FitOptions>;
}

export const VARIANTS: Variant[] = [
  { name: 'plain EM, exact Newton M-step', options: { accelerate: false, maxNewtonSteps: 20 } },
  { name: 'plain EM, 1 Newton step', options: { accelerate: false, maxNewtonSteps: 1 } },
  { name: 'plain EM, 1 design-preconditioned step', options: { accelerate: false, maxNewtonSteps: 1, stepDirection: 'design' } },
  { name: 'SQUAREM, exact Newton M-step', options: { acceleration: 'squarem', maxNewtonSteps: 20 } },
  { name: 'SQUAREM, 1 Newton step', options: { acceleration: 'squarem', maxNewtonSteps: 1 } },
  { name: 'Anderson, exact Newton M-step', options: { acceleration: 'anderson', maxNewtonSteps: 20 } },
  { name: 'Anderson, 1 Newton step', options: { acceleration: 'anderson', maxNewtonSteps: 1 } },
  { name: 'SQUAREM, 1 design-preconditioned step', options: { acceleration: 'squarem', maxNewtonSteps: 1, stepDirection: 'design' } },
  { name: 'Anderson, 1 design-preconditioned step', options: { acceleration: 'anderson', maxNewtonSteps: 1, stepDirection: 'design' } },
];

export interface Setting {
  name: string;
  data: DatasetInput;
  K: number;
  ridge?: number;
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
  return { name: `books p=${b.p} L=${b.L} K=6 λ=1e-4 (train)`, data: { features: b.features, p: b.p, L: b.L, counts: b.countsTrain }, K: 6, ridge: 1e-4 };
}

export interface VariantOutcome {
  variant: string;
  finalLogLik: number;
  iterations: number;
  eSteps: number;
  converged: boolean;
  /** E-steps and ms until ℓ ≥ best − 0.1 */
  eStepsToBest: number | null;
  msToBest: number | null;
  totalMs: number;
}

export async function runSetting(setting: Setting, backend: 'cpu' | 'webgpu', fit = fitSoftmaxMixture, variants = VARIANTS): Promise<{ setting: string; best: number; outcomes: VariantOutcome[] }> {
  const data = makeDataset(setting.data);
  const design = designStats(data);
  const start = randomStart(setting.K, data.L, inverseSqrt(design.covariance, data.L), 12345);
  const runs: { variant: string; path: { e: number; t: number; ll: number }[]; fit: Awaited<ReturnType<typeof fitSoftmaxMixture>> }[] = [];
  for (const v of variants) {
    const path: { e: number; t: number; ll: number }[] = [];
    const t0 = performance.now();
    const result = await fit(setting.data, {
      K: setting.K,
      backend,
      init: { alpha: start.alpha, theta: start.theta },
      restarts: 0, // one start: E-step counts along one path
      tol: 1e-12,
      maxIter: 3000,
      ridge: setting.ridge ?? 0,
      ...v.options,
      onIteration: (i) => path.push({ e: i.eSteps, t: performance.now() - t0, ll: i.logLik }),
    });
    runs.push({ variant: v.name, path, fit: result });
  }
  const best = Math.max(...runs.map((r) => r.fit.logLik));
  const outcomes = runs.map(({ variant, path, fit: f }) => {
    const hit = path.find((q) => q.ll >= best - 0.1);
    return {
      variant,
      finalLogLik: f.logLik,
      iterations: f.iterations,
      eSteps: f.eSteps,
      converged: f.converged,
      eStepsToBest: hit ? hit.e : null,
      msToBest: hit ? hit.t : null,
      totalMs: f.timings.emMs,
    };
  });
  return { setting: setting.name, best, outcomes };
}

export function markdownTable(results: Awaited<ReturnType<typeof runSetting>>[]): string {
  const lines = ['| setting | variant | E-steps to best−0.1 | ms to best−0.1 | final ℓ − best | E-steps total | converged |', '|---|---|---|---|---|---|---|'];
  for (const r of results) {
    for (const o of r.outcomes) {
      lines.push(
        `| ${r.setting} | ${o.variant} | ${o.eStepsToBest ?? 'never'} | ${o.msToBest === null ? 'never' : o.msToBest.toFixed(0)} | ${(o.finalLogLik - r.best).toExponential(2)} | ${o.eSteps} | ${o.converged} |`,
      );
    }
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const outIdx = args.indexOf('--out');
  const results = [];
  const which = args.includes('--settings') ? args[args.indexOf('--settings') + 1] : 'all';
  const settings = [...(which !== 'sim' ? [booksSetting()] : []), ...(which !== 'books' ? simulatedSettings() : [])];
  // The exact-Newton variants lose to their 1-step versions on every simulated setting; on
  // the books data (L = 50) their Hessian passes make them too slow to run here.
  const cheap = VARIANTS.filter((v) => v.options.maxNewtonSteps === 1);
  for (const s of settings) {
    const r = await runSetting(s, 'cpu', fitSoftmaxMixture, s.name.startsWith('books') ? cheap : VARIANTS);
    results.push(r);
    console.error(markdownTable([r]));
  }
  const md = markdownTable(results);
  console.log(md);
  if (outIdx >= 0) writeFileSync(args[outIdx + 1], JSON.stringify(results, null, 2));
}
