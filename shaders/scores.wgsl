// scores: s = X Θᵀ for one row slice of one chunk of X, for all K components in one
// pass over X; entry `withPartials` also writes the log-sum-exp partials of its rows.
//
//   X      rows × L, row-major (the whole chunk buffer; the slice starts at P.rowStart)
//   theta  K × L, row-major
//   s      P.rows × K, row-major (slice-local rows)
//   pout   (withPartials) one (m, t) per 256 rows of the slice and component, at
//          pout[(P.outOffset + wg.x) · K + k]: the format and indexing of logsumexp.wgsl
//          (logsumexp.ts LSE_GROUP = 256 = ROWS), merged by its `merge` and `finalize`
//
// Tiling (built for a real GPU's memory hierarchy, not for SwiftShader). Workgroup wg.x
// owns the 256 rows [256·wg.x, 256·wg.x + 256) of the slice and all K components, so
// every word of X is loaded by exactly one workgroup (X read once per dispatch,
// kernel.ts `Dispatch.x`, whatever K). Its 256 invocations are 64 row groups rg × 4
// component groups cg (li = 64·cg + rg, so a 32- or 64-wide wave shares cg): invocation
// (rg, cg) owns the register block of rows rg + 64·i (i < 4) × KB = ⌈Kc/4⌉ ≤ 16
// components cg·KB + c, as acc[c] (a vec4 over its 4 rows), for a block of Kc = min(64,
// K − k0) components; K > 64 loops over such blocks inside the workgroup (the X tile is
// then staged again per block: the same words, so still one read as Dispatch.x counts,
// and cache hits on a real GPU).
// The features go in chunks of LC = 8 (NQ = 2 quads of 4): per chunk the workgroup stages
//   xs  2 quads × 256 rows (8 KiB), quad-major: sh[256·q + row] = x_{row, l0+4q .. l0+4q+3}.
//       Invocation li loads (row, q) = (⌊j/2⌋, j % 2) for j = li, li + 256: adjacent
//       invocations load adjacent vec4s, each row's 32 contiguous bytes (one 32-byte
//       sector where L % 8 = 0), and write whole vec4s. Reading its rows rg + 64·i at
//       quad q, a wave loads consecutive vec4s: no bank conflicts (the stores are 2-way,
//       once per chunk).
//   ts  Θ of the block: sh[512 + 64·q + 16·cg + c] = θ_{k, l0+4q..+3} for k = k0 + cg·KB + c,
//       2 KiB, loaded by invocations li < 128 the same way (adjacent invocations, adjacent
//       quads of one θ row).
// 10 KiB of the 16 KiB default. Per quad each invocation then loads 4 vec4 of x and one
// vec4 of θ per component (the same address across the wave: a broadcast) for 16 FMAs
// per component: 64 FMAs per 5 loads at KB = 16. Every loop that indexes acc has a
// constant trip count (KB is a uniform guard inside), so once unrolled acc is 16 vec4
// registers, never a dynamically indexed local array.
// (SwiftShader, a CPU, charges about 0.8 ms per workgroup for 10 KiB of workgroup memory
// whatever the work, so there small-K passes are slower than the old kernel without
// workgroup memory, large-K ones faster; not tuned for, as issue 14 asks.)
// Where L % 4 = 0 the X and Θ quads are aligned vec4 loads (xQuad); otherwise each of the
// four words is a scalar load of its own (xWord), so no word outside the slice's rows is
// ever loaded. Features past L, rows past P.rows and components past K are staged as 0
// (rows past P.rows and components past K are not written).
//
// Rounding: each s_jk is one accumulator that runs over l = 0, 1, …, L − 1 in order, one
// f32 FMA per feature (the zero padding adds exact zeros): error ≤ γ_L Σ_l |x_l θ_l|, as
// before (two roundings per step where a device does not fuse fma: the same bound).
//
// Partials (withPartials): per component, each invocation merges its four rows as
// ((rg, rg + 64), (rg + 128, rg + 192)), then a six-level tree over rg in workgroup
// memory (4 components per round): the depth-8 binary tree over 256 rows of the old
// logsumexp `partials` entry, node for node, so the partials are the same bits.
// accExp comes from exp-log.wgsl, appended by the wrapper.

const ROWS: u32 = 256u;  // rows per workgroup (= logsumexp.ts LSE_GROUP)
const RG: u32 = 64u;     // row groups; invocation rows rg + 64·i, i < 4
const KBMAX: u32 = 16u;  // components per invocation at most
const KBLOCK: u32 = 64u; // components per block: 4 component groups × KBMAX
const NQ: u32 = 2u;      // quads (vec4 of features) per chunk
const LC: u32 = 8u;      // features per chunk = 4·NQ
const TS: u32 = 512u;    // first vec4 of ts in sh (after xs: NQ·ROWS)
const NEG_BIG: f32 = -1.0e30;

struct Params {
  rowStart: u32,
  rows: u32,
  L: u32,
  K: u32,
  outOffset: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
// binding 1, X: x-f32.wgsl or x-f16.wgsl (xWord, xQuad), appended by the wrapper
@group(0) @binding(2) var<storage, read> theta: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> s: array<f32>;
@group(0) @binding(4) var<storage, read_write> pout: array<vec2f>;

// xs (512 vec4), then ts (128 vec4); the partial rounds reuse the first 512.
var<workgroup> sh: array<vec4f, 640>;
var<private> acc: array<vec4f, 16>;

// The quad of features l .. l+3 starting at flat index f of X (row-major, L per row),
// zero past L. Aligned (L % 4 = 0, so f % 4 = 0): one vec4 load.
fn quadX(f: u32, l: u32) -> vec4f {
  let L = P.L;
  if (L % 4u == 0u) {
    if (l < L) { return xQuad(f / 4u); }
    return vec4f(0.0);
  }
  var v = vec4f(0.0);
  for (var e = 0u; e < 4u; e++) {
    if (l + e < L) { v[e] = xWord(f + e); }
  }
  return v;
}

// quadX for Θ: the same code, as WGSL cannot pass a storage buffer to a function.
fn quadTheta(f: u32, l: u32) -> vec4f {
  let L = P.L;
  if (L % 4u == 0u) {
    if (l < L) { return theta[f / 4u]; }
    return vec4f(0.0);
  }
  var v = vec4f(0.0);
  for (var e = 0u; e < 4u; e++) {
    if (l + e < L) { v[e] = theta[(f + e) / 4u][(f + e) % 4u]; }
  }
  return v;
}

// Components per invocation in the block starting at k0.
fn blockKB(k0: u32) -> u32 {
  return (min(KBLOCK, P.K - k0) + 3u) / 4u;
}

// acc ← the scores of the workgroup's rows for the block of components from k0, and
// writes them to s. Call from uniform control flow.
fn scoreBlock(k0: u32, wgx: u32, li: u32) {
  let L = P.L;
  let K = P.K;
  let rg = li % RG;
  let cg = li / RG;
  let kb = blockKB(k0);
  let busy = cg * kb < min(KBLOCK, K - k0);
  let row0 = wgx * ROWS;
  for (var c = 0u; c < KBMAX; c++) { acc[c] = vec4f(0.0); }
  for (var l0 = 0u; l0 < L; l0 += LC) {
    workgroupBarrier(); // the previous chunk (or partial round) is done with sh
    for (var t = 0u; t < NQ; t++) {
      let j = li + ROWS * t;
      let row = j / NQ;
      let q = j % NQ;
      let l = l0 + 4u * q;
      var v = vec4f(0.0);
      if (row0 + row < P.rows) { v = quadX((P.rowStart + row0 + row) * L + l, l); }
      sh[ROWS * q + row] = v;
    }
    if (li < KBLOCK * NQ) {
      let slot = li / NQ;
      let q = li % NQ;
      let l = l0 + 4u * q;
      let c = slot % KBMAX;
      let k = k0 + (slot / KBMAX) * kb + c;
      var v = vec4f(0.0);
      if (c < kb && k < K) { v = quadTheta(k * L + l, l); }
      sh[TS + KBLOCK * q + slot] = v;
    }
    workgroupBarrier();
    if (busy) {
      for (var q = 0u; q < NQ; q++) {
        let b = ROWS * q + rg;
        // xt[e] = feature l0 + 4q + e of the invocation's four rows
        let xt = transpose(mat4x4f(sh[b], sh[b + RG], sh[b + 2u * RG], sh[b + 3u * RG]));
        let tb = TS + KBLOCK * q + KBMAX * cg;
        for (var c = 0u; c < KBMAX; c++) {
          if (c < kb) {
            let th = sh[tb + c];
            var a = acc[c];
            a = fma(xt[0], vec4f(th.x), a);
            a = fma(xt[1], vec4f(th.y), a);
            a = fma(xt[2], vec4f(th.z), a);
            a = fma(xt[3], vec4f(th.w), a);
            acc[c] = a;
          }
        }
      }
    }
  }
  if (busy) {
    for (var c = 0u; c < KBMAX; c++) {
      let k = k0 + cg * kb + c;
      if (c < kb && k < K) {
        for (var i = 0u; i < 4u; i++) {
          let row = row0 + rg + RG * i;
          if (row < P.rows) { s[row * K + k] = acc[c][i]; }
        }
      }
    }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  for (var k0 = 0u; k0 < P.K; k0 += KBLOCK) { scoreBlock(k0, wg.x, li); }
}

// The same merge as logsumexp.wgsl's: (m, t) stands for exp(m)·t.
fn lseMerge(a: vec2f, b: vec2f) -> vec2f {
  let m = max(a.x, b.x);
  return vec2f(m, a.y * accExp(a.x - m) + b.y * accExp(b.x - m));
}

fn merge2(a: vec4f, b: vec4f) -> vec4f {
  return vec4f(lseMerge(a.xy, b.xy), lseMerge(a.zw, b.zw));
}

// The partial of an invocation's four rows (scores a) for one component: empty where
// the component is not one (valid = false) and for rows past P.rows.
fn rowsPartial(a: vec4f, valid: bool, wgx: u32, rg: u32) -> vec2f {
  var p: array<vec2f, 4>;
  for (var i = 0u; i < 4u; i++) {
    p[i] = vec2f(NEG_BIG, 0.0);
    if (valid && wgx * ROWS + rg + RG * i < P.rows) { p[i] = vec2f(a[i], 1.0); }
  }
  return lseMerge(lseMerge(p[0], p[1]), lseMerge(p[2], p[3]));
}

// Writes the partials of the block from k0, 4 components per round (rounds 4r < kb).
// Every loop here has a constant trip count, so acc is only ever indexed by constants
// once unrolled (no dynamic index that would push it out of registers). Barriers sit
// under the uniform condition 4r < kb only.
fn partialsBlock(k0: u32, wgx: u32, li: u32) {
  let K = P.K;
  let rg = li % RG;
  let cg = li / RG;
  let kb = blockKB(k0);
  for (var r = 0u; r < KBMAX / 4u; r++) {
    if (4u * r < kb) {
      var v: array<vec2f, 4>;
      for (var i = 0u; i < 4u; i++) {
        let c = 4u * r + i;
        v[i] = rowsPartial(acc[c], c < kb && k0 + cg * kb + c < K, wgx, rg);
      }
      workgroupBarrier(); // sh is free (the last chunk or the previous round is done)
      sh[li] = vec4f(v[0], v[1]);
      sh[ROWS + li] = vec4f(v[2], v[3]);
      workgroupBarrier();
      for (var stride = RG / 2u; stride > 0u; stride >>= 1u) {
        if (rg < stride) {
          sh[li] = merge2(sh[li], sh[li + stride]);
          sh[ROWS + li] = merge2(sh[ROWS + li], sh[ROWS + li + stride]);
        }
        workgroupBarrier();
      }
      if (rg == 0u) {
        let h0 = sh[li];
        let h1 = sh[ROWS + li];
        let m = array<vec2f, 4>(h0.xy, h0.zw, h1.xy, h1.zw);
        for (var i = 0u; i < 4u; i++) {
          let c = 4u * r + i;
          let k = k0 + cg * kb + c;
          if (c < kb && k < K) { pout[(P.outOffset + wgx) * K + k] = m[i]; }
        }
      }
    }
  }
}

@compute @workgroup_size(256)
fn withPartials(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  for (var k0 = 0u; k0 < P.K; k0 += KBLOCK) {
    scoreBlock(k0, wg.x, li);
    partialsBlock(k0, wg.x, li);
  }
}
