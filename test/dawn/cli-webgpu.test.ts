/**
 * `softmix fit --backend webgpu` picks its runtime (src/cli/webgpu-backend.ts): Dawn in the
 * CLI's own process by default, headless Chromium with SOFTMIX_WEBGPU=chromium. Both fit the
 * same case to the cpu fit within float32 tolerance, and so agree with each other; the JSON
 * names which ran (device.runtime).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchComponents } from '../../src/model/metrics.ts';

const run = promisify(execFile);
const bin = join(__dirname, '..', '..', 'bin', 'softmix.mjs');

/** The CLI from a plain shell: no Vulkan settings (the Dawn runtime finds SwiftShader itself). */
function softmix(env: Record<string, string>, ...args: string[]) {
  const { VK_ICD_FILENAMES: _i, VK_DRIVER_FILES: _d, LD_LIBRARY_PATH: _l, SOFTMIX_WEBGPU: _w, ...rest } = process.env;
  return run(process.execPath, [bin, ...args], { env: { ...rest, ...env }, maxBuffer: 1 << 24 });
}

interface FitJson {
  backend: string;
  device: { backend: string; description: string; runtime?: string };
  logLik: number;
  alpha: number[];
  theta: number[][];
}

/** ℓ to 1e-5 relative, weights and atoms to 1e-3 after matching (test/browser/fit-webgpu.test.ts). */
function expectSameFit(a: FitJson, b: FitJson, K: number, L: number): void {
  expect(Math.abs(a.logLik - b.logLik)).toBeLessThan(1e-5 * Math.abs(b.logLik));
  const m = matchComponents({ alpha: a.alpha, theta: a.theta.flat() }, { alpha: b.alpha, theta: b.theta.flat() }, K, L);
  expect(m.alphaError).toBeLessThan(1e-3);
  for (let k = 0; k < K; k++) for (let l = 0; l < L; l++) expect(Math.abs(a.theta[m.permutation[k]][l] - b.theta[k][l])).toBeLessThan(1e-3);
}

describe('softmix fit --backend webgpu: Dawn or Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softmix-cli-dawn-'));
  const args = ['fit', '--features', join(dir, 'features.npy'), '--counts', join(dir, 'counts.npy'), '--K', '3', '--tol', '1e-10'];
  let cpu: FitJson;
  beforeAll(async () => {
    await softmix({}, 'simulate', '--p', '2000', '--L', '6', '--K', '3', '--N', '5e5', '--seed', '9', '--out', dir);
    cpu = JSON.parse((await softmix({}, ...args, '--backend', 'cpu', '--quiet')).stdout);
  });

  it('runs in Node through Dawn by default, and fits the same case as Chromium and the cpu', async () => {
    const dawnRun = await softmix({}, ...args, '--backend', 'webgpu');
    const dawn: FitJson = JSON.parse(dawnRun.stdout);
    expect(dawn.backend).toBe('webgpu');
    expect(dawn.device.runtime).toBe('Dawn (Node)');
    expect(Object.keys(dawn).sort()).toEqual(Object.keys(cpu).sort());
    expect(dawnRun.stderr).toMatch(/^softmix: WebGPU through Dawn in Node on .+$/m);
    expect(dawnRun.stderr).not.toMatch(/Chromium/);

    const chromiumRun = await softmix({ SOFTMIX_WEBGPU: 'chromium' }, ...args, '--backend', 'webgpu', '--quiet');
    const chromium: FitJson = JSON.parse(chromiumRun.stdout);
    expect(chromium.device.runtime).toMatch(/^Chromium \d+\./);

    expectSameFit(dawn, cpu, 3, 6);
    expectSameFit(chromium, cpu, 3, 6);
    expectSameFit(dawn, chromium, 3, 6);
  });

  it('refuses a SOFTMIX_WEBGPU it does not know, as a usage error', async () => {
    const err = await softmix({ SOFTMIX_WEBGPU: 'metal' }, ...args, '--backend', 'webgpu').then(() => null, (e) => e);
    expect(err?.code).toBe(2);
    expect(err.stderr).toMatch(/SOFTMIX_WEBGPU must be dawn, chromium or auto .*got "metal"/);
  });
});
