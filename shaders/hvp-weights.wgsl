// hvp-weights: the weights of the Hessian–vector products of the log-partitions
// (Engine.hessianVectorProducts) for one row slice:
//
//   w_jk = σ_jk · ((x_j − μ_k)·v_k) = exp(s_jk − A_k) · (t_jk − c_k)
//
// so that Σ_j w_jk x_j = ∇²A(θ_k) v_k (weighted-sum.wgsl forms that sum next).
//
//   s     rows × 2K (slice-local), from scores.wgsl run on the stacked rows [Θ; V]:
//         columns 0..K−1 hold s_jk = x_j·θ_k, columns K..2K−1 hold t_jk = x_j·v_k
//   coef  K × vec2: (A_k, c_k = μ_k·v_k), written by the host from the softmax
//         statistics at Θ (float64 rounded once to f32)
//   w     rows × K (slice-local)
//
// One invocation per row, looping over k: no workgroup memory, no barriers. The centring
// by c_k keeps the weights O(σ |x − μ| |v|) rather than O(σ |x| |v|), so the sum does
// not cancel where μ_k is far from the items' mean. accExp: shaders/exp-log.wgsl.

struct Params {
  rows: u32,
  K: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> s: array<f32>;
@group(0) @binding(2) var<storage, read> coef: array<vec2f>;
@group(0) @binding(3) var<storage, read_write> w: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let row = gid.x;
  if (row >= P.rows) { return; }
  let K = P.K;
  let base = row * 2u * K;
  for (var k = 0u; k < K; k++) {
    let c = coef[k];
    w[row * K + k] = accExp(s[base + k] - c.x) * (s[base + K + k] - c.y);
  }
}
