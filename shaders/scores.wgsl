// scores: s = X Θᵀ for one row slice of one chunk of X.
//
//   X      rows × L, row-major (the whole chunk buffer; the slice starts at P.rowStart)
//   theta  K × L, row-major
//   s      P.rows × K, row-major (slice-local rows)
//
// One invocation per row, ROWS rows per workgroup (grid x), KT components per
// workgroup (grid y). L is walked in tiles of LT features: each tile of Θ (KT × LT)
// and of X (ROWS × LT) is staged in workgroup memory, X with coalesced loads
// (consecutive invocations read consecutive features of a row) and a padded stride
// (LT + 1) so that the per-row reads do not all hit one memory bank. The dot product
// runs over l in order, in f32 (error ≤ γ_L Σ_l |x_l θ_l|). Workgroup memory:
// (KT·LT + ROWS·(LT+1))·4 = 8.8 KiB.

const ROWS: u32 = 64u;   // invocations per workgroup = rows per workgroup
const KT: u32 = 4u;      // components per workgroup
const LT: u32 = 32u;     // features per tile
const XS: u32 = 33u;     // padded row stride of the X tile

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

var<workgroup> thetaTile: array<f32, 128>; // KT * LT
var<workgroup> xTile: array<f32, 2112>;    // ROWS * XS

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wg.x * ROWS;
  let row = row0 + li;
  let k0 = wg.y * KT;
  let L = P.L;
  let K = P.K;
  let inRange = row < P.rows;

  var acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
  for (var l0 = 0u; l0 < L; l0 += LT) {
    // Stage Θ[k0 .. k0+KT, l0 .. l0+LT] and X[row0 .. row0+ROWS, l0 .. l0+LT], zero-padded.
    for (var i = li; i < KT * LT; i += ROWS) {
      let k = k0 + i / LT;
      let l = l0 + i % LT;
      var v = 0.0;
      if (k < K && l < L) { v = theta[k * L + l]; }
      thetaTile[i] = v;
    }
    for (var i = li; i < ROWS * LT; i += ROWS) {
      let r = i / LT;
      let l = l0 + i % LT;
      var v = 0.0;
      if (row0 + r < P.rows && l < L) { v = X[(P.rowStart + row0 + r) * L + l]; }
      xTile[r * XS + i % LT] = v;
    }
    workgroupBarrier();
    if (inRange) {
      let lEnd = min(LT, L - l0);
      for (var ll = 0u; ll < lEnd; ll++) {
        let xv = xTile[li * XS + ll];
        for (var kk = 0u; kk < KT; kk++) {
          acc[kk] = fma(xv, thetaTile[kk * LT + ll], acc[kk]);
        }
      }
    }
    workgroupBarrier();
  }
  if (inRange) {
    for (var kk = 0u; kk < KT; kk++) {
      let k = k0 + kk;
      if (k < K) { s[row * K + k] = acc[kk]; }
    }
  }
}
