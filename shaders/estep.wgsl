// estep: the fused E-step over one row slice, from the scores s, the per-component
// state (M_k, S_k, ls_k, b_k) written by logsumexp.wgsl's finalize, and the counts n.
//
//   t_jk    = b_k + (s_jk − M_k)             = log α_k + s_jk − A_k
//   log π_j = m_j + log Σ_k exp(t_jk − m_j),   m_j = max_k t_jk   (max-shifted)
//   w_jk    = n_j exp(t_jk − log π_j)          = n_j r_jk          → w (rows × K)
//   ℓ_j     = n_j log π_j
//
// accExp and accLog come from exp-log.wgsl, appended by the wrapper.
// An empty component carries b_k = −1e30 (finite sentinel): exp(t_jk − ·) is then
// exactly 0 and never NaN.
//
// Partials, one per workgroup of 256 rows:
//   partials[(outOffset + wg.x) · K + k] = Σ_j w_jk (= c_k): binary trees over the 256
//     rows, four components at a time in a vec4 workgroup array;
//   ell[outOffset + wg.x] = Σ_j ℓ_j as an unevaluated sum hi + lo of two f32
//     (compensated: every tree node adds with TwoSum and keeps the rounding error),
//     so ℓ is not limited by the f32 rounding of large partial sums (~u/2 · |ℓ|, which
//     would make ℓ jump by ~1e-8 relative as the parameters move). merge-sums.wgsl's
//     mergePairs continues the same arithmetic across workgroups.
//
// Entry points:
//   estep  as above. Grid (⌈rows/256⌉).
//   sigma  the softmax weights for the statistics of A: w_jk = σ_jk = exp(s_jk − M_k − ls_k),
//          partials Σ_j σ_jk (≈ 1 over all of p; the host divides by it). Counts and
//          ell are not used. Grid (⌈rows/256⌉).

const WG: u32 = 256u;

struct Params {
  rowStart: u32,  // first row of the slice inside the chunk (for the counts)
  rows: u32,
  K: u32,
  outOffset: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> s: array<f32>;
@group(0) @binding(2) var<storage, read> counts: array<f32>;
@group(0) @binding(3) var<storage, read> kstate: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> w: array<f32>;
@group(0) @binding(5) var<storage, read_write> partials: array<f32>;
@group(0) @binding(6) var<storage, read_write> ell: array<vec2f>;

var<workgroup> red: array<vec4f, 256>;
var<workgroup> redPair: array<vec2f, 256>;

// (hi, lo) + (hi, lo) with the rounding error of hi + hi kept (Knuth's TwoSum).
fn pairAdd(a: vec2f, b: vec2f) -> vec2f {
  let s = a.x + b.x;
  let v = s - a.x;
  var e = (a.x - (s - v)) + (b.x - v);
  e = e + (a.y + b.y);
  let hi = s + e;
  return vec2f(hi, e - (hi - s));
}

fn weightAt(row: u32, k: u32) -> f32 {
  if (row >= P.rows || k >= P.K) { return 0.0; }
  return w[row * P.K + k];
}

// Tree-sums w_row,k over the workgroup's rows, for every k, into one partial.
// Call from uniform control flow.
fn reduceWeights(wgx: u32, li: u32, row: u32) {
  let K = P.K;
  let base = (P.outOffset + wgx) * K;
  for (var k0 = 0u; k0 < K; k0 += 4u) {
    red[li] = vec4f(weightAt(row, k0), weightAt(row, k0 + 1u), weightAt(row, k0 + 2u), weightAt(row, k0 + 3u));
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
      if (li < stride) { red[li] = red[li] + red[li + stride]; }
      workgroupBarrier();
    }
    if (li == 0u) {
      let r = red[0];
      for (var c = 0u; c < 4u; c++) {
        if (k0 + c < K) { partials[base + k0 + c] = r[c]; }
      }
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(256)
fn estep(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row = wg.x * WG + li;
  let K = P.K;
  var term = 0.0;
  if (row < P.rows) {
    let base = row * K;
    let n = counts[P.rowStart + row];
    var m = -3.0e38;
    for (var k = 0u; k < K; k++) {
      let ks = kstate[k];
      m = max(m, ks.w + (s[base + k] - ks.x));
    }
    var z = 0.0;
    for (var k = 0u; k < K; k++) {
      let ks = kstate[k];
      z += accExp(ks.w + (s[base + k] - ks.x) - m);
    }
    let logPi = m + accLog(z);
    for (var k = 0u; k < K; k++) {
      let ks = kstate[k];
      w[base + k] = n * accExp(ks.w + (s[base + k] - ks.x) - logPi);
    }
    term = n * logPi;
  }
  redPair[li] = vec2f(term, 0.0);
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (li < stride) { redPair[li] = pairAdd(redPair[li], redPair[li + stride]); }
    workgroupBarrier();
  }
  if (li == 0u) { ell[P.outOffset + wg.x] = redPair[0]; }
  reduceWeights(wg.x, li, row);
}

@compute @workgroup_size(256)
fn sigma(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row = wg.x * WG + li;
  let K = P.K;
  if (row < P.rows) {
    let base = row * K;
    for (var k = 0u; k < K; k++) {
      let ks = kstate[k];
      w[base + k] = accExp((s[base + k] - ks.x) - ks.z);
    }
  }
  reduceWeights(wg.x, li, row);
}
