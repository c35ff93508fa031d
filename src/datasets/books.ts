/**
 * The books data set (data/books/, made by scripts/prepare-books.ts): 5233 words with
 * 50-d GloVe features, and per-book word counts split into training and held-out halves.
 * Environment-agnostic: bytes and text in; the CLI reads the files with fs, the page
 * fetches them.
 */
import { parseNpy } from '../io/npy.ts';
import { SoftmixError } from '../errors.ts';

export interface BooksFiles {
  features: Uint8Array;
  countsTrain: Uint8Array;
  countsHeldout: Uint8Array;
  words: string;
  /** books.json */
  meta: { bookOrder?: { id: string; title: string; author: string }[] } & Record<string, unknown>;
}

export interface BooksData {
  p: number;
  L: number;
  words: string[];
  /** p×L row-major */
  features: Float32Array;
  /** counts summed over the six books: training half */
  countsTrain: Float64Array;
  /** counts summed over the six books: held-out half */
  countsHeldout: Float64Array;
  /** per-book training counts, books×p */
  perBookTrain: Float64Array;
  books: { id: string; title: string; author: string }[];
}

export const BOOKS_FILES = ['features.npy', 'counts-train.npy', 'counts-heldout.npy', 'words.txt', 'books.json'] as const;

export function parseBooks(files: BooksFiles): BooksData {
  const x = parseNpy(files.features, 'features.npy');
  const train = parseNpy(files.countsTrain, 'counts-train.npy');
  const held = parseNpy(files.countsHeldout, 'counts-heldout.npy');
  const words = files.words.split('\n').filter((w) => w.length > 0);
  const [p, L] = x.shape;
  if (x.shape.length !== 2 || words.length !== p || train.shape[1] !== p || held.shape[1] !== p) {
    throw new SoftmixError('file-format', `books data: inconsistent shapes (features ${x.shape}, words ${words.length}, counts ${train.shape} / ${held.shape})`);
  }
  const B = train.shape[0];
  const sum = (a: ArrayLike<number>) => {
    const out = new Float64Array(p);
    for (let b = 0; b < B; b++) for (let j = 0; j < p; j++) out[j] += a[b * p + j];
    return out;
  };
  const list = Array.isArray(files.meta.bookOrder) ? files.meta.bookOrder : [];
  return {
    p,
    L,
    words,
    features: Float32Array.from(x.data),
    countsTrain: sum(train.data),
    countsHeldout: sum(held.data),
    perBookTrain: Float64Array.from(train.data),
    books: list.map((b) => ({ id: b.id, title: b.title, author: b.author })),
  };
}
