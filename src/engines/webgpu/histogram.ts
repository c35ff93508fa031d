/**
 * Wrapper of shaders/histogram.wgsl and `countSamples`: raw draws → counts on the GPU.
 * Not part of the EM loop, so the p counts come back to the host.
 */
import histogramWgsl from '../../../shaders/histogram.wgsl?raw';
import { SoftmixError } from '../../errors.ts';
import { BufferUsage, MapMode } from './flags.ts';
import { getPipeline, type ShaderSource } from './pipelines.ts';
import { ceilDiv, makeDispatch, storageBuffer, type Dispatch } from './kernel.ts';
import { acquireDevice, DeviceWatch, message } from './device.ts';
import { bindingBytes } from './chunks.ts';

export const histogramShader: ShaderSource = { name: 'histogram.wgsl', code: histogramWgsl };
export const HISTOGRAM_GROUP = 256;

export interface CountSamplesOptions {
  /** use this device (else one is acquired and destroyed afterwards) */
  device?: GPUDevice;
  /** acquire the device from this GPU instead of navigator.gpu */
  gpu?: GPU;
  /** testing knob: fewer samples per dispatch (each segment is uploaded and dispatched in turn) */
  maxSamplesPerDispatch?: number;
  /** testing knob: a smaller workgroup-grid row, to exercise the 2-D grid */
  maxWorkgroupsPerDimension?: number;
}

export class HistogramKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  static async load(device: GPUDevice): Promise<HistogramKernel> {
    return new HistogramKernel(device, await getPipeline(device, histogramShader, 'main'));
  }

  /** Grid for n samples: ⌈n/256⌉ workgroups laid out in rows of at most `maxX`. */
  static grid(n: number, maxX: number): { groupsX: number; groupsY: number } {
    const groups = Math.max(1, ceilDiv(n, HISTOGRAM_GROUP));
    const groupsX = Math.min(groups, maxX);
    return { groupsX, groupsY: ceilDiv(groups, groupsX) };
  }

  dispatch(a: { samples: GPUBuffer; counts: GPUBuffer; status: GPUBuffer; n: number; p: number; base: number; maxX?: number }): Dispatch {
    const maxX = Math.min(a.maxX ?? Infinity, this.device.limits.maxComputeWorkgroupsPerDimension);
    const { groupsX, groupsY } = HistogramKernel.grid(a.n, maxX);
    return makeDispatch(this.device, 'histogram', this.pipeline, [a.n, a.p, groupsX, a.base], { 1: a.samples, 2: a.counts, 3: a.status }, [
      groupsX,
      groupsY,
      1,
    ]);
  }
}

/**
 * Counts n_j = #{i : samples_i = j} for j < p on the GPU. An index ≥ p is an error
 * (SoftmixError 'samples', naming the first offending position and value), never
 * silently dropped. Samples beyond one binding or one grid go in several dispatches.
 */
export async function countSamples(samples: Uint32Array, p: number, options: CountSamplesOptions = {}): Promise<Float64Array> {
  if (!(samples instanceof Uint32Array)) throw new SoftmixError('samples', 'samples must be a Uint32Array of indices');
  if (!Number.isInteger(p) || p < 1 || p > 0xffffffff) throw new SoftmixError('shape', `p must be an integer in [1, 2^32), got ${p}`);
  const acquired = options.device ? null : await acquireDevice({ gpu: options.gpu });
  const device = options.device ?? acquired!.device;
  const watch = new DeviceWatch(device);
  const owned: GPUBuffer[] = [];
  const dispatches: Dispatch[] = [];
  try {
    const kernel = await HistogramKernel.load(device);
    const limit = bindingBytes(device.limits);
    if (p * 4 > limit) throw new SoftmixError('backend', `p = ${p} counts do not fit one WebGPU binding (${limit} bytes)`);
    const maxX = Math.min(options.maxWorkgroupsPerDimension ?? Infinity, device.limits.maxComputeWorkgroupsPerDimension);
    const perGrid = maxX * device.limits.maxComputeWorkgroupsPerDimension * HISTOGRAM_GROUP;
    const segment = Math.max(1, Math.min(options.maxSamplesPerDispatch ?? Infinity, Math.floor(limit / 4), perGrid, samples.length || 1));

    const make = (label: string, bytes: number) => {
      const b = storageBuffer(device, `softmix histogram ${label}`, bytes);
      owned.push(b);
      return b;
    };
    const counts = make('counts', p * 4);
    const status = make('status', 8);
    const upload = make('samples', segment * 4);
    const staging = device.createBuffer({ label: 'softmix histogram readback', size: Math.ceil((p * 4 + 8) / 16) * 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    owned.push(staging);
    device.queue.writeBuffer(status, 0, new Uint32Array([0, 0xffffffff]));

    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    for (let base = 0; base < samples.length; base += segment) {
      const n = Math.min(segment, samples.length - base);
      device.queue.writeBuffer(upload, 0, samples as Uint32Array<ArrayBuffer>, base, n);
      const d = kernel.dispatch({ samples: upload, counts, status, n, p, base, maxX });
      dispatches.push(d);
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(...d.groups);
      pass.end();
      device.queue.submit([enc.finish()]);
    }
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(counts, 0, staging, 0, p * 4);
    enc.copyBufferToBuffer(status, 0, staging, p * 4, 8);
    device.queue.submit([enc.finish()]);
    const scopes = Promise.all([device.popErrorScope(), device.popErrorScope()]);
    const mapped = staging.mapAsync(MapMode.READ);
    mapped.catch(() => {});
    scopes.catch(() => {});
    const errors = await watch.race(scopes);
    for (const err of errors) if (err) throw new SoftmixError('backend', `WebGPU error while counting samples: ${err.message}`);
    await watch.race(mapped);
    const words = new Uint32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    const bad = words[p];
    if (bad > 0) {
      const at = words[p + 1];
      throw new SoftmixError('samples', `${bad} sample index(es) out of range [0, ${p}); the first is samples[${at}] = ${samples[at]}`);
    }
    const out = new Float64Array(p);
    for (let j = 0; j < p; j++) out[j] = words[j];
    return out;
  } catch (e) {
    if (e instanceof SoftmixError) throw e;
    watch.check();
    throw new SoftmixError('device-lost', `counting samples on the GPU failed: ${message(e)}`);
  } finally {
    for (const d of dispatches) d.uniform.destroy();
    for (const b of owned) b.destroy();
    watch.close();
    if (acquired) device.destroy();
  }
}
