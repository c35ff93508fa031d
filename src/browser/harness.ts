/**
 * In the page: fetches a job's binary data from the local server that the CLI runs,
 * fits it with the WebGPU engine, and hands the JSON result back to Playwright. The data
 * lives under a per-run path, /__softmix/job/<token>/…; the page is opened with
 * ?job=<token> (src/browser/page-server.ts).
 */
import { fitSoftmaxMixture, type FitOptions, type FitResult } from '../fit/fit.ts';
import type { IterationInfo } from '../em/index.ts';

export interface BrowserJob {
  p: number;
  L: number;
  /** the features' precision on the host, kept in the page (FloatArray) */
  featureType: 'float32' | 'float64';
  options: Omit<FitOptions, 'signal' | 'onIteration' | 'onBootstrap' | 'device' | 'gpu'>;
}

declare global {
  interface Window {
    softmixRunJob?: (job: BrowserJob) => Promise<FitResult>;
    softmixProgress?: (info: IterationInfo & { start: number; phase: string }) => void;
    softmixBootstrap?: (info: { done: number; total: number; failed: number }) => void;
  }
}

const token = new URLSearchParams(location.search).get('job') ?? '';

async function fetchArray(name: string): Promise<ArrayBuffer> {
  const res = await fetch(`/__softmix/job/${encodeURIComponent(token)}/${name}`);
  if (!res.ok) throw new Error(`could not fetch the job's ${name}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

window.softmixRunJob = async (job: BrowserJob) => {
  const [features, counts] = await Promise.all([fetchArray('features'), fetchArray('counts')]);
  const data = { features: job.featureType === 'float32' ? new Float32Array(features) : new Float64Array(features), p: job.p, L: job.L, counts: new Float64Array(counts) };
  let lastReport = 0;
  return fitSoftmaxMixture(data, {
    ...job.options,
    onIteration: (info) => {
      // Crossing to Node costs a round trip: report at most every 200 ms.
      const t = performance.now();
      if (window.softmixProgress && t - lastReport > 200) {
        lastReport = t;
        void window.softmixProgress(info);
      }
    },
    onBootstrap: (info) => void window.softmixBootstrap?.(info),
  });
};
document.getElementById('status')!.textContent = 'softmix harness: ready';
