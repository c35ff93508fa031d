/** One timed default-settings fit of the books training counts on cpu, scored on the training and held-out counts, for the books benches. */
import type { BooksData } from '../src/datasets/books.ts';
import { fitSoftmaxMixture, type FitOptions, type FitResult } from '../src/fit/fit.ts';
import { logLikelihood, mixtureLogProbabilities } from '../src/model/mixture.ts';

function total(c: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < c.length; j++) s += c[j];
  return s;
}

export interface BooksFit {
  fit: FitResult;
  /** ℓ/N on the training and on the held-out counts (host float64) */
  train: number;
  heldout: number;
  seconds: number;
}

export async function fitBooks(books: BooksData, options: Partial<FitOptions>): Promise<BooksFit> {
  const t0 = performance.now();
  const fit = await fitSoftmaxMixture({ features: books.features, p: books.p, L: books.L, counts: books.countsTrain }, { K: 6, backend: 'cpu', ...options });
  const logPi = mixtureLogProbabilities(books.features, books.p, books.L, { alpha: Float64Array.from(fit.alpha), theta: Float64Array.from(fit.theta.flat()) });
  return {
    fit,
    train: logLikelihood(books.countsTrain, logPi) / total(books.countsTrain),
    heldout: logLikelihood(books.countsHeldout, logPi) / total(books.countsHeldout),
    seconds: (performance.now() - t0) / 1000,
  };
}
