/**
 * Real-data settings (issue 13): the default fit against plain EM from 7 random starts ×
 * 400 iterations (the best by training ℓ), both on cpu with no options beyond K, scored by
 * ℓ/N on counts the fit never saw.
 *
 *   books-K6       training half (summed over the six books), K = 6, held-out half scored
 *   books-K4       the same with K = 4
 *   books-swap-K6  the halves swapped: fit on the held-out half, score on the training half
 *
 *   npx tsx bench/books-real.ts [--settings books-K6,books-K4,books-swap-K6] [--baseline] [--options JSON]
 *
 * --baseline also runs plain EM (7 × 400 iterations: several minutes a setting);
 * --options are added to the default fit's options (to compare variants, e.g.
 * '{"search":"narrow"}', '{"search":"wide"}', '{"init":"cluster"}', '{"replaceRounds":2}').
 * E-steps are counted over every climb of the fit: screening, the continued start, growth's
 * stages, the wide search's starts and replacement's trials.
 */
import { Command } from 'commander';
import { loadBooks } from '../src/datasets/books-node.ts';
import { fitSoftmaxMixture, type FitOptions, type FitResult } from '../src/fit/fit.ts';
import { eStepsOverAllClimbs } from '../src/fit/result.ts';
import { logLikelihood, mixtureLogProbabilities } from '../src/model/mixture.ts';

const opts = new Command()
  .option('--settings <list>', 'comma-separated settings', 'books-K6,books-K4,books-swap-K6')
  .option('--baseline', 'also run plain EM from 7 random starts × 400 iterations')
  .option('--options <json>', 'extra options of the default fit', '{}')
  .parse()
  .opts<{ settings: string; baseline?: boolean; options: string }>();

const books = loadBooks();
const SETTINGS: Record<string, { K: number; train: Float64Array; test: Float64Array }> = {
  'books-K6': { K: 6, train: books.countsTrain, test: books.countsHeldout },
  'books-K4': { K: 4, train: books.countsTrain, test: books.countsHeldout },
  'books-swap-K6': { K: 6, train: books.countsHeldout, test: books.countsTrain },
};

const total = (c: Float64Array) => c.reduce((s, v) => s + v, 0);
function scores(fit: FitResult, train: Float64Array, test: Float64Array) {
  const logPi = mixtureLogProbabilities(books.features, books.p, books.L, { alpha: Float64Array.from(fit.alpha), theta: Float64Array.from(fit.theta.flat()) });
  return { train: logLikelihood(train, logPi) / total(train), test: logLikelihood(test, logPi) / total(test) };
}


async function timed(options: FitOptions, counts: Float64Array) {
  const t0 = performance.now();
  const fit = await fitSoftmaxMixture({ features: books.features, p: books.p, L: books.L, counts }, { backend: 'cpu', ...options });
  return { fit, seconds: (performance.now() - t0) / 1000 };
}

console.log('| setting | fit | ℓ/N train | ℓ/N held-out | runaway components | E-steps (all starts) | search | converged | s |');
console.log('|---|---|---:|---:|---:|---:|---|---|---:|');
for (const name of opts.settings.split(',')) {
  const s = SETTINGS[name];
  if (!s) throw new Error(`unknown setting ${name}; known: ${Object.keys(SETTINGS).join(', ')}`);
  const row = (label: string, fit: FitResult, seconds: number, eSteps = eStepsOverAllClimbs(fit)) => {
    const sc = scores(fit, s.train, s.test);
    const search = fit.search.widened ? `wide, ${fit.search.starts} starts` : fit.search.grown ? 'grown' : fit.search.growth ? 'narrow (grown lower)' : 'narrow';
    console.log(`| ${name} | ${label} | ${sc.train.toFixed(5)} | ${sc.test.toFixed(5)} | ${fit.runaway.length} | ${eSteps} | ${search} | ${fit.converged} (${fit.convergence?.test ?? fit.stopReason}) | ${seconds.toFixed(0)} |`);
  };
  const d = await timed({ K: s.K, ...JSON.parse(opts.options) }, s.train);
  row(`default${opts.options === '{}' ? '' : ' ' + opts.options}`, d.fit, d.seconds);
  if (!opts.baseline) continue;
  let best: { fit: FitResult; seconds: number } | null = null;
  let seconds = 0;
  let eSteps = 0;
  for (let seed = 1; seed <= 7; seed++) {
    const r = await timed({ K: s.K, init: 'random', seed, restarts: 0, accelerate: false, tol: 0, maxIter: 400, search: 'narrow' }, s.train);
    seconds += r.seconds;
    eSteps += r.fit.eSteps;
    if (!best || r.fit.logLik > best.fit.logLik) best = r;
  }
  row('plain EM, 7 random starts × 400, best by train ℓ', best!.fit, seconds, eSteps);
}
