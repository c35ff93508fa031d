/**
 * Component replacement on the books data (cpu): the default fit with 0, 1, 2, … rounds of
 * replacement (src/fit/replace.ts), and plain EM (--no-accelerate) for comparison, all from the
 * fit's own starts. Reports the objective, ℓ/N on the training and held-out counts, E-steps
 * (every trial included) and time.
 *
 *   npx tsx bench/books-replacement.ts [--ridge 1e-4] [--rounds 0,1,2,4] [--tol 1e-8]
 */
import { Command } from 'commander';
import { loadBooks } from '../src/datasets/books-node.ts';
import type { FitOptions } from '../src/fit/fit.ts';
import { fitBooks } from './books-fit.ts';

const opts = new Command()
  .option('--ridge <lambda>', 'ridge λ', '1e-4')
  .option('--rounds <list>', 'comma-separated replacement rounds for the default fit', '0,1,2,4')
  .option('--tol <tol>', 'tol of every fit', '1e-8')
  .option('--no-plain', 'skip the plain EM row')
  .parse()
  .opts<{ ridge: string; rounds: string; tol: string; plain: boolean }>();
const ridge = Number(opts.ridge);
const tol = Number(opts.tol);
if (!(ridge >= 0)) throw new Error(`--ridge: "${opts.ridge}" is not a number ≥ 0`);
if (!(tol >= 0)) throw new Error(`--tol: "${opts.tol}" is not a number ≥ 0`);
const rounds = opts.rounds.split(',').map((s) => {
  const v = Number(s);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--rounds: "${s}" is not an integer ≥ 0`);
  return v;
});

const books = loadBooks();
const variants: { name: string; options: Partial<FitOptions> }[] = [
  ...rounds.map((r) => ({ name: r === 0 ? 'default' : `default, ${r} replacement round${r > 1 ? 's' : ''}`, options: { replaceRounds: r } })),
  ...(opts.plain ? [{ name: 'plain EM (--no-accelerate)', options: { accelerate: false } }] : []),
];
console.log(`books, K = 6, λ = ${ridge}, tol ${tol}, cpu`);
console.log();
console.log('| variant | objective ℓ_λ | ℓ/N train | ℓ/N held-out | E-steps | trials (kept) | s |');
console.log('|---|---:|---:|---:|---:|---|---:|');
for (const v of variants) {
  const { fit, train, heldout, seconds } = await fitBooks(books, { ridge, tol, ...v.options });
  // E-steps over the whole fit: every start's screening, the continued start, the trials
  const eSteps = fit.starts.reduce((s, st) => s + st.eSteps, 0);
  const trials = fit.replacement ? `${fit.replacement.trials.length} (${fit.replacement.trials.filter((t) => t.accepted).length})` : '—';
  console.log(`| ${v.name} | ${fit.objective.toFixed(1)} | ${train.toFixed(5)} | ${heldout.toFixed(5)} | ${eSteps} | ${trials} | ${seconds.toFixed(0)} |`);
}
