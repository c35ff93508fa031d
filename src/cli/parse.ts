/**
 * Option-argument parsers for commander. `Number()` alone is too forgiving for a command
 * line: it turns "" and "  " into 0, "0x10" into 16, "0b11" into 3 and accepts "Infinity",
 * so a typo would silently become a different fit. These accept plain decimal numbers only
 * (sign, digits, one point, an optional exponent: 12, -0.5, .5, 1e-8, 1e6).
 */
import { InvalidArgumentError } from 'commander';

/** The most restarts a fit takes (1000): the library's bound, checked here before any work. */
export { MAX_BOOTSTRAP, MAX_RESTARTS } from '../fit/options.ts';

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal number, finite; throws a message naming the option otherwise. */
export function parseDecimal(name: string, v: string): number {
  const n = DECIMAL.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a decimal number (like 0.5 or 1e-8), got "${v}"`);
  return n;
}

export interface IntRange {
  min?: number;
  max?: number;
}

/** An integer in [min, max] (exponent notation such as 1e6 is fine; 1.5 is not). */
export function parseInteger(name: string, v: string, range: IntRange = {}): number {
  const n = DECIMAL.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be an integer (1e6 notation is fine), got "${v}"`);
  const { min = -Number.MAX_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
  if (n < min) throw new InvalidArgumentError(`${name} must be ≥ ${min}, got ${v}`);
  if (n > max) throw new InvalidArgumentError(`${name} must be at most ${max}, got ${v}`);
  return n;
}

/** commander's argParser for an integer option. */
export const int = (name: string, range?: IntRange) => (v: string) => parseInteger(name, v, range);
/** commander's argParser for a number option. */
export const num = (name: string) => (v: string) => parseDecimal(name, v);
/** commander's argParser for comma-separated numbers. */
export const list = (name: string) => (v: string) => v.split(',').map((x) => parseDecimal(`each value of ${name}`, x));

/** The longest candidate list a range may make (`--K 1..1e9` is a typo, not a sweep). */
export const MAX_LIST = 1000;

/**
 * Integers as a comma list of values and ranges a..b (inclusive): "1..10", "2,4,8",
 * "1..3,5,8..10". Strict: every piece an integer in `range` or a range with a ≤ b, no
 * empty pieces, no value twice; sorted ascending.
 */
export function parseIntegerList(name: string, v: string, range: IntRange = {}): number[] {
  const out: number[] = [];
  for (const piece of v.split(',')) {
    const m = /^(.*)\.\.(.*)$/.exec(piece);
    if (piece.trim() === '' || (m && (m[1] === '' || m[2] === ''))) {
      throw new InvalidArgumentError(`${name} must be integers and ranges a..b separated by commas (like 1..10 or 1,2,5), got "${v}"`);
    }
    if (!m) {
      out.push(parseInteger(`each value of ${name}`, piece, range));
      continue;
    }
    const [a, b] = [parseInteger(`each range of ${name}`, m[1], range), parseInteger(`each range of ${name}`, m[2], range)];
    if (a > b) throw new InvalidArgumentError(`${name}: the range ${piece} is empty (write it as ${b}..${a})`);
    if (b - a + 1 + out.length > MAX_LIST) throw new InvalidArgumentError(`${name}: "${v}" lists more than ${MAX_LIST} values`);
    for (let x = a; x <= b; x++) out.push(x);
  }
  const sorted = out.sort((x, y) => x - y);
  const dup = sorted.find((x, i) => i > 0 && x === sorted[i - 1]);
  if (dup !== undefined) throw new InvalidArgumentError(`${name}: ${dup} is listed twice in "${v}"`);
  return sorted;
}

/** Distinct comma-separated numbers ≥ 0 (a ridge list). */
export function parseNonNegativeList(name: string, v: string): number[] {
  const xs = v.split(',').map((x) => parseDecimal(`each value of ${name}`, x));
  const bad = xs.find((x) => x < 0);
  if (bad !== undefined) throw new InvalidArgumentError(`${name}: each value must be ≥ 0, got ${bad}`);
  const sorted = xs.sort((x, y) => x - y);
  const dup = sorted.find((x, i) => i > 0 && x === sorted[i - 1]);
  if (dup !== undefined) throw new InvalidArgumentError(`${name}: ${dup} is listed twice in "${v}"`);
  return sorted;
}
