/**
 * The demo page: controls → a fit in a Web Worker → live ℓ/N chart → results view.
 * "Choose K" runs the K sweep instead (src/fit/select.ts): a chart and table of validation
 * ℓ/N and BIC against K as candidates finish, then the chosen K's refit in the results view
 * (window.softmixSelection holds the sweep).
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
import { SelectChart } from './charts/select-chart.ts';
import { selectionTable, selectionVerdict } from './views/selection.ts';
import type { SelectionRow } from '../src/fit/select.ts';
import type { DatasetKind, ErrorInfo, PageReport, SelectionSummary } from './protocol.ts';

declare global {
  interface Window {
    softmixResult?: { fit: FitResult; report: PageReport };
    softmixError?: ErrorInfo;
    softmixSelection?: SelectionSummary;
  }
}

type PageState = 'loading' | 'idle' | 'running' | 'done' | 'error' | 'cancelled';

const form = byId<HTMLFormElement>('controls');
const runButton = byId<HTMLButtonElement>('run');
const chooseButton = byId<HTMLButtonElement>('choose-k');
const selection = byId('selection');
const selectionBox = byId('selection-chart');
const selectionTableBox = byId('selection-table');
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
let sweepChart: SelectChart | null = null;
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
  chooseButton.disabled = running;
  cancelButton.disabled = !running;
}

/** A fit of the form's K, or ('select') the K sweep 1..K max with the chosen K refitted. */
function start(kind: 'run' | 'select' = 'run'): void {
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
  const Kmax = Number(byId<HTMLInputElement>('select-Kmax').value);
  if (kind === 'select' && !(Number.isInteger(Kmax) && Kmax >= 1)) {
    status.textContent = `K max must be a whole number ≥ 1, got ${byId<HTMLInputElement>('select-Kmax').value || 'nothing'}`;
    return;
  }
  delete window.softmixResult;
  delete window.softmixError;
  delete window.softmixSelection;
  releaseResults?.();
  releaseResults = null;
  results.hidden = true;
  results.replaceChildren();
  chart?.destroy();
  chart = null;
  sweepChart?.destroy();
  sweepChart = null;
  const rows: SelectionRow[] = [];
  progress.hidden = kind === 'select';
  selection.hidden = kind !== 'select';
  selectionTableBox.replaceChildren();
  if (kind === 'select') sweepChart = new SelectChart(selectionBox, Kmax);
  else chart = new ProgressChart(progressBox, Number.isInteger(fit.restarts) && fit.restarts >= 0 ? fit.restarts + 1 : 1);
  setRunning(true);
  setState('running');
  status.textContent = 'starting…';
  const t0 = performance.now();

  const job = kind === 'select' ? { type: 'select' as const, data, fit, Kmax } : { type: 'run' as const, data, fit };
  current = new FitRun(job, {
    onMessage: (msg) => {
      if (msg.type === 'status') status.textContent = msg.text;
      else if (msg.type === 'loaded') status.textContent = `${msg.description} — fitting…`;
      else if (msg.type === 'select-row') {
        rows.push(msg.row);
        sweepChart?.add(msg.row);
        selectionTableBox.replaceChildren(selectionTable(rows));
      }
      else if (msg.type === 'progress') {
        chart?.add(msg.points);
        const last = msg.points[msg.points.length - 1];
        const where = last.phase === 'grow' ? `growing, ${last.components} components` : `${{ screen: 'screening', final: 'fitting', replace: 'trying a component replacement' }[last.phase]}: start ${last.start + 1}`;
        status.textContent = `${where}, iteration ${last.iteration}, ℓ/N = ${last.logLikPerSample.toFixed(6)}`;
      }
    },
    onDone: (fitResult, report, sweep) => {
      current = null;
      setRunning(false);
      if (sweep) {
        sweepChart?.markChosen(sweep.chosen.K);
        selectionTableBox.replaceChildren(selectionTable(sweep.table, sweep.chosen), selectionVerdict(sweep));
        window.softmixSelection = sweep;
      }
      releaseResults = renderResults(results, fitResult, report);
      window.softmixResult = { fit: fitResult, report };
      const what = sweep ? `Chose K = ${sweep.chosen.K} of 1…${sweep.table.length} and refitted it: done` : 'Done';
      status.textContent = `${what} in ${((performance.now() - t0) / 1000).toFixed(1)} s on ${fitResult.backend}.`;
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
  chooseButton.addEventListener('click', () => start('select'));
  cancelButton.addEventListener('click', () => {
    status.textContent = 'cancelling…';
    current?.cancel();
  });
  window.addEventListener('resize', () => {
    chart?.resize();
    sweepChart?.resize();
  });

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
