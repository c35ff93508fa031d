/**
 * Where the M-step should switch from the dense Newton route (Hessians formed by a pL²K/2
 * pass and factored on the host) to the matrix-free one (CG on Hessian–vector products,
 * src/em/newton-cg.ts): time to solution of the same default fit with each solver, on
 * simulated designs of growing L (cpu engine; the WebGPU numbers in newton-solver.md come
 * from the CLI command printed there).
 *
 *   npx tsx bench/newton-solver.ts [--L 8,16,32,64,128] [--p 5000] [--K 4] [--N 1e6] [--out bench/newton-solver.md]
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { simulate } from '../src/model/simulate.ts';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';

const opts = new Command()
  .option('--L <list>', 'feature dimensions', '8,16,32,64,128')
  .option('--p <n>', 'items', '5000')
  .option('--K <n>', 'components', '4')
  .option('--N <n>', 'draws', '1e6')
  .option('--seed <n>', 'simulation seed', '3')
  .option('--out <file>', 'markdown table')
  .parse()
  .opts();

const p = Number(opts.p);
const K = Number(opts.K);
const N = Number(opts.N);
const rows: string[] = [];
for (const L of String(opts.L).split(',').map(Number)) {
  const d = simulate({ p, L, K, N, seed: Number(opts.seed), thetaNorm: 1.5 });
  const cells: string[] = [];
  let best = -Infinity;
  const runs = [];
  for (const solver of ['dense', 'cg'] as const) {
    const t = performance.now();
    const r = await fitSoftmaxMixture({ features: d.features, counts: d.counts, p, L }, { K, backend: 'cpu', newtonSolver: solver, seed: 1 });
    runs.push({ solver, ms: performance.now() - t, r });
    best = Math.max(best, r.logLikPerSample);
  }
  for (const { ms, r } of runs) cells.push(`${(ms / 1000).toFixed(1)} s, ${r.eSteps} E-steps, ${r.stats.passes} passes, ℓ/N ${(r.logLikPerSample - best).toExponential(1)} from the best`);
  const line = `| ${L} | ${cells[0]} | ${cells[1]} | ${(runs[0].ms / runs[1].ms).toFixed(2)}× |`;
  console.log(line);
  rows.push(line);
}
const table = [`p = ${p}, K = ${K}, N = ${N}, default fit (MoM + 4 restarts, search auto), cpu engine, ${new Date().toISOString().slice(0, 10)}`, '', '| L | dense | cg | dense / cg time |', '|---:|---|---|---:|', ...rows].join('\n');
if (opts.out) writeFileSync(opts.out, `${table}\n`);
