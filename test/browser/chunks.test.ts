/** chunks.ts: row chunks of X and dispatch slices from the device limits (pure logic). */
import { describe, it, expect } from 'vitest';
import { bindingBytes, planChunks, planSlices, sliceRowLimit } from '../../src/engines/webgpu/chunks.ts';
import { SoftmixError } from '../../src/errors.ts';

const limits = (binding: number, buffer = binding, grid = 65535) => ({ maxStorageBufferBindingSize: binding, maxBufferSize: buffer, maxComputeWorkgroupsPerDimension: grid });

describe('chunks', () => {
  it('binds at most the smaller limit, rounded down to a multiple of 4', () => {
    expect(bindingBytes(limits(4099, 1 << 30))).toBe(4096);
    expect(bindingBytes(limits(1 << 30, 1001))).toBe(1000);
  });

  it('splits X into chunks that fit one binding', () => {
    // 40 bytes hold 3 rows of L = 3 floats (36 bytes)
    expect(planChunks(10, 3, limits(40))).toEqual([
      { start: 0, rows: 3 },
      { start: 3, rows: 3 },
      { start: 6, rows: 3 },
      { start: 9, rows: 1 },
    ]);
    expect(planChunks(10, 3, limits(1 << 20))).toEqual([{ start: 0, rows: 10 }]);
    expect(planChunks(1, 1, limits(16))).toEqual([{ start: 0, rows: 1 }]);
  });

  it('honours maxChunkRows and rejects a bad one', () => {
    expect(planChunks(5000, 16, limits(1 << 27), 1000).map((c) => c.rows)).toEqual([1000, 1000, 1000, 1000, 1000]);
    expect(planChunks(5001, 16, limits(1 << 27), 1000).length).toBe(6);
    expect(() => planChunks(10, 2, limits(1 << 20), 0)).toThrow(SoftmixError);
  });

  it('fails clearly when one row does not fit', () => {
    expect(() => planChunks(10, 100, limits(256))).toThrow(/does not fit/);
  });

  it('slices chunks so K scores per row fit the scratch binding and the workgroup grid', () => {
    const lim = limits(4000 * 4 * 8, 4000 * 4 * 8, 65535);
    expect(sliceRowLimit(8, lim)).toBe(4000);
    expect(sliceRowLimit(1, limits(1 << 30, 1 << 30, 10))).toBe(2560); // 10 workgroups of 256 rows (scores.wgsl)
    const chunks = planChunks(10_000, 8, lim); // 4000 rows per chunk
    expect(chunks.map((c) => c.rows)).toEqual([4000, 4000, 2000]);
    const slices = planSlices(chunks, 16, lim); // 2000 rows of 16 scores per slice
    expect(slices).toEqual([
      { chunk: 0, rowStart: 0, rows: 2000 },
      { chunk: 0, rowStart: 2000, rows: 2000 },
      { chunk: 1, rowStart: 0, rows: 2000 },
      { chunk: 1, rowStart: 2000, rows: 2000 },
      { chunk: 2, rowStart: 0, rows: 2000 },
    ]);
    expect(planSlices(chunks, 4, lim).length).toBe(3);
  });
});
