/**
 * The CLI's choice of WebGPU runtime (src/cli/webgpu-backend.ts), with Dawn and Chromium
 * stubbed: auto falls back to Chromium when Dawn fails and says why; dawn does not fall back;
 * chromium never asks Dawn. (test/dawn/cli-webgpu.test.ts runs both for real.)
 */
import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import { SoftmixError } from '../src/errors.ts';
import type { Dataset } from '../src/model/data.ts';
import type { FitResult } from '../src/fit/fit.ts';

const dawn = vi.hoisted(() => ({ gpu: vi.fn() }));
const browser = vi.hoisted(() => ({ fit: vi.fn() }));
vi.mock('../src/node/dawn.ts', () => ({ dawnGpu: dawn.gpu }));
vi.mock('../src/browser/run-in-browser.ts', () => ({ runFitInBrowser: browser.fit }));

const { runWebGpuFit, webGpuRuntime } = await import('../src/cli/webgpu-backend.ts');

const data = {} as Dataset;
const chromiumFit = { backend: 'webgpu', device: { backend: 'webgpu', description: 'x', runtime: 'Chromium 1.2' } } as FitResult;
const noAdapter = new SoftmixError('backend', 'Dawn (the "webgpu" package) found no WebGPU adapter: no Vulkan loader (libvulkan.so.1) is installed. For a GPU …');

describe('where --backend webgpu runs', () => {
  const saved = process.env.SOFTMIX_WEBGPU;
  beforeEach(() => {
    dawn.gpu.mockReset().mockRejectedValue(noAdapter);
    browser.fit.mockReset().mockResolvedValue(chromiumFit);
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.SOFTMIX_WEBGPU;
    else process.env.SOFTMIX_WEBGPU = saved;
  });

  it('auto: Chromium when Dawn has no adapter, with a status line saying why', async () => {
    delete process.env.SOFTMIX_WEBGPU;
    const lines: string[] = [];
    const fit = await runWebGpuFit(data, { K: 2, backend: 'webgpu' }, { onStatus: (l) => lines.push(l) });
    expect(fit).toBe(chromiumFit);
    expect(dawn.gpu).toHaveBeenCalledOnce();
    expect(lines).toEqual(['Dawn is not usable (Dawn (the "webgpu" package) found no WebGPU adapter): running the fit in headless Chromium']);
  });

  it('dawn: Dawn\'s own error, no browser', async () => {
    process.env.SOFTMIX_WEBGPU = 'dawn';
    await expect(runWebGpuFit(data, { K: 2, backend: 'webgpu' })).rejects.toBe(noAdapter);
    expect(browser.fit).not.toHaveBeenCalled();
  });

  it('chromium: Dawn is not tried', async () => {
    process.env.SOFTMIX_WEBGPU = 'Chromium';
    expect(await runWebGpuFit(data, { K: 2, backend: 'webgpu' })).toBe(chromiumFit);
    expect(dawn.gpu).not.toHaveBeenCalled();
  });

  it('an unexpected failure in Dawn is not hidden behind the fallback', async () => {
    delete process.env.SOFTMIX_WEBGPU;
    dawn.gpu.mockRejectedValue(new TypeError('boom'));
    await expect(runWebGpuFit(data, { K: 2, backend: 'webgpu' })).rejects.toThrow('boom');
  });

  it('reads SOFTMIX_WEBGPU strictly', () => {
    expect(webGpuRuntime({})).toBe('auto');
    expect(webGpuRuntime({ SOFTMIX_WEBGPU: ' DAWN ' })).toBe('dawn');
    expect(() => webGpuRuntime({ SOFTMIX_WEBGPU: 'vulkan' })).toThrow(/SOFTMIX_WEBGPU must be dawn, chromium or auto .*got "vulkan"/);
  });
});
