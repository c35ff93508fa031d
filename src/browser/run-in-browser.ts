/**
 * The CLI's `--backend webgpu`: opens the harness page in headless system Chromium
 * (open-page.ts), serves it the data as binary under a per-run token, runs the fit there
 * and brings the JSON back. The data comes in validated (makeDataset, in Node), so a bad
 * file fails before Chromium starts; samples arrive here already turned into counts.
 */
import { openPage } from './open-page.ts';
import { newJobToken } from './page-server.ts';
import { SoftmixError } from '../errors.ts';
import type { Dataset } from '../model/data.ts';
import type { FitOptions, FitResult } from '../fit/fit.ts';
import type { BrowserJob } from './harness.ts';
import type { IterationInfo } from '../em/index.ts';

export interface BrowserRunIO {
  onProgress?: (info: IterationInfo & { start: number; phase: string }) => void;
  /** after every bootstrap refit */
  onBootstrap?: (info: { done: number; total: number; failed: number }) => void;
  /** progress lines before the fit (starting Chromium) */
  onStatus?: (line: string) => void;
  /** forwarded page console lines (debugging) */
  onConsole?: (line: string) => void;
}

function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

export async function runFitInBrowser(data: Dataset, options: FitOptions, io: BrowserRunIO = {}): Promise<FitResult> {
  const token = newJobToken();
  const arrays = { features: bytesOf(data.features), counts: bytesOf(data.counts) };
  const { signal: _s, onIteration: _o, onBootstrap: _b, device: _d, gpu: _g, ...plainOptions } = options;
  const featureType = data.features instanceof Float32Array ? 'float32' : 'float64';
  const job: BrowserJob = { p: data.p, L: data.L, featureType, options: plainOptions };

  const session = await openPage(`/app/harness.html?job=${token}`, {
    ready: "typeof window.softmixRunJob === 'function'",
    job: { token, arrays },
    onConsole: io.onConsole,
    onStatus: io.onStatus,
  });
  try {
    const { page } = session;
    if (io.onProgress) await page.exposeFunction('softmixProgress', io.onProgress);
    if (io.onBootstrap) await page.exposeFunction('softmixBootstrap', io.onBootstrap);
    const outcome = await page.evaluate(async (j) => {
      try {
        return { ok: true as const, fit: await window.softmixRunJob!(j) };
      } catch (err) {
        const e = err as { name?: string; code?: string; message?: string };
        return { ok: false as const, name: e?.name, code: e?.code, message: e?.message ?? String(err) };
      }
    }, job);
    if (!outcome.ok) {
      if (outcome.name === 'SoftmixError' && outcome.code) throw new SoftmixError(outcome.code as never, outcome.message);
      throw new SoftmixError('backend', `the fit failed in Chromium: ${outcome.message}`);
    }
    return { ...outcome.fit, device: { ...outcome.fit.device, runtime: `Chromium ${session.chromiumVersion}` } };
  } finally {
    await session.close();
  }
}
