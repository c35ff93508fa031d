/**
 * device.ts and pipelines.ts: device info, loss and uncaptured errors turned into
 * SoftmixError('device-lost') on the next engine call (never a hang, never NaN), and
 * pipelines compiled once per device.
 */
import { describe, it, expect } from 'vitest';
import { acquireDevice, describeDevice } from '../../src/engines/webgpu/device.ts';
import { cachedPipelineCount } from '../../src/engines/webgpu/pipelines.ts';
import { createWebGpuEngine } from '../../src/engines/webgpu/engine.ts';
import { randomProblem } from './gpu-helpers.ts';

describe('device', () => {
  it('describes the adapter and its key limits', async () => {
    const { device, adapterInfo } = await acquireDevice();
    try {
      const info = describeDevice(device, adapterInfo);
      expect(info.backend).toBe('webgpu');
      expect(info.description.length).toBeGreaterThan(0);
      expect(info.limits!.maxStorageBufferBindingSize).toBe(device.limits.maxStorageBufferBindingSize);
      expect(info.limits!.maxComputeWorkgroupsPerDimension).toBeGreaterThanOrEqual(65535);
      // the adapter's limits were requested, not the defaults
      const adapter = await navigator.gpu.requestAdapter();
      expect(device.limits.maxStorageBufferBindingSize).toBe(adapter!.limits.maxStorageBufferBindingSize);
    } finally {
      device.destroy();
    }
  });

  it('compiles each pipeline once per device', async () => {
    const { device } = await acquireDevice();
    const pr = randomProblem(1, 100, 3, 2);
    try {
      const a = await createWebGpuEngine(pr, { device });
      const n = cachedPipelineCount(device);
      // scores 2 (main, withPartials), logsumexp 2 (merge, finalize), estep 6 (estep, sigma, pairs, residual, scorePairs, estepSigma), weighted-sum 1, weighted-gram 2, merge-sums 2, moment-weights 3, third-moment 1, hvp-weights 1
      expect(n).toBe(20);
      const b = await createWebGpuEngine(pr, { device });
      expect(cachedPipelineCount(device)).toBe(n);
      a.dispose();
      b.dispose();
    } finally {
      device.destroy();
    }
  });

  it('a lost device makes the next call reject with device-lost', async () => {
    const { device } = await acquireDevice();
    const pr = randomProblem(2, 300, 4, 2);
    const engine = await createWebGpuEngine(pr, { device });
    await engine.eStep(pr.logAlpha, pr.theta, 2);
    device.destroy();
    await device.lost;
    await expect(engine.eStep(pr.logAlpha, pr.theta, 2)).rejects.toMatchObject({ name: 'SoftmixError', code: 'device-lost' });
    await expect(engine.softmaxStats(pr.theta, 2, { mean: true, covariance: true })).rejects.toMatchObject({ code: 'device-lost' });
    engine.dispose();
  });

  it('a device lost during a call rejects that call instead of hanging', async () => {
    const { device } = await acquireDevice();
    const pr = randomProblem(3, 20_000, 16, 4);
    const engine = await createWebGpuEngine(pr, { device });
    const pending = engine.softmaxStats(pr.theta, 4, { mean: true, covariance: true });
    await Promise.resolve();
    device.destroy();
    const outcome = await pending.then(
      (r) => ({ ok: true as const, r }),
      (e) => ({ ok: false as const, e }),
    );
    // Either the work finished before the loss (then the results are finite) or the
    // call rejects with device-lost; it never hangs and never returns NaN.
    if (outcome.ok) expect(Array.from(outcome.r.logPartition).every(Number.isFinite)).toBe(true);
    else expect(outcome.e).toMatchObject({ code: 'device-lost' });
    await expect(engine.eStep(pr.logAlpha, pr.theta, 4)).rejects.toMatchObject({ code: 'device-lost' });
    engine.dispose();
  });

  it('an uncaptured WebGPU error makes the next call reject with device-lost', async () => {
    const { device } = await acquireDevice();
    const pr = randomProblem(4, 300, 4, 2);
    const engine = await createWebGpuEngine(pr, { device });
    try {
      const seen = new Promise<void>((resolve) => device.addEventListener('uncapturederror', () => resolve(), { once: true }));
      device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE }); // invalid usage combination
      // Chromium delivers the event on the device's next activity.
      await device.queue.onSubmittedWorkDone();
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no uncapturederror event within 10 s')), 10_000));
      await Promise.race([seen, timeout]);
      await expect(engine.eStep(pr.logAlpha, pr.theta, 2)).rejects.toMatchObject({ code: 'device-lost' });
    } finally {
      engine.dispose();
      device.destroy();
    }
  });

  it('an engine that acquired its own device destroys it on dispose', async () => {
    const pr = randomProblem(5, 100, 2, 2);
    const engine = await createWebGpuEngine(pr);
    await engine.eStep(pr.logAlpha, pr.theta, 2);
    engine.dispose();
    engine.dispose(); // idempotent
    await expect(engine.eStep(pr.logAlpha, pr.theta, 2)).rejects.toMatchObject({ code: 'backend' });
  });
});
