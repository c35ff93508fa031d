/**
 * X stored as f16 on the device (engines/webgpu/x-storage.ts, shaders/x-f16.wgsl). Every
 * f16 value is an f32 value, and the kernels reach X only through xWord/xQuad, so on
 * features already rounded to f16 the f16 engine must give the f32 engine's results to the
 * bit, call for call: that checks the packing (two halves per word, across rows and chunk
 * ends), the unpacking (subnormal halves included) and the chunk plan at 2 bytes a feature.
 * The f32 engine is checked against float64 in engine.test.ts; what f16's rounding of X does
 * to a fit is measured, not tested (bench/x-storage.md).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createWebGpuEngine } from '../../src/engines/webgpu/engine.ts';
import { planChunks } from '../../src/engines/webgpu/chunks.ts';
import { roundToFloat16 } from '../../src/math/float16.ts';
import { SoftmixError } from '../../src/errors.ts';
import type { Engine } from '../../src/engines/engine.ts';
import { randomProblem, testDevice, type Problem } from './gpu-helpers.ts';

let device: GPUDevice;
beforeAll(async () => {
  device = await testDevice();
});
afterAll(() => device.destroy());

/** Every engine call a fit or MoM makes, in one list of results. */
async function everything(e: Engine, pr: Problem): Promise<unknown[]> {
  const { logAlpha, theta, K, L } = pr;
  const at = await e.softmaxStats(theta, K, { mean: true, covariance: false });
  const vectors = Float64Array.from({ length: K * L }, (_, i) => Math.sin(i + 1));
  const projection = Float64Array.from({ length: K * L }, (_, i) => Math.cos(i));
  const direction = Float64Array.from({ length: L }, (_, i) => 1 / (i + 1));
  return [
    await e.eStep(logAlpha, theta, K),
    await e.eStep(logAlpha, theta, K, { mean: true, covariance: false }),
    await e.eStep(logAlpha, theta, K, { mean: true, covariance: true }),
    at,
    await e.softmaxStats(theta, K, { mean: false, covariance: true }),
    await e.hessianVectorProducts(theta, K, { logPartition: at.logPartition, mean: at.mean! }, vectors),
    await e.pairMoments(logAlpha, theta, K),
    await e.residualMoments(logAlpha, theta, K),
    await e.countMoments(),
    await e.projectedMoments(projection, K),
    await e.directionMoments(direction, 4),
    await e.directionCrossMoments(direction, 3),
  ];
}

const cases = [
  { name: 'L = 16 (aligned quads), K = 4', seed: 31, p: 700, L: 16, K: 4 },
  { name: 'L = 7 (odd: halves straddle rows), K = 3, 4 chunks of odd length', seed: 32, p: 1001, L: 7, K: 3, maxChunkRows: 251 },
  { name: 'L = 70, K = 9, tiny features (f16 subnormals)', seed: 33, p: 300, L: 70, K: 9, tiny: true },
];

describe('X stored as f16', () => {
  for (const c of cases) {
    it(`gives the f32 engine's results to the bit on f16-rounded features: ${c.name}`, async () => {
      const pr = randomProblem(c.seed, c.p, c.L, c.K);
      // a few features down in f16's subnormal range (below 2⁻¹⁴), where the widening must be exact too
      if (c.tiny) for (let i = 0; i < pr.features.length; i += 5) pr.features[i] *= 2 ** -17;
      pr.features = pr.features.map(roundToFloat16);
      if (c.tiny) expect(pr.features.some((v) => v !== 0 && Math.abs(v) < 2 ** -14)).toBe(true);
      const f32 = await createWebGpuEngine(pr, { device, maxChunkRows: c.maxChunkRows });
      const f16 = await createWebGpuEngine(pr, { device, maxChunkRows: c.maxChunkRows, xStorage: 'f16' });
      try {
        expect(await everything(f16, pr)).toEqual(await everything(f32, pr));
        expect([f32.device.xStorage, f16.device.xStorage]).toEqual(['f32', 'f16']);
        // half the bytes for X (each chunk buffer padded to 16 bytes); the counts as before
        const chunks = planChunks(pr.p, pr.L, device.limits, c.maxChunkRows, 2);
        const padded = (bytes: number) => Math.ceil(bytes / 16) * 16;
        const xBytes = (s: Record<string, number>) => Object.entries(s).filter(([k]) => k === 'X chunks').reduce((a, [, v]) => a + v, 0);
        expect(xBytes(f16.bufferSizes!())).toBe(chunks.reduce((a, ch) => a + padded(ch.rows * pr.L * 2), 0));
        expect(xBytes(f32.bufferSizes!())).toBe(chunks.reduce((a, ch) => a + padded(ch.rows * pr.L * 4), 0));
      } finally {
        f32.dispose();
        f16.dispose();
      }
    });
  }

  it('takes the centred features as float32 on the host: the float64 copy’s results to the bit, X stored as f32 or f16', async () => {
    // The fit keeps its centred copy in float32 for WebGPU (model/data.ts designStats); the
    // upload then sends each chunk's rows as they are (odd chunk lengths: views at odd
    // offsets). As f16 they are then rounded twice (float64 → float32 → f16), which differs
    // from rounding once only where the float32 value is an f16 tie: so for f16 the float64
    // copy holds the float32-rounded values.
    const pr = randomProblem(35, 1001, 7, 3);
    const asFloat32 = { ...pr, features: Float32Array.from(pr.features) };
    for (const xStorage of ['f32', 'f16'] as const) {
      const as64 = xStorage === 'f32' ? pr : { ...pr, features: Float64Array.from(asFloat32.features) };
      const e64 = await createWebGpuEngine(as64, { device, maxChunkRows: 251, xStorage });
      const e32 = await createWebGpuEngine(asFloat32, { device, maxChunkRows: 251, xStorage });
      try {
        const [r32, r64] = [await everything(e32, pr), await everything(e64, pr)];
        for (let i = 0; i < r64.length; i++) expect(r32[i], `${xStorage}, call ${i}`).toEqual(r64[i]);
      } finally {
        e64.dispose();
        e32.dispose();
      }
    }
  });

  it('refuses a feature f16 cannot hold at the upload, before any pass, naming it (its item counted across chunks)', async () => {
    const pr = randomProblem(34, 50, 4, 2);
    pr.features[4 * 27 + 2] = 7e4; // item 27: the second chunk of 20 rows
    const err = await createWebGpuEngine(pr, { device, xStorage: 'f16', maxChunkRows: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SoftmixError);
    expect((err as SoftmixError).message).toMatch(/feature 2 of item 27: 70000/);
    // 65519 rounds to 65504, f16's largest: held
    pr.features[4 * 27 + 2] = 65519;
    const held = await createWebGpuEngine(pr, { device, xStorage: 'f16', maxChunkRows: 20 });
    held.dispose();
    const bad = await createWebGpuEngine(pr, { device, xStorage: 'f8' as 'f16' }).catch((e: unknown) => e);
    expect((bad as SoftmixError).message).toMatch(/xStorage must be "f32" or "f16", got "f8"/);
  });
});
