import { describe, it, expect } from 'vitest';
import { parseCsvMatrix, formatCsvMatrix } from '../src/io/csv.ts';
import { SoftmixError } from '../src/errors.ts';

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

describe('parseCsvMatrix', () => {
  it('reads a plain comma-separated matrix', () => {
    const m = parseCsvMatrix('1,2,3\n4.5,-6e-3,+7\n');
    expect(m.rows).toBe(2);
    expect(m.cols).toBe(3);
    expect(Array.from(m.values)).toEqual([1, 2, 3, 4.5, -0.006, 7]);
    expect(m.header).toBeUndefined();
    expect(m.delimiter).toBe(',');
  });

  it('detects and returns a header row of names', () => {
    const m = parseCsvMatrix('x1, "x 2",x3\n1,2,3\n4,5,6\n');
    expect(m.header).toEqual(['x1', 'x 2', 'x3']);
    expect(m.rows).toBe(2);
    expect(Array.from(m.values)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('detects tab and semicolon delimiters', () => {
    const t = parseCsvMatrix('a\tb\n1\t2\n3\t4\n');
    expect(t.delimiter).toBe('\t');
    expect(t.header).toEqual(['a', 'b']);
    expect(Array.from(t.values)).toEqual([1, 2, 3, 4]);
    const s = parseCsvMatrix('1;2;3\n4;5;6');
    expect(s.delimiter).toBe(';');
    expect(s.cols).toBe(3);
    expect(Array.from(s.values)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads whitespace-separated text as numpy.savetxt writes it by default', () => {
    const m = parseCsvMatrix('1.000000000000000000e+00 2.500000000000000000e+00\n-3.000000000000000000e+00   4.0\n');
    expect(m.delimiter).toBe(' ');
    expect(m.rows).toBe(2);
    expect(Array.from(m.values)).toEqual([1, 2.5, -3, 4]);
  });

  it('reads a single column whose header has a space in it', () => {
    const m = parseCsvMatrix('feature one\n1.5\n2\n');
    expect(m.header).toEqual(['feature one']);
    expect(Array.from(m.values)).toEqual([1.5, 2]);
  });

  it('reads a single column', () => {
    const m = parseCsvMatrix('count\n3\n0\n12\n');
    expect(m.header).toEqual(['count']);
    expect(m.cols).toBe(1);
    expect(Array.from(m.values)).toEqual([3, 0, 12]);
  });

  it('handles CRLF, a byte-order mark, quoted numbers, spaces around cells and blank lines at both ends', () => {
    const m = parseCsvMatrix('\uFEFF\r\n\r\n"1", 2 \r\n3 ,"4"\r\n\r\n  \r\n');
    expect(m.rows).toBe(2);
    expect(Array.from(m.values)).toEqual([1, 2, 3, 4]);
  });

  it('accepts nan and inf spellings', () => {
    const m = parseCsvMatrix('nan,NaN,inf,-inf,Infinity,-Infinity\n');
    const v = Array.from(m.values);
    expect(v.slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(v.slice(2)).toEqual([Infinity, -Infinity, Infinity, -Infinity]);
  });

  it('can be told whether there is a header and which delimiter to use', () => {
    const forced = parseCsvMatrix('1,2\n3,4\n', 'x.csv', { header: true });
    expect(forced.header).toEqual(['1', '2']);
    expect(forced.rows).toBe(1);
    const pipe = parseCsvMatrix('1|2\n3|4\n', 'x.csv', { delimiter: '|' });
    expect(Array.from(pipe.values)).toEqual([1, 2, 3, 4]);
    expectFileFormatError(() => parseCsvMatrix('a,b\n1,2\n', 'x.csv', { header: false }), /row 1, column 1: "a" is not a number/);
  });
});

describe('formatCsvMatrix', () => {
  it('writes comma-separated rows with a final newline', () => {
    expect(formatCsvMatrix([1, 2.5, -3, 4], 2, 2)).toBe('1,2.5\n-3,4\n');
    expect(formatCsvMatrix(new Float32Array([0.5]), 1, 1, ['p'])).toBe('p\n0.5\n');
  });

  it('round-trips values bit-identically, with a header that needs quoting', () => {
    const values = new Float64Array([Math.PI, -0, 5e-324, 1 / 3, -1.7976931348623157e308, 1e21, 0.1 + 0.2, 123456789012345680]);
    const header = ['plain', 'with,comma', ' padded ', 'say "hi"'];
    const text = formatCsvMatrix(values, 2, 4, header);
    const back = parseCsvMatrix(text, 'rt.csv');
    expect(back.header).toEqual(['plain', 'with,comma', 'padded', 'say "hi"']); // names are trimmed
    expect(back.rows).toBe(2);
    expect(back.cols).toBe(4);
    expect(new Uint8Array(back.values.buffer)).toEqual(new Uint8Array(values.buffer));
  });

  it('rejects sizes that do not match', () => {
    expect(() => formatCsvMatrix([1, 2, 3], 2, 2)).toThrow(SoftmixError);
    expect(() => formatCsvMatrix([1, 2], 1, 2, ['a'])).toThrow(/2 columns/);
  });
});

describe('malformed CSV', () => {
  it('ragged row with too few cells', () => {
    expectFileFormatError(() => parseCsvMatrix('a,b,c\n1,2,3\n4,5\n', 'features.csv'), 'features.csv', /row 3 has 2 columns but row 2 has 3/, /ragged/);
  });

  it('ragged row with too many cells', () => {
    expectFileFormatError(() => parseCsvMatrix('1,2\n3,4\n5,6,7\n', 'f.csv'), 'f.csv', /row 3 has 3 columns but row 1 has 2/);
  });

  it('header with a different number of columns than the data', () => {
    expectFileFormatError(() => parseCsvMatrix('a,b\n1,2,3\n', 'h.csv'), 'h.csv', /header \(row 1\) has 2 columns but row 2 has 3/);
  });

  it('non-numeric cell, naming row and column', () => {
    expectFileFormatError(() => parseCsvMatrix('x,y\n1,2\n3,abc\n', 'counts.csv'), 'counts.csv', /row 3, column 2: "abc" is not a number/);
  });

  it('decimal commas in a semicolon file are not numbers', () => {
    expectFileFormatError(() => parseCsvMatrix('1,5;2,5\n3,0;4,0\n', 'eu.csv'), 'eu.csv', /row 1, column 1: "1,5" is not a number/);
  });

  // Issue 17: the hints say what to do in both faces — the library (an option) and the
  // softmix command (which has no CSV options: only the file can change).
  it('decimal commas: the hint says so, and how to fix the file (not "header: true")', () => {
    const err = expectFileFormatError(() => parseCsvMatrix('1,5;2,5\n3,0;4,0\n', 'eu.csv'), /"1,5" is not a number/, /decimal comma/, /'\.' as the decimal point/);
    expect(err.message).not.toMatch(/header/);
  });

  it('decimal commas below a header row (European spreadsheet export) get the same hint', () => {
    expectFileFormatError(() => parseCsvMatrix('x;y\n1,5;2\n3;4,25\n', 'eu.csv'), /row 2, column 1: "1,5" is not a number/, /decimal comma/);
    expectFileFormatError(() => parseCsvMatrix('a;b\n1.234,5;2\n', 'eu.csv'), /"1\.234,5" is not a number/, /decimal comma/);
  });

  it('a header row read as data: the hint names the library option and what the softmix command needs', () => {
    const err = expectFileFormatError(() => parseCsvMatrix('id,2nd\n1,2\n', 'h.csv'), /row 1, column 1: "id" is not a number/);
    expect(err.message).toMatch(/library: pass \{ header: true \}/);
    expect(err.message).toMatch(/softmix command and demo page: rename the columns so that none starts with a digit/);
  });

  it('a first row mixing names and numbers is data, and its bad cell is reported', () => {
    expectFileFormatError(() => parseCsvMatrix('x,2\n1,2\n', 'mixed.csv'), 'mixed.csv', /row 1, column 1: "x" is not a number/, /header: true/);
  });

  it('empty cell', () => {
    expectFileFormatError(() => parseCsvMatrix('1,2\n3,\n', 'e.csv'), 'e.csv', /row 2, column 2 is empty/);
  });

  it('blank line in the middle (row numbers count leading blank lines)', () => {
    expectFileFormatError(() => parseCsvMatrix('\n1,2\n\n3,4\n', 'b.csv'), 'b.csv', /row 3 is blank/);
  });

  it('empty file', () => {
    expectFileFormatError(() => parseCsvMatrix(' \n\n', 'nothing.csv'), 'nothing.csv', /empty/);
  });

  it('header but no data', () => {
    expectFileFormatError(() => parseCsvMatrix('a,b,c\n', 'hdr.csv'), 'hdr.csv', /no data rows/);
  });

  it('unterminated quote', () => {
    expectFileFormatError(() => parseCsvMatrix('1,2\n3,"4\n', 'q.csv'), 'q.csv', /malformed quoting/);
  });
});
