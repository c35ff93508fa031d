/** The data a command reads: --features, and --counts or --samples (.npy or CSV). */
import { readMatrix, readVector } from '../io/files.ts';
import { SoftmixError } from '../errors.ts';
import type { DatasetInput } from '../model/data.ts';

export function loadData(o: { features: string; counts?: string; samples?: string }): DatasetInput {
  if (!o.counts === !o.samples) throw new SoftmixError('options', 'give exactly one of --counts or --samples');
  const x = readMatrix(o.features);
  const base = { features: x.values, p: x.rows, L: x.cols };
  return o.counts ? { ...base, counts: readVector(o.counts) } : { ...base, samples: readVector(o.samples!) };
}
