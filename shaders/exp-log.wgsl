// exp-log: float32 exp and log accurate to about one ulp and unbiased, appended to
// the kernels that need them (logsumexp.wgsl, estep.wgsl).
//
// Why not the builtins: WGSL allows exp and log errors of 3 + 2|x| ulp, and e.g.
// SwiftShader's exp is off by up to 18 ulp with a mean of +3 ulp. A biased exp shifts
// every A_k and log π_j the same way, a systematic error in ℓ that no summation order
// removes. These are the textbook reductions (Cody–Waite, fdlibm's log).

// ln 2 split so that n·LN2_HI is exact for |n| < 512 (LN2_HI has 15 significant bits).
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.428606765330187e-6;
const LOG2_E: f32 = 1.4426950408889634;

// e^x. Returns exactly 0 below −104 (including the −1e30 empty-component sentinel)
// and exactly 1 at 0.
fn accExp(x: f32) -> f32 {
  if (x < -104.0) { return 0.0; }
  let xc = min(x, 88.7);
  let n = round(xc * LOG2_E);
  let r = (xc - n * LN2_HI) - n * LN2_LO; // |r| ≤ ln2/2 (+ rounding)
  // (e^r − 1 − r)/r² by Horner, to r⁶/8!: truncation < 2e-10 relative.
  var q = 2.48015873e-5;
  q = q * r + 1.98412698e-4;
  q = q * r + 1.38888889e-3;
  q = q * r + 8.33333333e-3;
  q = q * r + 4.16666667e-2;
  q = q * r + 1.66666667e-1;
  q = q * r + 0.5;
  let em1 = r + (r * r) * q;
  return ldexp(1.0 + em1, i32(n));
}

// log x for x > 0 (normal): x = m·2^e with m ∈ [√½, √2), log(1+f) by fdlibm's
// s = f/(2+f) series, plus e·ln2 in two parts. Exactly 0 at 1.
fn accLog(x: f32) -> f32 {
  let fe = frexp(x);
  var m = fe.fract;
  var e = f32(fe.exp);
  if (m < 0.70710678) {
    m = m * 2.0;
    e = e - 1.0;
  }
  let f = m - 1.0;
  let s = f / (2.0 + f);
  let s2 = s * s;
  let hfsq = 0.5 * f * f;
  let R = s2 * (0.6666666666666735 + s2 * (0.3999999999940942 + s2 * (0.2857142874366239 + s2 * 0.2222219843214978)));
  let lm = f - (hfsq - s * (hfsq + R));
  return e * LN2_HI + (e * LN2_LO + lm);
}
