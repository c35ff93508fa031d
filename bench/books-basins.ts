/**
 * The books' maxima, start by start (issue 13, item 4): each start climbed alone with the
 * default EM (no screening, no search) to convergence or --max-iter, its training ℓ/N at
 * iterations 20, 40, 80 and 160 and where it ended, and the held-out ℓ/N there. Shows how
 * far apart the maxima are, and whether the ranking after a few iterations predicts the end.
 *
 *   npx tsx bench/books-basins.ts [--kind subspace|random] [--seeds 1-14] [--K 6] [--max-iter 300] [--swap]
 */
import { Command } from 'commander';
import { loadBooks } from '../src/datasets/books-node.ts';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';
import { logLikelihood, mixtureLogProbabilities } from '../src/model/mixture.ts';

const o = new Command()
  .option('--kind <kind>', 'subspace or random starts', 'subspace')
  .option('--seeds <a-b>', 'seeds of the starts', '1-14')
  .option('--K <K>', 'components', '6')
  .option('--max-iter <n>', 'EM iterations at most', '300')
  .option('--swap', 'fit the held-out half, score the training half')
  .parse()
  .opts<{ kind: 'subspace' | 'random'; seeds: string; K: string; maxIter: string; swap?: boolean }>();

const books = loadBooks();
const train = o.swap ? books.countsHeldout : books.countsTrain;
const test = o.swap ? books.countsTrain : books.countsHeldout;
const total = (c: Float64Array) => c.reduce((s, v) => s + v, 0);
const [from, to] = o.seeds.split('-').map(Number);
const MARKS = [20, 40, 80, 160];

console.log(`| start | ${MARKS.map((m) => `ℓ/N at ${m}`).join(' | ')} | ℓ/N train (end) | ℓ/N held-out | iterations | converged |`);
console.log(`|---|${MARKS.map(() => '---:').join('|')}|---:|---:|---:|---|`);
for (let seed = from; seed <= (to ?? from); seed++) {
  const at: Record<number, number> = {};
  const fit = await fitSoftmaxMixture(
    { features: books.features, p: books.p, L: books.L, counts: train },
    {
      K: Number(o.K), backend: 'cpu', init: o.kind, seed, restarts: 0, search: 'narrow', maxIter: Number(o.maxIter),
      onIteration: (i) => { for (const m of MARKS) if (i.iteration >= m && at[m] === undefined) at[m] = i.logLikPerSample; },
    },
  );
  const logPi = mixtureLogProbabilities(books.features, books.p, books.L, { alpha: Float64Array.from(fit.alpha), theta: Float64Array.from(fit.theta.flat()) });
  const cells = MARKS.map((m) => (at[m] === undefined ? '—' : at[m].toFixed(5)));
  console.log(`| ${o.kind} ${seed} | ${cells.join(' | ')} | ${(logLikelihood(train, logPi) / total(train)).toFixed(5)} | ${(logLikelihood(test, logPi) / total(test)).toFixed(5)} | ${fit.iterations} | ${fit.converged} |`);
}
