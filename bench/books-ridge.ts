/**
 * Which ridge λ the books data should get: the default fit (cpu, K = 6, the fit's own
 * starts) on the training counts for each λ, scored by ℓ/N on the held-out counts.
 * Unpenalised, a component runs off towards a few words and the fit stops; the ridge keeps
 * the atoms finite, and too much of it costs fit.
 *
 *   npx tsx bench/books-ridge.ts [--ridges 1e-3,3e-4,1e-4,3e-5,1e-5,1e-6,0] [--tol 1e-9]
 */
import { Command } from 'commander';
import { loadBooks } from '../src/datasets/books-node.ts';
import { fitBooks } from './books-fit.ts';

const opts = new Command()
  .option('--ridges <list>', 'comma-separated ridges λ', '1e-3,3e-4,1e-4,3e-5,1e-5,1e-6,0')
  .option('--tol <tol>', 'tol of every fit', '1e-9')
  .parse()
  .opts<{ ridges: string; tol: string }>();
const ridges = opts.ridges.split(',').map((s) => {
  const v = Number(s);
  if (!(v >= 0)) throw new Error(`--ridges: "${s}" is not a number ≥ 0`);
  return v;
});

const books = loadBooks();
console.log('| λ | ℓ/N train | ℓ/N held-out | max \\|θ_k\\| | E-steps (continued start) | stop | s |');
console.log('|---:|---:|---:|---:|---:|---|---:|');
for (const ridge of ridges) {
  const { fit, train, heldout, seconds } = await fitBooks(books, { ridge, tol: Number(opts.tol) });
  const maxNorm = Math.max(...fit.theta.map((t) => Math.hypot(...t)));
  console.log(`| ${ridge} | ${train.toFixed(5)} | ${heldout.toFixed(5)} | ${maxNorm.toFixed(1)} | ${fit.eSteps} | ${fit.stopReason} | ${seconds.toFixed(0)} |`);
}
