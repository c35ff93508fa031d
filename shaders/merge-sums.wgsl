// merge-sums: one level of the device-side reduction of sum partials.
//
//   pin   n × W partials (row-major: partial i is pin[i·W .. (i+1)·W))
//   pout  ⌈n/256⌉ × W: output partial o is the sum of input partials [256·o, 256·o + 256)
//
// Workgroup 16 × 16: lane x is the column (grid y and z tile the W columns: tile
// wg.z·tilesY + wg.y, so widths past 16 × maxComputeWorkgroupsPerDimension, such as one
// packed Gram matrix at L = 2048, fold into z), lane y takes
// 16 of the 256 input partials (every 16th) and adds them as a binary tree in
// registers; the 16 lanes are then tree-summed in workgroup memory. So every level is
// a 256-way binary tree (8 roundings per value), never a serial loop over p.
// Used for the E-step c, weighted-sum and weighted-gram partials; mergePairs (below)
// for the compensated ℓ partials.

const LANES: u32 = 16u;
const GROUP: u32 = 256u;

struct Params {
  n: u32,
  W: u32,
  // column tiles of 16 per grid z layer (the grid's y)
  tilesY: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> pin: array<f32>;
@group(0) @binding(2) var<storage, read_write> pout: array<f32>;

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let col = (wg.z * P.tilesY + wg.y) * LANES + lid.x;
  let valid = col < P.W;
  var v: array<f32, 16>;
  for (var r = 0u; r < LANES; r++) {
    let i = wg.x * GROUP + r * LANES + lid.y;
    var x = 0.0;
    if (valid && i < P.n) { x = pin[i * P.W + col]; }
    v[r] = x;
  }
  for (var h = LANES / 2u; h > 0u; h >>= 1u) {
    for (var r = 0u; r < h; r++) { v[r] += v[r + h]; }
  }
  red[lid.y * LANES + lid.x] = v[0];
  workgroupBarrier();
  for (var stride = LANES / 2u; stride > 0u; stride >>= 1u) {
    if (lid.y < stride) { red[lid.y * LANES + lid.x] += red[(lid.y + stride) * LANES + lid.x]; }
    workgroupBarrier();
  }
  if (lid.y == 0u && valid) { pout[wg.x * P.W + col] = red[lid.x]; }
}

// mergePairs: the same level for compensated sums (ℓ from estep.wgsl): n values
// hi + lo (vec2) → ⌈n/256⌉, each a TwoSum tree over 256 inputs. Grid (⌈n/256⌉).
@group(0) @binding(3) var<storage, read> pairsIn: array<vec2f>;
@group(0) @binding(4) var<storage, read_write> pairsOut: array<vec2f>;

var<workgroup> redPair: array<vec2f, 256>;

// pairAdd comes from pair-add.wgsl, appended by the wrapper.

@compute @workgroup_size(256)
fn mergePairs(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = wg.x * GROUP + li;
  var v = vec2f(0.0, 0.0);
  if (i < P.n) { v = pairsIn[i]; }
  redPair[li] = v;
  workgroupBarrier();
  for (var stride = GROUP / 2u; stride > 0u; stride >>= 1u) {
    if (li < stride) { redPair[li] = pairAdd(redPair[li], redPair[li + stride]); }
    workgroupBarrier();
  }
  if (li == 0u) { pairsOut[wg.x] = redPair[0]; }
}
