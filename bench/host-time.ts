/**
 * Host work per EM iteration at large L (issue: below 100 ms at L = 1024, K = 8): EM on the
 * cpu engine, with every engine call timed and taken out, so what is left is the host's
 * share (M-step algebra, CG's preconditioner solves, the steppers, the bookkeeping), which
 * does not depend on p or on the device. p is kept small so the engine's time is small too.
 *
 *   npx tsx bench/host-time.ts [--p 3000] [--L 1024] [--K 8] [--iters 12] [--preconditioner auto|exact|lowRank]
 *                              [--cg-max 50] [--newton-steps 1]
 *
 * --newton-steps is the fit's maxNewtonSteps (1 by default, as fitSoftmaxMixture runs EM);
 * before it was an option here, runEm's own default (20: the exact M-step) was timed.
 * The CG preconditioner is built once per fit (newton-cg.ts designPreconditioner, kept while
 * S lives): it is built and timed here before EM, and printed apart from the per-iteration
 * host time (the first M-step would otherwise carry it).
 */
import { Command } from 'commander';
import { simulate } from '../src/model/simulate.ts';
import { makeDataset, designStats } from '../src/model/data.ts';
import { createCpuEngine } from '../src/engines/cpu.ts';
import type { Engine } from '../src/engines/engine.ts';
import { runEm } from '../src/em/index.ts';
import { randomStart } from '../src/model/starts.ts';
import { designWhitening } from '../src/model/whitening.ts';
import { designPreconditioner, preconditionerFor, usesCg } from '../src/em/newton-cg.ts';

const o = new Command().option('--p <n>', 'items', '3000').option('--L <n>', 'features', '1024').option('--K <n>', 'components', '8').option('--iters <n>', 'EM iterations', '12').option('--N <n>', 'draws', '1e7').option('--preconditioner <kind>', 'auto, exact or lowRank', 'auto').option('--cg-max <n>', 'CG iterations per Newton step at most', '50').option('--newton-steps <n>', 'Newton steps per M-step (the fit\'s maxNewtonSteps, default 1)', '1').parse().opts();
const [p, L, K, iters] = [Number(o.p), Number(o.L), Number(o.K), Number(o.iters)];
const sim = simulate({ p, L, K, N: Number(o.N), seed: 5, thetaNorm: 1.5 });
const data = makeDataset({ features: sim.features, counts: sim.counts, p, L });
const design = designStats(data);
const inner = createCpuEngine({ p, L, features: design.centred, counts: data.counts });
let engineMs = 0;
const timed = new Proxy(inner, {
  get(target, key, receiver) {
    const v = Reflect.get(target, key, receiver);
    if (typeof v !== 'function') return v;
    return async (...args: unknown[]) => {
      const t = performance.now();
      try {
        return await v.apply(target, args);
      } finally {
        engineMs += performance.now() - t;
      }
    };
  },
}) as Engine;
const start = randomStart(K, L, designWhitening(design.covariance, L), 1);
const tBuild = performance.now();
if (usesCg(undefined, L)) designPreconditioner(design.covariance, L, 0, preconditionerFor(o.preconditioner, L, inner.backend));
const buildMs = performance.now() - tBuild;
const t0 = performance.now();
const run = await runEm(timed, K, start, design.covariance, { tol: 0, maxIter: iters, ridge: 0, localNewton: false, newton: { preconditioner: o.preconditioner, maxCgIterations: Number(o.cgMax), maxSteps: Number(o.newtonSteps) } });
const wall = performance.now() - t0;
console.log(`p = ${p}, L = ${L}, K = ${K}, preconditioner ${o.preconditioner}: ${run.iterations} EM iterations, ${inner.counters.passes} passes; wall ${wall.toFixed(0)} ms, engine ${engineMs.toFixed(0)} ms, host ${(wall - engineMs).toFixed(0)} ms = ${((wall - engineMs) / run.iterations).toFixed(1)} ms per iteration (+ ${buildMs.toFixed(0)} ms once, the preconditioner's build: ${((wall - engineMs + buildMs) / run.iterations).toFixed(1)} ms per iteration with it); ℓ/N ${(run.logLik / data.N).toFixed(9)}`);
