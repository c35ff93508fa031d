/**
 * The Node–Dawn runtime (src/node/dawn.ts): a whole fit through the `gpu` option against the
 * float64 cpu fit of the same case as test/browser/fit-webgpu.test.ts (the Chromium path),
 * with its tolerances; the environment a launcher hands a child; the error without a Vulkan.
 */
import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { fitSoftmaxMixture } from '../../src/fit/fit.ts';
import { dawnGpu, dawnEnvironment } from '../../src/node/dawn.ts';
import { expectSameFitAsCpu, sameStartCase } from '../fixtures/same-fit.ts';
import { systemVulkanLoader, findSwiftShader } from '../../src/node/vulkan.ts';

const run = promisify(execFile);

/** process.env without the Vulkan settings, as a plain shell has it here. */
function plainEnv(): NodeJS.ProcessEnv {
  const { VK_ICD_FILENAMES: _i, VK_DRIVER_FILES: _d, LD_LIBRARY_PATH: _l, ...rest } = process.env;
  return rest;
}

describe('WebGPU in Node through Dawn', () => {
  it('fits the Chromium test\'s case from the same start as the cpu: ℓ to 1e-5 relative, atoms to 1e-3; only the given gpu is used', async () => {
    const { data, options: common } = sameStartCase();
    const cpu = await fitSoftmaxMixture(data, { ...common, backend: 'cpu' });

    const dawn = await dawnGpu();
    let asked = 0;
    const gpu = { requestAdapter: (o?: GPURequestAdapterOptions) => (asked++, dawn.requestAdapter(o)) } as GPU;
    // The setup file installed navigator.gpu for the browser-era tests: make it fail loudly,
    // and check that the fit adds no global.
    const installed = navigator.gpu;
    Object.defineProperty(navigator, 'gpu', { value: { requestAdapter: () => Promise.reject(new Error('navigator.gpu was used')) }, configurable: true });
    const globalsBefore = Object.getOwnPropertyNames(globalThis).sort();
    let fit;
    try {
      fit = await fitSoftmaxMixture(data, { ...common, backend: 'webgpu', gpu });
    } finally {
      Object.defineProperty(navigator, 'gpu', { value: installed, configurable: true });
    }
    expect(Object.getOwnPropertyNames(globalThis).sort()).toEqual(globalsBefore);
    expect(asked).toBe(1);
    expectSameFitAsCpu(fit, cpu, 4, 16);
  });

  it('dawnEnvironment() is what a child process started from a plain shell needs for an adapter', async () => {
    const env = dawnEnvironment(plainEnv());
    if (systemVulkanLoader() || !findSwiftShader()) {
      expect(env).toEqual({});
    } else {
      expect(Object.keys(env).sort()).toEqual(['LD_LIBRARY_PATH', 'VK_ICD_FILENAMES']);
      expect(existsSync(env.VK_ICD_FILENAMES)).toBe(true);
    }
    // The bare package, no softmix code: the variables alone must do it.
    const script = "const { create } = await import('webgpu'); const a = await create([]).requestAdapter(); console.log(a ? a.info.description || 'adapter' : 'none');";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...plainEnv(), ...env }, cwd: process.cwd() });
    expect(stdout.trim()).not.toBe('none');
  });

  it.skipIf(systemVulkanLoader())('without a Vulkan loader and with the SwiftShader fallback off, says what to install or set', async () => {
    // In a child: this worker already holds Chromium's loader (the setup file's dawnGpu()).
    const script = "import { dawnGpu } from './src/node/dawn.ts'; dawnGpu({ swiftShader: false }).then(() => console.log('adapter'), (e) => console.log(e.code + ': ' + e.message));";
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: plainEnv(), cwd: process.cwd() });
    expect(stdout).toMatch(/^backend: Dawn .* found no WebGPU adapter: no Vulkan loader \(libvulkan\.so\.1\)/);
    expect(stdout).toMatch(/apt-get install libvulkan1/);
    expect(stdout).toMatch(/VK_ICD_FILENAMES=\/usr\/lib\/chromium\/vk_swiftshader_icd\.json LD_LIBRARY_PATH=\/usr\/lib\/chromium/);
  });

  it('rejects flags that are not strings', async () => {
    await expect(dawnGpu({ flags: [1 as unknown as string] })).rejects.toMatchObject({ name: 'SoftmixError', code: 'options' });
  });
});
