/**
 * The run's report (runs in the worker, host float64): per component its weight and its
 * most characteristic items, ℓ/N on the fitted, held-out and true parameters, the error
 * against the truth when it is known.
 */
import { characteristicItems } from '../src/model/characteristic.ts';
import { compareWithTruth } from '../src/model/truth.ts';
import { logLikelihood, mixtureLogProbabilities } from '../src/model/mixture.ts';
import type { FitResult } from '../src/fit/fit.ts';
import { eStepsOverAllClimbs } from '../src/fit/result.ts';
import type { LoadedData } from './load-data.ts';
import type { PageReport } from './protocol.ts';

export const TOP_ITEMS = 12;

function perSample(data: LoadedData, counts: ArrayLike<number>, alpha: number[], theta: number[][]): number {
  const logPi = mixtureLogProbabilities(data.features, data.p, data.L, {
    alpha: Float64Array.from(alpha),
    theta: Float64Array.from(theta.flat()),
  });
  let N = 0;
  for (let j = 0; j < counts.length; j++) N += counts[j];
  return logLikelihood(counts, logPi) / N;
}

/** The search in a few words: which fit was kept, why, and the E-steps of every climb (starts and growth). */
function searchSummary(fit: FitResult): PageReport['search'] {
  const s = fit.search;
  const eSteps = eStepsOverAllClimbs(fit);
  const stages = s.growth?.stages.map((g) => ({ K: g.K, logLikPerSample: g.objective / fit.N }));
  return { chosen: s.grown ? 'grown' : s.widened ? 'wide' : 'narrow', reason: s.reason, eSteps, ...(stages ? { stages } : {}) };
}

function replacementSummary(fit: FitResult): PageReport['replacement'] {
  if (!fit.replacement) return undefined;
  const { trials, stopReason, objectiveBefore } = fit.replacement;
  return { trials: trials.length, kept: trials.filter((t) => t.accepted).length, gain: fit.objective - objectiveBefore, stopReason };
}

export function summarise(data: LoadedData, fit: FitResult, loadMs: number, fitWallMs: number): PageReport {
  const t0 = performance.now();
  const label = (j: number) => data.labels?.[j] || `#${j}`;
  const se = fit.se?.available ? fit.se : null;
  const components = characteristicItems(data.features, data.p, data.L, data.counts, fit.alpha, fit.theta, TOP_ITEMS).map((c) => ({
    component: c.k + 1,
    weight: fit.alpha[c.k],
    norm: Math.hypot(...fit.theta[c.k]),
    errors: se ? { weight: se.alpha[c.k], weightCi: fit.ci?.alpha[c.k] ?? null, norm: se.atomNorm[c.k], atom: se.theta[c.k] } : undefined,
    items: c.items.map((i) => ({ index: i.index, label: label(i.index), count: data.counts[i.index], score: i.score, lift: i.lift })),
  }));

  const logLikPerSample: PageReport['logLikPerSample'] = { train: fit.logLikPerSample };
  if (data.heldout) logLikPerSample.heldout = perSample(data, data.heldout, fit.alpha, fit.theta);

  const warnings = [...fit.warnings];
  let error: PageReport['error'];
  if (data.truth) {
    if (data.truth.alpha.length === fit.K && data.truth.theta.every((row) => row.length === fit.L)) {
      const e = compareWithTruth(fit, data.truth);
      error = { thetaError: e.thetaError, alphaError: e.alphaError, w1: e.w1, permutation: e.permutation };
      logLikPerSample.truth = perSample(data, data.counts, data.truth.alpha, data.truth.theta);
    } else {
      warnings.push(`the truth has K = ${data.truth.alpha.length} components and the fit K = ${fit.K}: no error against the truth`);
    }
  }
  const reportMs = performance.now() - t0;
  const t = fit.timings;
  return {
    dataset: data.kind,
    description: data.description,
    K: fit.K,
    p: fit.p,
    L: fit.L,
    N: fit.N,
    backend: fit.backend,
    device: fit.device.description,
    iterations: fit.iterations,
    converged: fit.converged,
    stopReason: fit.stopReason,
    convergence: fit.convergence && { test: fit.convergence.test, remaining: fit.convergence.remaining, target: fit.convergence.target },
    runaway: fit.runaway.map((r) => ({ component: r.component + 1, scoreSpread: r.scoreSpread, mass: r.mass, items: r.items.map((i) => label(i.item)) })),
    replacement: replacementSummary(fit),
    search: searchSummary(fit),
    components,
    standardErrors: fit.se ? (fit.se.available ? { available: true, level: fit.ci?.level } : { available: false, reason: fit.se.reason }) : null,
    logLikPerSample,
    error,
    truth: data.truth,
    timings: {
      loadMs,
      setupMs: t.setupMs,
      initMs: t.initMs ?? 0,
      emMs: t.emMs,
      seMs: t.seMs,
      // after EM: the stationarity check, sorting, releasing the engine
      finishMs: Math.max(0, t.totalMs - t.setupMs - (t.initMs ?? 0) - t.emMs - t.seMs),
      reportMs,
      totalMs: loadMs + fitWallMs + reportMs,
      perIterationMs: t.perIterationMs,
    },
    warnings,
  };
}
