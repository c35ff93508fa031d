/** A run's work, and runs joined end to end (screening pauses and resumes; replacement trials). */
import type { EmResult } from './types.ts';

/** A run's work counters: they add up over the runs of one fit (pieces, trials). */
export type EmWork = Pick<EmResult, 'iterations' | 'eSteps' | 'newtonSteps' | 'rejectedSteps' | 'localNewtonSteps' | 'localNewtonRejected'>;

export const NO_WORK: EmWork = { iterations: 0, eSteps: 0, newtonSteps: 0, rejectedSteps: 0, localNewtonSteps: 0, localNewtonRejected: 0 };

export function addWork(a: EmWork, b: EmWork): EmWork {
  return {
    iterations: a.iterations + b.iterations,
    eSteps: a.eSteps + b.eSteps,
    newtonSteps: a.newtonSteps + b.newtonSteps,
    rejectedSteps: a.rejectedSteps + b.rejectedSteps,
    localNewtonSteps: a.localNewtonSteps + b.localNewtonSteps,
    localNewtonRejected: a.localNewtonRejected + b.localNewtonRejected,
  };
}

/**
 * One run out of `first` and `more`, the run resumed from it (EmOptions.resume): `more`'s
 * end, both runs' work, one trace.
 */
export function appendRun(first: EmResult, more: EmResult): EmResult {
  return { ...more, ...addWork(first, more), trace: [...first.trace, ...more.trace.slice(1)], warnings: [...first.warnings, ...more.warnings] };
}
