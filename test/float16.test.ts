/**
 * f16 on the host (src/math/float16.ts): the bit patterns of IEEE 754 binary16 at the
 * edges (largest, smallest normal and subnormal, ties to even in both ranges, signed zero),
 * the overflow refused, and round-trips within half a unit in the last place.
 */
import { describe, it, expect } from 'vitest';
import { fromFloat16Bits, packFloat16, roundToFloat16, toFloat16Bits, FLOAT16_MAX, FLOAT16_OVERFLOW } from '../src/math/float16.ts';
import { Rng } from '../src/math/rng.ts';

describe('float16', () => {
  it('gives the IEEE bit patterns at the edges', () => {
    const cases: [number, number][] = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [FLOAT16_MAX, 0x7bff],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [1023 * 2 ** -24, 0x03ff], // largest subnormal
      [1 + 2 ** -11, 0x3c00], // a tie between 1 and 1 + 2⁻¹⁰: to even (down)
      [1 + 3 * 2 ** -11, 0x3c02], // a tie between 1 + 2⁻¹⁰ and 1 + 2⁻⁹: to even (up)
      [2 - 2 ** -12, 0x4000], // rounds up across the binade
      [1.5 * 2 ** -24, 0x0002], // a subnormal tie: to even (up)
      [0.5 * 2 ** -24, 0x0000], // a subnormal tie: to even (down, to zero)
      [(2 ** -14) * (1 - 2 ** -12), 0x0400], // just below the smallest normal: rounds to it
      [65519.99, 0x7bff], // below the overflow threshold: the largest finite
      [0.1, 0x2e66], // 0.0999755859375
      [-3.14159, 0xc248],
    ];
    for (const [v, bits] of cases) expect(toFloat16Bits(v), `${v}`).toBe(bits);
    for (const [v, bits] of cases) expect(Math.abs(fromFloat16Bits(bits) - v)).toBeLessThanOrEqual(Math.max(2 ** -11 * Math.abs(v), 2 ** -25));
  });

  it('refuses what f16 cannot hold finitely, naming it', () => {
    expect(() => toFloat16Bits(FLOAT16_OVERFLOW)).toThrow(/65520/);
    expect(() => toFloat16Bits(-1e6)).toThrow(/-1000000/);
    expect(() => toFloat16Bits(NaN)).toThrow(/NaN/);
    expect(() => toFloat16Bits(Infinity)).toThrow(/Infinity/);
  });

  it('rounds to nearest: within half a spacing, and every f16 value is a fixed point', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 20000; i++) {
      const v = rng.normal() * 2 ** Math.floor(rng.uniform() * 40 - 26);
      if (Math.abs(v) >= FLOAT16_OVERFLOW) continue;
      const r = roundToFloat16(v);
      const a = Math.abs(v);
      // the spacing of f16 values around v: 2^(e−10) for normals, 2⁻²⁴ below 2⁻¹⁴
      const spacing = a < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(a)) - 10);
      expect(Math.abs(r - v)).toBeLessThanOrEqual(spacing / 2);
      expect(roundToFloat16(r)).toBe(r);
    }
    for (let h = 0; h < 0x7c00; h += 7) expect(toFloat16Bits(fromFloat16Bits(h))).toBe(h);
  });

  it('packs two halves per 32-bit word, the first in the low half, padded to a whole word', () => {
    const packed = packFloat16([1, -2, 0.5]);
    expect(packed.length).toBe(4);
    const words = new Uint32Array(packed.buffer);
    expect(words[0]).toBe(0xc000 * 2 ** 16 + 0x3c00);
    expect(words[1]).toBe(0x3800);
  });
});
