/**
 * Reading and writing NumPy `.npy` files (format versions 1.0, 2.0 and 3.0), in memory.
 * Environment-agnostic: bytes in, bytes out — no `fs`, so it works in Node and the browser.
 *
 * Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *   magic "\x93NUMPY", major, minor, header length (uint16 LE in 1.0, uint32 LE in 2.0/3.0),
 *   a Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...), } padded with
 *   spaces and a final '\n' (latin1 in 1.0/2.0, UTF-8 in 3.0), then the raw data.
 *
 * Supported dtypes: float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
 * little- or big-endian. int64/uint64 come back as a Float64Array and must fit in ±2^53.
 * Fortran-ordered arrays are accepted and transposed into C (row-major) order.
 */
import { SoftmixError } from '../errors.ts';
import { parsePyLiteral, PyTuple, type PyValue } from './py-literal.ts';

export type NpyDtype =
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64';

/** The typed array a dtype is read into: its own type, except int64/uint64 → Float64Array. */
export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array;

export interface NpyArray {
  /** Dimensions, outermost first; `[]` for a 0-d (scalar) array. */
  shape: number[];
  dtype: NpyDtype;
  /** Elements in C (row-major) order, whatever the file's order was. */
  data: NpyData;
  /** Always false: Fortran-ordered files are transposed into C order on reading. */
  fortranOrder: false;
}

interface DtypeInfo {
  size: number;
  kind: 'f' | 'i' | 'u';
}

export const DTYPES: Record<NpyDtype, DtypeInfo> = {
  float32: { size: 4, kind: 'f' },
  float64: { size: 8, kind: 'f' },
  int8: { size: 1, kind: 'i' },
  int16: { size: 2, kind: 'i' },
  int32: { size: 4, kind: 'i' },
  int64: { size: 8, kind: 'i' },
  uint8: { size: 1, kind: 'u' },
  uint16: { size: 2, kind: 'u' },
  uint32: { size: 4, kind: 'u' },
  uint64: { size: 8, kind: 'u' },
};

export const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
export const ARRAY_ALIGN = 64;
export const GROWTH_AXIS_MAX_DIGITS = 21;
export const TWO_32 = 4294967296;
const TWO_21 = 2097152;
/**
 * Headers longer than this are refused unparsed. NumPy writes a few hundred bytes for a
 * numeric array and refuses more than 10,000 by default (max_header_size); 1 MiB leaves room.
 */
export const MAX_HEADER_BYTES = 2 ** 20;
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function formatError(name: string, problem: string): SoftmixError {
  return new SoftmixError('file-format', `${name}: ${problem}`);
}

// ---------------------------------------------------------------------------------------------

interface Descr {
  dtype: NpyDtype;
  littleEndian: boolean;
}

function parseDescr(descr: PyValue, name: string): Descr {
  if (typeof descr !== 'string') {
    if (Array.isArray(descr))
      throw formatError(name, 'structured dtypes (record arrays with named fields) are not supported; save a plain numeric array');
    throw formatError(name, `header 'descr' is not a dtype string: ${String(descr)}`);
  }
  const m = /^([<>|=]?)([a-zA-Z])(\d*)(.*)$/.exec(descr);
  if (!m) throw formatError(name, `unrecognised dtype '${descr}'`);
  const [, order, kind, sizeText, rest] = m;
  const size = sizeText === '' ? NaN : Number(sizeText);
  const unsupported = (what: string): never => {
    throw formatError(name, `unsupported dtype '${descr}' (${what}); supported: float32, float64, int8/16/32/64, uint8/16/32/64`);
  };
  if (rest !== '') unsupported(kind === 'M' ? 'datetime' : kind === 'm' ? 'timedelta' : 'dtype with a unit or subarray');
  let dtype: NpyDtype | undefined;
  switch (kind) {
    case 'f':
      if (size === 4) dtype = 'float32';
      else if (size === 8) dtype = 'float64';
      else unsupported(`float${size * 8}`);
      break;
    case 'i':
      if (size === 1 || size === 2 || size === 4 || size === 8) dtype = `int${size * 8}` as NpyDtype;
      break;
    case 'u':
      if (size === 1 || size === 2 || size === 4 || size === 8) dtype = `uint${size * 8}` as NpyDtype;
      break;
    case 'b':
    case '?':
      unsupported('boolean');
      break;
    case 'c':
      unsupported('complex');
      break;
    case 'O':
      unsupported('Python objects');
      break;
    case 'U':
    case 'S':
    case 'a':
      unsupported('strings');
      break;
    case 'V':
      unsupported('raw void/bytes');
      break;
    case 'M':
      unsupported('datetime');
      break;
    case 'm':
      unsupported('timedelta');
      break;
  }
  if (!dtype) unsupported(`type code '${kind}' of size ${sizeText || '?'}`);
  // '|' (not applicable) only makes sense for 1-byte types; '=' / '' mean "native", which NumPy
  // never writes to a file — read as little-endian, like every platform NumPy commonly runs on.
  return { dtype: dtype!, littleEndian: order !== '>' };
}

export function typedArrayFor(dtype: NpyDtype, buffer: ArrayBuffer, length: number): NpyData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, 0, length);
    case 'float64':
      return new Float64Array(buffer, 0, length);
    case 'int8':
      return new Int8Array(buffer, 0, length);
    case 'int16':
      return new Int16Array(buffer, 0, length);
    case 'int32':
      return new Int32Array(buffer, 0, length);
    case 'uint8':
      return new Uint8Array(buffer, 0, length);
    case 'uint16':
      return new Uint16Array(buffer, 0, length);
    case 'uint32':
      return new Uint32Array(buffer, 0, length);
    default:
      throw new SoftmixError('internal', `no typed array for ${dtype}`);
  }
}

export function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let o = 0; o < bytes.length; o += size) {
    for (let a = o, b = o + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** Reorder Fortran-ordered (column-major) elements into C (row-major) order. */
function fortranToC<T extends NpyData>(src: T, shape: number[]): T {
  const nd = shape.length;
  if (nd <= 1 || src.length === 0) return src;
  const dst = new (src.constructor as new (n: number) => T)(src.length);
  if (nd === 2) {
    const [r, c] = shape;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) dst[i * c + j] = src[j * r + i];
    return dst;
  }
  const fStride = new Array<number>(nd);
  fStride[0] = 1;
  for (let d = 1; d < nd; d++) fStride[d] = fStride[d - 1] * shape[d - 1];
  const idx = new Array<number>(nd).fill(0);
  let f = 0;
  for (let k = 0; k < dst.length; k++) {
    dst[k] = src[f];
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      f += fStride[d];
      if (idx[d] < shape[d]) break;
      f -= fStride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return dst;
}

/** A shape as Python prints it, its middle elided when it has many dimensions (a header may hold thousands). */
function shapeForMessage(shape: number[]): string {
  const dims = shape.length > 8 ? [...shape.slice(0, 4), '…', ...shape.slice(-2)] : shape;
  return `(${dims.join(', ')})${shape.length > 8 ? ` [${shape.length} dimensions]` : ''}`;
}

/**
 * The dimensions of a header's 'shape', checked against the `dataBytes` that follow the header.
 * Enormous dimensions are reported as truncated data (the file cannot hold them), whatever
 * their product.
 */
function checkShape(dims: PyValue[], dtype: NpyDtype, dataBytes: number, name: string): number[] {
  const shape: number[] = [];
  for (const d of dims) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw formatError(name, `header 'shape' has an invalid dimension ${String(d)} (must be a non-negative integer)`);
    }
    shape.push(d + 0); // '-0' reads as -0
  }
  // With a zero dimension the others do not matter (an empty array, as in NumPy); without one
  // the product only grows, so an overflow to Infinity still compares as too large, never NaN.
  const needed = shape.includes(0) ? 0 : shape.reduce((a, b) => a * b, 1) * DTYPES[dtype].size;
  const what = `shape ${shapeForMessage(shape)} of ${dtype} needs ${Number.isSafeInteger(needed) ? needed : 'more than 2^53'} bytes`;
  if (needed > dataBytes) throw formatError(name, `truncated data: ${what} but the file has ${dataBytes}`);
  if (needed < dataBytes) throw formatError(name, `data length does not match the shape: ${what} but the file has ${dataBytes}`);
  return shape;
}

/**
 * Parse a `.npy` file. `name` (a file name or label) is used in error messages.
 * Throws SoftmixError('file-format') for anything malformed or unsupported.
 */
export function parseNpy(input: Uint8Array | ArrayBuffer, name = 'array'): NpyArray {
  const bytes = ArrayBuffer.isView(input)
    ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
    : new Uint8Array(input);
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b)) {
    throw formatError(name, 'not a .npy file (bad magic: it does not start with "\\x93NUMPY")');
  }
  const major = bytes[6];
  const minor = bytes[7];
  if ((major !== 1 && major !== 2 && major !== 3) || minor !== 0) {
    throw formatError(name, `unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerStart = 10;
    headerLen = view.getUint16(8, true);
  } else {
    if (bytes.length < 12) throw formatError(name, 'truncated header (file ends inside the header length field)');
    headerStart = 12;
    headerLen = view.getUint32(8, true);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) {
    throw formatError(
      name,
      `truncated header: the header length field says ${headerLen} bytes but only ${bytes.length - headerStart} follow`,
    );
  }
  if (headerLen > MAX_HEADER_BYTES) {
    throw formatError(name, `header is ${headerLen} bytes long; softmix reads headers of at most ${MAX_HEADER_BYTES} bytes (NumPy writes a few hundred for a numeric array)`);
  }
  const headerBytes = bytes.subarray(headerStart, dataStart);
  let header: string;
  if (major === 3) {
    try {
      header = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    } catch {
      throw formatError(name, 'header is not valid UTF-8');
    }
  } else {
    header = '';
    for (let k = 0; k < headerBytes.length; k++) header += String.fromCharCode(headerBytes[k]); // latin1
  }

  const fail = (problem: string): never => {
    throw formatError(name, `cannot parse header: ${problem}`);
  };
  const dict = parsePyLiteral(header, fail);
  if (!(dict instanceof Map)) throw formatError(name, 'header is not a dictionary');
  const keys = [...dict.keys()].sort();
  if (keys.join(',') !== 'descr,fortran_order,shape') {
    throw formatError(name, `header must have exactly the keys 'descr', 'fortran_order', 'shape'; found ${keys.map((k) => `'${k}'`).join(', ') || 'none'}`);
  }
  const { dtype, littleEndian } = parseDescr(dict.get('descr')!, name);
  const fortran = dict.get('fortran_order');
  if (typeof fortran !== 'boolean') throw formatError(name, "header 'fortran_order' is not True or False");
  const shapeValue = dict.get('shape');
  if (!(shapeValue instanceof PyTuple)) throw formatError(name, "header 'shape' is not a tuple");
  const shape = checkShape(shapeValue.items, dtype, bytes.length - dataStart, name);
  const count = shape.reduce((a, b) => a * b, 1); // exact: checkShape matched it with the data
  const expectedBytes = count * DTYPES[dtype].size;

  let data: NpyData;
  if (dtype === 'int64' || dtype === 'uint64') {
    const values = new Float64Array(count);
    const signed = dtype === 'int64';
    const lo = littleEndian ? 0 : 4;
    const hi = littleEndian ? 4 : 0;
    for (let k = 0; k < count; k++) {
      const o = dataStart + k * 8;
      const l = view.getUint32(o + lo, littleEndian);
      const h = signed ? view.getInt32(o + hi, littleEndian) : view.getUint32(o + hi, littleEndian);
      // |h·2^32 + l| ≤ 2^53  ⇔  -2^21 ≤ h < 2^21, or h = 2^21 with l = 0.
      if (!((h >= -TWO_21 && h < TWO_21) || (h === TWO_21 && l === 0))) {
        const exact = signed ? view.getBigInt64(o, littleEndian) : view.getBigUint64(o, littleEndian);
        throw formatError(
          name,
          `${dtype} value ${exact} at element ${k} is larger in magnitude than 2^53 and cannot be represented exactly as a JavaScript number`,
        );
      }
      values[k] = h * TWO_32 + l;
    }
    data = values;
  } else {
    const copy = new Uint8Array(bytes.subarray(dataStart, dataStart + expectedBytes)); // own, aligned buffer
    if (DTYPES[dtype].size > 1 && littleEndian !== HOST_LITTLE_ENDIAN) swapBytes(copy, DTYPES[dtype].size);
    data = typedArrayFor(dtype, copy.buffer, count);
  }
  if (fortran) data = fortranToC(data, shape);
  return { shape, dtype, data, fortranOrder: false };
}
