/**
 * `softmix simulate`: writes a data set to --out as features.npy, counts.npy, truth.json (and
 * samples.npy with --samples). Either the paper's random design (MATH.md §7: --p, --L, --K,
 * random features and atoms) or, with --model, a fitted model's weights and atoms on the
 * items of --features (FittedModel.sample). Either way the files have the same names and
 * shapes, so `fit --truth` and `score` read them alike.
 */
import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { simulate } from '../model/simulate.ts';
import { samplesToCounts } from '../model/data.ts';
import { writeFile, writeNpy } from '../io/files.ts';
import { SoftmixError } from '../errors.ts';
import { int, list, num } from './parse.ts';
import { prepareOutputDirectory } from './paths.ts';
import { readFeaturesFor, readModelFile } from './model-file.ts';

/** What simulate writes, from either source. */
interface Simulated {
  features: ArrayLike<number>;
  featureType: 'float32' | 'float64';
  p: number;
  L: number;
  K: number;
  N: number;
  seed: number;
  counts: ArrayLike<number>;
  samples?: Uint32Array;
  alpha: ArrayLike<number>;
  theta: ArrayLike<number>;
}

export function addSimulateCommand(command: (name: string, description: string) => Command): void {
  const random = ['p', 'L', 'K', 'thetaNorm', 'alpha'];
  command('simulate', 'simulate the paper\'s random design (MATH.md §7), or draw from a fitted model on given items (--model, --features); writes features.npy, counts.npy, truth.json')
    .option('--p <p>', 'number of support points (items)', int('--p', { min: 1 }))
    .option('--L <L>', 'feature dimension', int('--L', { min: 1 }))
    .option('--K <K>', 'number of components', int('--K', { min: 1 }))
    .requiredOption('--N <N>', 'number of draws', int('--N', { min: 1 }))
    .option('--theta-norm <r>', '|θ_k| of the random atoms', num('--theta-norm'), 1.5)
    .option('--alpha <list>', 'weights, comma-separated (default uniform)', list('--alpha'))
    .addOption(new Option('--model <file>', 'draw from this model instead of a random one: a fit\'s JSON (softmix fit --out) or a saved softmix-model; needs --features').conflicts(random))
    .addOption(new Option('--features <file>', 'with --model: the items to draw on, p×L (.npy or .csv)').conflicts(random))
    .option('--seed <seed>', 'seed of the generator', int('--seed'), 1)
    .option('--samples', 'also write the raw draws to samples.npy')
    .requiredOption('--out <dir>', 'output directory')
    .action((o) => {
      if (!o.model !== !o.features) throw new SoftmixError('options', o.model ? '--model needs --features: the items to draw on' : '--features is for drawing from a model: give --model FILE with it');
      if (!o.model && (o.p === undefined || o.L === undefined || o.K === undefined)) {
        throw new SoftmixError('options', 'give --p, --L and --K (a random design), or --model FILE and --features FILE (a fitted model on given items)');
      }
      prepareOutputDirectory('--out', o.out, 'features.npy');
      const sim = o.model ? fromModel(o) : fromRandomDesign(o);
      write(o.out, sim);
      const source = o.model ? ` from --model ${o.model}` : '';
      console.error(`softmix: wrote ${o.out}/features.npy (${sim.p}×${sim.L} ${sim.featureType}), counts.npy (N = ${sim.N}${source})${sim.samples ? ', samples.npy' : ''}, truth.json`);
    });
}

function fromRandomDesign(o: Record<string, any>): Simulated {
  const sim = simulate({ p: o.p, L: o.L, K: o.K, N: o.N, thetaNorm: o.thetaNorm, alpha: o.alpha, seed: o.seed, keepSamples: !!o.samples });
  return { ...sim, featureType: 'float32', alpha: sim.truth.alpha, theta: sim.truth.theta };
}

/**
 * N draws from the model's π on the given items. With --samples the counts are those of the
 * draws (one stream, as the random design does); without, an exact multinomial draw.
 */
function fromModel(o: Record<string, any>): Simulated {
  const model = readModelFile('--model', o.model);
  const x = readFeaturesFor(model, o.features, `--model ${o.model}`);
  const samples = o.samples ? model.sample(x.values, o.N, { seed: o.seed, as: 'draws' }) : undefined;
  const counts = samples ? samplesToCounts(samples, x.rows) : model.sample(x.values, o.N, { seed: o.seed });
  // features are written as read: float32 stays float32, anything else is exact in float64
  const featureType = x.values instanceof Float32Array ? 'float32' : 'float64';
  return { features: x.values, featureType, p: x.rows, L: model.L, K: model.K, N: o.N, seed: o.seed, counts, samples, alpha: model.alpha, theta: model.theta };
}

function write(dir: string, sim: Simulated): void {
  writeFile(join(dir, 'features.npy'), writeNpy(sim.features, [sim.p, sim.L], sim.featureType));
  const counts = sim.N < 2 ** 31 ? Int32Array.from(sim.counts) : Float64Array.from(sim.counts);
  writeFile(join(dir, 'counts.npy'), writeNpy(counts, [sim.p], counts instanceof Int32Array ? 'int32' : 'float64'));
  if (sim.samples) writeFile(join(dir, 'samples.npy'), writeNpy(sim.samples, [sim.N], 'uint32'));
  const theta = Array.from(sim.theta);
  const truth = {
    p: sim.p, L: sim.L, K: sim.K, N: sim.N, seed: sim.seed,
    alpha: Array.from(sim.alpha),
    theta: Array.from({ length: sim.K }, (_, k) => theta.slice(k * sim.L, (k + 1) * sim.L)),
  };
  writeFile(join(dir, 'truth.json'), JSON.stringify(truth, null, 2) + '\n');
}
