import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNpy, type NpyDtype } from '../src/io/npy.ts';
import { writeNpy } from '../src/io/npy-write.ts';
import { readMatrix } from '../src/io/files.ts';
import { SoftmixError } from '../src/errors.ts';

const fixture = (file: string): Uint8Array => readFileSync(new URL(`./fixtures/${file}`, import.meta.url));

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Build a .npy file by hand: any version, any header text, any data bytes. */
function handBuilt(version: 1 | 2 | 3, header: string, data: Uint8Array, opts: { pad?: boolean } = {}): Uint8Array {
  const preamble = version === 1 ? 10 : 12;
  let h = new TextEncoder().encode(header);
  if (opts.pad !== false) {
    const total = preamble + h.length + 1;
    const pad = (64 - (total % 64)) % 64;
    h = new TextEncoder().encode(header + ' '.repeat(pad) + '\n');
  }
  const out = new Uint8Array(preamble + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, h.length, true);
  else view.setUint32(8, h.length, true);
  out.set(h, preamble);
  out.set(data, preamble + h.length);
  return out;
}

function expectFileFormatError(fn: () => unknown, ...fragments: (string | RegExp)[]): SoftmixError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SoftmixError);
  const err = caught as SoftmixError;
  expect(err.code).toBe('file-format');
  for (const f of fragments) expect(err.message).toMatch(f);
  return err;
}

describe('writeNpy → parseNpy round trip', () => {
  const cases: [NpyDtype, ArrayLike<number> & ArrayBufferView][] = [
    ['float32', new Float32Array([0, -0, 1.5, -3.25e-30, 3.4e38, Infinity, -Infinity, NaN, 1 / 3])],
    ['float64', new Float64Array([0, -0, Math.PI, -1e-308, 5e-324, 1.7976931348623157e308, NaN, -Infinity, 1 / 3])],
    ['int8', new Int8Array([-128, -1, 0, 1, 127, 5])],
    ['int16', new Int16Array([-32768, -1, 0, 1, 32767, 12345])],
    ['int32', new Int32Array([-2147483648, -1, 0, 1, 2147483647, 123456789])],
    ['uint8', new Uint8Array([0, 1, 127, 128, 254, 255])],
    ['uint16', new Uint16Array([0, 1, 32768, 65535, 4242, 7])],
    ['uint32', new Uint32Array([0, 1, 2147483648, 4294967295, 99, 100000])],
    ['int64', new Float64Array([-(2 ** 53), -(2 ** 32) - 1, -1, 0, 2 ** 32, 2 ** 53])],
    ['uint64', new Float64Array([0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3, 2 ** 53])],
  ];
  for (const [dtype, values] of cases) {
    it(`${dtype}: values are bit-identical`, () => {
      const shape = values.length % 3 === 0 ? [values.length / 3, 3] : [values.length];
      const file = writeNpy(values, shape, dtype);
      expect((10 + new DataView(file.buffer).getUint16(8, true)) % 64).toBe(0);
      const back = parseNpy(file, `${dtype}.npy`);
      expect(back.dtype).toBe(dtype);
      expect(back.shape).toEqual(shape);
      expect(back.fortranOrder).toBe(false);
      if (dtype === 'int64' || dtype === 'uint64') {
        expect(back.data).toBeInstanceOf(Float64Array);
        expect(Array.from(back.data)).toEqual(Array.from(values));
      } else {
        expect(back.data.constructor).toBe(values.constructor);
        expect(bytesOf(back.data)).toEqual(bytesOf(values));
      }
    });
  }

  it('infers the dtype from the typed array, and a plain array is float64', () => {
    expect(parseNpy(writeNpy(new Int16Array([1, 2]), [2])).dtype).toBe('int16');
    expect(parseNpy(writeNpy(new Float32Array([1, 2]), [1, 2])).dtype).toBe('float32');
    const plain = parseNpy(writeNpy([1.25, 2, 3], [3]));
    expect(plain.dtype).toBe('float64');
    expect(Array.from(plain.data)).toEqual([1.25, 2, 3]);
  });

  it('converts between types when a dtype is given (float64 values → float32 / int32)', () => {
    const f = parseNpy(writeNpy(new Float64Array([0.1, 2]), [2], 'float32'));
    expect(f.data).toEqual(new Float32Array([0.1, 2]));
    const i = parseNpy(writeNpy(new Float64Array([-7, 9]), [2], 'int32'));
    expect(i.data).toEqual(new Int32Array([-7, 9]));
  });

  it('handles 0-d, empty and 3-d arrays', () => {
    const scalar = parseNpy(writeNpy(new Float64Array([2.5]), []));
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.data)).toEqual([2.5]);
    const empty = parseNpy(writeNpy(new Float32Array(0), [0, 4]));
    expect(empty.shape).toEqual([0, 4]);
    expect(empty.data.length).toBe(0);
    const cube = parseNpy(writeNpy(new Int32Array(24).map((_, k) => k), [2, 3, 4]));
    expect(cube.shape).toEqual([2, 3, 4]);
    expect(cube.data[23]).toBe(23);
  });

  it('writes a 64-byte aligned version 1.0 header, numpy-style', () => {
    const file = writeNpy(new Float64Array(6), [2, 3]);
    expect(Array.from(file.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const hlen = new DataView(file.buffer).getUint16(8, true);
    expect((10 + hlen) % 64).toBe(0);
    expect(file[10 + hlen - 1]).toBe(0x0a);
    const header = new TextDecoder().decode(file.subarray(10, 10 + hlen));
    expect(header.startsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }")).toBe(true);
    expect(file.length).toBe(10 + hlen + 48);
  });

  it('switches to version 2.0 when the header does not fit in 65535 bytes', () => {
    const shape = new Array<number>(25000).fill(1);
    const file = writeNpy(new Float64Array([4.5]), shape);
    expect(file[6]).toBe(2);
    const hlen = new DataView(file.buffer).getUint32(8, true);
    expect(hlen).toBeGreaterThan(65535);
    expect((12 + hlen) % 64).toBe(0);
    const back = parseNpy(file);
    expect(back.shape.length).toBe(25000);
    expect(Array.from(back.data)).toEqual([4.5]);
  });

  it('accepts an ArrayBuffer and a Uint8Array at a non-zero, unaligned offset', () => {
    const file = writeNpy(new Float64Array([1, 2, 3]), [3]);
    expect(Array.from(parseNpy(file.buffer as ArrayBuffer).data)).toEqual([1, 2, 3]);
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    expect(Array.from(parseNpy(shifted.subarray(3)).data)).toEqual([1, 2, 3]);
  });

  it('rejects values that do not fit the requested integer dtype', () => {
    expect(() => writeNpy([1.5], [1], 'int32')).toThrow(/cannot be stored as int32/);
    expect(() => writeNpy([256], [1], 'uint8')).toThrow(/cannot be stored as uint8/);
    expect(() => writeNpy([2 ** 53 + 2], [1], 'int64')).toThrow(SoftmixError);
    expect(() => writeNpy([1, 2, 3], [2, 2])).toThrow(/4 elements but 3 values/);
  });
});

describe('files written by NumPy', () => {
  it('reads a 1-D float64 array', () => {
    const a = parseNpy(fixture('npy-f8-1d.npy'), 'npy-f8-1d.npy');
    expect(a.dtype).toBe('float64');
    expect(a.shape).toEqual([6]);
    expect(Array.from(a.data)).toEqual([0.0, -1.5, 3.141592653589793, 1e-300, -2.5e300, 7.0]);
  });

  it('reads a 2-D float32 array', () => {
    const a = parseNpy(fixture('npy-f4-2d.npy'));
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([3, 4]);
    expect(a.data).toBeInstanceOf(Float32Array);
    const expected = new Float32Array(12).map((_, k) => Math.fround(k / 3));
    expect(a.data).toEqual(expected);
  });

  it('reads integer dtypes', () => {
    expect(Array.from(parseNpy(fixture('npy-i4-1d.npy')).data)).toEqual([-2147483648, -1, 0, 1, 2147483647]);
    const i8 = parseNpy(fixture('npy-i8-1d.npy'));
    expect(i8.dtype).toBe('int64');
    expect(Array.from(i8.data)).toEqual([-(2 ** 53), -1, 0, 42, 2 ** 53]);
    const u1 = parseNpy(fixture('npy-u1-2d.npy'));
    expect(u1.dtype).toBe('uint8');
    expect(u1.shape).toEqual([2, 3]);
    expect(Array.from(u1.data)).toEqual([0, 1, 2, 253, 254, 255]);
    expect(Array.from(parseNpy(fixture('npy-u2-1d.npy')).data)).toEqual([0, 1, 65535]);
    expect(Array.from(parseNpy(fixture('npy-u4-1d.npy')).data)).toEqual([0, 1, 4294967295]);
  });

  it('reads big-endian float64 and int32 arrays', () => {
    const f = parseNpy(fixture('npy-be-f8-2d.npy'));
    expect(f.dtype).toBe('float64');
    expect(f.shape).toEqual([2, 2]);
    expect(Array.from(f.data)).toEqual([1.0, -2.25, 1e10, 0.1]);
    const i = parseNpy(fixture('npy-be-i4-1d.npy'));
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.data)).toEqual([1, -2, 300000]);
  });

  it('transposes Fortran-ordered arrays into C order (2-D and 3-D)', () => {
    const a = parseNpy(fixture('npy-fortran-f8-2x3.npy'));
    expect(a.shape).toEqual([2, 3]);
    expect(a.fortranOrder).toBe(false);
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4, 5]);
    const b = parseNpy(fixture('npy-fortran-i4-2x3x4.npy'));
    expect(b.shape).toEqual([2, 3, 4]);
    expect(Array.from(b.data)).toEqual(Array.from({ length: 24 }, (_, k) => k));
  });

  it('reads format versions 2.0 and 3.0 written by numpy.lib.format.write_array', () => {
    const v2 = fixture('npy-v2-f4.npy');
    expect(v2[6]).toBe(2);
    expect(Array.from(parseNpy(v2).data)).toEqual([1.5, -2.0, 3.25]);
    const v3 = fixture('npy-v3-i8-2d.npy');
    expect(v3[6]).toBe(3);
    const a = parseNpy(v3);
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, -4]);
  });

  it('writeNpy output is byte-identical to numpy.save for little-endian C-order arrays', () => {
    for (const file of ['npy-f8-1d.npy', 'npy-f4-2d.npy', 'npy-i4-1d.npy', 'npy-i8-1d.npy', 'npy-u1-2d.npy', 'npy-u2-1d.npy', 'npy-u4-1d.npy']) {
      const bytes = fixture(file);
      const a = parseNpy(bytes, file);
      expect(writeNpy(a.data, a.shape, a.dtype), file).toEqual(new Uint8Array(bytes));
    }
  });
});

describe('hand-built headers', () => {
  const f64 = (xs: number[]) => bytesOf(new Float64Array(xs));

  it('reads a version 2.0 header', () => {
    const file = handBuilt(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", f64([1.25, -8]));
    const a = parseNpy(file);
    expect(a.shape).toEqual([2]);
    expect(Array.from(a.data)).toEqual([1.25, -8]);
  });

  it('reads a version 3.0 (UTF-8) header', () => {
    const file = handBuilt(3, "{'descr': '<u2', 'fortran_order': False, 'shape': (1, 3), }", bytesOf(new Uint16Array([7, 8, 65535])));
    const a = parseNpy(file);
    expect(a.dtype).toBe('uint16');
    expect(a.shape).toEqual([1, 3]);
    expect(Array.from(a.data)).toEqual([7, 8, 65535]);
  });

  it('tolerates unpadded headers, other key order, double quotes and Python 2 long suffixes', () => {
    const file = handBuilt(1, '{"shape": (1L, 2L), "fortran_order": False, "descr": "<f8"}', f64([3, 4]), { pad: false });
    const a = parseNpy(file);
    expect(a.shape).toEqual([1, 2]);
    expect(Array.from(a.data)).toEqual([3, 4]);
  });

  it('reads a 0-d array with shape ()', () => {
    const a = parseNpy(handBuilt(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", f64([9])));
    expect(a.shape).toEqual([]);
    expect(Array.from(a.data)).toEqual([9]);
  });
});

describe('malformed .npy input', () => {
  const good = () => writeNpy(new Float64Array([1, 2, 3, 4]), [2, 2]);
  const hdr = (h: string, data = new Uint8Array(8)) => handBuilt(1, h, data);

  it('bad magic', () => {
    const file = good();
    file[1] = 0x58;
    expectFileFormatError(() => parseNpy(file, 'features.npy'), 'features.npy', /bad magic/);
  });

  it('not even long enough for the magic', () => {
    expectFileFormatError(() => parseNpy(new Uint8Array([0x93, 0x4e]), 'tiny.npy'), 'tiny.npy', /bad magic/);
  });

  it('unsupported format version', () => {
    const file = good();
    file[6] = 4;
    expectFileFormatError(() => parseNpy(file, 'x.npy'), 'x.npy', /version 4\.0/);
  });

  it('header length larger than the file', () => {
    const file = good().subarray(0, 40);
    expectFileFormatError(() => parseNpy(file, 'cut.npy'), 'cut.npy', /truncated header/);
  });

  it('truncated data', () => {
    const file = good();
    expectFileFormatError(() => parseNpy(file.subarray(0, file.length - 5), 'counts.npy'), 'counts.npy', /truncated data/, /needs 32 bytes/, /has 27/);
  });

  it('extra bytes after the data', () => {
    const file = good();
    const longer = new Uint8Array(file.length + 8);
    longer.set(file);
    expectFileFormatError(() => parseNpy(longer, 'long.npy'), 'long.npy', /does not match the shape/, /has 40/);
  });

  it('unsupported dtype: boolean (written by NumPy)', () => {
    expectFileFormatError(() => parseNpy(fixture('npy-bool.npy'), 'npy-bool.npy'), 'npy-bool.npy', /unsupported dtype '\|b1'/, /boolean/);
  });

  it('unsupported dtype: complex (written by NumPy)', () => {
    expectFileFormatError(() => parseNpy(fixture('npy-c16.npy'), 'npy-c16.npy'), 'npy-c16.npy', /unsupported dtype '<c16'/, /complex/);
  });

  it('unsupported dtype: objects, strings, float16, datetime', () => {
    expectFileFormatError(() => parseNpy(hdr("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"), 'o.npy'), 'o.npy', /'\|O'/, /objects/);
    expectFileFormatError(() => parseNpy(hdr("{'descr': '<U2', 'fortran_order': False, 'shape': (1,), }"), 's.npy'), 's.npy', /'<U2'/, /strings/);
    expectFileFormatError(() => parseNpy(hdr("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }"), 'h.npy'), 'h.npy', /'<f2'/, /float16/);
    expectFileFormatError(() => parseNpy(hdr("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (1,), }"), 'd.npy'), 'd.npy', /datetime/);
  });

  it('unsupported dtype: structured', () => {
    const h = "{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (1,), }";
    expectFileFormatError(() => parseNpy(hdr(h), 'rec.npy'), 'rec.npy', /structured dtypes/);
  });

  it('int64 values beyond 2^53', () => {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setBigInt64(0, 2n ** 53n + 1n, true);
    const file = hdr("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", data);
    expectFileFormatError(() => parseNpy(file, 'big.npy'), 'big.npy', /9007199254740993/, /2\^53/);
    new DataView(data.buffer).setBigInt64(0, -(2n ** 53n) - 1n, true);
    expectFileFormatError(() => parseNpy(hdr("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", data), 'neg.npy'), /-9007199254740993/);
    new DataView(data.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    expectFileFormatError(() => parseNpy(hdr("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", data), 'u.npy'), /18446744073709551615/);
  });

  it('missing or extra header keys', () => {
    expectFileFormatError(() => parseNpy(hdr("{'descr': '<f8', 'shape': (1,), }"), 'k.npy'), 'k.npy', /exactly the keys/);
    expectFileFormatError(
      () => parseNpy(hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1}"), 'k.npy'),
      /'extra'/,
    );
  });

  it('invalid shape or fortran_order values', () => {
    expectFileFormatError(() => parseNpy(hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }"), 'n.npy'), 'n.npy', /invalid dimension -1/);
    expectFileFormatError(() => parseNpy(hdr("{'descr': '<f8', 'fortran_order': False, 'shape': [1], }"), 'n.npy'), /'shape' is not a tuple/);
    expectFileFormatError(() => parseNpy(hdr("{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }"), 'n.npy'), /fortran_order/);
  });

  it('unparseable header', () => {
    expectFileFormatError(() => parseNpy(hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (1,) "), 'p.npy'), 'p.npy', /cannot parse header/);
    expectFileFormatError(() => parseNpy(hdr("{'descr': <f8}"), 'p.npy'), /cannot parse header/);
    expectFileFormatError(() => parseNpy(hdr("('descr', '<f8')"), 'p.npy'), /not a dictionary/);
  });

  it('version 3.0 header that is not valid UTF-8', () => {
    const file = handBuilt(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8));
    file[20] = 0xff;
    expectFileFormatError(() => parseNpy(file, 'u8.npy'), 'u8.npy', /not valid UTF-8/);
  });
});

// Issue 17: headers written to break the parser, not by NumPy. Each must end in a
// file-format error that names the problem — never a RangeError or a wrong array.
describe('hostile .npy headers', () => {
  const dict = (shape: string) => `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`;

  it('20,000 nested brackets: a nesting-depth error, not a stack overflow', () => {
    expectFileFormatError(() => parseNpy(handBuilt(1, '['.repeat(20000), new Uint8Array(0)), 'deep.npy'), 'deep.npy', /nest more than 64 deep/);
    const inShape = dict('('.repeat(20000) + ')'.repeat(20000));
    expectFileFormatError(() => parseNpy(handBuilt(2, inShape, new Uint8Array(0)), 'deep2.npy'), /nest more than 64 deep/);
  });

  it('the same through readMatrix (what the softmix command calls)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'softmix-npy-'));
    try {
      const path = join(dir, 'features.npy');
      writeFileSync(path, handBuilt(1, '['.repeat(20000), new Uint8Array(0)));
      expectFileFormatError(() => readMatrix(path), 'features.npy', /nest more than 64 deep/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a header length field far beyond the file', () => {
    const file = handBuilt(2, dict('(1,)'), new Uint8Array(8));
    new DataView(file.buffer).setUint32(8, 0xffffffff, true);
    expectFileFormatError(() => parseNpy(file, 'len.npy'), /header length field says 4294967295 bytes/);
  });

  it('a header longer than any NumPy writes (over 1 MiB) is refused before it is parsed', () => {
    const huge = `{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'pad': '${'x'.repeat(2 ** 20)}'}`;
    expectFileFormatError(() => parseNpy(handBuilt(2, huge, new Uint8Array(8)), 'pad.npy'), /header is 1048\d{3} bytes long/, /at most 1048576/);
  });

  it('dimensions whose product overflows are compared with the data, not multiplied out', () => {
    const big = String(2 ** 52);
    expectFileFormatError(() => parseNpy(handBuilt(1, dict(`(${big}, ${big}, ${big})`), new Uint8Array(8)), 'big.npy'), /truncated data/, /needs more than 2\^53 bytes but the file has 8/);
    // one zero dimension: an empty array, however large the others
    expect(parseNpy(handBuilt(1, dict(`(${big}, ${big}, ${big}, 0)`), new Uint8Array(0))).data.length).toBe(0);
  });

  it('negative, fractional and huge dimensions', () => {
    expectFileFormatError(() => parseNpy(handBuilt(1, dict('(2, -3)'), new Uint8Array(0))), /invalid dimension -3/);
    expectFileFormatError(() => parseNpy(handBuilt(1, dict('(2.5,)'), new Uint8Array(0))), /cannot parse header/);
    expectFileFormatError(() => parseNpy(handBuilt(1, dict(`(${'9'.repeat(400)},)`), new Uint8Array(0))), /invalid dimension/);
  });

  it('a shape of 20,000 dimensions gets a short message', () => {
    const err = expectFileFormatError(() => parseNpy(handBuilt(1, dict(`(${'2, '.repeat(20000)})`), new Uint8Array(8))), /20000 dimensions/, /truncated data/);
    expect(err.message.length).toBeLessThan(300);
  });

  it('a key given twice', () => {
    const twice = "{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
    expectFileFormatError(() => parseNpy(handBuilt(1, twice, new Uint8Array(8))), /'descr' twice/);
  });

  it('a header that is not a dictionary', () => {
    for (const h of ['[1, 2]', "'descr'", '42', 'None', '(1,)']) {
      expectFileFormatError(() => parseNpy(handBuilt(1, h, new Uint8Array(0))), /header is not a dictionary/);
    }
  });
});
