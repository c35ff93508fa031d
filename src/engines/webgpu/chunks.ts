/**
 * Splitting the p rows of X across buffers and dispatches.
 *
 * - A chunk is a run of rows of X stored in its own buffer (with its counts): rows·L·4
 *   bytes must fit `maxStorageBufferBindingSize` and `maxBufferSize`.
 * - A slice is the unit of dispatch: a run of rows of one chunk whose scores and
 *   weights (rows·K floats each, in scratch buffers shared by all slices) fit the same
 *   limits, and whose workgroup grid fits `maxComputeWorkgroupsPerDimension`.
 * Every reduction writes mergeable partials per slice; the merges run across slices.
 */
import { SoftmixError } from '../../errors.ts';
import { SCORES_ROWS } from './scores.ts';

export interface ChunkLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupsPerDimension: number;
}

export interface Chunk {
  /** first row of the chunk in X */
  start: number;
  rows: number;
}

export interface Slice {
  /** index of the chunk the slice belongs to */
  chunk: number;
  /** first row of the slice inside its chunk */
  rowStart: number;
  rows: number;
}

/** Largest buffer binding in bytes: the smaller limit, rounded down to a multiple of 4. */
export function bindingBytes(limits: ChunkLimits): number {
  return Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / 4) * 4;
}

/**
 * Row chunks of X (p × L, `bytesPerFeature` each: 4 as f32, 2 as f16) that each fit one
 * binding; `maxChunkRows` forces smaller ones.
 */
export function planChunks(p: number, L: number, limits: ChunkLimits, maxChunkRows?: number, bytesPerFeature = 4): Chunk[] {
  const fit = Math.floor(bindingBytes(limits) / (bytesPerFeature * L));
  if (fit < 1) throw new SoftmixError('backend', `one row of X (L = ${L} features of ${bytesPerFeature} bytes) does not fit a WebGPU storage binding of ${bindingBytes(limits)} bytes`);
  let rows = Math.min(p, fit);
  if (maxChunkRows !== undefined) {
    if (!Number.isInteger(maxChunkRows) || maxChunkRows < 1) throw new SoftmixError('options', `maxChunkRows must be a positive integer, got ${maxChunkRows}`);
    rows = Math.min(rows, maxChunkRows);
  }
  const chunks: Chunk[] = [];
  for (let start = 0; start < p; start += rows) chunks.push({ start, rows: Math.min(rows, p - start) });
  return chunks;
}

/** Most rows of one slice for K components. */
export function sliceRowLimit(K: number, limits: ChunkLimits): number {
  const scratch = Math.floor(bindingBytes(limits) / (4 * K));
  const grid = limits.maxComputeWorkgroupsPerDimension * SCORES_ROWS;
  const rows = Math.min(scratch, grid);
  if (rows < 1) throw new SoftmixError('backend', `K = ${K} scores of one row do not fit a WebGPU storage binding`);
  return rows;
}

/** Slices of every chunk for K components. */
export function planSlices(chunks: readonly Chunk[], K: number, limits: ChunkLimits): Slice[] {
  const max = sliceRowLimit(K, limits);
  const slices: Slice[] = [];
  chunks.forEach((c, chunk) => {
    for (let rowStart = 0; rowStart < c.rows; rowStart += max) slices.push({ chunk, rowStart, rows: Math.min(max, c.rows - rowStart) });
  });
  return slices;
}
