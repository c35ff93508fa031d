// third-moment: Σ_j n_j y_ja y_jb y_jc for a ≤ b ≤ c (packed), y = P x the projected
// features (the scores buffer of scores.wgsl with Θ = P), over one row slice, as
// split-K partials — the raw third moment of MATH.md §4 step 3 (the host divides by N
// and adds the μ ⊗ G corrections).
//
//   y         P.rows × K (slice-local)
//   counts    the chunk's counts; the slice starts at P.rowStart
//   partials  one row of W = K(K+1)(K+2)/6 floats per workgroup along x, at
//             partials[(outOffset + wg.x) · W + o], o packed as
//             for a in 0..K, for b in a..K, for c in b..K
//
// Same shape as weighted-gram.wgsl: workgroup g along x covers [g·span, (g+1)·span) of
// the slice, 16 packed outputs per workgroup (grid y), 16 row lanes each summing with a
// cascade, then a tree over the lanes.

const LANES: u32 = 16u;
const BLOCK: u32 = 8u;

struct Params {
  rowStart: u32,
  rows: u32,
  K: u32,
  outOffset: u32,
  span: u32,
  W: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> counts: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;

var<workgroup> red: array<f32, 256>;

// Cascade, cascadeAdd, cascadeTotal: shaders/cascade4.wgsl, appended by the kernel's loader.
// Each row lane takes four of its rows per step, one per vec4 component, and adds the four
// component sums at the end (two more roundings, within the tree's bound).

// n_j y_ja y_jb y_jc for slice row j, or 0 past the span's end.
fn term(j: u32, end: u32, a: u32, b: u32, c: u32) -> f32 {
  if (j >= end) { return 0.0; }
  let r = j * P.K;
  return counts[P.rowStart + j] * (y[r + a] * y[r + b] * y[r + c]);
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let K = P.K;
  let o = wg.y * LANES + lid.x;
  let valid = o < P.W;
  // (a, b, c) from the packed index: component a holds (K−a)(K−a+1)/2 pairs b ≤ c.
  var rem = o;
  var a = 0u;
  while (a < K && rem >= (K - a) * (K - a + 1u) / 2u) {
    rem -= (K - a) * (K - a + 1u) / 2u;
    a += 1u;
  }
  var b = a;
  while (b < K && rem >= K - b) {
    rem -= K - b;
    b += 1u;
  }
  let c = b + rem;
  let begin = wg.x * P.span;
  let end = min(P.rows, begin + P.span);

  var acc: Cascade;
  if (valid) {
    for (var j = begin + lid.y; j < end; j += 4u * LANES) {
      cascadeAdd(&acc, vec4f(term(j, end, a, b, c), term(j + LANES, end, a, b, c), term(j + 2u * LANES, end, a, b, c), term(j + 3u * LANES, end, a, b, c)));
    }
  }
  let lanes = cascadeTotal(&acc);
  red[lid.y * LANES + lid.x] = (lanes.x + lanes.y) + (lanes.z + lanes.w);
  workgroupBarrier();
  for (var stride = LANES / 2u; stride > 0u; stride >>= 1u) {
    if (lid.y < stride) { red[lid.y * LANES + lid.x] += red[(lid.y + stride) * LANES + lid.x]; }
    workgroupBarrier();
  }
  if (lid.y == 0u && valid) { partials[(P.outOffset + wg.x) * P.W + o] = red[lid.x]; }
}
