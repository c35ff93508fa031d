// weighted-sum: F_kl = Σ_j w_jk x_jl over one row slice (K × L outputs), as partials.
//
//   X         rows × L (the whole chunk buffer; the slice starts at P.rowStart)
//   w         P.rows × K (slice-local), e.g. n_j r_jk from estep.wgsl or σ_jk
//   partials  one K·L row per row group g = wg.y, at partials[(outOffset + g) · W + o],
//             o = k·L + l, W = K·L
//
// Split-K over the long dimension p, register-blocked, no workgroup memory and no
// barriers: row group g = wg.y covers the rows [g·span, (g+1)·span) of the slice;
// invocation gid.x = c·⌈L/4⌉ + q owns the outputs (k, 4q .. 4q+3) for the KG = 8
// components k = 8c .. min(8c + 8, K) − 1 of component group c, and sums them over the
// whole span: per row it loads four x (one vec4) once and up to 8 w, with one vec4
// accumulator and its compensation per k (the same compensated sum per output as with
// one k per invocation). X is so streamed ⌈K/8⌉ times per pass, not K times.
// Consecutive invocations share c and the rows, so their loads hit the same lines.
// Indices past L are clamped on load and not written; components past K are skipped.
// Partials are merged across row groups and slices by merge-sums.wgsl and on the host.

const TILE: u32 = 4u;
// components per invocation (weighted-sum.ts WSUM_KG)
const KG: u32 = 8u;

struct Params {
  rowStart: u32,
  rows: u32,
  K: u32,
  L: u32,
  outOffset: u32,
  span: u32,
  W: u32,
  // ⌈L/4⌉
  NQ: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;

// Cascade, cascadeAdd, cascadeTotal: shaders/cascade4.wgsl, appended by the kernel's loader.

fn storeTile(base: u32, l0: u32, L: u32, v: vec4f) {
  for (var i = 0u; i < TILE; i++) {
    if (l0 + i < L) { partials[base + l0 + i] = v[i]; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wg: vec3u) {
  let K = P.K;
  let L = P.L;
  let idx = gid.x;
  let NC = (K + KG - 1u) / KG;
  if (idx >= NC * P.NQ) { return; }
  let k0 = (idx / P.NQ) * KG;
  let kn = min(KG, K - k0);
  let l0 = (idx % P.NQ) * TILE;
  let last = L - 1u;
  let il = min(vec4u(l0, l0 + 1u, l0 + 2u, l0 + 3u), vec4u(last));
  let begin = wg.y * P.span;
  let end = min(P.rows, begin + P.span);

  // one compensated accumulator per component of the group (named, not an array:
  // a dynamically indexed array is slow where the "GPU" is a CPU, as on SwiftShader)
  var a0: Cascade;
  var a1: Cascade;
  var a2: Cascade;
  var a3: Cascade;
  var a4: Cascade;
  var a5: Cascade;
  var a6: Cascade;
  var a7: Cascade;
  for (var j = begin; j < end; j++) {
    let xr = (P.rowStart + j) * L;
    let xv = vec4f(X[xr + il.x], X[xr + il.y], X[xr + il.z], X[xr + il.w]);
    let wr = j * K + k0;
    cascadeAdd(&a0, w[wr] * xv);
    if (kn > 1u) { cascadeAdd(&a1, w[wr + 1u] * xv); }
    if (kn > 2u) { cascadeAdd(&a2, w[wr + 2u] * xv); }
    if (kn > 3u) { cascadeAdd(&a3, w[wr + 3u] * xv); }
    if (kn > 4u) { cascadeAdd(&a4, w[wr + 4u] * xv); }
    if (kn > 5u) { cascadeAdd(&a5, w[wr + 5u] * xv); }
    if (kn > 6u) { cascadeAdd(&a6, w[wr + 6u] * xv); }
    if (kn > 7u) { cascadeAdd(&a7, w[wr + 7u] * xv); }
  }
  let base = (P.outOffset + wg.y) * P.W + k0 * L;
  storeTile(base, l0, L, cascadeTotal(&a0));
  if (kn > 1u) { storeTile(base + 1u * L, l0, L, cascadeTotal(&a1)); }
  if (kn > 2u) { storeTile(base + 2u * L, l0, L, cascadeTotal(&a2)); }
  if (kn > 3u) { storeTile(base + 3u * L, l0, L, cascadeTotal(&a3)); }
  if (kn > 4u) { storeTile(base + 4u * L, l0, L, cascadeTotal(&a4)); }
  if (kn > 5u) { storeTile(base + 5u * L, l0, L, cascadeTotal(&a5)); }
  if (kn > 6u) { storeTile(base + 6u * L, l0, L, cascadeTotal(&a6)); }
  if (kn > 7u) { storeTile(base + 7u * L, l0, L, cascadeTotal(&a7)); }
}
