/**
 * The package as its users get it (issue 15): `npm pack`, then the tarball installed into
 * fixture projects of every kind — Node, Node on WebGPU through Dawn, a Vite app in dev and
 * in build (with a Web Worker), an esbuild bundle, a page with no bundler, a strict tsc —
 * and the installed command. Browser consumers run one small fit on WebGPU and on the cpu
 * (test/fixtures/consumers/fit-check.js) and must agree as the engine test does.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { createServer as createViteServer, build as viteBuild } from 'vite';
import { closeBrowser, fitCheckAt, fitCheckServed, folderBytes, installFixture, pack, repo, run, tarballFiles, type FitCheck } from './consumers/fixtures.ts';
import { simulate } from '../src/model/simulate.ts';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';

/**
 * WebGPU and the cpu from the same seed reach the same maximum; the GPU's ℓ carries a
 * float32 error of about 1e-8 relative (compensated sums), the stop itself a smaller one
 * at tol 1e-10 (test/browser/fit-webgpu.test.ts): 1e-5 relative leaves room for both.
 */
function expectAgreement(check: FitCheck): void {
  expect(check.gpuBackend).toBe('webgpu');
  expect(check.gpuConverged).toBe(true);
  expect(Math.abs(check.gpuLogLik - check.cpuLogLik)).toBeLessThan(1e-5 * Math.abs(check.cpuLogLik));
}

let tarball = '';

describe('the packed package, installed', () => {
  beforeAll(async () => {
    tarball = await pack();
  }, 180_000);
  afterAll(closeBrowser);

  it('holds dist/, bin, README, LICENSE and package.json, and nothing else', async () => {
    const files = await tarballFiles(tarball);
    const outside = files.filter((f) => !/^(dist\/|bin\/softmix\.mjs$|README\.md$|LICENSE$|package\.json$)/.test(f));
    expect(outside).toEqual([]);
    for (const needed of ['dist/index.js', 'dist/node.js', 'dist/cli.js', 'dist/softmix.min.js', 'dist/types/index.d.ts', 'dist/harness/harness.html', 'LICENSE']) expect(files).toContain(needed);
  });

  it('a Node ESM program fits on the cpu exactly as the sources do, in a node_modules under 5 MB', async () => {
    const dir = await installFixture('node-esm', tarball);
    expect(folderBytes(join(dir, 'node_modules'))).toBeLessThan(5 * 2 ** 20);
    const { stdout } = await run('node', ['main.mjs'], { cwd: dir });
    const installed = JSON.parse(stdout);
    // the bundle is the sources' code: the same float64 arithmetic, bit for bit
    const sim = simulate({ p: 500, L: 3, K: 2, N: 5e4, thetaNorm: 1.5, seed: 7 });
    const fit = await fitSoftmaxMixture({ features: sim.features, p: sim.p, L: sim.L, counts: sim.counts }, { K: 2, backend: 'cpu', seed: 3 });
    expect(installed.backend).toBe('cpu');
    expect(installed.logLik).toBe(fit.logLik);
    expect(installed.alpha).toEqual(fit.alpha);
    // the installed command runs compiled, with no tsx anywhere in the install
    const version = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version;
    const { stdout: out } = await run('npx', ['--no-install', 'softmix', '--version'], { cwd: dir });
    expect(out.trim()).toBe(version);
    // with neither optional part installed, --backend webgpu names what to install, and starts nothing
    await run('npx', ['--no-install', 'softmix', 'simulate', '--p', '50', '--L', '2', '--K', '2', '--N', '1000', '--out', 'sim'], { cwd: dir });
    const fitArgs = ['--no-install', 'softmix', 'fit', '--features', 'sim/features.npy', '--counts', 'sim/counts.npy', '--K', '2', '--backend', 'webgpu'];
    for (const [runtime, hint] of [['dawn', /npm install webgpu/], ['chromium', /npm install playwright-core/]] as const) {
      const failed = await run('npx', fitArgs, { cwd: dir, env: { ...process.env, SOFTMIX_WEBGPU: runtime } }).then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      );
      expect(failed?.code, runtime).toBe(1);
      expect(failed?.stderr, runtime).toMatch(hint);
      expect(failed?.stderr, runtime).not.toMatch(/starting headless Chromium/);
    }
  }, 180_000);

  it('the installed command fits on WebGPU in headless Chromium from its prebuilt harness page', async () => {
    // playwright-core is the optional install that lets the CLI drive a browser
    const dir = await installFixture('node-esm', tarball, { link: ['playwright-core'] });
    const cli = (args: string[], env: Record<string, string> = {}) => run('npx', ['--no-install', 'softmix', ...args], { cwd: dir, maxBuffer: 1 << 26, env: { ...process.env, ...env } });
    await cli(['simulate', '--p', '800', '--L', '3', '--K', '2', '--N', '1e5', '--theta-norm', '1.5', '--seed', '4', '--out', 'sim']);
    const fitArgs = ['fit', '--features', 'sim/features.npy', '--counts', 'sim/counts.npy', '--K', '2', '--tol', '1e-10', '--max-iter', '400', '--quiet'];
    const gpu = JSON.parse((await cli([...fitArgs, '--backend', 'webgpu'], { SOFTMIX_WEBGPU: 'chromium' })).stdout);
    const cpu = JSON.parse((await cli([...fitArgs, '--backend', 'cpu'])).stdout);
    expectAgreement({ gpuBackend: gpu.backend, gpuConverged: gpu.converged, gpuLogLik: gpu.logLik, cpuLogLik: cpu.logLik, N: cpu.N });
    expect(gpu.device.runtime).toMatch(/^Chromium /);
  }, 300_000);

  it('a Node program fits on WebGPU through Dawn (the optional webgpu package)', async () => {
    const dir = await installFixture('node-dawn', tarball, { link: ['webgpu'] });
    const { stdout } = await run('node', ['main.mjs'], { cwd: dir, maxBuffer: 1 << 24 });
    expectAgreement(JSON.parse(stdout));
  }, 300_000);

  it('tsc --noEmit passes in a strict consumer with no type packages of its own (and with skipLibCheck off)', async () => {
    const dir = await installFixture('tsc-strict', tarball, { entryDir: 'src' });
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const extra of [[], ['--skipLibCheck', 'false']]) {
      const result = await run('node', [tsc, '--noEmit', '-p', dir, ...extra], { cwd: dir }).catch((e: { stdout: string }) => e);
      expect('stdout' in result ? result.stdout : '', `tsc ${extra.join(' ')}`).toBe('');
    }
  }, 180_000);

  it('a Vite app in dev fits on WebGPU on the page', async () => {
    const dir = await installFixture('vite-app', tarball, { entryDir: 'src' });
    const server = await createViteServer({ root: dir, configFile: false, logLevel: 'error', server: { host: '127.0.0.1', port: 0 } });
    await server.listen();
    try {
      const address = server.httpServer!.address() as { port: number };
      expectAgreement(await fitCheckAt(`http://127.0.0.1:${address.port}/?in=page`));
    } finally {
      await server.close();
    }
  }, 300_000);

  it('a Vite app in build fits on WebGPU in a module Web Worker', async () => {
    const dir = await installFixture('vite-app', tarball, { entryDir: 'src' });
    await viteBuild({ root: dir, configFile: false, logLevel: 'error', build: { outDir: join(dir, 'dist') } });
    expectAgreement(await fitCheckServed(join(dir, 'dist'), '/?in=worker'));
  }, 300_000);

  it('an esbuild bundle fits on WebGPU', async () => {
    const dir = await installFixture('esbuild-app', tarball);
    await build({ entryPoints: [join(dir, 'main.js')], bundle: true, format: 'esm', platform: 'browser', outfile: join(dir, 'bundle.js'), logLevel: 'error', absWorkingDir: dir });
    expectAgreement(await fitCheckServed(dir, '/index.html'));
  }, 300_000);

  it('a page with no bundler loads the single minified file and fits on WebGPU', async () => {
    const dir = await installFixture('no-bundler', tarball);
    const min = readFileSync(join(dir, 'node_modules', 'softmix', 'dist', 'softmix.min.js'), 'utf8');
    // self-contained: nothing left to resolve (a CDN serves the one file)
    expect(min).not.toMatch(/\bfrom\s*["'][^"']+["']|\bimport\s*\(\s*["']/);
    expectAgreement(await fitCheckServed(dir, '/index.html'));
  }, 300_000);
});

