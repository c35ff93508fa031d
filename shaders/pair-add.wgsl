// pair-add: compensated addition of unevaluated sums hi + lo, shared by estep.wgsl (ℓ per
// workgroup) and merge-sums.wgsl (mergePairs, ℓ across workgroups); appended by their
// wrappers, so both levels of the ℓ reduction do the same arithmetic.

// (hi, lo) + (hi, lo) with the rounding error of hi + hi kept (Knuth's TwoSum).
fn pairAdd(a: vec2f, b: vec2f) -> vec2f {
  let s = a.x + b.x;
  let v = s - a.x;
  var e = (a.x - (s - v)) + (b.x - v);
  e = e + (a.y + b.y);
  let hi = s + e;
  return vec2f(hi, e - (hi - s));
}
