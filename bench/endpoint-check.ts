/**
 * Is the default fit's endpoint on the books data a local maximum, or a point plain EM would
 * still climb from? Fits from one of the default fit's own starts (as in
 * `time-to-solution.ts --starts fit-i`), then runs plain EM from the endpoint for a fixed
 * number of iterations and prints what it gains.
 *
 *   npx tsx bench/endpoint-check.ts [--start 1] [--iters 300]
 */
import { Command } from 'commander';
import { booksSetting, fitStart } from './time-to-solution.ts';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';

const opts = new Command()
  .option('--start <i>', "which of the default fit's starts", '1')
  .option('--iters <n>', 'plain EM iterations from the endpoint', '300')
  .parse()
  .opts<{ start: string; iters: string }>();
const setting = booksSetting();
const base = { K: setting.K, backend: 'cpu' as const, restarts: 0, ridge: setting.ridge, tol: setting.tol, maxIter: 6000 };
const fit = await fitSoftmaxMixture(setting.data, { ...base, init: await fitStart(setting, Number(opts.start)) });
console.log(`default fit from start ${opts.start}: objective ${fit.objective.toFixed(4)}, ${fit.eSteps} E-steps, converged ${fit.converged}, |∇| ${fit.gradientNorm.toExponential(2)}`);
const plain = await fitSoftmaxMixture(setting.data, {
  ...base,
  init: { alpha: fit.alpha, theta: fit.theta },
  accelerate: false,
  tol: 0,
  maxIter: Number(opts.iters),
});
console.log(`${opts.iters} plain EM iterations from there: objective ${plain.objective.toFixed(4)}, gain ${(plain.objective - fit.objective).toExponential(2)} nats`);
