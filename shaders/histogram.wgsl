// histogram: raw draws y_i ∈ [0, p) → counts n_j, with atomicAdd on u32 counts.
//
//   samples  n indices (one segment of the draws; segments are dispatched in turn)
//   counts   p atomic u32, accumulated over all segments
//   status   [0] number of out-of-range indices seen, [1] smallest position (global,
//            P.base + i) of one: the host reports it as an error instead of dropping it
//
// One invocation per sample, 256 per workgroup. The workgroup grid is 2-D
// (x < P.groupsX, y rows of it) so one segment can hold more than 65535 workgroups.

struct Params {
  n: u32,        // samples in this segment
  p: u32,
  groupsX: u32,  // workgroups per grid row
  base: u32,     // position of this segment's first sample among all draws
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> samples: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> status: array<atomic<u32>, 2>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {
  let i = (wg.y * P.groupsX + wg.x) * 256u + li;
  if (i >= P.n) { return; }
  let y = samples[i];
  if (y < P.p) {
    atomicAdd(&counts[y], 1u);
  } else {
    atomicAdd(&status[0], 1u);
    atomicMin(&status[1], P.base + i);
  }
}
