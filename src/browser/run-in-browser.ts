/**
 * The CLI's `--backend webgpu`: serves the project with Vite on 127.0.0.1, opens the
 * harness page in headless system Chromium (Playwright, WebGPU flags), sends the data as
 * binary over HTTP, runs the fit there and brings the JSON back.
 */
import type { Plugin } from 'vite';
import { openPage } from './open-page.ts';
import { SoftmixError } from '../errors.ts';
import type { DatasetInput } from '../model/data.ts';
import type { FitOptions, FitResult } from '../fit/fit.ts';
import type { BrowserJob } from './harness.ts';
import type { IterationInfo } from '../em/index.ts';

export interface BrowserRunIO {
  onProgress?: (info: IterationInfo & { start: number; phase: string }) => void;
  /** forwarded page console lines (debugging) */
  onConsole?: (line: string) => void;
}

function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** A Vite plugin that serves this job's arrays at /__softmix/job/<name>. */
function jobDataPlugin(arrays: Record<string, Buffer>): Plugin {
  return {
    name: 'softmix-job-data',
    configureServer(server) {
      server.middlewares.use('/__softmix/job/', (req, res) => {
        const name = (req.url ?? '').replace(/^\//, '');
        const body = arrays[name];
        if (!body) {
          res.statusCode = 404;
          res.end();
          return;
        }
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(body);
      });
    },
  };
}

export async function runFitInBrowser(data: DatasetInput, options: FitOptions, io: BrowserRunIO = {}): Promise<FitResult> {
  const p = data.p;
  const L = data.L;
  const arrays: Record<string, Buffer> = { features: bytesOf(Float64Array.from(data.features)) };
  if (data.counts) arrays.counts = bytesOf(Float64Array.from(data.counts));
  else if (data.samples) {
    for (let i = 0; i < data.samples.length; i++) {
      const y = data.samples[i];
      if (!Number.isInteger(y) || y < 0 || y >= p) throw new SoftmixError('samples', `samples[${i}] = ${y} is not an item index in [0, ${p})`);
    }
    arrays.samples = bytesOf(Uint32Array.from(data.samples));
  }
  const { signal: _s, onIteration: _o, device: _d, ...plainOptions } = options;
  const job: BrowserJob = { p, L, hasCounts: !!data.counts, options: plainOptions };

  const session = await openPage('/app/harness.html', {
    ready: "typeof window.softmixRunJob === 'function'",
    plugins: [jobDataPlugin(arrays)],
    onConsole: io.onConsole,
  });
  try {
    const { page } = session;
    if (io.onProgress) await page.exposeFunction('softmixProgress', io.onProgress);
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
    return outcome.fit;
  } finally {
    await session.close();
  }
}
