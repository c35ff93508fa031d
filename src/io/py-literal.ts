/** A tiny parser for the Python literal subset used in .npy headers (npy.ts). */

export type PyValue = string | number | boolean | null | PyValue[] | PyTuple | Map<string, PyValue>;
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

export function parsePyLiteral(text: string, fail: (problem: string) => never): PyValue {
  let i = 0;
  const n = text.length;
  const skipWs = () => {
    while (i < n && /\s/.test(text[i])) i++;
  };
  const expect = (ch: string) => {
    skipWs();
    if (text[i] !== ch) fail(`expected '${ch}' at character ${i + 1} of the header`);
    i++;
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
      skipWs();
      if (text[i] === ',') i++;
      else if (text[i] !== close) fail(`expected ',' or '${close}' at character ${i + 1} of the header`);
    }
  };
  const parseValue = (): PyValue => {
    skipWs();
    if (i >= n) fail('header ends in the middle of a value');
    const c = text[i];
    if (c === '{') {
      i++;
      const map = new Map<string, PyValue>();
      for (;;) {
        skipWs();
        if (text[i] === '}') {
          i++;
          return map;
        }
        const key = parseValue();
        if (typeof key !== 'string') fail('header dictionary has a key that is not a string');
        expect(':');
        map.set(key, parseValue());
        skipWs();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail(`expected ',' or '}' at character ${i + 1} of the header`);
      }
    }
    if (c === '(') {
      i++;
      return new PyTuple(parseSequence(')'));
    }
    if (c === '[') {
      i++;
      return parseSequence(']');
    }
    if (c === "'" || c === '"') {
      i++;
      let s = '';
      while (i < n && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < n) {
          const e = text[i + 1];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === '0' ? '\0' : e;
          i += 2;
        } else s += text[i++];
      }
      if (i >= n) fail('header has an unterminated string');
      i++;
      return s;
    }
    const m = /^[+-]?\d+[lL]?/.exec(text.slice(i));
    if (m) {
      i += m[0].length;
      return Number(m[0].replace(/[lL]$/, ''));
    }
    for (const [word, value] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    fail(`unexpected character '${c}' at character ${i + 1} of the header`);
  };
  const value = parseValue();
  skipWs();
  if (i < n) fail(`unexpected text after the header dictionary at character ${i + 1}`);
  return value;
}
