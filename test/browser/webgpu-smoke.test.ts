import { describe, it, expect } from 'vitest';

// Proves the browser path end to end: a WebGPU adapter and device in headless
// Chromium, a compute shader dispatched, its output read back and checked.
describe('WebGPU in headless Chromium', () => {
  it('runs a compute shader that squares and offsets a vector', async () => {
    expect(navigator.gpu, 'navigator.gpu is missing: WebGPU is not enabled').toBeDefined();
    const adapter = await navigator.gpu.requestAdapter();
    expect(adapter).not.toBeNull();
    const device = await adapter!.requestDevice();
    const n = 1000; // not a multiple of the workgroup size: the bounds check matters
    const input = new Float32Array(n).map((_, i) => i * 0.5 - 17);
    const module = device.createShaderModule({
      code: `
        @group(0) @binding(0) var<storage, read> xs: array<f32>;
        @group(0) @binding(1) var<storage, read_write> ys: array<f32>;
        @compute @workgroup_size(64)
        fn main(@builtin(global_invocation_id) id: vec3u) {
          if (id.x >= arrayLength(&xs)) { return; }
          ys[id.x] = xs[id.x] * xs[id.x] + 3.0;
        }`,
    });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const xs = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    const ys = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const read = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(xs, 0, input);
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: xs } }, { binding: 1, resource: { buffer: ys } }],
    });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    enc.copyBufferToBuffer(ys, 0, read, 0, n * 4);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(read.getMappedRange().slice(0));
    read.unmap();
    // x*x+3 with x a multiple of 0.5 below 500 is exact in float32.
    for (let i = 0; i < n; i++) expect(out[i]).toBe(input[i] * input[i] + 3);
    device.destroy();
  });
});
