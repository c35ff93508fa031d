// logsumexp: A_k = log Σ_j exp(s_jk), max-shifted, as mergeable partials.
//
// A partial is a pair (m, t) standing for exp(m) · t, i.e. the log-sum-exp m + log t
// of the scores it covers, with m the largest of them (so 1 ≤ t ≤ count). Two
// partials merge exactly: m = max(m1, m2), t = t1·exp(m1−m) + t2·exp(m2−m). No
// exp argument is ever positive, so scores of any size (±80, ±1e4) cannot overflow.
// The empty partial is (NEG_BIG, 0): a finite sentinel, so no inf − inf = NaN.
//
// The first partials (one per 256 rows of a slice and component, at
// pout[(outOffset + wg.x) · K + k]) are written by scores.wgsl's `withPartials` entry,
// in the same dispatch as the scores (so s is not read back here); its tree over the
// 256 rows is the depth-8 binary tree below.
//
// Entry points (one pipeline each, shapes in the uniform):
//   merge     pin (n × K partials) → pout (⌈n/256⌉ × K): 256-way tree merges.
//             Grid (⌈n/256⌉, K).
//   finalize  pin (n × K partials, any n: each invocation first merges the partials
//             li, li + 256, … serially) → kstate[k] = (M_k, S_k, ls_k, b_k) with
//             M the max score, S = Σ exp(s − M), ls = log S (so A = M + ls), and
//             b_k = logAlpha_k − ls_k: the per-component offset of the E-step,
//             t_jk = b_k + (s_jk − M_k) = log α_k + s_jk − A_k. Grid (1, K).
// Within a workgroup the merges form a binary tree (8 levels for 256 values).
// accExp and accLog come from exp-log.wgsl, appended by the wrapper.

const WG: u32 = 256u;
const NEG_BIG: f32 = -1.0e30;

struct Params {
  count: u32,     // n (merge, finalize)
  K: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(2) var<storage, read> pin: array<vec2f>;
@group(0) @binding(3) var<storage, read_write> pout: array<vec2f>;
@group(0) @binding(4) var<storage, read> logAlpha: array<f32>;
@group(0) @binding(5) var<storage, read_write> kstate: array<vec4f>;

var<workgroup> red: array<vec2f, 256>;

fn lseMerge(a: vec2f, b: vec2f) -> vec2f {
  let m = max(a.x, b.x);
  return vec2f(m, a.y * accExp(a.x - m) + b.y * accExp(b.x - m));
}

// Tree-merges red[0..256) into red[0]. Call from uniform control flow.
fn treeMerge(li: u32) {
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (li < stride) { red[li] = lseMerge(red[li], red[li + stride]); }
    workgroupBarrier();
  }
}

@compute @workgroup_size(256)
fn merge(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let k = wg.y;
  let K = P.K;
  let i = wg.x * WG + li;
  var v = vec2f(NEG_BIG, 0.0);
  if (i < P.count) { v = pin[i * K + k]; }
  red[li] = v;
  treeMerge(li);
  if (li == 0u) { pout[wg.x * K + k] = red[0]; }
}

@compute @workgroup_size(256)
fn finalize(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let k = wg.y;
  let K = P.K;
  var v = vec2f(NEG_BIG, 0.0);
  for (var i = li; i < P.count; i += WG) { v = lseMerge(v, pin[i * K + k]); }
  red[li] = v;
  treeMerge(li);
  if (li == 0u) {
    let M = red[0].x;
    let S = red[0].y;
    let ls = accLog(S);
    kstate[k] = vec4f(M, S, ls, logAlpha[k] - ls);
  }
}
