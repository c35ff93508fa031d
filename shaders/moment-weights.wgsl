// moment-weights: per-row weights for the latent moments (MATH.md §3–4), with the same
// column-sum partials as estep.wgsl, over one row slice.
//
//   counts  w_j  = n_j                                   (K = 1)  → Σ_j π̂ x, Σ_j π̂ x xᵀ
//   powers  w_jr = n_j t_j^r, r = 0 .. K−1, t_j = s_j      (s has one column: t = d·x)
//   scaled  w_jk = n_j y_jk,                 y_jk = s_jk  (s has K columns: y = P x)
//
// partials[(outOffset + wg.x) · K + k] = Σ_j w_jk over the workgroup's 256 rows (64
// invocations, 4 rows each: li + 64·i): a depth-8 binary tree per column, two levels in
// registers ((r0 + r2) + (r1 + r3), r_i = row li + 64·i: the node order of the old
// 256-wide tree, so the sums are bitwise unchanged) and six in workgroup memory, up to 16 columns per round of barriers (as in
// estep.wgsl). Grid (⌈rows/256⌉).

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

const LANES: u32 = 64u;
const SLOTS: u32 = 4u; // vec4 slots per invocation and round: 16 columns

var<workgroup> red: array<vec4f, 256>; // slot c of invocation li at c · 64 + li

fn weightAt(row: u32, k: u32) -> f32 {
  if (row >= P.rows || k >= P.K) { return 0.0; }
  return w[row * P.K + k];
}

fn weights4(row: u32, k0: u32) -> vec4f {
  return vec4f(weightAt(row, k0), weightAt(row, k0 + 1u), weightAt(row, k0 + 2u), weightAt(row, k0 + 3u));
}

// Tree-sums w_row,k over the workgroup's 256 rows (rows row0 + 64·i), for every k, into
// one partial. Call from uniform control flow.
fn reduceWeights(wgx: u32, li: u32, row0: u32) {
  let K = P.K;
  let base = (P.outOffset + wgx) * K;
  for (var k0 = 0u; k0 < K; k0 += 4u * SLOTS) {
    let slots = min(SLOTS, (K - k0 + 3u) / 4u);
    for (var c = 0u; c < slots; c++) {
      let kc = k0 + 4u * c;
      let a = weights4(row0, kc) + weights4(row0 + 128u, kc);
      let b = weights4(row0 + 64u, kc) + weights4(row0 + 192u, kc);
      red[c * LANES + li] = a + b;
    }
    workgroupBarrier();
    for (var stride = LANES / 2u; stride > 0u; stride >>= 1u) {
      if (li < stride) {
        for (var c = 0u; c < slots; c++) {
          red[c * LANES + li] = red[c * LANES + li] + red[c * LANES + li + stride];
        }
      }
      workgroupBarrier();
    }
    if (li == 0u) {
      for (var c = 0u; c < slots; c++) {
        let r = red[c * LANES];
        for (var q = 0u; q < 4u; q++) {
          let k = k0 + 4u * c + q;
          if (k < K) { partials[base + k] = r[q]; }
        }
      }
    }
    workgroupBarrier();
  }
}

fn countRow(row: u32) {
  if (row < P.rows) { w[row] = counts[P.rowStart + row]; }
}

@compute @workgroup_size(64)
fn countWeights(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.x * WG + li;
  for (var i = 0u; i < 4u; i++) { countRow(row0 + 64u * i); }
  reduceWeights(wg.x, li, row0);
}

fn powersRow(row: u32) {
  if (row >= P.rows) { return; }
  let t = s[row];
  var v = counts[P.rowStart + row];
  for (var r = 0u; r < P.K; r++) {
    w[row * P.K + r] = v;
    v = v * t;
  }
}

@compute @workgroup_size(64)
fn powers(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.x * WG + li;
  for (var i = 0u; i < 4u; i++) { powersRow(row0 + 64u * i); }
  reduceWeights(wg.x, li, row0);
}

fn scaledRow(row: u32) {
  if (row >= P.rows) { return; }
  let n = counts[P.rowStart + row];
  for (var k = 0u; k < P.K; k++) { w[row * P.K + k] = n * s[row * P.K + k]; }
}

@compute @workgroup_size(64)
fn scaled(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.x * WG + li;
  for (var i = 0u; i < 4u; i++) { scaledRow(row0 + 64u * i); }
  reduceWeights(wg.x, li, row0);
}
