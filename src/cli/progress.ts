/**
 * Progress of a fit on stderr: nothing for the first second (quick fits stay quiet),
 * then at most a line every half second with iteration, ℓ/N and Δℓ.
 */
import type { IterationInfo } from '../em/index.ts';

export type ProgressSink = ((info: IterationInfo & { start?: number; phase?: string }) => void) & { done?: () => void };

export function makeProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  const t0 = Date.now();
  let last = 0;
  let printed = false;
  const sink: ProgressSink = (info) => {
    if (!enabled) return;
    const t = Date.now();
    if (t - t0 < 1000 || t - last < 500) return;
    last = t;
    printed = true;
    const where = info.phase ? ` ${info.phase}${info.start !== undefined ? ` start ${info.start}` : ''}` : '';
    stream.write(
      `softmix:${where} iteration ${info.iteration}  ℓ/N ${info.logLikPerSample.toFixed(8)}  Δℓ ${info.change.toExponential(2)}  (${((t - t0) / 1000).toFixed(1)} s)\n`,
    );
  };
  sink.done = () => {
    if (enabled && printed) stream.write(`softmix: done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  };
  return sink;
}

/** Bootstrap refits on stderr: after the first second, at most a line every half second, with the time left at the rate so far. */
export function makeBootstrapProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): (info: { done: number; total: number; failed: number }) => void {
  const t0 = Date.now();
  let last = 0;
  return ({ done, total, failed }) => {
    const t = Date.now();
    if (!enabled || (done < total && (t - t0 < 1000 || t - last < 500))) return;
    last = t;
    const elapsed = (t - t0) / 1000;
    const left = done < total ? `, about ${((elapsed / done) * (total - done)).toFixed(0)} s left` : '';
    stream.write(`softmix: bootstrap ${done}/${total} refits${failed > 0 ? ` (${failed} failed)` : ''}  (${elapsed.toFixed(1)} s${left})\n`);
  };
}
