// Compensated (Kahan) summation of a stream, four lanes at a time: error ≤ 2u·Σ|x|
// (first order) whatever its length, with no arrays (a cascade's dynamically indexed
// stack is slow where the "GPU" is a CPU, as on SwiftShader). The names say what it
// is used for, not how.
struct Cascade {
  sum: vec4f,
  comp: vec4f,
}

fn cascadeAdd(c: ptr<function, Cascade>, x: vec4f) {
  let y = x - (*c).comp;
  let t = (*c).sum + y;
  (*c).comp = (t - (*c).sum) - y;
  (*c).sum = t;
}

fn cascadeTotal(c: ptr<function, Cascade>) -> vec4f {
  return (*c).sum;
}
