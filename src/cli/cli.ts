/**
 * The `softmix` command (Node). `simulate` writes a data set (simulate-command.ts), `fit`
 * fits one and prints JSON, `select` chooses K by count splitting (select-command.ts),
 * `score` and `predict` apply a fitted model to items (model-commands.ts), `demo` is the
 * main job. With --backend webgpu the fit runs here through Dawn or in headless Chromium
 * (webgpu-backend.ts decides); everything else runs here in Node.
 */
import { Command, Option } from 'commander';
import { join } from 'node:path';
import { fitSoftmaxMixture, type FitOptions, type FitResult } from '../fit/fit.ts';
import { checkOptions, DESIGN_COVARIANCE_PLACES, X_STORAGES } from '../fit/options.ts';
import { makeDataset, type Dataset } from '../model/data.ts';
import { writeFile } from '../io/files.ts';
import { packageVersion } from '../io/package-root.ts';
import { loadData } from './load.ts';
import { addSelectCommand } from './select-command.ts';
import { addSimulateCommand } from './simulate-command.ts';
import { addModelCommands } from './model-commands.ts';
import { SoftmixError } from '../errors.ts';
import { compareWithTruth, type TruthJson } from '../model/truth.ts';
import { makeBootstrapProgress, makeProgress } from './progress.ts';
import { formatPageReport } from './format.ts';
import { formatStandardErrors } from './format-se.ts';
import { int, num, MAX_BOOTSTRAP, MAX_RESTARTS } from './parse.ts';
import { prepareOutputDirectory, prepareOutputFile, readJsonFile, readTruthFile } from './paths.ts';
import { configureUsageErrors, reportError } from './exit.ts';
import { runDemoPage } from '../browser/run-page.ts';
import { runWebGpuFit } from './webgpu-backend.ts';

const restartsOption = (description: string, fallback?: number) =>
  new Option('--restarts <R>', `${description}; at most ${MAX_RESTARTS}`).argParser(int('--restarts', { min: 0, max: MAX_RESTARTS })).default(fallback);

const program = configureUsageErrors(new Command(), '')
  .name('softmix')
  .description('Fit softmax mixtures (mixed multinomial logit) by EM, on WebGPU or the cpu.')
  .version(versionText(), '-V, --version', 'print the version of softmix');

/** The version in softmix's package.json, found from this module (src/cli/ or the bundle in dist/). */
function versionText(): string {
  try {
    return packageVersion();
  } catch (err) {
    return `unknown (${(err as Error).message})`;
  }
}

/** The command that is running, for the "see softmix <cmd> --help" line of a usage error. */
let running = '';
program.hook('preAction', (_program, action) => {
  running = action.name();
});

const command = (name: string, description: string) => configureUsageErrors(program.command(name), name).description(description);

addSimulateCommand(command);

command('fit', 'fit a softmax mixture; prints the fit as JSON')
  .requiredOption('--features <file>', 'features p×L (.npy or .csv)')
  .option('--counts <file>', 'counts n_j, length p (.npy or .csv)')
  .option('--samples <file>', 'raw draws (item indices in [0, p)) instead of counts')
  .requiredOption('--K <K>', 'number of components', int('--K'))
  .option('--init <init>', 'mom, subspace, random, cluster, or a JSON file with { alpha, theta }', 'mom')
  .addOption(restartsOption('more starts: subspace starts (random or cluster ones with --init random|cluster)', 4))
  .option('--screen-iters <n>', 'EM iterations of screening (successive halving: the better half of the starts run on, twice as long, until one is left after this many)', int('--screen-iters'), 20)
  .addOption(new Option('--search <kind>', 'auto: grow the fit one component at a time where an atom runs away; narrow: the screened starts only; wide: more starts screened longer after the fit; grow: always grow').choices(['auto', 'narrow', 'wide', 'grow']).default('auto'))
  .option('--wide-starts <n>', 'with --search wide: starts added to the fit\'s own', int('--wide-starts', { min: 0, max: MAX_RESTARTS }), 8)
  .option('--wide-iters <n>', 'with --search wide: EM iterations of the last rung of its screening', int('--wide-iters', { min: 1 }), 160)
  .addOption(new Option('--backend <backend>', 'where the passes over p run').choices(['cpu', 'webgpu', 'auto']).default('cpu'))
  .option('--tol <tol>', 'converged when the gain of ℓ still to come is certified below tol nats per draw (tol·N nats)', num('--tol'), 1e-8)
  .option('--max-iter <n>', 'EM iterations at most', int('--max-iter'), 1000)
  .option('--ridge <lambda>', 'ridge λ: EM maximises ℓ − (λN/2)Σ α_k·|θ_k|²', num('--ridge'), 0)
  .option('--seed <seed>', 'seed of the random starts', int('--seed'), 1)
  .option('--no-accelerate', 'plain EM (default: SQUAREM-accelerated EM with a monotone safeguard)')
  .addOption(new Option('--acceleration <kind>', 'how EM is accelerated').choices(['squarem', 'anderson']).default('squarem'))
  .option('--no-local-newton', 'no Newton–Raphson on ℓ near the maximum (default: on with SQUAREM when K(L+1) ≤ 512)')
  .option('--newton-steps <n>', 'Newton steps per M-step at most (1: ECM-style; 20: exact M-step)', int('--newton-steps'), 1)
  .addOption(new Option('--step-direction <d>', 'M-step direction: exact Hessian, or the design covariance as preconditioner').choices(['newton', 'design']).default('newton'))
  .addOption(new Option('--newton-solver <s>', 'how the Newton M-step solves: dense Hessians, matrix-free CG, or auto (CG above L = 64)').choices(['auto', 'dense', 'cg']).default('auto'))
  .addOption(new Option('--x-storage <s>', 'WebGPU: the features on the device as f32, or f16 (half the memory; rounds each feature to 11 bits)').choices(X_STORAGES).default('f32'))
  .addOption(new Option('--design-covariance <where>', 'where the design covariance S is formed: host (float64, pL²/2 multiply-adds in JavaScript) or engine (one covariance pass at θ = 0; float32 on WebGPU, formed again on the host where that cannot settle the rank)').choices(DESIGN_COVARIANCE_PLACES).default('host'))
  .option('--replace-rounds <n>', 'rounds of component replacement after convergence (escapes local maxima; each round costs up to K more EM runs)', int('--replace-rounds'), 0)
  .option('--se', 'standard errors and Wald intervals for α and θ (observed information, with robust sandwich errors beside): in the JSON, and a table on stderr')
  .option('--level <q>', 'the intervals\' level, strictly between 0 and 1', num('--level'), 0.95)
  .option('--covariance', 'with --se: also put the covariance of (α, θ) in the JSON')
  .option('--bootstrap <B>', `parametric bootstrap: refit B count vectors drawn from the fitted model, each started at the fit (bootstrap SDs and percentile intervals; seeded by --seed); at most ${MAX_BOOTSTRAP}`, int('--bootstrap', { min: 0, max: MAX_BOOTSTRAP }), 0)
  .option('--allow-fractional-counts', 'accept non-integer counts (weights)')
  .option('--truth <file>', 'truth.json from simulate: adds parameter errors to the output')
  .option('--out <file>', 'write the JSON here instead of stdout')
  .option('--quiet', 'no progress on stderr')
  .action(async (o) => {
    // Everything that can be wrong with the command line or the files fails here, in
    // Node, before a fit of minutes or a browser that takes seconds to start.
    if (o.out) prepareOutputFile('--out', o.out);
    const truth = o.truth ? readTruthFile(o.truth) : undefined;
    const fitOptions = fitOptionsOf(o);
    const data = makeDataset(loadData(o), { allowFractionalCounts: fitOptions.allowFractionalCounts });
    checkOptions(fitOptions, data.p);
    if (truth) checkTruthShape(truth, fitOptions.K, data.L);

    const fit = await runFit(data, fitOptions, !o.quiet);
    if ((fit.se || fit.bootstrap) && !o.quiet) console.error(formatStandardErrors(fit));
    const out: Record<string, unknown> = { ...fit };
    if (truth) out.error = compareWithTruth(fit, truth);
    const json = JSON.stringify(out, null, 2) + '\n';
    if (o.out) writeFile(o.out, json);
    else process.stdout.write(json);
  });

addSelectCommand(command);
addModelCommands(command);

command('demo', 'the main job: fit the books data (K = 6) on WebGPU in the demo page in headless Chromium; prints a report, writes out/report.json and out/report.png')
  .addOption(new Option('--dataset <name>', 'books, or a simulation').choices(['books', 'sim']).default('books'))
  .addOption(new Option('--backend <backend>', 'where the passes over p run').choices(['webgpu', 'cpu', 'auto']).default('webgpu'))
  .option('--K <K>', 'components', int('--K', { min: 1 }), 6)
  .addOption(restartsOption('more starts'))
  .addOption(new Option('--search <kind>', 'how widely to search (default auto; see softmix fit --help)').choices(['auto', 'narrow', 'wide', 'grow']))
  .option('--replace-rounds <n>', 'rounds of component replacement after convergence (default 0)', int('--replace-rounds', { min: 0 }))
  .option('--tol <tol>', 'converged when the gain of ℓ still to come is certified below tol nats per draw (tol·N nats)', num('--tol'))
  .option('--ridge <lambda>', 'ridge λ (default 0: runaway components are carried on and named)', num('--ridge'))
  .option('--seed <seed>', 'seed', int('--seed'), 1)
  .option('--out <dir>', 'where report.json and report.png go', 'out')
  .option('--quiet', 'no progress on stderr')
  .action(async (o) => {
    prepareOutputDirectory('--out', o.out, 'report.json');
    const params: Record<string, string | number> = { dataset: o.dataset, K: o.K, backend: o.backend, seed: o.seed };
    for (const key of ['restarts', 'search', 'replaceRounds', 'tol', 'ridge'] as const) if (o[key] !== undefined) params[key] = o[key];
    const t0 = Date.now();
    const run = await runDemoPage(params, {
      onStatus: (text) => {
        if (!o.quiet) console.error(`softmix: [${((Date.now() - t0) / 1000).toFixed(0)} s] ${text}`);
      },
    });
    writeFile(join(o.out, 'report.json'), JSON.stringify({ report: run.report, fit: run.fit, chromium: run.chromiumVersion }, null, 2) + '\n');
    writeFile(join(o.out, 'report.png'), run.screenshot);
    console.log(formatPageReport(run.report));
    console.log(`\nwrote ${join(o.out, 'report.json')} and ${join(o.out, 'report.png')}`);
  });

/** commander's parsed `fit` options → the library's FitOptions (checked later, against p). */
function fitOptionsOf(o: Record<string, any>): FitOptions {
  return {
    K: o.K,
    init: ['mom', 'subspace', 'random', 'cluster'].includes(o.init) ? o.init : readInitFile(o.init),
    restarts: o.restarts,
    screenIters: o.screenIters,
    search: o.search,
    wideStarts: o.wideStarts,
    wideIters: o.wideIters,
    backend: o.backend,
    tol: o.tol,
    maxIter: o.maxIter,
    ridge: o.ridge,
    seed: o.seed,
    allowFractionalCounts: !!o.allowFractionalCounts,
    accelerate: o.accelerate,
    acceleration: o.acceleration,
    // commander's --no-local-newton gives true unless the flag is set: leave the default to fit.ts
    localNewton: o.localNewton === false ? false : undefined,
    maxNewtonSteps: o.newtonSteps,
    stepDirection: o.stepDirection,
    newtonSolver: o.newtonSolver,
    xStorage: o.xStorage,
    designCovariance: o.designCovariance,
    replaceRounds: o.replaceRounds,
    se: !!o.se,
    level: o.level,
    covariance: !!o.covariance,
    bootstrap: o.bootstrap,
  };
}

/** The fit, here (cpu, auto; webgpu through Dawn) or in headless Chromium (webgpu without Dawn), with progress on stderr. */
async function runFit(data: Dataset, options: FitOptions, verbose: boolean): Promise<FitResult> {
  const progress = makeProgress(verbose);
  const onBootstrap = makeBootstrapProgress(verbose);
  const fit =
    options.backend === 'webgpu'
      ? await runWebGpuFit(data, options, { onProgress: progress, onBootstrap, onStatus: (line) => verbose && console.error(`softmix: ${line}`) })
      : await fitSoftmaxMixture(data, { ...options, onIteration: progress, onBootstrap });
  progress.done?.();
  return fit;
}

/** --truth must describe the model being fitted: K components of dimension L. */
function checkTruthShape(truth: TruthJson, K: number, L: number): void {
  if (truth.alpha.length !== K) throw new SoftmixError('shape', `--truth has K = ${truth.alpha.length} components, --K is ${K}`);
  const bad = truth.theta.findIndex((row) => row.length !== L);
  if (bad >= 0) throw new SoftmixError('shape', `--truth: theta[${bad}] has ${truth.theta[bad].length} values, the features have L = ${L}`);
}

function readInitFile(path: string): FitOptions['init'] {
  let parsed: unknown;
  try {
    parsed = readJsonFile('--init', path);
  } catch (err) {
    // a typo of mom/subspace/random is a usage error, not a data error
    throw new SoftmixError('options', `--init ${path}: not mom, subspace or random, and ${(err as Error).message.replace(`--init ${path}: `, '')}`);
  }
  const v = parsed as { alpha?: number[]; theta?: number[][] };
  if (!Array.isArray(v?.alpha) || !Array.isArray(v?.theta)) {
    throw new SoftmixError('options', `--init ${path}: the JSON must have "alpha" (K numbers) and "theta" (K rows of L numbers)`);
  }
  return { alpha: v.alpha, theta: v.theta };
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exit(reportError(err, running));
}
