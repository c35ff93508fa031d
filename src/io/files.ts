/**
 * Node-side file loading for the CLI: a path ending in .npy or .csv → a numeric matrix.
 * (The parsers themselves are environment-agnostic; the page reads files with the
 * browser's File API and calls them directly.)
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseNpy } from './npy.ts';
import { writeNpy } from './npy-write.ts';
import { parseCsvMatrix } from './csv.ts';
import { SoftmixError } from '../errors.ts';

export interface Matrix {
  rows: number;
  cols: number;
  values: ArrayLike<number>;
}

/** Reads a .npy (1-D → a column, 2-D → rows×cols) or a numeric .csv file. */
export function readMatrix(path: string): Matrix {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new SoftmixError('file-format', `cannot read ${path}: ${(err as Error).message}`);
  }
  if (path.toLowerCase().endsWith('.npy')) {
    const arr = parseNpy(bytes, path);
    if (arr.shape.length === 1) return { rows: arr.shape[0], cols: 1, values: arr.data };
    if (arr.shape.length === 2) return { rows: arr.shape[0], cols: arr.shape[1], values: arr.data };
    throw new SoftmixError('file-format', `${path}: expected a 1-D or 2-D array, got shape (${arr.shape.join(', ')})`);
  }
  if (path.toLowerCase().endsWith('.csv') || path.toLowerCase().endsWith('.tsv') || path.toLowerCase().endsWith('.txt')) {
    const m = parseCsvMatrix(new TextDecoder().decode(bytes), path);
    return { rows: m.rows, cols: m.cols, values: m.values };
  }
  throw new SoftmixError('file-format', `${path}: unknown file type (use .npy or .csv)`);
}

/** A vector from a file: a 1-D array, or a matrix with one row or one column. */
export function readVector(path: string): ArrayLike<number> {
  const m = readMatrix(path);
  if (m.cols !== 1 && m.rows !== 1) {
    throw new SoftmixError('file-format', `${path}: expected a vector (one column), got ${m.rows}×${m.cols}`);
  }
  return m.values;
}

export function writeFile(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

export { writeNpy };
