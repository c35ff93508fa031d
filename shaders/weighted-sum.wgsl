// weighted-sum: F_cl = Σ_j w_jc x_jl over one row slice (C × L outputs), as split-K
// partials: the E-step's Σ n r x and the softmax means' Σ σ x (one dispatch for both:
// the plan stacks their 2K weight columns), the Hessian–vector products, the latent
// moments' weighted sums.
//
//   X         rows × L (the whole chunk buffer; the slice starts at P.rowStart)
//   w         P.rows × C (slice-local)
//   partials  one C·L row per row group g = wg.y, at partials[(outOffset + g) · W + c·L + l],
//             W = C·L
//
// Tiling: a GEMM Wᵀ X, split over the rows. One workgroup of 256 invocations owns a
// block of CB columns of w by BW columns of X (CB·BW = 4096 outputs: (CB, BW) = (32, 128),
// (64, 64) or (128, 32), the wrapper takes the one with the fewest X reads) over the
// rows [g·span, (g+1)·span) of its row group g = wg.y. Each invocation holds a 4 × 4
// register block: columns 4ci .. 4ci+3 of the block, features 4fi .. 4fi+3,
// ci = lid / (BW/4), fi = lid mod (BW/4). Per stage of R = 12 rows in every tiling
// (R·(BW + CB) ≤ 1920 floats, 7.5 KiB of workgroup memory; the same R keeps each
// output's order of summation, so its value does not depend on C or the tiling) the
// workgroup copies the rows' BW features and CB
// weights into workgroup memory once (zeros past L and C); then every invocation runs
// over the staged rows: one vec4 of x and one of w from workgroup memory, 4 vec4
// multiply–adds.
//
// X reads (kernel.ts `Dispatch.x`): a workgroup loads its BW features (fewer at L's end)
// of each of its rows, and the ⌈L/BW⌉ feature blocks tile L, so one dispatch reads X once
// per column block: ⌈C/CB⌉ times (weightedSumXReads): once at C = 2K ≤ 64.
//
// Rounding: blocked compensated summation. Within a stage each output is a plain float32
// sum of its n ≤ R terms; the stage's sum is then added into a compensated (Kahan)
// accumulator (cascade4.wgsl). |error| ≤ (R − 1 + 2)·u·Σ_j |w_jc x_jl| beside each term's
// own product rounding (first order, u = 2^-24), whatever the span: the compensation
// costs four operations per stage, not per row (test/browser/bounds.ts wsumFactor).
// Partials are merged across row groups and slices by merge-sums.wgsl and on the host.

const GROUP: u32 = 256u;
// staged rows: R × BW/4 vec4 of x, then R × CB/4 vec4 of w (R·(BW + CB)/4 ≤ 512)
const STAGE_VEC4: u32 = 512u;

struct Params {
  rowStart: u32,
  rows: u32,
  C: u32,
  L: u32,
  outOffset: u32,
  span: u32,
  W: u32,
  // column block, feature block, rows per stage, feature blocks ⌈L/BW⌉
  CB: u32,
  BW: u32,
  R: u32,
  nFB: u32,
  _pad0: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
// binding 1, X: x-f32.wgsl or x-f16.wgsl (xWord), appended by the wrapper
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;

var<workgroup> stage: array<vec4f, STAGE_VEC4>;

// Cascade, cascadeAdd, cascadeTotal: shaders/cascade4.wgsl, appended by the kernel's loader.

// Writes the entries (c, l0 .. l0+3) of v that are inside C × L.
fn store(base: u32, c: u32, l0: u32, v: vec4f) {
  if (c >= P.C) { return; }
  for (var i = 0u; i < 4u; i++) {
    if (l0 + i < P.L) { partials[base + c * P.L + l0 + i] = v[i]; }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3u) {
  let C = P.C;
  let L = P.L;
  let BW = P.BW;
  let CB = P.CB;
  let fq = BW / 4u; // vec4 of x per staged row
  let cq = CB / 4u; // vec4 of w per staged row
  let fb = wg.x % P.nFB;
  let cb = wg.x / P.nFB;
  let ci = lid / fq;
  let fi = lid % fq;
  let col0 = cb * CB; // first column of w of this block
  let feat0 = fb * BW; // first feature of this block
  let wAt = P.R * fq; // where the staged w start

  var a0: Cascade;
  var a1: Cascade;
  var a2: Cascade;
  var a3: Cascade;
  let begin = wg.y * P.span;
  let end = min(P.rows, begin + P.span);
  for (var t0 = begin; t0 < end; t0 += P.R) {
    let n = min(P.R, end - t0);
    workgroupBarrier(); // the previous stage is used up
    // fixed trip counts (2 each), so that the barriers stay in uniform control flow
    for (var s = 0u; s < STAGE_VEC4 / GROUP; s++) {
      let q = lid + s * GROUP;
      if (q < n * fq) {
        let col = feat0 + 4u * (q % fq);
        let xr = (P.rowStart + t0 + q / fq) * L;
        var v = vec4f(0.0);
        for (var i = 0u; i < 4u; i++) {
          if (col + i < L) { v[i] = xWord(xr + col + i); }
        }
        stage[q] = v;
      }
      if (q < n * cq) {
        let c = col0 + 4u * (q % cq);
        let wr = (t0 + q / cq) * C;
        var v = vec4f(0.0);
        for (var i = 0u; i < 4u; i++) {
          if (c + i < C) { v[i] = w[wr + c + i]; }
        }
        stage[wAt + q] = v;
      }
    }
    workgroupBarrier();
    var t0v = vec4f(0.0);
    var t1v = vec4f(0.0);
    var t2v = vec4f(0.0);
    var t3v = vec4f(0.0);
    for (var r = 0u; r < n; r++) {
      let xv = stage[r * fq + fi];
      let wv = stage[wAt + r * cq + ci];
      t0v += wv.x * xv;
      t1v += wv.y * xv;
      t2v += wv.z * xv;
      t3v += wv.w * xv;
    }
    cascadeAdd(&a0, t0v);
    cascadeAdd(&a1, t1v);
    cascadeAdd(&a2, t2v);
    cascadeAdd(&a3, t3v);
  }

  let c = col0 + 4u * ci;
  let l0 = feat0 + 4u * fi;
  if (l0 >= L) { return; }
  let base = (P.outOffset + wg.y) * P.W;
  store(base, c, l0, cascadeTotal(&a0));
  store(base, c + 1u, l0, cascadeTotal(&a1));
  store(base, c + 2u, l0, cascadeTotal(&a2));
  store(base, c + 3u, l0, cascadeTotal(&a3));
}
