/**
 * Numeric CSV matrices, in memory: text in, Float64Array out (and back). Environment-agnostic.
 *
 * Tokenising (quotes, line endings, delimiter guessing) is done by papaparse; the validation —
 * header detection, rectangular shape, numeric cells — is ours, with errors that name the file,
 * the row and the column (1-based, counting every line of the file, header and blank lines
 * included).
 */
import Papa from 'papaparse';
import { SoftmixError } from '../errors.ts';

export interface CsvMatrix {
  rows: number;
  cols: number;
  /** Row-major, rows × cols. */
  values: Float64Array;
  /** Column names, when the first row was a header. */
  header?: string[];
  /** The delimiter used: ',', '\t', ';', or ' ' for whitespace-separated columns (as `numpy.savetxt` writes by default). */
  delimiter: string;
}

export interface CsvParseOptions {
  /** Force a delimiter. Default: detect ',', '\t' or ';', else runs of spaces/tabs. ' ' means runs of whitespace. */
  delimiter?: string;
  /** true: the first row is a header; false: it is data; default: a header when none of its cells is or starts like a number. */
  header?: boolean;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;

/**
 * The value of a numeric cell, or undefined when it is not a number. Accepts decimal and
 * exponent notation and nan / inf / infinity (any case, optionally signed); not hex, not
 * thousands separators, not decimal commas.
 */
function parseNumber(cell: string): number | undefined {
  if (NUMBER.test(cell)) return Number(cell);
  const m = SPECIAL.exec(cell);
  if (m) return m[2].toLowerCase() === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
  return undefined;
}

/**
 * Pick the delimiter from the first (up to) 10 non-blank lines, quoted text ignored: the first of
 * tab, ';', ',' that occurs the same non-zero number of times on every one of them (so '1,5;2,5'
 * is semicolon-separated); failing that, the first of them on the first line; failing that,
 * runs of whitespace when the last line has space between values; else ','.
 */
function guessDelimiter(body: string): string {
  const lines = body
    .split(/\r\n|\r|\n/)
    .filter((l) => l.trim() !== '')
    .slice(0, 10)
    .map((l) => l.replace(/"[^"]*"?/g, ''));
  const candidates = ['\t', ';', ','];
  const count = (line: string, d: string) => line.split(d).length - 1;
  for (const d of candidates) {
    const n = count(lines[0], d);
    if (n > 0 && lines.every((l) => count(l, d) === n)) return d;
  }
  for (const d of candidates) if (count(lines[0], d) > 0) return d;
  const last = body.slice(Math.max(body.lastIndexOf('\n'), body.lastIndexOf('\r')) + 1).trim();
  return /\S[ \t]+\S/.test(last) ? ' ' : ',';
}

/** A cell without surrounding spaces, and without quotes that stood after a space (`1, "2"`). */
function cleanCell(cell: string): string {
  const t = cell.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/""/g, '"').trim() : t;
}

/** A number written with a decimal comma, perhaps with '.' or ' ' grouping thousands: "1,5", "-1.234,5", "2,5e3". */
const DECIMAL_COMMA = /^[+-]?\d{1,3}(?:[. ]\d{3})*,\d+(?:[eE][+-]?\d+)?$|^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$/;

/**
 * What to do about a cell that is not a number, for every face: the library (parseCsvMatrix's
 * options), and the softmix command and the demo page, which read CSV with the defaults and
 * have no CSV options, so there only the file can change. `guessedData`: the cell is in a
 * first row that header detection took for data.
 */
function notANumberHint(cell: string, guessedData: boolean): string {
  if (DECIMAL_COMMA.test(cell)) {
    return " (it looks like a decimal comma: softmix reads only '.' as the decimal point; convert the file, e.g. export it from the spreadsheet with '.' as the decimal separator)";
  }
  if (!guessedData) return '';
  return (
    ' (the first row was read as data because some of its cells start like numbers. If it is a header row — ' +
    'library: pass { header: true } to parseCsvMatrix; softmix command and demo page: rename the columns so that none starts with a digit, sign or \'.\', or delete the row)'
  );
}

function quoteForMessage(cell: string): string {
  return JSON.stringify(cell.length > 40 ? `${cell.slice(0, 37)}...` : cell);
}

/**
 * Parse a numeric CSV matrix. `name` (a file name or label) is used in error messages.
 * Blank lines at the start and end are ignored; one in the middle is an error, as are ragged
 * rows, empty cells and non-numeric cells (SoftmixError 'file-format').
 */
export function parseCsvMatrix(text: string, name = 'csv', options: CsvParseOptions = {}): CsvMatrix {
  const fail = (problem: string): never => {
    throw new SoftmixError('file-format', `${name}: ${problem}`);
  };
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Leading and trailing blank lines are dropped before tokenising, so that they neither count
  // as records nor disturb delimiter guessing; leading ones are remembered for row numbers.
  const leading = /^(?:[ \t]*(?:\r\n|\r|\n))*/.exec(text)![0];
  const firstRow = (leading.match(/\r\n|\r|\n/g) ?? []).length + 1;
  const body = text.slice(leading.length).replace(/(?:\r\n|\r|\n)[ \t\r\n]*$/, '');
  if (body.trim() === '') fail('the file is empty (no rows)');

  let records: string[][];
  const delimiter = options.delimiter ?? guessDelimiter(body);
  if (delimiter === ' ') {
    records = body.split(/\r\n|\r|\n/).map((line) => (line.trim() === '' ? [''] : line.trim().split(/[ \t]+/)));
  } else {
    const parsed = Papa.parse<string[]>(body, { delimiter });
    const bad = parsed.errors.find((e) => e.type === 'Quotes');
    if (bad) {
      const where = bad.row !== undefined ? `row ${firstRow + bad.row}: ` : '';
      fail(`${where}malformed quoting (${bad.message})`);
    }
    records = parsed.data;
  }

  const rowNo = (k: number) => firstRow + k;
  let start = 0;
  let header: string[] | undefined;
  const first = records[0].map(cleanCell);
  // Auto-detected header: no cell is a number or starts like one (so '1,5' — a decimal comma —
  // is reported as a bad number rather than silently taken for a column name).
  const firstIsHeader = options.header ?? first.every((c) => parseNumber(c) === undefined && !/^[+-]?\.?\d/.test(c));
  if (firstIsHeader) {
    header = first;
    start = 1;
  }
  const rows = records.length - start;
  if (rows === 0) fail(`has a header row but no data rows`);
  const cols = records[start].length;
  if (header && header.length !== cols) {
    fail(`the header (row ${rowNo(0)}) has ${header.length} column${header.length === 1 ? '' : 's'} but row ${rowNo(start)} has ${cols}`);
  }

  const values = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const k = start + r;
    const record = records[k];
    if (record.length === 1 && record[0].trim() === '') {
      fail(`row ${rowNo(k)} is blank (blank lines are only allowed at the start and end)`);
    }
    if (record.length !== cols) {
      fail(`row ${rowNo(k)} has ${record.length} column${record.length === 1 ? '' : 's'} but row ${rowNo(start)} has ${cols} (ragged rows)`);
    }
    for (let c = 0; c < cols; c++) {
      const cell = cleanCell(record[c]);
      if (cell === '') fail(`row ${rowNo(k)}, column ${c + 1} is empty`);
      const v = parseNumber(cell);
      if (v === undefined) {
        fail(`row ${rowNo(k)}, column ${c + 1}: ${quoteForMessage(cell)} is not a number${notANumberHint(cell, k === 0 && options.header === undefined)}`);
      }
      values[r * cols + c] = v!;
    }
  }
  return header ? { rows, cols, values, header, delimiter } : { rows, cols, values, delimiter };
}

function formatNumber(v: number): string {
  // String() is the shortest text that reads back to the same double; keep the sign of -0.
  return Object.is(v, -0) ? '-0' : String(v);
}

function quoteName(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Format a row-major rows × cols matrix as comma-separated text with '\n' line endings and a
 * final newline; numbers are written exactly (parseCsvMatrix reads back identical doubles).
 * Header names are quoted when needed. Note that a header whose names all look like numbers
 * would be read back as data by header auto-detection.
 */
export function formatCsvMatrix(values: ArrayLike<number>, rows: number, cols: number, header?: readonly string[]): string {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 1) {
    throw new SoftmixError('shape', `formatCsvMatrix: invalid size ${rows}×${cols}`);
  }
  if (values.length !== rows * cols) {
    throw new SoftmixError('shape', `formatCsvMatrix: a ${rows}×${cols} matrix needs ${rows * cols} values but ${values.length} were given`);
  }
  if (header && header.length !== cols) {
    throw new SoftmixError('shape', `formatCsvMatrix: the header has ${header.length} names for ${cols} columns`);
  }
  const lines: string[] = [];
  if (header) lines.push(header.map(quoteName).join(','));
  const cells = new Array<string>(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) cells[c] = formatNumber(values[r * cols + c]);
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}
