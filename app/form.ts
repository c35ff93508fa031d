/** The controls: which data, which fit; reading them into a job and switching the data panels. */
import type { BackendChoice } from '../src/engines/create.ts';
import { byId } from './dom.ts';
import type { DataSpec, DatasetKind, FitSettings } from './protocol.ts';

const input = (id: string) => byId<HTMLInputElement>(id);
const value = (id: string) => Number(input(id).value);

export function selectedDataset(): DatasetKind {
  const checked = document.querySelector<HTMLInputElement>('input[name="dataset"]:checked');
  return (checked?.value as DatasetKind) ?? 'sim';
}

/** Shows the panel of the chosen data source; the books set suggests K = 6 (see below). */
export function showDataset(kind: DatasetKind): void {
  byId<HTMLInputElement>(`dataset-${kind}`).checked = true;
  for (const panel of document.querySelectorAll<HTMLElement>('[data-panel]')) panel.hidden = panel.dataset.panel !== kind;
}

/**
 * Values a data set suggests for fields the user has not touched. On the books set some
 * components have no finite unpenalised atom (they run off towards a few words at the edge
 * of the hull of the GloVe vectors); the fit carries them on and names them, which gives a
 * better held-out ℓ/N than any fixed ridge (README, "Runaway components"), so the ridge is 0
 * there as everywhere.
 */
const SUGGESTED: Record<DatasetKind, Partial<Record<string, string>>> = {
  books: { 'fit-K': '6', 'fit-ridge': '0' },
  sim: { 'fit-ridge': '0' },
  files: {},
};

export function applySuggestions(kind: DatasetKind): void {
  for (const [id, v] of Object.entries(SUGGESTED[kind])) {
    const field = input(id);
    if (field.dataset.touched !== 'yes' && v !== undefined) field.value = v;
  }
}

/** Remembers which fields the user (or the URL) set, so that suggestions leave them alone. */
export function trackTouched(form: HTMLFormElement): void {
  form.addEventListener('input', (e) => {
    const t = e.target as HTMLElement;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement) t.dataset.touched = 'yes';
  });
}

export function readFitSettings(): FitSettings {
  return {
    K: value('fit-K'),
    init: byId<HTMLSelectElement>('fit-init').value as FitSettings['init'],
    restarts: value('fit-restarts'),
    search: byId<HTMLSelectElement>('fit-search').value as FitSettings['search'],
    replaceRounds: value('fit-replaceRounds'),
    stepDirection: byId<HTMLSelectElement>('fit-step').value as FitSettings['stepDirection'],
    backend: byId<HTMLSelectElement>('fit-backend').value as BackendChoice,
    xStorage: byId<HTMLSelectElement>('fit-xStorage').value as FitSettings['xStorage'],
    designCovariance: byId<HTMLSelectElement>('fit-designCovariance').value as FitSettings['designCovariance'],
    ridge: value('fit-ridge'),
    tol: value('fit-tol'),
    maxIter: value('fit-maxIter'),
    seed: value('fit-seed'),
    se: byId<HTMLSelectElement>('fit-se').value === '1',
  };
}

/** The data to fit; throws with a message for the status line when files are missing. */
export function readDataSpec(): DataSpec {
  const kind = selectedDataset();
  if (kind === 'books') return { kind };
  if (kind === 'sim') {
    return {
      kind,
      sim: { p: value('sim-p'), L: value('sim-L'), K: value('sim-K'), N: value('sim-N'), thetaNorm: value('sim-theta'), seed: value('sim-seed') },
    };
  }
  const file = (id: string) => input(id).files?.[0];
  const features = file('file-features');
  const counts = file('file-counts');
  if (!features || !counts) throw new Error('choose a features file and a counts file first');
  return { kind, features, counts, labels: file('file-labels'), truth: file('file-truth') };
}
