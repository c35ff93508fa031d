/** Reads the committed books data set from data/books/ (Node). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseBooks, type BooksData } from './books.ts';

export const BOOKS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data', 'books');

export function loadBooks(dir = BOOKS_DIR): BooksData {
  const read = (name: string) => readFileSync(join(dir, name));
  return parseBooks({
    features: read('features.npy'),
    countsTrain: read('counts-train.npy'),
    countsHeldout: read('counts-heldout.npy'),
    words: read('words.txt').toString('utf8'),
    meta: JSON.parse(read('books.json').toString('utf8')),
  });
}
