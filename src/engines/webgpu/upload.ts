/**
 * X and the counts onto the device, one buffer pair per chunk (chunks.ts): X as f32 or f16
 * (x-storage.ts), the counts as f32.
 * An allocation the device refuses is reported here, naming the bytes asked for, before
 * the engine exists and any pass starts; without this it would surface later as an
 * uncaptured error from the first call that touched the buffers.
 */
import { SoftmixError } from '../../errors.ts';
import type { FloatArray } from '../../math/float-array.ts';
import type { Chunk } from './chunks.ts';
import { storageBuffer } from './kernel.ts';
import type { DeviceChunk } from './plan.ts';
import { xBytesPerFeature, xDeviceWords, type XStorage } from './x-storage.ts';

export async function uploadChunks(device: GPUDevice, features: FloatArray, counts: Float64Array, L: number, chunkRows: readonly Chunk[], storage: XStorage = 'f32'): Promise<DeviceChunk[]> {
  const chunks: DeviceChunk[] = [];
  device.pushErrorScope('out-of-memory');
  let refused: GPUError | null;
  const release = () => {
    for (const c of chunks) {
      c.x.destroy();
      c.counts.destroy();
    }
  };
  try {
    for (const c of chunkRows) {
      const x = upload(device, 'X chunk', xDeviceWords(features.subarray(c.start * L, (c.start + c.rows) * L), L, c.start, storage));
      const n = upload(device, 'counts chunk', Float32Array.from(counts.subarray(c.start, c.start + c.rows)));
      chunks.push({ x, counts: n, rows: c.rows });
    }
  } catch (e) {
    release();
    throw e;
  } finally {
    refused = await device.popErrorScope();
  }
  if (refused) {
    release();
    const p = chunkRows.reduce((a, c) => a + c.rows, 0);
    const b = xBytesPerFeature(storage);
    const bytes = p * (L * b + 4);
    throw new SoftmixError(
      'backend',
      `the WebGPU device could not allocate X and the counts: ${bytes} bytes (${(bytes / 2 ** 30).toFixed(2)} GiB: p·(${b}L + 4) with p = ${p}, L = ${L}, X as ${storage}, ` +
        `in ${chunkRows.length} chunk${chunkRows.length === 1 ? '' : 's'}), before any scratch or pass: ${refused.message}`,
    );
  }
  return chunks;
}

/** A storage buffer holding `words` (f32 values, or f16 bit patterns packed in whole 32-bit words). */
function upload(device: GPUDevice, label: string, words: Float32Array<ArrayBuffer> | Uint16Array<ArrayBuffer>): GPUBuffer {
  const buffer = storageBuffer(device, `softmix ${label}`, words.byteLength);
  device.queue.writeBuffer(buffer, 0, words);
  return buffer;
}
