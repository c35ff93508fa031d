// column-tree: the column sums of one workgroup's 256 rows of w into one partial per
// column, shared by estep.wgsl and moment-weights.wgsl (appended by their wrappers).
//
// 64 invocations, 4 rows each (li + 64·i, coalesced). Per column a depth-8 binary tree:
// two levels in registers ((r0 + r2) + (r1 + r3), r_i = row li + 64·i: the node order of
// a 256-wide stride-halving tree, so the sums are bitwise those of a 256-invocation
// kernel), six in workgroup memory. Up to 16 columns (four vec4 slots) share one round of
// barriers, so 16 columns cost 7 barriers per workgroup.
//
// The shader it is appended to declares:
//   P.rows, P.outOffset; w (rows × columnCount(), row-major); partials;
//   var<workgroup> red: array<vec4f, 256>; LANES (64) and SLOTS (4);
//   fn columnCount() -> u32;
//   fn rideAlong(li: u32, stride: u32): one level of another tree over the workgroup
//     (estep.wgsl's compensated ℓ), run inside the first round's levels so that it needs
//     no barriers of its own; moment-weights.wgsl's does nothing.

fn weightAt(row: u32, k: u32) -> f32 {
  let cols = columnCount();
  if (row >= P.rows || k >= cols) { return 0.0; }
  return w[row * cols + k];
}

fn weights4(row: u32, k0: u32) -> vec4f {
  return vec4f(weightAt(row, k0), weightAt(row, k0 + 1u), weightAt(row, k0 + 2u), weightAt(row, k0 + 3u));
}

// partials[(P.outOffset + wgx) · cols + k] = Σ of w_row,k over rows row0 + 64·i of this
// workgroup, for every column k; with withRideAlong, rideAlong runs along the first round.
// Call from uniform control flow.
fn reduceColumns(wgx: u32, li: u32, row0: u32, withRideAlong: bool) {
  let K = columnCount();
  let base = (P.outOffset + wgx) * K;
  var ridePending = withRideAlong;
  for (var k0 = 0u; k0 < K; k0 += 4u * SLOTS) {
    let slots = min(SLOTS, (K - k0 + 3u) / 4u);
    for (var c = 0u; c < slots; c++) {
      let kc = k0 + 4u * c;
      let a = weights4(row0, kc) + weights4(row0 + 128u, kc);
      let b = weights4(row0 + 64u, kc) + weights4(row0 + 192u, kc);
      red[c * LANES + li] = a + b;
    }
    workgroupBarrier();
    for (var stride = LANES / 2u; stride > 0u; stride >>= 1u) {
      if (li < stride) {
        for (var c = 0u; c < slots; c++) {
          red[c * LANES + li] = red[c * LANES + li] + red[c * LANES + li + stride];
        }
        if (ridePending) { rideAlong(li, stride); }
      }
      workgroupBarrier();
    }
    if (li == 0u) {
      for (var c = 0u; c < slots; c++) {
        let r = red[c * LANES];
        for (var q = 0u; q < 4u; q++) {
          let k = k0 + 4u * c + q;
          if (k < K) { partials[base + k] = r[q]; }
        }
      }
    }
    ridePending = false;
    workgroupBarrier();
  }
}
