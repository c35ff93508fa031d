/**
 * Turns a DataSpec into arrays to fit (runs in the worker): fetches the books set,
 * simulates, or reads the user's files (.npy or CSV).
 */
import { parseBooks, BOOKS_FILES } from '../src/datasets/books.ts';
import { simulate } from '../src/model/simulate.ts';
import { parseNpy } from '../src/io/npy.ts';
import { SoftmixError } from '../src/errors.ts';
import type { TruthJson } from '../src/model/truth.ts';
import type { DataSpec, DatasetKind } from './protocol.ts';

export interface LoadedData {
  kind: DatasetKind;
  description: string;
  p: number;
  L: number;
  /** p×L row-major */
  features: Float32Array | Float64Array;
  /** the counts the fit sees */
  counts: Float64Array;
  /** held-out counts (books) */
  heldout?: Float64Array;
  /** item names (books: the words) */
  labels?: string[];
  truth?: TruthJson;
}

export function loadData(spec: DataSpec): Promise<LoadedData> {
  switch (spec.kind) {
    case 'books':
      return loadBooks();
    case 'sim':
      return Promise.resolve(loadSimulation(spec.sim));
    case 'files':
      return loadFiles(spec);
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new SoftmixError('file-format', `could not fetch ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function loadBooks(): Promise<LoadedData> {
  const base = `${import.meta.env.BASE_URL}data/books/`;
  const [features, countsTrain, countsHeldout, words, meta] = await Promise.all(BOOKS_FILES.map((name) => fetchBytes(base + name)));
  const text = new TextDecoder();
  const books = parseBooks({ features, countsTrain, countsHeldout, words: text.decode(words), meta: JSON.parse(text.decode(meta)) });
  const titles = books.books.map((b) => b.title).join('; ');
  return {
    kind: 'books',
    description: `books: ${books.p} words × ${books.L}-d GloVe features, training half of ${books.books.length || 'the'} books${titles ? ` (${titles})` : ''}`,
    p: books.p,
    L: books.L,
    features: books.features,
    counts: books.countsTrain,
    heldout: books.countsHeldout,
    labels: books.words,
  };
}

function loadSimulation(o: { p: number; L: number; K: number; N: number; thetaNorm: number; seed: number }): LoadedData {
  const sim = simulate({ p: o.p, L: o.L, K: o.K, N: o.N, thetaNorm: o.thetaNorm, seed: o.seed });
  const truth: TruthJson = {
    alpha: Array.from(sim.truth.alpha),
    theta: Array.from({ length: sim.K }, (_, k) => Array.from(sim.truth.theta.subarray(k * sim.L, (k + 1) * sim.L))),
  };
  return {
    kind: 'sim',
    description: `simulation: p = ${o.p}, L = ${o.L}, K = ${o.K}, N = ${o.N}, |θ_k| = ${o.thetaNorm}, uniform α, seed ${o.seed}`,
    p: sim.p,
    L: sim.L,
    features: sim.features,
    counts: sim.counts,
    truth,
  };
}

interface Matrix {
  rows: number;
  cols: number;
  values: ArrayLike<number>;
}

/** A .npy or CSV file as a matrix (a 1-d array is one column). CSV support is loaded only when needed. */
async function readMatrix(file: File): Promise<Matrix> {
  if (/\.npy$/i.test(file.name)) {
    const a = parseNpy(new Uint8Array(await file.arrayBuffer()), file.name);
    if (a.shape.length === 1) return { rows: a.shape[0], cols: 1, values: a.data };
    if (a.shape.length === 2) return { rows: a.shape[0], cols: a.shape[1], values: a.data };
    throw new SoftmixError('shape', `${file.name}: expected a 1-d or 2-d array, got shape (${a.shape.join(', ')})`);
  }
  const { parseCsvMatrix } = await import('../src/io/csv.ts');
  return parseCsvMatrix(await file.text(), file.name);
}

/** Counts from a vector (p×1 or 1×p), or a B×p matrix summed over its rows (e.g. per-document counts). */
function countsOf(m: Matrix, p: number, name: string): Float64Array {
  if (m.rows * m.cols === p) return Float64Array.from(m.values);
  if (m.cols === p) {
    const out = new Float64Array(p);
    for (let b = 0; b < m.rows; b++) for (let j = 0; j < p; j++) out[j] += m.values[b * p + j];
    return out;
  }
  throw new SoftmixError('shape', `${name}: expected p = ${p} counts (or rows of p counts), got a ${m.rows}×${m.cols} array`);
}

function parseTruth(text: string, name: string): TruthJson {
  let t: unknown;
  try {
    t = JSON.parse(text);
  } catch (e) {
    throw new SoftmixError('file-format', `${name}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const o = t as TruthJson;
  if (!Array.isArray(o?.alpha) || !Array.isArray(o?.theta)) throw new SoftmixError('file-format', `${name}: expected { "alpha": [...], "theta": [[...], ...] }`);
  return { alpha: o.alpha, theta: o.theta };
}

async function loadFiles(spec: Extract<DataSpec, { kind: 'files' }>): Promise<LoadedData> {
  const x = await readMatrix(spec.features);
  const p = x.rows;
  const L = x.cols;
  const counts = countsOf(await readMatrix(spec.counts), p, spec.counts.name);
  let labels: string[] | undefined;
  if (spec.labels) {
    labels = (await spec.labels.text()).split(/\r\n|\r|\n/).map((l) => l.trim());
    while (labels.length > p && labels[labels.length - 1] === '') labels.pop();
    if (labels.length !== p) throw new SoftmixError('shape', `${spec.labels.name}: ${labels.length} names for p = ${p} items`);
  }
  const truth = spec.truth ? parseTruth(await spec.truth.text(), spec.truth.name) : undefined;
  return {
    kind: 'files',
    description: `files: ${spec.features.name} (${p}×${L}) and ${spec.counts.name}`,
    p,
    L,
    features: Float64Array.from(x.values),
    counts,
    labels,
    truth,
  };
}
