/**
 * Where the CLI's `--backend webgpu` runs: in this Node process through Dawn (the optional
 * `webgpu` package, src/node/dawn.ts) when it loads and gives an adapter, else in headless
 * Chromium (src/browser/run-in-browser.ts). SOFTMIX_WEBGPU=dawn|chromium forces one (dawn
 * then fails with Dawn's own reason instead of falling back); auto, the default, tries Dawn
 * first: no browser to start, and the device is the same one where both can reach it. The
 * fit's JSON says which ran in device.runtime, and a status line says so on stderr.
 */
import { fitSoftmaxMixture, type FitOptions, type FitResult } from '../fit/fit.ts';
import type { Dataset } from '../model/data.ts';
import { runFitInBrowser, type BrowserRunIO } from '../browser/run-in-browser.ts';
import { dawnGpu } from '../node/dawn.ts';
import { SoftmixError } from '../errors.ts';

export type WebGpuRuntime = 'dawn' | 'chromium' | 'auto';

const RUNTIMES: readonly WebGpuRuntime[] = ['dawn', 'chromium', 'auto'];

/** SOFTMIX_WEBGPU, checked (unset or empty: auto). */
export function webGpuRuntime(env: NodeJS.ProcessEnv = process.env): WebGpuRuntime {
  const v = (env.SOFTMIX_WEBGPU ?? '').trim().toLowerCase() || 'auto';
  if (!RUNTIMES.includes(v as WebGpuRuntime)) {
    throw new SoftmixError('options', `SOFTMIX_WEBGPU must be dawn, chromium or auto (where --backend webgpu runs), got ${JSON.stringify(env.SOFTMIX_WEBGPU)}`);
  }
  return v as WebGpuRuntime;
}

/** The fit on WebGPU, through Dawn or Chromium (see above), with the CLI's progress callbacks. */
export async function runWebGpuFit(data: Dataset, options: FitOptions, io: BrowserRunIO = {}): Promise<FitResult> {
  const runtime = webGpuRuntime();
  const status = io.onStatus ?? (() => {});
  if (runtime !== 'chromium') {
    let gpu: GPU | null = null;
    try {
      gpu = await dawnGpu();
    } catch (err) {
      if (runtime === 'dawn' || !(err instanceof SoftmixError)) throw err;
      status(`Dawn is not usable (${err.message.split(': ')[0]}): running the fit in headless Chromium`);
    }
    if (gpu) {
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      status(`WebGPU through Dawn in Node on ${adapter?.info.description || 'an unnamed adapter'}`);
      const fit = await fitSoftmaxMixture(data, { ...options, gpu, onIteration: io.onProgress, onBootstrap: io.onBootstrap });
      return { ...fit, device: { ...fit.device, runtime: fit.backend === 'webgpu' ? 'Dawn (Node)' : undefined } };
    }
  }
  return runFitInBrowser(data, options, io);
}

