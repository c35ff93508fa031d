/**
 * Cancellation reaches a cpu fit (issue 17): the cpu engine's passes never wait, so the EM
 * loop yields to the event loop before every M-step, and an abort that arrives as a
 * macrotask (a timer, AbortSignal.timeout, a worker's Cancel message) stops the fit at the
 * next M-step. No timing: the abort is scheduled from inside the first iteration.
 */
import { describe, it, expect } from 'vitest';
import { simulate } from '../src/model/simulate.ts';
import { fitSoftmaxMixture, type FitOptions } from '../src/fit/fit.ts';
import { SoftmixError } from '../src/errors.ts';

const sim = simulate({ p: 500, L: 3, K: 3, N: 1e5, thetaNorm: 1.5, seed: 2 });
const data = { features: sim.features, p: sim.p, L: sim.L, counts: sim.counts };

/** Fits with an abort queued as a macrotask at the first reported iteration; what ran after it. */
async function abortAfterFirstIteration(options: Partial<FitOptions>) {
  const controller = new AbortController();
  let abortedAt: number | null = null;
  let lastReported = 0;
  const outcome = await fitSoftmaxMixture(data, {
    K: 3,
    backend: 'cpu',
    tol: 0, // run to maxIter unless stopped
    maxIter: 300,
    signal: controller.signal,
    ...options,
    onIteration: (info) => {
      lastReported = info.iteration;
      if (abortedAt === null) {
        abortedAt = info.iteration;
        setTimeout(() => controller.abort(), 0);
      }
    },
  }).catch((e: unknown) => e);
  return { outcome, abortedAt: abortedAt!, lastReported };
}

describe('cancelling a cpu fit', () => {
  for (const [name, options] of [
    ['plain EM', { accelerate: false, restarts: 0 }],
    ['the default (screened starts, SQUAREM, Newton–Raphson)', {}],
  ] as const) {
    it(`stops ${name} within one iteration of an abort from a timer`, async () => {
      const { outcome, abortedAt, lastReported } = await abortAfterFirstIteration(options);
      expect(outcome).toBeInstanceOf(SoftmixError);
      expect((outcome as SoftmixError).code).toBe('cancelled');
      // points already accepted in the same whole step (a SQUAREM cycle and its Newton step)
      // are still reported; no new M-step starts
      expect(lastReported - abortedAt).toBeLessThanOrEqual(1);
    });
  }

  it('honours AbortSignal.timeout on a fit that would run for long', async () => {
    let iterations = 0;
    const outcome = await fitSoftmaxMixture(data, {
      K: 3, backend: 'cpu', tol: 0, maxIter: 1_000_000, accelerate: false, restarts: 0,
      signal: AbortSignal.timeout(20),
      onIteration: () => iterations++,
    }).catch((e: unknown) => e);
    expect((outcome as SoftmixError).code).toBe('cancelled');
    // stopped long before maxIter (a million M-steps would take many minutes here)
    expect(iterations).toBeLessThan(1_000_000);
  });
});
