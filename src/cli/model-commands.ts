/**
 * `softmix score` and `softmix predict`: a fitted model (a fit's JSON, or a saved
 * softmix-model) applied to items (src/fit/fitted-model.ts). score prints ℓ, ℓ/N and N of
 * held-out counts, named as in the fit's JSON so the two compare directly; predict gives
 * each item's posteriors r_jk and the component that most likely chose it, as JSON, CSV or
 * .npy by --out's extension. Output paths are checked before any file is read.
 */
import type { Command } from 'commander';
import { extname } from 'node:path';
import { readVector, writeFile, writeNpy } from '../io/files.ts';
import { formatCsvMatrix } from '../io/csv.ts';
import { SoftmixError } from '../errors.ts';
import { prepareOutputFile } from './paths.ts';
import { readFeaturesFor, readModelFile } from './model-file.ts';
import { argmaxRows } from '../fit/fitted-model.ts';

const MODEL_HELP = 'the fitted model: the JSON of softmix fit (--out), or a saved softmix-model';

/** Writes `text` to --out when given, else to stdout. */
function emit(out: string | undefined, text: string): void {
  if (out) writeFile(out, text);
  else process.stdout.write(text);
}

export function addModelCommands(command: (name: string, description: string) => Command): void {
  command('score', 'ℓ and ℓ/N of held-out counts under a fitted model; prints JSON')
    .requiredOption('--fit <file>', MODEL_HELP)
    .requiredOption('--features <file>', 'features p×L of the items (.npy or .csv), L as in the model')
    .requiredOption('--counts <file>', 'counts n_j, length p (.npy or .csv)')
    .option('--allow-fractional-counts', 'accept non-integer counts (weights)')
    .option('--out <file>', 'write the JSON here instead of stdout')
    .action((o) => {
      if (o.out) prepareOutputFile('--out', o.out);
      const model = readModelFile('--fit', o.fit);
      const x = readFeaturesFor(model, o.features, `--fit ${o.fit}`);
      const s = model.score(x.values, readVector(o.counts), { allowFractionalCounts: !!o.allowFractionalCounts });
      emit(o.out, JSON.stringify({ logLik: s.logLik, logLikPerSample: s.logLikPerSample, N: s.N, p: s.p, K: model.K, L: model.L }, null, 2) + '\n');
    });

  command('predict', 'per-item posteriors r_jk under a fitted model, and the component that most likely chose each item')
    .requiredOption('--fit <file>', MODEL_HELP)
    .requiredOption('--features <file>', 'features p×L of the items (.npy or .csv), L as in the model')
    .option('--out <file>', 'write here instead of stdout, by extension: .json (the JSON printed), .csv (columns component, r_0 … r_K−1; one row per item), .npy (the p×K posteriors, float64)')
    .action((o) => {
      const kind = o.out ? outputKind(o.out) : 'json';
      if (o.out) prepareOutputFile('--out', o.out);
      const model = readModelFile('--fit', o.fit);
      const x = readFeaturesFor(model, o.features, `--fit ${o.fit}`);
      const r = model.posteriors(x.values);
      const component = argmaxRows(r, x.rows, model.K); // model.predict would compute r again
      const { K } = model;
      const p = x.rows;
      if (kind === 'npy') return writeFile(o.out, writeNpy(r, [p, K], 'float64'));
      if (kind === 'csv') {
        const table = new Float64Array(p * (K + 1));
        for (let j = 0; j < p; j++) {
          table[j * (K + 1)] = component[j];
          table.set(r.subarray(j * K, (j + 1) * K), j * (K + 1) + 1);
        }
        return writeFile(o.out, formatCsvMatrix(table, p, K + 1, ['component', ...Array.from({ length: K }, (_, k) => `r_${k}`)]));
      }
      const posteriors = Array.from({ length: p }, (_, j) => Array.from(r.subarray(j * K, (j + 1) * K)));
      emit(o.out, JSON.stringify({ K, p, component: Array.from(component), posteriors }) + '\n');
    });
}

/** predict --out's format, from its extension: a usage error before any work when it is none of them. */
function outputKind(path: string): 'json' | 'csv' | 'npy' {
  const ext = extname(path).toLowerCase();
  if (ext === '.json' || ext === '.csv' || ext === '.npy') return ext.slice(1) as 'json' | 'csv' | 'npy';
  throw new SoftmixError('options', `--out ${path}: give a file ending in .json, .csv or .npy (that decides what predict writes)`);
}
