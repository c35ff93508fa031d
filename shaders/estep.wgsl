// estep: the fused E-step over one row slice, from the scores s, the per-component
// state (M_k, S_k, ls_k, b_k) written by logsumexp.wgsl's finalize, and the counts n.
//
//   t_jk    = b_k + (s_jk − M_k)             = log α_k + s_jk − A_k
//   log π_j = m_j + log Σ_k exp(t_jk − m_j),   m_j = max_k t_jk   (max-shifted)
//   w_jk    = n_j exp(t_jk − log π_j)          = n_j r_jk          → w (rows × K)
//   ℓ_j     = n_j log π_j
//
// accExp and accLog come from exp-log.wgsl, reduceColumns from column-tree.wgsl and pairAdd
// from pair-add.wgsl, all appended by the wrapper.
// An empty component carries b_k = −1e30 (finite sentinel): exp(t_jk − ·) is then
// exactly 0 and never NaN.
//
// Partials, one per workgroup of 256 rows (64 invocations, 4 rows each: li + 64·i,
// coalesced):
//   partials[(outOffset + wg.x) · K + k] = Σ_j w_jk (= c_k): per component a depth-8
//     binary tree over the 256 rows (column-tree.wgsl's reduceColumns: two levels in
//     registers, six in workgroup memory, up to 16 components per round of barriers);
//   ell[outOffset + wg.x] = Σ_j ℓ_j as an unevaluated sum hi + lo of two f32
//     (compensated: every tree node adds with TwoSum and keeps the rounding error),
//     so ℓ is not limited by the f32 rounding of large partial sums (~u/2 · |ℓ|, which
//     would make ℓ jump by ~1e-8 relative as the parameters move). Same tree shape, and
//     it rides along the first round of the weights' tree (no barriers of its own).
//     merge-sums.wgsl's mergePairs continues the same arithmetic across workgroups.
//
// Entry points:
//   estep  as above. Grid (⌈rows/256⌉).
//   sigma  the softmax weights for the statistics of A: w_jk = σ_jk = exp(s_jk − M_k − ls_k),
//          partials Σ_j σ_jk (≈ 1 over all of p; the host divides by it). Counts and
//          ell are not used. Grid (⌈rows/256⌉).
//   estepSigma  both, from the same scores and state: P.cols = 2K columns, the E-step's
//          n_j r_jk in columns k < K and σ_jk in columns K + k; partials of all 2K
//          columns and ell (one dispatch, and one weighted sum over the 2K columns after
//          it, where estep and sigma took two each). Grid (⌈rows/256⌉).
//   pairs  the pair weights of the observed information (src/observed-newton.ts):
//          w_j,(k,l) = n_j r_jk (δ_kl − r_jl) for k ≤ l, P.cols = K(K+1)/2 columns in
//          the order (0,0), (0,1), …, (K−1,K−1); partials Σ_j w_j,(k,l). ell is not
//          used. Grid (⌈rows/256⌉).
//   scorePairs  the pair weights of the scores' outer products (src/inference/):
//          w_j,(k,l) = n_j r_jk r_jl for k ≤ l, the same columns and partials as pairs.
//   residual  the counts the mixture leaves unexplained (src/replace.ts):
//          w_j = max(n_j − N π_j, 0), N = bitcast<f32>(P.total), one column (P.cols = 1);
//          partials Σ_j w_j. ell is not used. Grid (⌈rows/256⌉).
//
// w is rows × P.cols (P.cols = K for estep and sigma, 2K for estepSigma).

const WG: u32 = 256u;

struct Params {
  rowStart: u32,  // first row of the slice inside the chunk (for the counts)
  rows: u32,
  K: u32,
  outOffset: u32,
  cols: u32,      // columns of w: K, K(K+1)/2 for pairs, 1 for residual
  total: u32,     // N as f32 bits (residual only)
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> s: array<f32>;
@group(0) @binding(2) var<storage, read> counts: array<f32>;
@group(0) @binding(3) var<storage, read> kstate: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> w: array<f32>;
@group(0) @binding(5) var<storage, read_write> partials: array<f32>;
@group(0) @binding(6) var<storage, read_write> ell: array<vec2f>;

const LANES: u32 = 64u;
const SLOTS: u32 = 4u; // vec4 slots per invocation and round: 16 components

var<workgroup> red: array<vec4f, 256>; // slot c of invocation li at c · 64 + li
var<workgroup> redPair: array<vec2f, 64>;

// column-tree.wgsl's hooks: w has P.cols columns; ℓ's tree rides along the first round.
fn columnCount() -> u32 { return P.cols; }

fn rideAlong(li: u32, stride: u32) {
  redPair[li] = pairAdd(redPair[li], redPair[li + stride]);
}

// log π_j of the row whose scores start at `base`: m + log Σ_k exp(t_jk − m), m = max_k t_jk.
fn logPiAt(base: u32) -> f32 {
  var m = -3.0e38;
  for (var k = 0u; k < P.K; k++) {
    let ks = kstate[k];
    m = max(m, ks.w + (s[base + k] - ks.x));
  }
  var z = 0.0;
  for (var k = 0u; k < P.K; k++) {
    let ks = kstate[k];
    z += accExp(ks.w + (s[base + k] - ks.x) - m);
  }
  return m + accLog(z);
}

// r_jk = exp(t_jk − log π_j)
fn posterior(base: u32, k: u32, logPi: f32) -> f32 {
  let ks = kstate[k];
  return accExp(ks.w + (s[base + k] - ks.x) - logPi);
}

// One row of the E-step: writes w_row,k and returns ℓ_row = n log π (0 past the slice).
fn estepRow(row: u32) -> f32 {
  if (row >= P.rows) { return 0.0; }
  let K = P.K;
  let base = row * K;
  let out = row * P.cols;
  let n = counts[P.rowStart + row];
  let logPi = logPiAt(base);
  for (var k = 0u; k < K; k++) {
    w[out + k] = n * posterior(base, k, logPi);
  }
  return n * logPi;
}

@compute @workgroup_size(64)
fn estep(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.x * WG + li;
  let t0 = estepRow(row0);
  let t1 = estepRow(row0 + 64u);
  let t2 = estepRow(row0 + 128u);
  let t3 = estepRow(row0 + 192u);
  redPair[li] = pairAdd(pairAdd(vec2f(t0, 0.0), vec2f(t2, 0.0)), pairAdd(vec2f(t1, 0.0), vec2f(t3, 0.0)));
  reduceColumns(wg.x, li, row0, true);
  if (li == 0u) { ell[P.outOffset + wg.x] = redPair[0]; }
}

// σ of one row into the columns first .. first + K − 1 of its row of w.
fn sigmaRow(row: u32, first: u32) {
  if (row >= P.rows) { return; }
  let K = P.K;
  let base = row * K;
  let out = row * P.cols + first;
  for (var k = 0u; k < K; k++) {
    let ks = kstate[k];
    w[out + k] = accExp((s[base + k] - ks.x) - ks.z);
  }
}

@compute @workgroup_size(64)
fn sigma(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.x * WG + li;
  sigmaRow(row0, 0u);
  sigmaRow(row0 + 64u, 0u);
  sigmaRow(row0 + 128u, 0u);
  sigmaRow(row0 + 192u, 0u);
  reduceColumns(wg.x, li, row0, false);
}

@compute @workgroup_size(64)
fn estepSigma(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.x * WG + li;
  let K = P.K;
  let t0 = estepRow(row0);
  let t1 = estepRow(row0 + 64u);
  let t2 = estepRow(row0 + 128u);
  let t3 = estepRow(row0 + 192u);
  sigmaRow(row0, K);
  sigmaRow(row0 + 64u, K);
  sigmaRow(row0 + 128u, K);
  sigmaRow(row0 + 192u, K);
  redPair[li] = pairAdd(pairAdd(vec2f(t0, 0.0), vec2f(t2, 0.0)), pairAdd(vec2f(t1, 0.0), vec2f(t3, 0.0)));
  reduceColumns(wg.x, li, row0, true);
  if (li == 0u) { ell[P.outOffset + wg.x] = redPair[0]; }
}

fn pairsRow(row: u32) {
  if (row >= P.rows) { return; }
  let K = P.K;
  let base = row * K;
  let n = counts[P.rowStart + row];
  let logPi = logPiAt(base);
  var i = row * P.cols;
  for (var k = 0u; k < K; k++) {
    let nr = n * posterior(base, k, logPi);
    // 1 − r_k as the sum of the other posteriors: exact where r_k ≈ 1, unlike 1.0 − r_k.
    var rest = 0.0;
    for (var l = 0u; l < K; l++) {
      if (l != k) { rest += posterior(base, l, logPi); }
    }
    w[i] = nr * rest;
    i++;
    for (var l = k + 1u; l < K; l++) {
      w[i] = -nr * posterior(base, l, logPi);
      i++;
    }
  }
}

@compute @workgroup_size(64)
fn pairs(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.x * WG + li;
  pairsRow(row0);
  pairsRow(row0 + 64u);
  pairsRow(row0 + 128u);
  pairsRow(row0 + 192u);
  reduceColumns(wg.x, li, row0, false);
}

fn scorePairsRow(row: u32) {
  if (row >= P.rows) { return; }
  let K = P.K;
  let base = row * K;
  let n = counts[P.rowStart + row];
  let logPi = logPiAt(base);
  var i = row * P.cols;
  for (var k = 0u; k < K; k++) {
    let nr = n * posterior(base, k, logPi);
    for (var l = k; l < K; l++) {
      w[i] = nr * posterior(base, l, logPi);
      i++;
    }
  }
}

@compute @workgroup_size(64)
fn scorePairs(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.x * WG + li;
  scorePairsRow(row0);
  scorePairsRow(row0 + 64u);
  scorePairsRow(row0 + 128u);
  scorePairsRow(row0 + 192u);
  reduceColumns(wg.x, li, row0, false);
}

fn residualRow(row: u32) {
  if (row >= P.rows) { return; }
  let n = counts[P.rowStart + row];
  w[row] = max(n - bitcast<f32>(P.total) * accExp(logPiAt(row * P.K)), 0.0);
}

@compute @workgroup_size(64)
fn residual(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.x * WG + li;
  residualRow(row0);
  residualRow(row0 + 64u);
  residualRow(row0 + 128u);
  residualRow(row0 + 192u);
  reduceColumns(wg.x, li, row0, false);
}
