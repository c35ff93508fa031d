/**
 * engines/webgpu/upload.ts on a stand-in device (no WebGPU needed): every chunk's X (as f32,
 * or as packed f16) and counts (f32) go up, a feature f16 cannot hold is refused naming its
 * item with everything released, and an allocation the device refuses (an 'out-of-memory' error
 * scope that pops an error) is a SoftmixError naming the bytes, with every buffer released.
 */
import { describe, it, expect } from 'vitest';
import { uploadChunks } from '../src/engines/webgpu/upload.ts';
import { planChunks } from '../src/engines/webgpu/chunks.ts';
import { SoftmixError } from '../src/errors.ts';
import { packFloat16 } from '../src/math/float16.ts';

function fakeDevice(refuse: string | null) {
  const created: { size: number; destroyed: boolean; data?: Float32Array | Uint16Array }[] = [];
  const scopes: string[] = [];
  const device = {
    pushErrorScope: (filter: string) => scopes.push(filter),
    popErrorScope: async () => (scopes.pop() === 'out-of-memory' && refuse ? { message: refuse } : null),
    createBuffer: (d: { size: number }) => {
      const b = { size: d.size, destroyed: false, destroy: () => (b.destroyed = true) };
      created.push(b);
      return b;
    },
    queue: { writeBuffer: (b: { data?: Float32Array | Uint16Array }, _offset: number, data: Float32Array | Uint16Array) => (b.data = data.slice()) },
  };
  return { device: device as unknown as GPUDevice, created, scopes };
}

describe('uploadChunks', () => {
  const [p, L] = [10, 3];
  const features = Float64Array.from({ length: p * L }, (_, i) => i + 0.1);
  const counts = Float64Array.from({ length: p }, (_, i) => i);
  const chunkRows = planChunks(p, L, { maxStorageBufferBindingSize: 1 << 20, maxBufferSize: 1 << 20, maxComputeWorkgroupsPerDimension: 65535 }, 4);

  it('puts each chunk up as float32 (rows 4, 4, 2) and closes its error scope', async () => {
    const { device, created, scopes } = fakeDevice(null);
    const chunks = await uploadChunks(device, features, counts, L, chunkRows);
    expect(chunks.map((c) => c.rows)).toEqual([4, 4, 2]);
    expect(scopes).toEqual([]);
    const x = created.filter((_, i) => i % 2 === 0).flatMap((b) => Array.from(b.data!));
    expect(x).toEqual(Array.from(features, Math.fround));
    expect(created.every((b) => !b.destroyed)).toBe(true);
  });

  it('names the bytes when the device refuses, and releases what it had made', async () => {
    const { device, created } = fakeDevice('vkAllocateMemory failed with VK_ERROR_OUT_OF_DEVICE_MEMORY');
    const err = await uploadChunks(device, features, counts, L, chunkRows).catch((e) => e);
    expect(err).toBeInstanceOf(SoftmixError);
    expect(err.code).toBe('backend');
    expect(err.message).toMatch(/could not allocate X and the counts: 160 bytes \(0\.00 GiB: p·\(4L \+ 4\) with p = 10, L = 3, X as f32, in 3 chunks\)/);
    expect(err.message).toMatch(/VK_ERROR_OUT_OF_DEVICE_MEMORY/);
    expect(created.length).toBe(6);
    expect(created.every((b) => b.destroyed)).toBe(true);
    const f16 = await uploadChunks(fakeDevice('refused').device, features, counts, L, chunkRows, 'f16').catch((e) => e);
    expect(f16.message).toMatch(/could not allocate X and the counts: 100 bytes \(0\.00 GiB: p·\(2L \+ 4\) with p = 10, L = 3, X as f16, in 3 chunks\)/);
  });

  it('puts X up as packed f16 under xStorage f16: each chunk its own halves, padded to a word and the buffer to 16 bytes', async () => {
    const { device, created } = fakeDevice(null);
    await uploadChunks(device, features, counts, L, chunkRows, 'f16');
    const xs = created.filter((_, i) => i % 2 === 0);
    chunkRows.forEach((c, i) => {
      expect(Array.from(xs[i].data!)).toEqual(Array.from(packFloat16(features.subarray(c.start * L, (c.start + c.rows) * L))));
      expect(xs[i].size).toBe(Math.max(16, Math.ceil((c.rows * L * 2) / 16) * 16));
    });
    // the counts stay f32
    expect(Array.from(created[1].data!)).toEqual([0, 1, 2, 3]);
  });

  it('refuses a feature f16 cannot hold, naming its item across chunks, and releases the chunks made before it', async () => {
    const { device, created } = fakeDevice(null);
    const big = Float64Array.from(features);
    big[6 * L + 1] = -7e4; // item 6, in the second chunk
    const err = await uploadChunks(device, big, counts, L, chunkRows, 'f16').catch((e) => e);
    expect(err).toBeInstanceOf(SoftmixError);
    expect(err.message).toMatch(/cannot hold feature 1 of item 6: -70000/);
    expect(created.length).toBe(2); // the first chunk's X and counts, nothing of the second
    expect(created.every((b) => b.destroyed)).toBe(true);
  });
});
