/**
 * In the page: fetches a job's binary data from the local server that the CLI runs,
 * fits it with the WebGPU engine, and hands the JSON result back to Playwright.
 */
import { fitSoftmaxMixture, type FitOptions, type FitResult } from '../fit/fit.ts';
import type { IterationInfo } from '../em/index.ts';

export interface BrowserJob {
  p: number;
  L: number;
  /** which binary arrays the server holds for this job */
  hasCounts: boolean;
  options: Omit<FitOptions, 'signal' | 'onIteration' | 'device'>;
}

declare global {
  interface Window {
    softmixRunJob?: (job: BrowserJob) => Promise<FitResult>;
    softmixProgress?: (info: IterationInfo & { start: number; phase: string }) => void;
  }
}

async function fetchArray(name: string): Promise<ArrayBuffer> {
  const res = await fetch(`/__softmix/job/${name}`);
  if (!res.ok) throw new Error(`could not fetch the job's ${name}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

window.softmixRunJob = async (job: BrowserJob) => {
  const features = new Float64Array(await fetchArray('features'));
  const data = job.hasCounts
    ? { features, p: job.p, L: job.L, counts: new Float64Array(await fetchArray('counts')) }
    : { features, p: job.p, L: job.L, samples: new Uint32Array(await fetchArray('samples')) };
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
  });
};
document.getElementById('status')!.textContent = 'softmix harness: ready';
