/**
 * `softmix select`: chooses K (and a ridge λ) by count splitting (src/fit/select.ts). Prints
 * the JSON (split, table, choices, refit) to stdout or --out, and the table on stderr as the
 * candidates finish. Runs on the cpu: on WebGPU every candidate fit would start its own
 * headless Chromium (src/browser/run-in-browser.ts takes one fit per page), so webgpu is
 * refused with a usage error until the harness can run a sweep in one page.
 */
import { Option, type Command } from 'commander';
import { selectModel, type SelectionRow, type SelectProgress } from '../fit/select.ts';
import { MAX_RESTARTS } from '../fit/options.ts';
import { makeDataset } from '../model/data.ts';
import { writeFile } from '../io/files.ts';
import { SoftmixError } from '../errors.ts';
import { int, num, parseIntegerList, parseNonNegativeList } from './parse.ts';
import { prepareOutputFile } from './paths.ts';
import { loadData } from './load.ts';

export function addSelectCommand(command: (name: string, description: string) => Command): void {
  command('select', 'choose K (and a ridge λ) by count splitting: fit every candidate on one part of the counts, score ℓ/N on the rest; prints JSON')
    .requiredOption('--features <file>', 'features p×L (.npy or .csv)')
    .option('--counts <file>', 'counts n_j, length p, integers (.npy or .csv)')
    .option('--samples <file>', 'raw draws (item indices in [0, p)) instead of counts')
    .requiredOption('--K <list>', 'the K to try: a range a..b and/or a comma list (1..10, 2,4,8, 1..3,6)', (v: string) => parseIntegerList('--K', v, { min: 1 }))
    .option('--ridge <list>', 'the ridges λ to try with every K, comma-separated (default 0)', (v: string) => parseNonNegativeList('--ridge', v))
    .option('--folds <k>', 'k ≥ 2: k-fold count splitting (fit on k − 1 folds, score on the one left, each in turn); 1: one split', int('--folds', { min: 1, max: 100 }), 1)
    .option('--validation-fraction <f>', 'with one split, the share of the draws held out (default 0.5)', num('--validation-fraction'))
    .addOption(new Option('--rule <rule>', 'which candidate is refitted: the best validation ℓ/N, or the smallest K within one standard error of it').choices(['best', 'oneSE']).default('best'))
    .option('--seed <seed>', 'seed of the split and of the random starts', int('--seed', { min: 0 }), 1)
    .option('--restarts <R>', `more starts per fit; at most ${MAX_RESTARTS}`, int('--restarts', { min: 0, max: MAX_RESTARTS }), 4)
    .option('--tol <tol>', 'convergence tolerance of every fit (nats per draw)', num('--tol'), 1e-8)
    .option('--max-iter <n>', 'EM iterations at most per fit', int('--max-iter', { min: 0 }), 1000)
    .addOption(new Option('--backend <backend>', 'where the fits run (select runs on cpu for now)').choices(['cpu', 'webgpu']).default('cpu'))
    .option('--out <file>', 'write the JSON here instead of stdout')
    .option('--quiet', 'no table on stderr')
    .action(async (o) => {
      if (o.backend === 'webgpu') {
        throw new SoftmixError('options', '--backend webgpu: select runs on cpu for now (on WebGPU every candidate fit would start its own headless Chromium); leave --backend at cpu');
      }
      if (o.out) prepareOutputFile('--out', o.out);
      const data = makeDataset(loadData(o), { allowFractionalCounts: true }); // selectModel names fractional counts
      const table = new TableWriter(!o.quiet);
      const result = await selectModel(data, {
        K: o.K,
        ridge: o.ridge,
        folds: o.folds,
        validationFraction: o.validationFraction,
        rule: o.rule,
        seed: o.seed,
        fit: { backend: 'cpu', restarts: o.restarts, tol: o.tol, maxIter: o.maxIter, seed: o.seed },
        onProgress: (info) => table.progress(info),
      });
      table.end(result);
      const json = JSON.stringify(result, null, 2) + '\n';
      if (o.out) writeFile(o.out, json);
      else process.stdout.write(json);
    });
}

/** The readable table on stderr: a header, then one line per candidate as it finishes. */
class TableWriter {
  private header = false;
  private readonly t0 = Date.now();

  constructor(private readonly enabled: boolean, private readonly stream: NodeJS.WriteStream = process.stderr) {}

  progress(info: SelectProgress): void {
    if (!this.enabled) return;
    if (info.stage === 'refit') {
      this.stream.write(`softmix: refitting K = ${info.K}${info.ridge ? `, λ = ${info.ridge}` : ''} on all counts…\n`);
      return;
    }
    if (info.stage !== 'candidate') return;
    if (!this.header) {
      this.header = true;
      this.stream.write(`${cells(['K', 'λ', 'd', 'valid ℓ/N', '± se', 'train ℓ/N', 'BIC', 'AIC', 'conv', 'E-steps', 's'])}\n`);
    }
    this.stream.write(`${cells(rowCells(info.row))}   [${info.candidate + 1}/${info.candidates}, ${((Date.now() - this.t0) / 1000).toFixed(1)} s]\n`);
  }

  end(result: Awaited<ReturnType<typeof selectModel>>): void {
    if (!this.enabled) return;
    const say = (c: { K: number; ridge: number }) => `K = ${c.K}${c.ridge ? ` (λ = ${c.ridge})` : ''}`;
    this.stream.write(
      `softmix: best validation ℓ/N: ${say(result.bestChoice)}; smallest K within one se: ${say(result.oneSeChoice)}; BIC: ${say(result.bicChoice)}. ` +
        `Refitted (rule ${result.chosen.rule}): ${say(result.chosen)}, ℓ/N ${result.refit.logLikPerSample.toFixed(6)} (${((Date.now() - this.t0) / 1000).toFixed(1)} s in all)\n`,
    );
  }
}

function rowCells(r: SelectionRow): string[] {
  return [
    String(r.K),
    String(r.ridge),
    String(r.parameters),
    r.validationLogLikPerSample.toFixed(6),
    r.validationStdError === null ? '—' : r.validationStdError.toExponential(1),
    r.trainLogLikPerSample.toFixed(6),
    r.bic.toFixed(0),
    r.aic.toFixed(0),
    r.converged ? 'yes' : r.stopReason,
    String(r.eSteps),
    r.seconds.toFixed(1),
  ];
}

const WIDTHS = [3, 7, 5, 11, 8, 11, 12, 12, 7, 8, 6];
const cells = (xs: string[]) => xs.map((x, i) => x.padStart(WIDTHS[i])).join(' ');
