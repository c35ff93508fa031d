/** Writing NumPy `.npy` files (format 1.0, C order), in memory: the inverse of npy.ts's parseNpy. */
import { SoftmixError } from '../errors.ts';
import { ARRAY_ALIGN, DTYPES, GROWTH_AXIS_MAX_DIGITS, HOST_LITTLE_ENDIAN, MAGIC, TWO_32, swapBytes, typedArrayFor, type NpyDtype } from './npy.ts';

function inferDtype(values: ArrayLike<number>): NpyDtype {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Int8Array) return 'int8';
  if (values instanceof Int16Array) return 'int16';
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint8Array || values instanceof Uint8ClampedArray) return 'uint8';
  if (values instanceof Uint16Array) return 'uint16';
  if (values instanceof Uint32Array) return 'uint32';
  return 'float64';
}

const INT_RANGE: Partial<Record<NpyDtype, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  int64: [-(2 ** 53), 2 ** 53],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  uint64: [0, 2 ** 53],
};

/**
 * Serialise `values` (C order) with the given `shape` as a `.npy` file: little-endian, format 1.0
 * (2.0 when the header would not fit), header padded so the data starts at a multiple of 64
 * bytes — byte-identical to `numpy.save` for the same array.
 * `dtype` defaults to the typed array's own type (Float64Array or a plain array → float64).
 * Integer dtypes require integer values in range (int64/uint64: |v| ≤ 2^53).
 */
export function writeNpy(values: ArrayLike<number>, shape: readonly number[], dtype?: NpyDtype): Uint8Array {
  const dt = dtype ?? inferDtype(values);
  const info = DTYPES[dt];
  if (!info) throw new SoftmixError('options', `writeNpy: unknown dtype '${String(dtype)}'`);
  let count = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new SoftmixError('shape', `writeNpy: invalid dimension ${d} in shape [${shape.join(', ')}]`);
    }
    count *= d;
  }
  if (values.length !== count) {
    throw new SoftmixError('shape', `writeNpy: shape [${shape.join(', ')}] has ${count} elements but ${values.length} values were given`);
  }
  const range = INT_RANGE[dt];
  if (range && !(ArrayBuffer.isView(values) && inferDtype(values) === dt)) {
    const [lo, hi] = range;
    for (let k = 0; k < count; k++) {
      const v = values[k];
      if (!Number.isInteger(v) || v < lo || v > hi) {
        throw new SoftmixError('options', `writeNpy: value ${v} at element ${k} cannot be stored as ${dt}`);
      }
    }
  }

  const descr = `${info.size === 1 ? '|' : '<'}${info.kind}${info.size}`;
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) header += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  // Preamble: 6 magic + 2 version + 2 (v1) or 4 (v2) header-length bytes; then header + pad + '\n'.
  let version = 1;
  let preamble = 10;
  let hlen = header.length + 1;
  let padlen = ARRAY_ALIGN - ((preamble + hlen) % ARRAY_ALIGN);
  if (hlen + padlen > 0xffff) {
    version = 2;
    preamble = 12;
    padlen = ARRAY_ALIGN - ((preamble + hlen) % ARRAY_ALIGN);
  }
  hlen += padlen;
  const dataStart = preamble + hlen;
  const out = new Uint8Array(dataStart + count * info.size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  if (version === 1) view.setUint16(8, hlen, true);
  else view.setUint32(8, hlen, true);
  for (let k = 0; k < header.length; k++) out[preamble + k] = header.charCodeAt(k);
  out.fill(0x20, preamble + header.length, dataStart - 1);
  out[dataStart - 1] = 0x0a;

  if (dt === 'int64' || dt === 'uint64') {
    for (let k = 0; k < count; k++) {
      const v = values[k];
      const h = Math.floor(v / TWO_32);
      const o = dataStart + k * 8;
      view.setUint32(o, v - h * TWO_32, true);
      if (dt === 'int64') view.setInt32(o + 4, h, true);
      else view.setUint32(o + 4, h, true);
    }
  } else {
    const typed = typedArrayFor(dt, new ArrayBuffer(count * info.size), count);
    typed.set(values);
    const raw = new Uint8Array(typed.buffer);
    if (info.size > 1 && !HOST_LITTLE_ENDIAN) swapBytes(raw, info.size);
    out.set(raw, dataStart);
  }
  return out;
}
