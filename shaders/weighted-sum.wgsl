// weighted-sum: F_kl = Σ_j w_jk x_jl over one row slice (K × L outputs), as partials.
//
//   X         rows × L (the whole chunk buffer; the slice starts at P.rowStart)
//   w         P.rows × K (slice-local), e.g. n_j r_jk from estep.wgsl or σ_jk
//   partials  one K·L row per workgroup along x, at partials[(outOffset + wg.x) · W + o],
//             o = k·L + l, W = K·L
//
// Split-K over the long dimension p: workgroup g along x covers the rows
// [g·span, (g+1)·span) of the slice, and 16 outputs (grid y tiles the K·L outputs).
// Workgroup 16 × 16: lane x is the output, lane y takes every 16th row of the span.
// Each invocation sums its rows with a cascade (8 rows serially into a block, blocks
// merged pairwise through a binary counter, so the error grows like log2 of the
// count, not linearly); then the 16 lanes are tree-summed in workgroup memory.
// Partials are merged across workgroups and slices by merge-sums.wgsl and on the host.

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
  _pad: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;

var<workgroup> red: array<f32, 256>;

// Pairwise (cascade) summation of a stream: see the header.
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
  let k = o / L;
  let l = o % L;
  let begin = wg.x * P.span;
  let end = min(P.rows, begin + P.span);

  var acc: Cascade;
  if (valid) {
    for (var j = begin + lid.y; j < end; j += LANES) {
      cascadeAdd(&acc, w[j * K + k] * X[(P.rowStart + j) * L + l]);
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
