// weighted-gram: G_kab = Σ_j w_jk (x_ja − c_ka)(x_jb − c_kb) for a ≤ b (upper half,
// packed), over one row slice, as split-K partials: the Newton Hessians ∇²A, the
// softmax covariances, and the count- and pair-weighted second moments.
//
// Centring at c_k (a point near the σ-weighted mean: for the covariance passes the
// means of an earlier pass, written by the host (centre.ts); for the count moments
// computed on the device by the `center` entry point) avoids the cancellation of
// Σσxxᵀ − ∇A∇Aᵀ in float32 when |∇A| is large compared with the spread; the host,
// which reads c back exactly, recovers Σσxxᵀ = G + m cᵀ + c mᵀ − (Σσ) c cᵀ in float64.
//
//   X         rows × L (the whole chunk buffer; the slice starts at P.rowStart)
//   w         P.rows × P.wStride (slice-local); component k's weights are column P.wFirst + k
//             (the fused E-step writes its 2K columns, σ in the last K)
//   partials  with the fused sums (below) each row has K·T Gram floats, then wStride·L sums
//   center    K × L
//   partials  one K·T row per workgroup row g = wg.y (row group), T = L(L+1)/2, at
//             partials[(outOffset + g) · W + k·T + t], t the packed index of (a, b):
//             row a holds b = a .. L−1, t = a·L − a(a−1)/2 + (b − a)
//
// Tiling: a batched SYRK built like a GEMM. The columns are cut into nb = ⌈L/BW⌉
// blocks of width BW (32, 64 or 128: the wrapper takes the one with the fewest X
// reads, below), and one workgroup of 256 invocations owns one block pair (A ≤ B) for
// KC = 256/(BW/8)² components at once (16, 4 or 1), over the rows [g·span, (g+1)·span)
// of its row group g = wg.y (split-K). Each invocation holds an 8 × 8 register block (64 f32 accumulators) of
// one component's A × B outputs: invocation i takes component kk = i / SB² of the
// group and sub-block (sa, sb) = ((i mod SB²) / SB, i mod SB), SB = BW/8 per side.
// Per stage of R rows (R·2·BW = 2048 floats: 32, 16 or 8 rows) the workgroup copies
// the rows' columns A ∪ B into workgroup memory once (zeros past L), with the R × KC
// weights; then every invocation runs over the staged rows: two vec4 loads of x_A and
// two of x_B from workgroup memory, the centring (x − c_k, c_k held in registers) and
// the weight applied as the tile is used (24 operations), then 64 multiply–adds.
// Registers: 64 accumulators, 16 centres, 16 operands. Workgroup memory: 8 KiB of X
// and 2 KiB of weights, 4 KiB with the fused sums below (within the default 16 KiB).
// On a diagonal pair (A = B) only
// A is staged and the sub-blocks below the diagonal (sa > sb) sit out.
//
// Why: X traffic, and the arithmetic per load. The old kernel (one 4 × 4 tile of one
// k per invocation, nothing shared) re-read every row once per workgroup of 64 tiles,
// about 49 times per pass at L = 64, K = 16. Here a staged word of X feeds 8192/BW
// multiply–adds in the workgroup (256 at BW = 32), an invocation reads 17 words of
// workgroup memory (four vec4 and w) per 64 multiply–adds, and consecutive workgroups
// (wg.x = pair·nKG + component group) load the same columns, so a real GPU's L2 can
// serve the repeats.
// X reads (kernel.ts `Dispatch.x`: per workgroup, the distinct words it loads): a
// workgroup loads the columns A ∪ B below L (BW, or 2·BW off the diagonal, fewer where
// a block passes L) of each of its rows; over the nb(nb+1)/2 pairs that is nb·L words
// a row, so one dispatch reads X ⌈K/KC⌉·⌈L/BW⌉ times (weightedGramXReads): 2 at
// L = 64, K = 16. The global loads are scalar (a row's columns need not be 16-byte
// aligned: L need not be a multiple of 4): an invocation fills a vec4 of workgroup
// memory from 4 consecutive words, its neighbours the next ones, 8 words per
// invocation per stage against 64·R multiply–adds.
//
// Rounding: plain float32 accumulation, no compensation. A term carries the two
// subtractions and two products (the last one possibly fused into the add, as the
// drivers of real GPUs do), and each output of a row group of n ≤ span rows is a
// serial sum of its n terms: |error| ≤ (n + 3)·u·Σ_j |w_jk (x_ja − c_ka)(x_jb − c_kb)|
// (first order, u = 2^-24); the centring keeps Σ|terms| near |G|. The partials are then
// summed by merge-sums and in float64 by the host (test/browser/bounds.ts, gramFactor).
//
// Fused weighted sums (P.sums > 0: the covariance passes, whose Gram matrices are σ's):
// the diagonal workgroups (A = B, which stage each row's block A once) also form
// F_cl = Σ_j w_jc x_jl for their KC components, l in A, of one or two weight sets: the
// Gram's (column P.wFirst + k of w) and, with the E-step, the other (P.otherFirst + k).
// Both sets are staged beside each other (R × 2KC weights, 4 KiB at most).
// Invocation i owns one vec4 of outputs: set i / (KC·BW/4), component and four features
// from the rest (2·KC·BW/4 ≤ 256 vec4, so one each at most). Within a stage each output
// is a plain sum of its n ≤ R terms, and the stage sums go into a Kahan accumulator
// (cascade4.wgsl), as in weighted-sum.wgsl: |error| ≤ (R − 1 + 2)·u·Σ_j |w_jc x_jl|
// (bounds.ts wsumFactor with the Gram's R). They are written after the Gram's K·T
// entries of the same partial row, at P.sumBase + c·L + l with c the column of w, so
// one merge level sums both. Why here: weighted-sum would read X once more (4 → 3 reads
// a pass at L = 64, K = 16), and its centre dispatch goes too: the host writes c_k (the
// σ-means of an earlier pass; finish.ts measures how far off it was, engine.ts redoes
// a pass whose centre was too far from the means it found).
//
// Entry point `centerMain`: c_kl = Σ_i F_i,kl / Σ_i S_i,k from the (few) remaining
// weighted-sum partials F (n_F of K·L floats) and sigma weight partials S (n_S of K).
// A serial loop over at most a few thousand partials: c only has to be
// near the mean, and the host reads back exactly the c that was used.

const GROUP: u32 = 256u;
// staged X: R rows × 2·BW columns, R·2·BW = 2048 floats; staged w: R × KC ≤ 512 per weight set (2 sets with the sums)
const XS_VEC4: u32 = 512u;
const WS_LEN: u32 = 1024u;

struct Params {
  rowStart: u32,
  rows: u32,
  K: u32,
  L: u32,
  outOffset: u32,
  span: u32,
  W: u32,
  T: u32,
  // block width, rows per stage, components per workgroup, component groups ⌈K/KC⌉,
  // blocks per side ⌈L/BW⌉, sub-blocks per side BW/8
  BW: u32,
  R: u32,
  KC: u32,
  nKG: u32,
  nb: u32,
  SB: u32,
  // floats per row of w, and the column of component 0's weights
  wStride: u32,
  wFirst: u32,
  // the fused weighted sums (above) of this many weight sets: 0, 1 (the Gram's, at
  // wFirst) or 2 (and those at otherFirst), from float sumBase of each partial row
  sums: u32,
  otherFirst: u32,
  sumBase: u32,
}

struct CenterParams {
  K: u32,
  L: u32,
  nF: u32,
  nS: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
// binding 1, X: x-f32.wgsl or x-f16.wgsl (xWord), appended by the wrapper
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;
@group(0) @binding(4) var<storage, read> center: array<f32>;

@group(0) @binding(5) var<uniform> C: CenterParams;
@group(0) @binding(6) var<storage, read> sumPartials: array<f32>;
@group(0) @binding(7) var<storage, read> weightPartials: array<f32>;
@group(0) @binding(8) var<storage, read_write> centerOut: array<f32>;

var<workgroup> xs: array<vec4f, XS_VEC4>;
var<workgroup> ws: array<f32, WS_LEN>;

// Packed index of (a, b ≥ a) within one k: a·L − a(a−1)/2 + (b − a) = a(2L − a − 1)/2 + b.
fn packed(a: u32, b: u32, L: u32) -> u32 {
  return a * (2u * L - a - 1u) / 2u + b;
}

// Writes the entries (a, b0 .. b0+3) of v that are in the upper half and inside L.
fn store(base: u32, a: u32, b0: u32, L: u32, v: vec4f) {
  if (a >= L) { return; }
  for (var i = 0u; i < 4u; i++) {
    let b = b0 + i;
    if (b >= a && b < L) { partials[base + packed(a, b, L)] = v[i]; }
  }
}

// c_k at the four columns col .. col+3 (0 past L).
fn centre4(cr: u32, col: u32, L: u32) -> vec4f {
  var c = vec4f(0.0);
  for (var i = 0u; i < 4u; i++) {
    if (col + i < L) { c[i] = center[cr + col + i]; }
  }
  return c;
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3u) {
  let K = P.K;
  let L = P.L;
  let BW = P.BW;
  let KC = P.KC;
  let SB = P.SB;
  // the block pair (A, B ≥ A), row-major over the upper triangle of blocks, and the component group
  let kg = wg.x % P.nKG;
  var A = 0u;
  var rem = wg.x / P.nKG;
  while (A < P.nb && rem >= P.nb - A) {
    rem -= P.nb - A;
    A += 1u;
  }
  let B = A + rem;
  let diag = A == B;
  // staged row: A's BW/4 vec4 then B's (B is not staged on the diagonal)
  let rowVec = BW / 2u;
  let quarter = BW / 4u;
  let slots = select(rowVec, quarter, diag);

  // this invocation's component and 8 × 8 sub-block
  let kk = lid / (SB * SB);
  let k = kg * KC + kk;
  let sa = (lid % (SB * SB)) / SB;
  let sb = lid % SB;
  let a0 = A * BW + 8u * sa;
  let b0 = B * BW + 8u * sb;
  let busy = kk < KC && k < K && a0 < L && b0 < L && !(diag && sa > sb);
  let aq = 2u * sa;
  let bq = select(quarter, 0u, diag) + 2u * sb;
  var ca0 = vec4f(0.0);
  var ca1 = vec4f(0.0);
  var cb0 = vec4f(0.0);
  var cb1 = vec4f(0.0);
  if (busy) {
    let cr = k * L;
    ca0 = centre4(cr, a0, L);
    ca1 = centre4(cr, a0 + 4u, L);
    cb0 = centre4(cr, b0, L);
    cb1 = centre4(cr, b0 + 4u, L);
  }

  // the fused sums: this invocation's weight set, component and four features of block A
  let wsRow = KC * max(1u, P.sums); // staged weights per row
  let perSet = KC * quarter;
  let sSet = lid / perSet;
  let sKk = (lid % perSet) / quarter;
  let sLq = lid % quarter;
  let sK = kg * KC + sKk;
  let sumBusy = diag && sSet < P.sums && sK < K && A * BW + 4u * sLq < L;
  var sums = Cascade(vec4f(0.0), vec4f(0.0));

  // accumulator g<i><h>: row a0 + i, columns b0 + 4h .. b0 + 4h + 3
  var g00 = vec4f(0.0); var g01 = vec4f(0.0);
  var g10 = vec4f(0.0); var g11 = vec4f(0.0);
  var g20 = vec4f(0.0); var g21 = vec4f(0.0);
  var g30 = vec4f(0.0); var g31 = vec4f(0.0);
  var g40 = vec4f(0.0); var g41 = vec4f(0.0);
  var g50 = vec4f(0.0); var g51 = vec4f(0.0);
  var g60 = vec4f(0.0); var g61 = vec4f(0.0);
  var g70 = vec4f(0.0); var g71 = vec4f(0.0);

  let begin = wg.y * P.span;
  let end = min(P.rows, begin + P.span);
  for (var t0 = begin; t0 < end; t0 += P.R) {
    let n = min(P.R, end - t0);
    workgroupBarrier(); // the previous stage is used up
    // fixed trip counts (2 each), so that the barriers stay in uniform control flow
    for (var s = 0u; s < XS_VEC4 / GROUP; s++) {
      let q = lid + s * GROUP;
      if (q < n * slots) {
        let r = q / slots;
        let c4 = q % slots;
        let col = select(A * BW + 4u * c4, B * BW + 4u * (c4 - quarter), c4 >= quarter);
        let xr = (P.rowStart + t0 + r) * L;
        var v = vec4f(0.0);
        for (var i = 0u; i < 4u; i++) {
          if (col + i < L) { v[i] = xWord(xr + col + i); }
        }
        xs[r * rowVec + c4] = v;
      }
    }
    for (var s = 0u; s < WS_LEN / GROUP; s++) {
      let q = lid + s * GROUP;
      if (q < n * wsRow) {
        let j = q % wsRow;
        let kq = kg * KC + j % KC;
        var v = 0.0;
        if (kq < K) { v = w[(t0 + q / wsRow) * P.wStride + select(P.wFirst, P.otherFirst, j >= KC) + kq]; }
        ws[q] = v;
      }
    }
    workgroupBarrier();
    if (busy) {
      for (var r = 0u; r < n; r++) {
        let o = r * rowVec;
        let wr = ws[r * wsRow + kk];
        let da0 = wr * (xs[o + aq] - ca0);
        let da1 = wr * (xs[o + aq + 1u] - ca1);
        let d0 = xs[o + bq] - cb0;
        let d1 = xs[o + bq + 1u] - cb1;
        g00 += da0.x * d0; g01 += da0.x * d1;
        g10 += da0.y * d0; g11 += da0.y * d1;
        g20 += da0.z * d0; g21 += da0.z * d1;
        g30 += da0.w * d0; g31 += da0.w * d1;
        g40 += da1.x * d0; g41 += da1.x * d1;
        g50 += da1.y * d0; g51 += da1.y * d1;
        g60 += da1.z * d0; g61 += da1.z * d1;
        g70 += da1.w * d0; g71 += da1.w * d1;
      }
    }
    if (sumBusy) {
      var st = vec4f(0.0);
      for (var r = 0u; r < n; r++) { st += ws[r * wsRow + sSet * KC + sKk] * xs[r * rowVec + sLq]; }
      cascadeAdd(&sums, st);
    }
  }

  if (sumBusy) {
    let v = cascadeTotal(&sums);
    let col = select(P.wFirst, P.otherFirst, sSet == 1u) + sK;
    let sb0 = (P.outOffset + wg.y) * P.W + P.sumBase + col * L;
    for (var i = 0u; i < 4u; i++) {
      let a = A * BW + 4u * sLq + i;
      if (a < L) { partials[sb0 + a] = v[i]; }
    }
  }
  if (!busy) { return; }
  let base = (P.outOffset + wg.y) * P.W + k * P.T;
  store(base, a0, b0, L, g00); store(base, a0, b0 + 4u, L, g01);
  store(base, a0 + 1u, b0, L, g10); store(base, a0 + 1u, b0 + 4u, L, g11);
  store(base, a0 + 2u, b0, L, g20); store(base, a0 + 2u, b0 + 4u, L, g21);
  store(base, a0 + 3u, b0, L, g30); store(base, a0 + 3u, b0 + 4u, L, g31);
  store(base, a0 + 4u, b0, L, g40); store(base, a0 + 4u, b0 + 4u, L, g41);
  store(base, a0 + 5u, b0, L, g50); store(base, a0 + 5u, b0 + 4u, L, g51);
  store(base, a0 + 6u, b0, L, g60); store(base, a0 + 6u, b0 + 4u, L, g61);
  store(base, a0 + 7u, b0, L, g70); store(base, a0 + 7u, b0 + 4u, L, g71);
}

@compute @workgroup_size(64)
fn centerMain(@builtin(global_invocation_id) gid: vec3u) {
  let o = gid.x;
  let K = C.K;
  let L = C.L;
  if (o >= K * L) { return; }
  let k = o / L;
  var f = 0.0;
  for (var i = 0u; i < C.nF; i++) { f += sumPartials[i * K * L + o]; }
  var sw = 0.0;
  for (var i = 0u; i < C.nS; i++) { sw += weightPartials[i * K + k]; }
  var c = 0.0;
  if (sw > 0.0) { c = f / sw; }
  centerOut[o] = c;
}
