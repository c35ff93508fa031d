/**
 * The demo page: controls → a fit in a Web Worker → live ℓ/N chart → results view.
 * For programs: URL parameters (url-params.ts) start a run on load; when it ends the page
 * sets window.softmixResult = { fit, report } and body[data-state=done], or
 * window.softmixError and body[data-state=error].
 */
import type { FitResult } from '../src/fit/fit.ts';
import { byId } from './dom.ts';
import { applySuggestions, readDataSpec, readFitSettings, selectedDataset, showDataset, trackTouched } from './form.ts';
import { applyUrlParams } from './url-params.ts';
import { probeWebGpu, type GpuProbe } from './gpu.ts';
import { FitRun } from './runner.ts';
import { ProgressChart } from './charts/progress-chart.ts';
import { renderResults } from './views/results.ts';
import type { DatasetKind, ErrorInfo, PageReport } from './protocol.ts';

declare global {
  interface Window {
    softmixResult?: { fit: FitResult; report: PageReport };
    softmixError?: ErrorInfo;
  }
}

type PageState = 'loading' | 'idle' | 'running' | 'done' | 'error' | 'cancelled';

const form = byId<HTMLFormElement>('controls');
const runButton = byId<HTMLButtonElement>('run');
const cancelButton = byId<HTMLButtonElement>('cancel');
const status = byId('status');
const notice = byId('notice');
const gpuStatus = byId('gpu-status');
const progress = byId('progress');
const progressBox = byId('progress-chart');
const results = byId('results');

let gpu: GpuProbe = { available: false, detail: 'not checked yet' };
let current: FitRun | null = null;
let chart: ProgressChart | null = null;
let releaseResults: (() => void) | null = null;
const notices: string[] = [];

function setState(state: PageState): void {
  document.body.dataset.state = state;
  status.classList.toggle('failed', state === 'error');
}

function addNotice(text: string): void {
  notices.push(text);
  notice.replaceChildren(...notices.map((n) => Object.assign(document.createElement('div'), { textContent: n })));
  notice.hidden = false;
}

function setRunning(running: boolean): void {
  runButton.disabled = running;
  cancelButton.disabled = !running;
}

function start(): void {
  if (current) return;
  let data;
  let fit;
  try {
    data = readDataSpec();
    fit = readFitSettings();
  } catch (e) {
    status.textContent = e instanceof Error ? e.message : String(e);
    return;
  }
  if (!gpu.available && fit.backend === 'webgpu') {
    fit.backend = 'cpu';
    addNotice('backend "webgpu" was asked for, but WebGPU is missing here: this run uses the cpu backend.');
  }
  delete window.softmixResult;
  delete window.softmixError;
  releaseResults?.();
  releaseResults = null;
  results.hidden = true;
  results.replaceChildren();
  progress.hidden = false;
  chart?.destroy();
  chart = new ProgressChart(progressBox, Number.isInteger(fit.restarts) && fit.restarts >= 0 ? fit.restarts + 1 : 1);
  setRunning(true);
  setState('running');
  status.textContent = 'starting…';
  const t0 = performance.now();

  current = new FitRun(data, fit, {
    onMessage: (msg) => {
      if (msg.type === 'status') status.textContent = msg.text;
      else if (msg.type === 'loaded') status.textContent = `${msg.description} — fitting…`;
      else if (msg.type === 'progress') {
        chart?.add(msg.points);
        const last = msg.points[msg.points.length - 1];
        status.textContent = `${{ screen: 'screening', final: 'fitting', replace: 'trying a component replacement' }[last.phase]}: start ${last.start + 1}, iteration ${last.iteration}, ℓ/N = ${last.logLikPerSample.toFixed(6)}`;
      }
    },
    onDone: (fitResult, report) => {
      current = null;
      setRunning(false);
      releaseResults = renderResults(results, fitResult, report);
      window.softmixResult = { fit: fitResult, report };
      status.textContent = `Done in ${((performance.now() - t0) / 1000).toFixed(1)} s on ${fitResult.backend}.`;
      if (fitResult.warnings.some((w) => /fitted on the cpu backend instead|refitted on the cpu backend/.test(w))) {
        addNotice('WebGPU could not be used for this fit: it ran on the cpu backend (see the warnings in the results).');
      }
      // let the charts paint before telling a driver that the page is ready for a screenshot
      setTimeout(() => setState('done'), 0);
    },
    onError: (error) => {
      current = null;
      setRunning(false);
      if (error.code === 'cancelled') {
        status.textContent = 'Cancelled.';
        setState('cancelled');
        return;
      }
      window.softmixError = error;
      status.textContent = `Error${error.code ? ` (${error.code})` : ''}: ${error.message}`;
      setState('error');
    },
  });
}

async function init(): Promise<void> {
  trackTouched(form);
  const url = applyUrlParams(location.search);
  for (const p of url.problems) addNotice(`URL parameter ignored: ${p}`);
  const initial: DatasetKind = url.dataset ?? selectedDataset();
  showDataset(initial);
  applySuggestions(initial);
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="dataset"]')) {
    radio.addEventListener('change', () => {
      showDataset(radio.value as DatasetKind);
      applySuggestions(radio.value as DatasetKind);
    });
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    start();
  });
  cancelButton.addEventListener('click', () => {
    status.textContent = 'cancelling…';
    current?.cancel();
  });
  window.addEventListener('resize', () => chart?.resize());

  gpu = await probeWebGpu();
  if (gpu.available) {
    gpuStatus.textContent = `WebGPU: ${gpu.detail}.`;
  } else {
    gpuStatus.textContent = 'WebGPU: not available.';
    addNotice(`WebGPU is not available (${gpu.detail}): fits run on the cpu backend — correct, but slower.`);
    const backend = byId<HTMLSelectElement>('fit-backend');
    if (backend.value === 'webgpu') {
      backend.value = 'cpu';
      addNotice('backend "webgpu" was asked for: switched to cpu.');
    }
  }
  setState('idle');
  if (url.run) start();
}

init().catch((err) => {
  window.softmixError = { name: 'Error', message: err instanceof Error ? err.message : String(err) };
  status.textContent = `The page failed to start: ${window.softmixError.message}`;
  setState('error');
});
