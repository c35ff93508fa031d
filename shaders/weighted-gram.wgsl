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
//   partials  one K·T row per workgroup along x, T = L(L+1)/2, at
//             partials[(outOffset + wg.x) · W + k·T + t], t the packed index of (a, b):
//             row a holds b = a .. L−1, t = a·L − a(a−1)/2 + (b − a)
//
// Same split-K shape as weighted-sum.wgsl: workgroup g along x covers
// [g·span, (g+1)·span) of the slice, 16 packed outputs per workgroup (grid y),
// 16 row lanes with a cascade sum each, then a tree over the lanes.
//
// Entry point `centerMain`: c_kl = Σ_i F_i,kl / Σ_i S_i,k from the (few) remaining
// weighted-sum partials F (n_F × K·L) and estep/sigma weight partials S (n_S × K).
// A serial loop over at most a few hundred partials: c only has to be
// near the mean, and the host reads back exactly the c that was used.

const LANES: u32 = 16u;
const BLOCK: u32 = 8u;

struct Params {
  rowStart: u32,
  rows: u32,
  K: u32,
  L: u32,
  outOffset: u32,
  span: u32,
  W: u32,
  T: u32,
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

var<workgroup> red: array<f32, 256>;

// Pairwise (cascade) summation of a stream, as in weighted-sum.wgsl.
struct Cascade {
  stack: array<f32, 24>,
  count: u32,
  block: f32,
  inBlock: u32,
}

fn cascadeAdd(c: ptr<function, Cascade>, x: f32) {
  (*c).block += x;
  (*c).inBlock += 1u;
  if ((*c).inBlock == BLOCK) {
    var v = (*c).block;
    var bits = (*c).count;
    var lvl = 0u;
    while ((bits & 1u) == 1u) {
      v = (*c).stack[lvl] + v;
      bits >>= 1u;
      lvl += 1u;
    }
    (*c).stack[lvl] = v;
    (*c).count += 1u;
    (*c).block = 0.0;
    (*c).inBlock = 0u;
  }
}

fn cascadeTotal(c: ptr<function, Cascade>) -> f32 {
  var total = (*c).block;
  for (var lvl = 0u; lvl < 24u; lvl++) {
    if ((((*c).count >> lvl) & 1u) == 1u) { total += (*c).stack[lvl]; }
  }
  return total;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let K = P.K;
  let L = P.L;
  let o = wg.y * LANES + lid.x;
  let valid = o < P.W;
  let k = o / P.T;
  // (a, b) from the packed upper-triangle index.
  var a = 0u;
  var rem = o % P.T;
  while (a < L && rem >= L - a) {
    rem -= L - a;
    a += 1u;
  }
  let b = a + rem;
  let begin = wg.x * P.span;
  let end = min(P.rows, begin + P.span);

  var acc: Cascade;
  if (valid) {
    let ca = center[k * L + a];
    let cb = center[k * L + b];
    for (var j = begin + lid.y; j < end; j += LANES) {
      let xr = (P.rowStart + j) * L;
      cascadeAdd(&acc, w[j * K + k] * ((X[xr + a] - ca) * (X[xr + b] - cb)));
    }
  }
  red[lid.y * LANES + lid.x] = cascadeTotal(&acc);
  workgroupBarrier();
  for (var stride = LANES / 2u; stride > 0u; stride >>= 1u) {
    if (lid.y < stride) { red[lid.y * LANES + lid.x] += red[(lid.y + stride) * LANES + lid.x]; }
    workgroupBarrier();
  }
  if (lid.y == 0u && valid) { partials[(P.outOffset + wg.x) * P.W + o] = red[lid.x]; }
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
