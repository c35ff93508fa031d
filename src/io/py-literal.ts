/**
 * A tiny parser for the Python literal subset used in .npy headers (npy.ts).
 * Recursive descent, so nesting is bounded (MAX_NESTING): a hostile header of 20,000 '['
 * would otherwise overflow the stack with a RangeError instead of a file-format error.
 */

export type PyValue = string | number | boolean | null | PyValue[] | PyTuple | Map<string, PyValue>;
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** Real headers nest 2 deep (a dict holding a tuple; 3–4 for structured dtypes, which npy.ts rejects anyway). */
export const MAX_NESTING = 64;

/** Integers as NumPy writes them, with Python 2's long suffix; sticky, so no copy of the rest per number. */
const INTEGER = /[+-]?\d+[lL]?/y;

const WORDS = [
  ['True', true],
  ['False', false],
  ['None', null],
] as const;

export function parsePyLiteral(text: string, fail: (problem: string) => never): PyValue {
  let i = 0;
  let depth = 0;
  const n = text.length;
  const skipWs = () => {
    while (i < n && /\s/.test(text[i])) i++;
  };
  const expect = (ch: string) => {
    skipWs();
    if (text[i] !== ch) fail(`expected '${ch}' at character ${i + 1} of the header`);
    i++;
  };
  /** After an item: a ',' or the closing bracket must follow. */
  const separator = (close: string) => {
    skipWs();
    if (text[i] === ',') i++;
    else if (text[i] !== close) fail(`expected ',' or '${close}' at character ${i + 1} of the header`);
  };
  const parseSequence = (close: string): PyValue[] => {
    const items: PyValue[] = [];
    for (;;) {
      skipWs();
      if (text[i] === close) {
        i++;
        return items;
      }
      items.push(parseValue());
      separator(close);
    }
  };
  const parseDict = (): Map<string, PyValue> => {
    const map = new Map<string, PyValue>();
    for (;;) {
      skipWs();
      if (text[i] === '}') {
        i++;
        return map;
      }
      const key = parseValue();
      if (typeof key !== 'string') fail('header dictionary has a key that is not a string');
      // Python keeps the last of repeated keys; a header that says 'descr' twice is ambiguous.
      if (map.has(key)) fail(`header dictionary has the key '${key}' twice`);
      expect(':');
      map.set(key, parseValue());
      separator('}');
    }
  };
  const parseContainer = (open: string): PyValue => {
    if (++depth > MAX_NESTING) {
      fail(`brackets nest more than ${MAX_NESTING} deep at character ${i + 1} (a .npy header dictionary nests 2 deep)`);
    }
    i++;
    const value = open === '{' ? parseDict() : open === '(' ? new PyTuple(parseSequence(')')) : parseSequence(']');
    depth--;
    return value;
  };
  const parseString = (quote: string): string => {
    i++;
    let s = '';
    while (i < n && text[i] !== quote) {
      if (text[i] === '\\' && i + 1 < n) {
        const e = text[i + 1];
        s += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === '0' ? '\0' : e;
        i += 2;
      } else s += text[i++];
    }
    if (i >= n) fail('header has an unterminated string');
    i++;
    return s;
  };
  const parseValue = (): PyValue => {
    skipWs();
    if (i >= n) fail('header ends in the middle of a value');
    const c = text[i];
    if (c === '{' || c === '(' || c === '[') return parseContainer(c);
    if (c === "'" || c === '"') return parseString(c);
    INTEGER.lastIndex = i;
    const m = INTEGER.exec(text);
    if (m) {
      i += m[0].length;
      return Number(m[0].replace(/[lL]$/, ''));
    }
    for (const [word, value] of WORDS) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    return fail(`unexpected character '${c}' at character ${i + 1} of the header`);
  };
  const value = parseValue();
  skipWs();
  if (i < n) fail(`unexpected text after the header dictionary at character ${i + 1}`);
  return value;
}
