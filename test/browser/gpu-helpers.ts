/**
 * Shared helpers of the WebGPU browser tests: a device per test file, buffer upload
 * and readback, random problems from the seeded Rng, and float64 references of the
 * intermediate quantities the kernels compute.
 */
import { Rng } from '../../src/math/rng.ts';
import { acquireDevice } from '../../src/engines/webgpu/device.ts';
import { encodeDispatches, destroyDispatches, type Dispatch } from '../../src/engines/webgpu/kernel.ts';

/** float32 unit roundoff */
export const U = 2 ** -24;

export async function testDevice(): Promise<GPUDevice> {
  const { device } = await acquireDevice();
  return device;
}

/** Tracks buffers so every test destroys what it created. */
export class Buffers {
  private readonly list: GPUBuffer[] = [];
  constructor(private readonly device: GPUDevice) {}

  f32(values: ArrayLike<number>, label = 'test'): GPUBuffer {
    const data = Float32Array.from(values as ArrayLike<number>);
    const b = this.empty(data.byteLength, label);
    this.device.queue.writeBuffer(b, 0, data);
    return b;
  }

  u32(values: ArrayLike<number>, label = 'test'): GPUBuffer {
    const data = Uint32Array.from(values as ArrayLike<number>);
    const b = this.empty(data.byteLength, label);
    this.device.queue.writeBuffer(b, 0, data);
    return b;
  }

  empty(bytes: number, label = 'test'): GPUBuffer {
    const b = this.device.createBuffer({
      label,
      size: Math.max(16, Math.ceil(bytes / 16) * 16),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.list.push(b);
    return b;
  }

  destroy(): void {
    for (const b of this.list) b.destroy();
    this.list.length = 0;
  }
}

/** Runs the dispatches (inside a validation error scope) and destroys their uniforms. */
export async function run(device: GPUDevice, dispatches: Dispatch[]): Promise<void> {
  device.pushErrorScope('validation');
  const enc = device.createCommandEncoder();
  encodeDispatches(enc, dispatches);
  device.queue.submit([enc.finish()]);
  const err = await device.popErrorScope();
  destroyDispatches(dispatches);
  if (err) throw new Error(`validation error: ${err.message}`);
}

export async function readF32(device: GPUDevice, buffer: GPUBuffer, floats: number): Promise<Float32Array> {
  const bytes = floats * 4;
  const staging = device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buffer, 0, staging, 0, Math.ceil(bytes / 4) * 4);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}

/** The f32 rounding of every value, as float64 (what the device sees). */
export const f32 = (a: ArrayLike<number>): Float64Array => Float64Array.from(Float32Array.from(a as ArrayLike<number>));

export interface Problem {
  p: number;
  L: number;
  K: number;
  features: Float64Array;
  counts: Float64Array;
  theta: Float64Array;
  logAlpha: Float64Array;
}

/**
 * Random problem: x_j ~ N(0, I) (column-centred), atoms of norm `thetaNorm`, Dirichlet-ish
 * α, counts ~ a random integer in [0, maxCount] (about a fifth of them zero).
 */
export function randomProblem(seed: number, p: number, L: number, K: number, opts: { thetaNorm?: number; maxCount?: number } = {}): Problem {
  const rng = new Rng(seed);
  const features = rng.normals(p * L);
  for (let l = 0; l < L; l++) {
    let m = 0;
    for (let j = 0; j < p; j++) m += features[j * L + l];
    m /= p;
    for (let j = 0; j < p; j++) features[j * L + l] -= m;
  }
  const counts = new Float64Array(p);
  const maxCount = opts.maxCount ?? 20;
  for (let j = 0; j < p; j++) counts[j] = rng.uniform() < 0.2 ? 0 : rng.int(maxCount + 1);
  if (counts.every((c) => c === 0)) counts[0] = 1;
  const theta = new Float64Array(K * L);
  const norm = opts.thetaNorm ?? 1.5;
  for (let k = 0; k < K; k++) {
    const v = rng.normals(L);
    const n = Math.hypot(...v) || 1;
    for (let l = 0; l < L; l++) theta[k * L + l] = (norm * v[l]) / n;
  }
  const a = Array.from({ length: K }, () => 0.5 + rng.uniform());
  const sa = a.reduce((x, y) => x + y, 0);
  const logAlpha = Float64Array.from(a, (v) => Math.log(v / sa));
  return { p, L, K, features, counts, theta, logAlpha };
}

/** Float64 scores of the f32-rounded inputs, and Σ_l |x_l θ_l| per (j, k) (the dot product's error scale). */
export function scoresF64(x: ArrayLike<number>, theta: ArrayLike<number>, p: number, L: number, K: number): { s: Float64Array; abs: Float64Array } {
  const s = new Float64Array(p * K);
  const abs = new Float64Array(p * K);
  for (let j = 0; j < p; j++) {
    for (let k = 0; k < K; k++) {
      let v = 0;
      let a = 0;
      for (let l = 0; l < L; l++) {
        const t = x[j * L + l] * theta[k * L + l];
        v += t;
        a += Math.abs(t);
      }
      s[j * K + k] = v;
      abs[j * K + k] = a;
    }
  }
  return { s, abs };
}

/** Largest of |a_i − b_i| / tol_i (≤ 1 passes), with the index, for readable failures. */
export function worstRatio(got: ArrayLike<number>, want: ArrayLike<number>, tol: ArrayLike<number> | number): { ratio: number; at: number; got: number; want: number } {
  let worst = { ratio: 0, at: -1, got: NaN, want: NaN };
  for (let i = 0; i < want.length; i++) {
    const t = typeof tol === 'number' ? tol : tol[i];
    const r = Math.abs(got[i] - want[i]) / t;
    if (!(r <= worst.ratio)) worst = { ratio: r, at: i, got: got[i], want: want[i] };
  }
  return worst;
}
