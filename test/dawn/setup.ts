/**
 * Setup of the `dawn` test project (vite.config.ts): the WebGPU tests of test/browser/ run in
 * Node through Dawn. They were written for a browser, so they read navigator.gpu and the
 * GPUBufferUsage/GPUMapMode globals: install those from the `webgpu` package. (The library
 * itself needs neither: it takes a `gpu` option and carries the flag values,
 * src/engines/webgpu/flags.ts; test/dawn/*.test.ts use it that way.)
 */
import { dawnGpu } from '../../src/node/dawn.ts';

const { globals } = await import('webgpu');
for (const [name, value] of Object.entries(globals as Record<string, unknown>)) {
  if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
}
const gpu = await dawnGpu();
// Node 20 has no navigator; Node 21+ has one without gpu.
if (typeof navigator === 'undefined') Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
else Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true });
