/**
 * One run (a fit, or a K sweep) in its own Web Worker: post the job, relay the worker's messages, cancel.
 * Cancelling asks the fit to stop (AbortSignal, checked every EM iteration); a worker
 * that has not stopped after a grace period (inside a long simulation or GPU pass) is
 * terminated.
 */
import type { ErrorInfo, FromWorker, Job, SelectionSummary } from './protocol.ts';
import type { FitResult } from '../src/fit/fit.ts';
import type { PageReport } from './protocol.ts';

export interface RunHandlers {
  onMessage: (msg: Exclude<FromWorker, { type: 'done' } | { type: 'select-done' } | { type: 'error' }>) => void;
  /** the fit (a 'select' job: the chosen K's refit, with the sweep) */
  onDone: (fit: FitResult, report: PageReport, selection?: SelectionSummary) => void;
  onError: (error: ErrorInfo) => void;
}

const CANCEL_GRACE_MS = 3000;

export class FitRun {
  private readonly worker: Worker;
  private finished = false;

  constructor(job: Job, private readonly handlers: RunHandlers) {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'softmix-fit' });
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.finish(() => handlers.onError({ name: 'Error', message: `the fit worker failed: ${event.message || 'could not load it'}` }));
    };
    this.worker.postMessage(job);
  }

  cancel(): void {
    if (this.finished) return;
    this.worker.postMessage({ type: 'cancel' });
    setTimeout(() => this.finish(() => this.handlers.onError({ name: 'SoftmixError', code: 'cancelled', message: 'the fit was cancelled' })), CANCEL_GRACE_MS);
  }

  private receive(msg: FromWorker): void {
    if (this.finished) return;
    if (msg.type === 'done') this.finish(() => this.handlers.onDone(msg.fit, msg.report));
    else if (msg.type === 'select-done') this.finish(() => this.handlers.onDone(msg.fit, msg.report, msg.selection));
    else if (msg.type === 'error') this.finish(() => this.handlers.onError(msg.error));
    else this.handlers.onMessage(msg);
  }

  private finish(report: () => void): void {
    if (this.finished) return;
    this.finished = true;
    this.worker.terminate();
    report();
  }
}
