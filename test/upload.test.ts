/**
 * engines/webgpu/upload.ts on a stand-in device (no WebGPU needed): every chunk's X and
 * counts go up as float32, and an allocation the device refuses (an 'out-of-memory' error
 * scope that pops an error) is a SoftmixError naming the bytes, with every buffer released.
 */
import { describe, it, expect } from 'vitest';
import { uploadChunks } from '../src/engines/webgpu/upload.ts';
import { planChunks } from '../src/engines/webgpu/chunks.ts';
import { SoftmixError } from '../src/errors.ts';

function fakeDevice(refuse: string | null) {
  const created: { size: number; destroyed: boolean; data?: Float32Array }[] = [];
  const scopes: string[] = [];
  const device = {
    pushErrorScope: (filter: string) => scopes.push(filter),
    popErrorScope: async () => (scopes.pop() === 'out-of-memory' && refuse ? { message: refuse } : null),
    createBuffer: (d: { size: number }) => {
      const b = { size: d.size, destroyed: false, destroy: () => (b.destroyed = true) };
      created.push(b);
      return b;
    },
    queue: { writeBuffer: (b: { data?: Float32Array }, _offset: number, data: Float32Array) => (b.data = Float32Array.from(data)) },
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
    expect(err.message).toMatch(/could not allocate X and the counts: 160 bytes \(0\.00 GiB: p·\(L \+ 1\)·4 with p = 10, L = 3, in 3 chunks\)/);
    expect(err.message).toMatch(/VK_ERROR_OUT_OF_DEVICE_MEMORY/);
    expect(created.length).toBe(6);
    expect(created.every((b) => b.destroyed)).toBe(true);
  });
});
