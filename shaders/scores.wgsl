// scores: s = X Θᵀ for one row slice of one chunk of X.
//
//   X      rows × L, row-major (the whole chunk buffer; the slice starts at P.rowStart)
//   theta  K × L, row-major
//   s      P.rows × K, row-major (slice-local rows)
//
// One invocation per row and KT = 4 components (grid x: rows in groups of ROWS, grid
// y: components in groups of KT), no workgroup memory and no barriers: per feature l
// one load of x_l and four of θ (the same addresses across the workgroup, so they are
// cache broadcasts) for four FMAs into a vec4. The dot product runs over l in order,
// in f32 with one rounding per FMA (error ≤ γ_L Σ_l |x_l θ_l|). Components past K are
// clamped on load and not written.

const ROWS: u32 = 64u;   // invocations per workgroup = rows per workgroup
const KT: u32 = 4u;      // components per invocation

struct Params {
  rowStart: u32,
  rows: u32,
  L: u32,
  K: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> theta: array<f32>;
@group(0) @binding(3) var<storage, read_write> s: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(workgroup_id) wg: vec3u) {
  let row = gid.x;
  if (row >= P.rows) { return; }
  let L = P.L;
  let K = P.K;
  let k0 = wg.y * KT;
  let ik = min(vec4u(k0, k0 + 1u, k0 + 2u, k0 + 3u), vec4u(K - 1u)) * L;
  let xr = (P.rowStart + row) * L;
  var acc = vec4f(0.0);
  for (var l = 0u; l < L; l++) {
    let t = vec4f(theta[ik.x + l], theta[ik.y + l], theta[ik.z + l], theta[ik.w + l]);
    acc = fma(vec4f(X[xr + l]), t, acc);
  }
  for (var kk = 0u; kk < KT; kk++) {
    let k = k0 + kk;
    if (k < K) { s[row * K + k] = acc[kk]; }
  }
}
