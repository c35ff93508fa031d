// X, the features of one chunk (rows × L, row-major), stored as f16: two per 32-bit word,
// the first in the low half (float16.ts packFloat16), widened to f32 on load by
// unpack2x16float (core WGSL: no shader-f16 feature needed). Every value an f16 holds is
// an f32 exactly, so a kernel computes on these X exactly as it would on the same values
// stored as f32 (x-f32.wgsl, same functions): only the rounding of X to f16 differs.
//   xWord(i)  the feature at flat index i
//   xQuad(q)  the four features 4q .. 4q + 3 (one aligned 8-byte load)

@group(0) @binding(1) var<storage, read> X: array<vec2u>;

fn xWord(i: u32) -> f32 {
  return unpack2x16float(X[i / 4u][(i % 4u) / 2u])[i % 2u];
}

fn xQuad(q: u32) -> vec4f {
  let h = X[q];
  return vec4f(unpack2x16float(h.x), unpack2x16float(h.y));
}
