/**
 * Does `converged: true` hold at large N? (issue 13, "Convergence"). L = 1, K = 4, p = 2·10⁴,
 * N = 10⁷, atoms evenly spaced on [−2, 2], equal weights: per seed, the default fit, and a
 * reference for the best maximum: the default fit carried on at tol 0 for 500 more
 * iterations, and 10 random starts run at tol 0 for 1500 iterations, the best of all. The
 * default should end within 0.5 nats of it, and say by which certificate it converged.
 *
 *   npx tsx bench/convergence.ts [--seeds 1,2,3,4,5] [--tol 1e-8]
 */
import { Command } from 'commander';
import { simulate } from '../src/model/simulate.ts';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';

const opts = new Command()
  .option('--seeds <list>', 'seeds of the simulations', '1,2,3,4,5')
  .option('--tol <tol>', 'tol of the default fit (nats per draw)', '1e-8')
  .option('--random-starts <n>', 'random starts of the reference', '10')
  .parse()
  .opts<{ seeds: string; tol: string; randomStarts: string }>();

console.log(`| seed | default ℓ | best ℓ (reference) | short (nats) | converged | certificate | remaining (nats) | E-steps | s |`);
console.log(`|---:|---:|---:|---:|---|---|---:|---:|---:|`);
for (const seed of opts.seeds.split(',').map(Number)) {
  const sim = simulate({ p: 20000, L: 1, K: 4, N: 1e7, theta: [-2, -2 / 3, 2 / 3, 2], seed });
  const data = { features: sim.features, p: sim.p, L: 1, counts: sim.counts };
  const t0 = performance.now();
  const fit = await fitSoftmaxMixture(data, { K: 4, backend: 'cpu', seed, tol: Number(opts.tol) });
  const seconds = (performance.now() - t0) / 1000;
  const onward = await fitSoftmaxMixture(data, { K: 4, backend: 'cpu', tol: 0, maxIter: 500, restarts: 0, init: { alpha: fit.alpha, theta: fit.theta } });
  const random = await fitSoftmaxMixture(data, { K: 4, backend: 'cpu', seed: 1000 + seed, tol: 0, maxIter: 1500, init: 'random', restarts: Number(opts.randomStarts) - 1 });
  const best = Math.max(onward.logLik, random.logLik, fit.logLik);
  const c = fit.convergence;
  console.log(
    `| ${seed} | ${fit.logLik.toFixed(3)} | ${best.toFixed(3)} | ${(best - fit.logLik).toFixed(3)} | ${fit.converged} | ${c?.test ?? '—'} | ${c ? c.remaining.toExponential(2) : '—'} | ${fit.eSteps} | ${seconds.toFixed(1)} |`,
  );
}
