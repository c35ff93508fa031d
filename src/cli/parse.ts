/**
 * Option-argument parsers for commander. `Number()` alone is too forgiving for a command
 * line: it turns "" and "  " into 0, "0x10" into 16, "0b11" into 3 and accepts "Infinity",
 * so a typo would silently become a different fit. These accept plain decimal numbers only
 * (sign, digits, one point, an optional exponent: 12, -0.5, .5, 1e-8, 1e6).
 */
import { InvalidArgumentError } from 'commander';

/** The most restarts a fit takes (1000): the library's bound, checked here before any work. */
export { MAX_RESTARTS } from '../fit/options.ts';

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
