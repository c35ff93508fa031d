/**
 * shaders/exp-log.wgsl: accExp and accLog against Math.exp / Math.log of the same f32
 * arguments. Claim: ≤ 1 ulp of the result everywhere the result is a normal float,
 * with no bias (mean error ≪ 1 ulp), exact at the points the kernels rely on
 * (exp(0) = 1, log(1) = 0, exp(≤ −104) = 0, including the −1e30 sentinel).
 */
import { describe, it, expect } from 'vitest';
import expLogWgsl from '../../shaders/exp-log.wgsl?raw';
import { Buffers, readF32, testDevice } from './gpu-helpers.ts';

async function evaluate(xs: Float32Array, ys: Float32Array) {
  const device = await testDevice();
  const bufs = new Buffers(device);
  try {
    const n = xs.length;
    const bx = bufs.f32(xs), by = bufs.f32(ys), out = bufs.empty(n * 8);
    const module = device.createShaderModule({
      code: `
      @group(0) @binding(0) var<storage, read> xs: array<f32>;
      @group(0) @binding(1) var<storage, read> ys: array<f32>;
      @group(0) @binding(2) var<storage, read_write> o: array<f32>;
      @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
        if (g.x >= ${n}u) { return; }
        o[g.x] = accExp(xs[g.x]);
        o[g.x + ${n}u] = accLog(ys[g.x]);
      }
      ${expLogWgsl}`,
    });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [bx, by, out].map((buffer, binding) => ({ binding, resource: { buffer } })) });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    device.queue.submit([enc.finish()]);
    const r = await readF32(device, out, 2 * n);
    return { exp: r.subarray(0, n), log: r.subarray(n) };
  } finally {
    bufs.destroy();
    device.destroy();
  }
}

const ulp = (v: number) => 2 ** (Math.floor(Math.log2(Math.abs(v))) - 23);

describe('accExp / accLog', () => {
  it('are within 1 ulp and unbiased', async () => {
    const n = 1 << 15;
    const xs = new Float32Array(n).map((_, i) => -87 + (87.5 * i) / n); // results stay normal floats
    const ys = new Float32Array(n).map((_, i) => 1e-3 + (5000 * i) / n);
    const r = await evaluate(xs, ys);
    let maxE = 0, sumE = 0, maxL = 0, sumL = 0;
    for (let i = 0; i < n; i++) {
      const e = (r.exp[i] - Math.exp(xs[i])) / ulp(Math.exp(xs[i]));
      maxE = Math.max(maxE, Math.abs(e));
      sumE += e;
      const lv = Math.log(ys[i]);
      const l = lv === 0 ? r.log[i] : (r.log[i] - lv) / ulp(lv);
      maxL = Math.max(maxL, Math.abs(l));
      sumL += l;
    }
    expect(maxE).toBeLessThanOrEqual(1);
    expect(maxL).toBeLessThanOrEqual(1);
    expect(Math.abs(sumE / n)).toBeLessThan(0.05);
    expect(Math.abs(sumL / n)).toBeLessThan(0.05);
  });

  it('are exact where the kernels need it', async () => {
    const xs = Float32Array.from([0, -104.5, -1e30, -3e38, -200]);
    const ys = Float32Array.from([1, 2, 0.5, 1, 1]);
    const r = await evaluate(xs, ys);
    expect(Array.from(r.exp)).toEqual([1, 0, 0, 0, 0]);
    expect(r.log[0]).toBe(0);
    expect(r.log[1]).toBe(Math.fround(Math.LN2));
    expect(r.log[2]).toBe(Math.fround(-Math.LN2));
  });
});
