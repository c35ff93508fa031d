/**
 * The device's own ceiling: an FMA-bound WGSL kernel. Each invocation runs `iters` rounds
 * of `chains` independent vec4 fma chains (a ← fma(a, b, c): 8 flops per vec4 fma), with
 * no memory traffic but one store at the end; enough workgroups to fill every core. A few
 * shapes are tried and the best rate is the peak. Wall time around an awaited readback
 * (mapAsync), each run long enough (~0.3 s) for the submit/readback overhead not to matter.
 */

export interface PeakShape {
  chains: number;
  workgroupSize: number;
  workgroups: number;
}

export interface PeakRun extends PeakShape {
  iters: number;
  flops: number;
  ms: number;
  gflops: number;
}

function kernel(chains: number, workgroupSize: number): string {
  const decl: string[] = [];
  const body: string[] = [];
  const sum: string[] = [];
  for (let i = 0; i < chains; i++) {
    decl.push(`  var a${i} = vec4<f32>(f32(gid.x) * 1e-9 + ${i}.0 * 1e-3, 0.25, 0.5, 0.75);`);
    body.push(`    a${i} = fma(a${i}, b, c);`);
    sum.push(`a${i}`);
  }
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(1) var<uniform> P: vec4<u32>;

@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  // a ← 0.9999 a + 1e-4 stays near 1: no overflow, no denormals.
  let b = vec4<f32>(0.9999, 0.99991, 0.99992, 0.99993) + vec4<f32>(f32(P.y) * 1e-12);
  let c = vec4<f32>(1e-4, 1.1e-4, 1.2e-4, 1.3e-4);
${decl.join('\n')}
  for (var i = 0u; i < P.x; i++) {
${body.join('\n')}
  }
  out[gid.x] = ${sum.join(' + ')};
}
`;
}

export async function measurePeak(device: GPUDevice, options: { shapes?: PeakShape[]; targetMs?: number; reps?: number } = {}): Promise<{ gflops: number; best: PeakRun; runs: PeakRun[] }> {
  const shapes = options.shapes ?? [
    { chains: 8, workgroupSize: 64, workgroups: 512 },
    { chains: 16, workgroupSize: 64, workgroups: 512 },
    { chains: 8, workgroupSize: 256, workgroups: 128 },
    { chains: 4, workgroupSize: 128, workgroups: 256 },
  ];
  const targetMs = options.targetMs ?? 300;
  const reps = options.reps ?? 3;
  const runs: PeakRun[] = [];
  for (const shape of shapes) {
    const invocations = shape.workgroupSize * shape.workgroups;
    const module = device.createShaderModule({ label: `peak fma ${shape.chains}`, code: kernel(shape.chains, shape.workgroupSize) });
    const pipeline = await device.createComputePipelineAsync({ label: 'peak fma', layout: 'auto', compute: { module, entryPoint: 'main' } });
    const out = device.createBuffer({ size: invocations * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const staging = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const uniform = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: out } },
        { binding: 1, resource: { buffer: uniform } },
      ],
    });
    const run = async (iters: number, salt: number): Promise<number> => {
      device.queue.writeBuffer(uniform, 0, new Uint32Array([iters, salt, 0, 0]));
      const t0 = performance.now();
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(shape.workgroups);
      pass.end();
      enc.copyBufferToBuffer(out, 0, staging, 0, 16);
      device.queue.submit([enc.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const v = new Float32Array(staging.getMappedRange().slice(0))[0];
      staging.unmap();
      if (!Number.isFinite(v)) throw new Error('peak kernel produced a non-finite value');
      return performance.now() - t0;
    };
    // Calibrate: grow iters until one run takes ~targetMs.
    let iters = 64;
    let ms = await run(iters, 1);
    while (ms < targetMs / 4 && iters < 1 << 22) {
      iters *= 4;
      ms = await run(iters, 2);
    }
    iters = Math.max(1, Math.round((iters * targetMs) / Math.max(ms, 1)));
    const times: number[] = [];
    for (let r = 0; r < reps; r++) times.push(await run(iters, 3 + r));
    const best = Math.min(...times);
    const flops = invocations * iters * shape.chains * 8;
    runs.push({ ...shape, iters, flops, ms: best, gflops: flops / best / 1e6 });
    out.destroy();
    staging.destroy();
    uniform.destroy();
  }
  const best = runs.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  return { gflops: best.gflops, best, runs };
}
