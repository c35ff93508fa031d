/**
 * The fit worker: loads the data, runs fitSoftmaxMixture (WebGPU works in dedicated
 * workers), streams ℓ/N per iteration in small batches, and posts the fit and its report.
 * A 'select' job runs the K sweep instead (selectModel), posting each candidate's row as it
 * is scored, then the refit of the chosen K and its report.
 * One worker per run; 'cancel' aborts the fit through its AbortSignal.
 */
import { fitSoftmaxMixture } from '../src/fit/fit.ts';
import { selectModel } from '../src/fit/select.ts';
import { standardErrorsOf } from '../src/fit/standard-errors-of.ts';
import { loadData, type LoadedData } from './load-data.ts';
import { summarise } from './summary.ts';
import type { ErrorInfo, FromWorker, Job, ProgressPoint, ToWorker } from './protocol.ts';

const post = (msg: FromWorker) => (self as unknown as Worker).postMessage(msg);
const controller = new AbortController();
const FLUSH_MS = 50;

function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof Error) return { name: err.name, code: (err as { code?: string }).code, message: err.message };
  return { name: 'Error', message: String(err) };
}

async function load(msg: Job): Promise<{ data: LoadedData; loadMs: number }> {
  const t0 = performance.now();
  post({ type: 'status', text: msg.data.kind === 'books' ? 'fetching the books data…' : msg.data.kind === 'sim' ? 'simulating…' : 'reading the files…' });
  const data = await loadData(msg.data);
  const loadMs = performance.now() - t0;
  let N = 0;
  for (let j = 0; j < data.counts.length; j++) N += data.counts[j];
  post({ type: 'loaded', description: data.description, p: data.p, L: data.L, N });
  if (controller.signal.aborted) throw Object.assign(new Error('the fit was cancelled'), { name: 'SoftmixError', code: 'cancelled' });
  return { data, loadMs };
}

async function run(msg: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const { data, loadMs } = await load(msg);
  let pending: ProgressPoint[] = [];
  let last = 0;
  const flush = () => {
    if (pending.length) post({ type: 'progress', points: pending });
    pending = [];
    last = performance.now();
  };
  post({ type: 'status', text: 'fitting…' });
  const tFit = performance.now();
  const fit = await fitSoftmaxMixture(
    { features: data.features, p: data.p, L: data.L, counts: data.counts },
    {
      ...msg.fit,
      signal: controller.signal,
      onIteration: (i) => {
        pending.push({ start: i.start, phase: i.phase, components: i.components, iteration: i.iteration, logLikPerSample: i.logLikPerSample });
        if (performance.now() - last > FLUSH_MS) flush();
      },
    },
  );
  const fitWallMs = performance.now() - tFit;
  flush();
  post({ type: 'status', text: 'summarising…' });
  post({ type: 'done', fit, report: summarise(data, fit, loadMs, fitWallMs) });
}

/** K = 1..Kmax (at most p) at the form's ridge, one split seeded by the fit's seed; the other settings go to every fit. */
async function select(msg: Extract<ToWorker, { type: 'select' }>): Promise<void> {
  const { data, loadMs } = await load(msg);
  // the candidates need no errors: only the chosen K's refit gets them, below
  const { K: _K, ridge, se, ...fit } = msg.fit;
  const Kmax = Math.min(msg.Kmax, data.p);
  const tFit = performance.now();
  const { refit, ...selection } = await selectModel(
    { features: data.features, p: data.p, L: data.L, counts: data.counts },
    {
      K: Array.from({ length: Kmax }, (_, i) => i + 1),
      ridge: [ridge],
      seed: fit.seed,
      fit,
      signal: controller.signal,
      onProgress: (info) => {
        if (info.stage === 'fit') post({ type: 'status', text: `choosing K: fitting K = ${info.K} (${info.candidate + 1} of ${info.candidates}) on half of the draws…` });
        else if (info.stage === 'candidate') post({ type: 'select-row', row: info.row, candidate: info.candidate, candidates: info.candidates });
        else post({ type: 'status', text: `choosing K: refitting K = ${info.K} on all counts…` });
      },
    },
  );
  if (se) {
    post({ type: 'status', text: 'standard errors of the chosen fit…' });
    const errors = await standardErrorsOf({ features: data.features, p: data.p, L: data.L, counts: data.counts }, refit, { backend: refit.backend });
    Object.assign(refit, { se: errors.se, ci: errors.ci, warnings: [...refit.warnings, ...errors.warnings] });
  }
  const fitWallMs = performance.now() - tFit;
  post({ type: 'status', text: 'summarising…' });
  post({ type: 'select-done', selection, fit: refit, report: summarise(data, refit, loadMs, fitWallMs) });
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  if (msg.type === 'cancel') controller.abort();
  else (msg.type === 'select' ? select(msg) : run(msg)).catch((err) => post({ type: 'error', error: errorInfo(err) }));
};
