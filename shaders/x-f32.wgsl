// X, the features of one chunk (rows × L, row-major), stored as f32: appended to the
// kernels that read X (scores, weighted-sum, weighted-gram) by their wrappers
// (x-storage.ts), which append x-f16.wgsl instead where the engine keeps X as f16.
//   xWord(i)  the feature at flat index i
//   xQuad(q)  the four features 4q .. 4q + 3 (one aligned vec4 load)
// The chunk buffer is padded to 16 bytes (kernel.ts storageBuffer), so every quad that
// holds a word of the chunk lies inside the binding.

@group(0) @binding(1) var<storage, read> X: array<vec4f>;

fn xWord(i: u32) -> f32 {
  return X[i / 4u][i % 4u];
}

fn xQuad(q: u32) -> vec4f {
  return X[q];
}
