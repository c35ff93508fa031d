/**
 * How the engine stores X on the device: 'f32' (the default) or 'f16', half the bytes
 * (issue 14: X is most of the device memory at the paper's shapes, 3.8 GiB as f32 at
 * (2.5·10⁵, 4096)). The three kernels that read X (scores, weighted-sum, weighted-gram)
 * reach it only through xWord/xQuad, defined by the snippet their wrappers append:
 * shaders/x-f32.wgsl or shaders/x-f16.wgsl. f16 values are f32 values, so with f16 the
 * kernels compute exactly as they would on X rounded to f16 and stored as f32: the only
 * change is that rounding (relative 2⁻¹¹ per feature; its effect on a fit is measured in
 * bench/x-storage.md).
 */
import xF32Wgsl from '../../../shaders/x-f32.wgsl?raw';
import xF16Wgsl from '../../../shaders/x-f16.wgsl?raw';
import { SoftmixError } from '../../errors.ts';
import { FLOAT16_OVERFLOW, packFloat16 } from '../../math/float16.ts';
import type { FloatArray } from '../../math/float-array.ts';
import type { ShaderSource } from './pipelines.ts';
import { X_STORAGES, type XStorage } from '../engine.ts';

export { X_STORAGES, type XStorage };


/** `source` with X's binding and accessors for `storage` appended (a pipeline of its own per storage). */
export function withX(source: ShaderSource, storage: XStorage): ShaderSource {
  return { name: `${source.name} (X ${storage})`, code: `${source.code}\n${storage === 'f16' ? xF16Wgsl : xF32Wgsl}` };
}

/** Bytes one feature of X takes on the device. */
export function xBytesPerFeature(storage: XStorage): number {
  return storage === 'f16' ? 2 : 4;
}

/** Refuses an xStorage that is not one of X_STORAGES (before any device work). */
export function checkXStorage(storage: XStorage): void {
  if (!(X_STORAGES as readonly string[]).includes(storage)) throw new SoftmixError('options', `xStorage must be "f32" or "f16", got ${JSON.stringify(storage)}`);
}

/**
 * The rows of one chunk (`values`, L features each, the first being item `firstItem`) as the
 * device stores them. Under f16 a feature of magnitude 65520 or more cannot be held finitely:
 * refused, naming it, before this chunk is uploaded (and before any pass; the engine's input
 * is centred and, in a fit, scaled to unit root mean square, so only a far outlier gets there).
 * Float32 rows go to an f32 device as they are, with no copy. A fit hands WebGPU its centred
 * copy in float32 (model/data.ts designStats), so under f16 those are rounded a second time,
 * which moves a value by one f16 step from the once-rounded one only where its float32 value
 * is an exact f16 tie.
 */
export function xDeviceWords(values: FloatArray, L: number, firstItem: number, storage: XStorage): Float32Array<ArrayBuffer> | Uint16Array<ArrayBuffer> {
  if (storage !== 'f16') return values instanceof Float32Array ? (values as Float32Array<ArrayBuffer>) : Float32Array.from(values);
  for (let i = 0; i < values.length; i++) {
    if (Math.abs(values[i]) >= FLOAT16_OVERFLOW) {
      throw new SoftmixError(
        'options',
        `xStorage "f16" cannot hold feature ${i % L} of item ${firstItem + Math.floor(i / L)}: ${values[i]} (centred and scaled) is beyond f16's range (|x| < ${FLOAT16_OVERFLOW}); use xStorage "f32"`,
      );
    }
  }
  return packFloat16(values);
}
