/** ℓ/N of a books fit on the training and on the held-out counts (host float64), for the books benches. */
import type { BooksData } from '../src/datasets/books.ts';
import type { FitResult } from '../src/fit.ts';
import { logLikelihood, mixtureLogProbabilities } from '../src/model.ts';

function total(c: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < c.length; j++) s += c[j];
  return s;
}

export function booksScores(books: BooksData, fit: Pick<FitResult, 'alpha' | 'theta'>): { train: number; heldout: number } {
  const logPi = mixtureLogProbabilities(books.features, books.p, books.L, { alpha: Float64Array.from(fit.alpha), theta: Float64Array.from(fit.theta.flat()) });
  return {
    train: logLikelihood(books.countsTrain, logPi) / total(books.countsTrain),
    heldout: logLikelihood(books.countsHeldout, logPi) / total(books.countsHeldout),
  };
}
