// moment-weights: per-row weights for the latent moments (MATH.md §3–4), with the same
// column-sum partials as estep.wgsl, over one row slice.
//
//   counts  w_j  = n_j                                   (K = 1)  → Σ_j π̂ x, Σ_j π̂ x xᵀ
//   powers  w_jr = n_j t_j^r, r = 0 .. K−1, t_j = s_j      (s has one column: t = d·x)
//   scaled  w_jk = n_j y_jk,                 y_jk = s_jk  (s has K columns: y = P x)
//
// partials[(outOffset + wg.x) · K + k] = Σ_j w_jk over the workgroup's 256 rows, a
// binary tree, four columns at a time (as in estep.wgsl). Grid (⌈rows/256⌉).

const WG: u32 = 256u;

struct Params {
  rowStart: u32,  // first row of the slice inside the chunk (for the counts)
  rows: u32,
  K: u32,         // columns of w
  outOffset: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> s: array<f32>;
@group(0) @binding(2) var<storage, read> counts: array<f32>;
@group(0) @binding(3) var<storage, read_write> w: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;

var<workgroup> red: array<vec4f, 256>;

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
fn countWeights(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row = wg.x * WG + li;
  if (row < P.rows) { w[row] = counts[P.rowStart + row]; }
  reduceWeights(wg.x, li, row);
}

@compute @workgroup_size(256)
fn powers(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row = wg.x * WG + li;
  if (row < P.rows) {
    let t = s[row];
    var v = counts[P.rowStart + row];
    for (var r = 0u; r < P.K; r++) {
      w[row * P.K + r] = v;
      v = v * t;
    }
  }
  reduceWeights(wg.x, li, row);
}

@compute @workgroup_size(256)
fn scaled(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row = wg.x * WG + li;
  if (row < P.rows) {
    let n = counts[P.rowStart + row];
    for (var k = 0u; k < P.K; k++) { w[row * P.K + k] = n * s[row * P.K + k]; }
  }
  reduceWeights(wg.x, li, row);
}
