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
