// moment-weights: per-row weights for the latent moments (MATH.md §3–4), with the same
// column-sum partials as estep.wgsl, over one row slice.
//
//   counts  w_j  = n_j                                   (K = 1)  → Σ_j π̂ x, Σ_j π̂ x xᵀ
//   powers  w_jr = n_j t_j^r, r = 0 .. K−1, t_j = s_j      (s has one column: t = d·x)
//   scaled  w_jk = n_j y_jk,                 y_jk = s_jk  (s has K columns: y = P x)
//
// partials[(outOffset + wg.x) · K + k] = Σ_j w_jk over the workgroup's 256 rows, by
// column-tree.wgsl's reduceColumns (appended by the wrapper), as in estep.wgsl.
// Grid (⌈rows/256⌉).

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

// column-tree.wgsl's hooks: w has P.K columns; nothing rides along.
fn columnCount() -> u32 { return P.K; }

fn rideAlong(li: u32, stride: u32) {}

fn countRow(row: u32) {
  if (row < P.rows) { w[row] = counts[P.rowStart + row]; }
}

@compute @workgroup_size(64)
fn countWeights(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.x * WG + li;
  for (var i = 0u; i < 4u; i++) { countRow(row0 + 64u * i); }
  reduceColumns(wg.x, li, row0, false);
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
  reduceColumns(wg.x, li, row0, false);
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
  reduceColumns(wg.x, li, row0, false);
}
