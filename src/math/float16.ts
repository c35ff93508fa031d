/**
 * IEEE 754 binary16 ("half", f16) on the host: the WebGPU engine can keep X on the device as
 * f16 (half the bytes; the shaders widen each value to f32 with `unpack2x16float`, which is
 * core WGSL, so no device feature is needed). Node 20 has no Math.f16round, so the rounding
 * is here: to nearest, ties to even, straight from float64 (one rounding, not two through f32).
 *
 * binary16: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits. Normal numbers from
 * 2⁻¹⁴ to 65504, relative spacing 2⁻¹⁰ (unit roundoff 2⁻¹¹ ≈ 4.9·10⁻⁴); subnormals down to
 * 2⁻²⁴ with absolute spacing 2⁻²⁴.
 */

/** The largest finite f16, 65504 = (2 − 2⁻¹⁰)·2¹⁵. */
export const FLOAT16_MAX = 65504;
/** Values of magnitude at least this round to ±Infinity in f16 (halfway between 65504 and 2¹⁶). */
export const FLOAT16_OVERFLOW = 65520;
/** Unit roundoff of f16 normals: |round(v) − v| ≤ 2⁻¹¹·|v| above 2⁻¹⁴. */
export const FLOAT16_UNIT_ROUNDOFF = 2 ** -11;

/** Ties to even: the integer nearest x ≥ 0 (x exact in float64, as scaled fractions here are). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * The f16 bit pattern (0..0xffff) nearest to `v`, ties to even. `v` must be finite with
 * |v| < FLOAT16_OVERFLOW (callers check the range first and name the offending value).
 */
export function toFloat16Bits(v: number): number {
  if (!(Math.abs(v) < FLOAT16_OVERFLOW)) throw new RangeError(`toFloat16Bits: ${v} is not finite in f16 (|v| must be below ${FLOAT16_OVERFLOW})`);
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // subnormal (1024 is 2⁻¹⁴, the smallest normal: the same bits)
  let e = Math.floor(Math.log2(a));
  // log2 can be off by one next to a power of 2: fix e so that 2^e ≤ a < 2^(e+1)
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  return sign | ((e + 15) << 10) | m; // e ≤ 15 here: a < 65520 rounds to at most 65504
}

/** The value of the f16 bit pattern `h` (finite patterns; ±Infinity and NaN for the rest). */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** `v` rounded to the nearest f16 (ties to even), as a number. */
export function roundToFloat16(v: number): number {
  return fromFloat16Bits(toFloat16Bits(v));
}

/**
 * `values` as packed f16 (two per 32-bit word, the first in the low half, as WGSL's
 * unpack2x16float reads them), padded with a zero half to a whole word.
 */
export function packFloat16(values: ArrayLike<number>): Uint16Array<ArrayBuffer> {
  const out = new Uint16Array(values.length + (values.length % 2));
  for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]);
  return out;
}
