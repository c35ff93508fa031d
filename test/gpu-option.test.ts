/**
 * The `gpu` option (a WebGPU entry point in place of navigator.gpu, e.g. Dawn's in Node) is
 * what the engine asks, with no navigator in sight, and is checked like the other options.
 * The fits through a real one are in test/dawn/.
 */
import { describe, it, expect } from 'vitest';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';
import { simulate } from '../src/model/simulate.ts';

const sim = simulate({ p: 50, L: 2, K: 2, N: 1000, seed: 1 });
const data = { features: sim.features, p: sim.p, L: sim.L, counts: sim.counts };

describe('the gpu option', () => {
  it('is the GPU the webgpu backend asks for its adapter (Node has no navigator.gpu)', async () => {
    expect(typeof navigator === 'undefined' || !(navigator as { gpu?: unknown }).gpu).toBe(true);
    const asked: unknown[] = [];
    const gpu = { requestAdapter: async (o: unknown) => (asked.push(o), null) } as unknown as GPU;
    await expect(fitSoftmaxMixture(data, { K: 2, backend: 'webgpu', gpu })).rejects.toMatchObject({ code: 'backend', message: expect.stringMatching(/no adapter/) });
    expect(asked).toEqual([{ powerPreference: 'high-performance' }]);
  });

  it("with backend 'auto', a GPU without an adapter means the cpu, with a warning", async () => {
    const gpu = { requestAdapter: async () => null } as unknown as GPU;
    const fit = await fitSoftmaxMixture(data, { K: 2, backend: 'auto', gpu, restarts: 0, maxIter: 3 });
    expect(fit.backend).toBe('cpu');
    expect(fit.warnings.join(' ')).toMatch(/WebGPU could not be used .*no adapter.*cpu backend instead/);
  });

  it('must be a GPU object', async () => {
    await expect(fitSoftmaxMixture(data, { K: 2, backend: 'cpu', gpu: 'dawn' as unknown as GPU })).rejects.toMatchObject({ code: 'options', message: expect.stringMatching(/^gpu must be a GPU object .*got/) });
  });
});
