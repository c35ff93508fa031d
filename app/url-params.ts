/**
 * URL parameters, so that programs can drive the page:
 *   ?dataset=books|sim&K=6&restarts=4&search=auto|narrow|wide|grow&replaceRounds=0&init=mom|subspace|random|cluster
 *    &step=newton|design&backend=auto|webgpu|cpu&xStorage=f32|f16&designCovariance=host|engine
 *    &ridge=0.0001&tol=1e-8&maxIter=1000&seed=1&se=1|0
 *    &p=1000&L=4&N=2e5&theta=1.5&simK=3   (simulation; simK defaults to K)
 *    &run=1                                (start a run on load)
 * Each parameter fills its form field (marked as set, so data-set suggestions leave it alone).
 */
import { byId } from './dom.ts';
import type { DatasetKind } from './protocol.ts';

/** parameter → form fields it fills */
const FIELDS: Record<string, string[]> = {
  K: ['fit-K', 'sim-K'],
  simK: ['sim-K'],
  restarts: ['fit-restarts'],
  search: ['fit-search'],
  replaceRounds: ['fit-replaceRounds'],
  init: ['fit-init'],
  step: ['fit-step'],
  backend: ['fit-backend'],
  xStorage: ['fit-xStorage'],
  designCovariance: ['fit-designCovariance'],
  ridge: ['fit-ridge'],
  tol: ['fit-tol'],
  maxIter: ['fit-maxIter'],
  seed: ['fit-seed', 'sim-seed'],
  se: ['fit-se'],
  p: ['sim-p'],
  L: ['sim-L'],
  N: ['sim-N'],
  theta: ['sim-theta'],
};

const NUMERIC = new Set(['K', 'simK', 'restarts', 'replaceRounds', 'ridge', 'tol', 'maxIter', 'seed', 'p', 'L', 'N', 'theta']);

export interface UrlRequest {
  dataset?: DatasetKind;
  run: boolean;
  /** problems with the parameters, for the notice */
  problems: string[];
}

export function applyUrlParams(search: string): UrlRequest {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  let dataset: DatasetKind | undefined;
  const d = params.get('dataset');
  if (d !== null) {
    if (d === 'books' || d === 'sim' || d === 'files') dataset = d;
    else problems.push(`dataset must be books or sim, got "${d}"`);
  }
  // K first, so that an explicit simK wins over the K it also fills
  const names = [...params.keys()].sort((a, b) => (a === 'K' ? -1 : b === 'K' ? 1 : 0));
  for (const name of names) {
    if (name === 'dataset' || name === 'run') continue;
    const value = params.get(name)!;
    const ids = FIELDS[name];
    if (!ids) {
      problems.push(`unknown parameter "${name}"`);
      continue;
    }
    if (NUMERIC.has(name) && (value.trim() === '' || !Number.isFinite(Number(value)))) {
      problems.push(`${name} must be a number, got "${value}"`);
      continue;
    }
    for (const id of ids) {
      const field = byId<HTMLInputElement | HTMLSelectElement>(id);
      if (field instanceof HTMLSelectElement && ![...field.options].some((o) => o.value === value)) {
        problems.push(`${name} must be one of ${[...field.options].map((o) => o.value).join(', ')}, got "${value}"`);
        break;
      }
      field.value = NUMERIC.has(name) ? String(Number(value)) : value;
      field.dataset.touched = 'yes';
    }
  }
  const run = params.get('run');
  return { dataset, run: run === '1' || run === 'true', problems };
}
