// weighted-sum: F_kl = Σ_j w_jk x_jl over one row slice (K × L outputs), as partials.
//
//   X         rows × L (the whole chunk buffer; the slice starts at P.rowStart)
//   w         P.rows × K (slice-local), e.g. n_j r_jk from estep.wgsl or σ_jk
//   partials  one K·L row per row group g = wg.y, at partials[(outOffset + g) · W + o],
//             o = k·L + l, W = K·L
//
// Split-K over the long dimension p, register-blocked, no workgroup memory and no
// barriers: row group g = wg.y covers the rows [g·span, (g+1)·span) of the slice;
// invocation gid.x = k·⌈L/4⌉ + q owns the outputs (k, 4q .. 4q+3) and sums them over
// the whole span, loading per row one w and four x (vec4 accumulators, compensated).
// Consecutive invocations share k and the rows, so their loads hit the same lines.
// Indices past L are clamped on load and not written.
// Partials are merged across row groups and slices by merge-sums.wgsl and on the host.

const TILE: u32 = 4u;

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

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wg: vec3u) {
  let K = P.K;
  let L = P.L;
  let idx = gid.x;
  if (idx >= K * P.NQ) { return; }
  let k = idx / P.NQ;
  let l0 = (idx % P.NQ) * TILE;
  let last = L - 1u;
  let il = min(vec4u(l0, l0 + 1u, l0 + 2u, l0 + 3u), vec4u(last));
  let begin = wg.y * P.span;
  let end = min(P.rows, begin + P.span);

  var acc: Cascade;
  for (var j = begin; j < end; j++) {
    let xr = (P.rowStart + j) * L;
    cascadeAdd(&acc, w[j * K + k] * vec4f(X[xr + il.x], X[xr + il.y], X[xr + il.z], X[xr + il.w]));
  }
  let v = cascadeTotal(&acc);
  let base = (P.outOffset + wg.y) * P.W + k * L;
  for (var i = 0u; i < TILE; i++) {
    if (l0 + i < L) { partials[base + l0 + i] = v[i]; }
  }
}
