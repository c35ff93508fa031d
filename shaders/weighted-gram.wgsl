// weighted-gram: G_kab = Σ_j w_jk (x_ja − c_ka)(x_jb − c_kb) for a ≤ b (upper half,
// packed), over one row slice, as partials. The Newton Hessians ∇²A.
//
// Centring at c_k (a point near the σ-weighted mean, computed on the device by the
// `center` entry point and read back exactly) avoids the cancellation of
// Σσxxᵀ − ∇A∇Aᵀ in float32 when |∇A| is large compared with the spread; the host
// recovers the raw moment Σσxxᵀ = G + m cᵀ + c mᵀ − (Σσ) c cᵀ in float64.
//
//   X         rows × L (the whole chunk buffer; the slice starts at P.rowStart)
//   w         P.rows × K (slice-local)
//   center    K × L
//   partials  one K·T row per workgroup row g = wg.y (row group), T = L(L+1)/2, at
//             partials[(outOffset + g) · W + k·T + t], t the packed index of (a, b):
//             row a holds b = a .. L−1, t = a·L − a(a−1)/2 + (b − a)
//
// Split-K over the rows, register-blocked, no workgroup memory and no barriers: the
// outputs of one k are cut into 4 × 4 tiles (ta ≤ tb) of the upper triangle, and one
// invocation accumulates a whole tile over all the rows [g·span, (g+1)·span) of
// workgroup row g = wg.y, loading per row 4 x_a, 4 x_b and one w for 16 products.
// Invocation gid.x = k·nTiles + tile; consecutive invocations share k and the rows,
// so their loads of a row hit the same cache lines. Each tile sum is compensated
// (Kahan) over the span; tiles on the diagonal compute 16 values and write a ≤ b,
// and indices past L are clamped on load and not written.
//
// Entry point `centerMain`: c_kl = Σ_i F_i,kl / Σ_i S_i,k from the (few) remaining
// weighted-sum partials F (n_F × K·L) and estep/sigma weight partials S (n_S × K).
// A serial loop over at most a few hundred partials: c only has to be
// near the mean, and the host reads back exactly the c that was used.

const TILE: u32 = 4u;

struct Params {
  rowStart: u32,
  rows: u32,
  K: u32,
  L: u32,
  outOffset: u32,
  span: u32,
  W: u32,
  T: u32,
  // tiles per side ⌈L/4⌉ and tiles per k NT(NT+1)/2
  NT: u32,
  nTiles: u32,
  _pad0: u32,
  _pad1: u32,
}

struct CenterParams {
  K: u32,
  L: u32,
  nF: u32,
  nS: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;
@group(0) @binding(4) var<storage, read> center: array<f32>;

@group(0) @binding(5) var<uniform> C: CenterParams;
@group(0) @binding(6) var<storage, read> sumPartials: array<f32>;
@group(0) @binding(7) var<storage, read> weightPartials: array<f32>;
@group(0) @binding(8) var<storage, read_write> centerOut: array<f32>;

// Cascade, cascadeAdd, cascadeTotal: shaders/cascade4.wgsl, appended by the kernel's loader.

// Packed index of (a, b ≥ a) within one k: a·L − a(a−1)/2 + (b − a) = a(2L − a − 1)/2 + b.
fn packed(a: u32, b: u32, L: u32) -> u32 {
  return a * (2u * L - a - 1u) / 2u + b;
}

fn store(base: u32, a: u32, b0: u32, L: u32, v: vec4f) {
  if (a >= L) { return; }
  for (var i = 0u; i < TILE; i++) {
    let b = b0 + i;
    if (b >= a && b < L) { partials[base + packed(a, b, L)] = v[i]; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wg: vec3u) {
  let K = P.K;
  let L = P.L;
  let idx = gid.x;
  if (idx >= K * P.nTiles) { return; }
  let k = idx / P.nTiles;
  // (ta, tb ≥ ta) from the tile index, row-major over the upper triangle of tiles.
  var ta = 0u;
  var rem = idx % P.nTiles;
  while (ta < P.NT && rem >= P.NT - ta) {
    rem -= P.NT - ta;
    ta += 1u;
  }
  let tb = ta + rem;
  let a0 = ta * TILE;
  let b0 = tb * TILE;
  let last = L - 1u;
  let ia = min(vec4u(a0, a0 + 1u, a0 + 2u, a0 + 3u), vec4u(last));
  let ib = min(vec4u(b0, b0 + 1u, b0 + 2u, b0 + 3u), vec4u(last));
  let cr = k * L;
  let ca = vec4f(center[cr + ia.x], center[cr + ia.y], center[cr + ia.z], center[cr + ia.w]);
  let cb = vec4f(center[cr + ib.x], center[cr + ib.y], center[cr + ib.z], center[cr + ib.w]);

  let begin = wg.y * P.span;
  let end = min(P.rows, begin + P.span);
  var g0: Cascade;
  var g1: Cascade;
  var g2: Cascade;
  var g3: Cascade;
  for (var j = begin; j < end; j++) {
    let xr = (P.rowStart + j) * L;
    let da = w[j * K + k] * (vec4f(X[xr + ia.x], X[xr + ia.y], X[xr + ia.z], X[xr + ia.w]) - ca);
    let db = vec4f(X[xr + ib.x], X[xr + ib.y], X[xr + ib.z], X[xr + ib.w]) - cb;
    cascadeAdd(&g0, da.x * db);
    cascadeAdd(&g1, da.y * db);
    cascadeAdd(&g2, da.z * db);
    cascadeAdd(&g3, da.w * db);
  }
  let base = (P.outOffset + wg.y) * P.W + k * P.T;
  store(base, a0, b0, L, cascadeTotal(&g0));
  store(base, a0 + 1u, b0, L, cascadeTotal(&g1));
  store(base, a0 + 2u, b0, L, cascadeTotal(&g2));
  store(base, a0 + 3u, b0, L, cascadeTotal(&g3));
}

@compute @workgroup_size(64)
fn centerMain(@builtin(global_invocation_id) gid: vec3u) {
  let o = gid.x;
  let K = C.K;
  let L = C.L;
  if (o >= K * L) { return; }
  let k = o / L;
  var f = 0.0;
  for (var i = 0u; i < C.nF; i++) { f += sumPartials[i * K * L + o]; }
  var sw = 0.0;
  for (var i = 0u; i < C.nS; i++) { sw += weightPartials[i * K + k]; }
  var c = 0.0;
  if (sw > 0.0) { c = f / sw; }
  centerOut[o] = c;
}
