/**
 * What a fit returns (FitResult, one StartRecord per start) and how it is put together from
 * the run that won: components sorted by weight, atoms in the original coordinates,
 * information criteria, the device's work per EM iteration.
 */
import type { DeviceInfo, Engine } from '../engines/engine.ts';
import type { ConvergenceCertificate, EmResult, StopReason } from '../em/index.ts';
import type { RunawayComponent } from '../model/runaway.ts';
import { sortByWeight } from '../model/mixture.ts';
import { informationCriteria } from '../model/metrics.ts';
import type { StartKind } from '../model/starts.ts';
import type { ConfidenceIntervals, StandardErrors, StandardErrorsUnavailable } from '../inference/index.ts';
import type { BootstrapSummary } from './bootstrap.ts';
import type { CheckedOptions } from './options.ts';
import type { InitOutcome } from './initialize.ts';
import type { ReplacementOutcome, ReplacementTrial } from './replace.ts';
import type { SearchOutcome } from './search.ts';

export interface StartRecord {
  index: number;
  kind: StartKind;
  seed?: number;
  /** ℓ where its screening ended: at the rung that dropped it, or the last (null without screening) */
  screenLogLik: number | null;
  /** ℓ at the end, for the start that continued to convergence */
  finalLogLik: number | null;
  iterations: number;
  eSteps: number;
  timeMs: number;
}

export interface FitResult {
  K: number;
  p: number;
  L: number;
  N: number;
  /** weights, sorted descending */
  alpha: number[];
  /** atoms in the original feature coordinates, in the order of alpha */
  theta: number[][];
  logLik: number;
  logLikPerSample: number;
  /** what EM maximises: ℓ − (λN/2)Σ_k α_k|θ_k|² under a ridge λ > 0 (src/em/ridge.ts), ℓ when λ = 0 */
  objective: number;
  /** BIC and AIC for choosing K (MATH.md §6), with K(L+1) − 1 free parameters */
  bic: number;
  aic: number;
  /** EM map evaluations (M-steps) of the returned start, screening and replacement trials included */
  iterations: number;
  /** E-step passes over the data of the returned start (extrapolations, rejected steps and replacement trials included) */
  eSteps: number;
  /** the gain of ℓ_λ still to come is certified below tol·N nats (see `convergence`) */
  converged: boolean;
  /** 'tol' (converged) or 'maxIter' */
  stopReason: StopReason;
  /**
   * the certificate that ended the fit (null when it did not converge): 'newton', the
   * quadratic model's predicted gain from the observed information, or 'rate', the last
   * steps' gains extrapolated at their rate; `remaining` the bound in nats, `target` what it
   * was held to (tol·N, or the rounding floor of ℓ where that is larger)
   */
  convergence: ConvergenceCertificate | null;
  /** components whose atoms run off towards a face of the hull (no finite maximiser), carried on and named here */
  runaway: RunawayComponent[];
  /** |∇_Θ(ℓ_λ/N)| over all atom coordinates at the end (ℓ_λ = ℓ when λ = 0): how stationary the fit is */
  gradientNorm: number;
  backend: 'cpu' | 'webgpu';
  init: string;
  /** what became of the MoM estimate (init 'mom') */
  mom?: { ok: boolean; reason?: string; notes?: string[] };
  ridge: number;
  tol: number;
  starts: StartRecord[];
  /** ℓ after each iteration of the start that was continued (screening included), then the end of each kept replacement */
  trace: number[];
  /** component replacement (replaceRounds > 0): every trial, and why the search ended; null when off */
  replacement: { objectiveBefore: number; trials: ReplacementTrial[]; stopReason: ReplacementOutcome['stopReason'] } | null;
  /** how widely the starts were searched, and why (search.ts) */
  search: SearchOutcome;
  /** seMs: the standard errors (with `se`), inside totalMs; the bootstrap's time is its own */
  timings: { setupMs: number; initMs: number; emMs: number; seMs: number; totalMs: number; perIterationMs: number };
  /**
   * device work over the whole fit (starting points, screening, EM, the final check), and
   * per EM iteration averaged over every start's iterations
   */
  stats: {
    passes: number;
    /** full reads of the p×L features the passes requested (EngineCounters.xReads) */
    xReads: number;
    dispatches: number;
    /** queue submissions (one per WebGPU engine call; 0 on cpu) */
    submits: number;
    bytesRead: number;
    /** of `passes`, those made again at a better centre (EngineCounters.recentred) */
    recentred: number;
    newtonSteps: number;
    rejectedSteps: number;
    /** accepted Newton–Raphson steps on ℓ_λ, and failed attempts (see FitOptions.localNewton) */
    localNewtonSteps: number;
    localNewtonRejected: number;
    perIteration: { passes: number; xReads: number; dispatches: number; submits: number; bytesRead: number };
    /**
     * bytes of the buffers the engine held at the end, by label (Engine.bufferSizes: on WebGPU
     * the X and count chunks, the scratch, each cached plan's buffers and readback), `total`
     * their sum; { total: 0 } for an engine that does not say
     */
    buffers: Record<string, number>;
  };
  device: DeviceInfo;
  /**
   * standard errors (FitOptions.se; null when not asked for), in the components' order:
   * from the observed information, robust (sandwich) ones beside them, or why there are none
   */
  se: StandardErrors | StandardErrorsUnavailable | null;
  /** Wald intervals at FitOptions.level from `se` (null without standard errors) */
  ci: ConfidenceIntervals | null;
  /** the parametric bootstrap (FitOptions.bootstrap > 0; null when off) */
  bootstrap: BootstrapSummary | null;
  warnings: string[];
}

/** Everything the result is made of, besides the engine's own counters and device. */
export interface FitParts {
  o: CheckedOptions;
  N: number;
  final: EmResult;
  records: StartRecord[];
  init: string;
  initOutcome: InitOutcome;
  replacement: FitResult['replacement'];
  search: SearchOutcome;
  gradientNorm: number;
  /** the runaway components of the sorted fit (atoms in the caller's units) */
  runawayOf: (thetaSorted: Float64Array) => RunawayComponent[];
  timings: { setupMs: number; emMs: number; t0: number; now: () => number };
  warnings: string[];
}

/**
 * E-steps over every climb of a fit: every start's (the continued start's record includes
 * replacement's trials) and growth's stages; a grown fit's own eSteps is its last stage's
 * plus whatever replacement added after it.
 */
export function eStepsOverAllClimbs(fit: FitResult): number {
  const stages = fit.search.growth?.stages ?? [];
  const starts = fit.starts.reduce((s, r) => s + r.eSteps, 0) + stages.reduce((s, g) => s + g.eSteps, 0);
  return fit.search.grown ? starts + fit.eSteps - stages[stages.length - 1].eSteps : starts;
}

export function fitResult(engine: Engine, parts: FitParts): FitResult {
  const { o, N, final, records, warnings } = parts;
  const { K } = o;
  const { p, L } = engine;
  const { setupMs, emMs } = parts.timings;
  warnings.push(...final.warnings);
  const target = o.tol * N;
  if (!final.converged) {
    warnings.push(`EM did not converge: stopped at maxIter = ${o.maxIter} before the gain still to come was certified below tol·N = ${target.toExponential(2)} nats`);
  } else if (final.convergence?.atRoundingFloor) {
    warnings.push(`converged to the rounding of ℓ on this backend: tol·N = ${target.toExponential(2)} nats is below what ℓ resolves here, so the gain still to come is certified below ${final.convergence.target.toExponential(2)} nats instead`);
  }
  const sorted = sortByWeight({ alpha: final.alpha, theta: final.theta }, L);
  const runaway = parts.runawayOf(sorted.theta);
  for (const r of runaway) {
    warnings.push(
      `the component at index ${r.component} (α = ${sorted.alpha[r.component].toPrecision(3)}) runs away: its scores spread ${r.scoreSpread.toFixed(0)} nats and it puts ${(100 * r.mass).toFixed(1)}% on items ${r.items.map((i) => i.item).join(', ')}; its atom (|θ| = ${r.atomNorm.toPrecision(3)}) has no finite maximiser and was carried on`,
    );
  }
  const criteria = informationCriteria(final.logLik, K, L, N);
  const theta: number[][] = [];
  for (let k = 0; k < K; k++) theta.push(Array.from(sorted.theta.subarray(k * L, k * L + L)));
  // the records hold every start's iterations, the continued start's in full
  // every EM iteration the fit ran: its starts' and growth's stages'
  const itersAll = records.reduce((s, r) => s + r.iterations, 0) + (parts.search.growth?.stages.reduce((s, g) => s + g.iterations, 0) ?? 0);
  return {
    K,
    p,
    L,
    N,
    alpha: Array.from(sorted.alpha),
    theta,
    logLik: final.logLik,
    logLikPerSample: final.logLik / N,
    objective: final.objective,
    bic: criteria.bic,
    aic: criteria.aic,
    iterations: final.iterations,
    eSteps: final.eSteps,
    converged: final.converged,
    stopReason: final.stopReason,
    convergence: final.convergence,
    runaway,
    gradientNorm: parts.gradientNorm,
    backend: engine.backend,
    init: parts.init,
    mom: parts.initOutcome.mom,
    ridge: o.ridge,
    tol: o.tol,
    starts: records,
    trace: final.trace,
    replacement: parts.replacement,
    search: parts.search,
    timings: { setupMs, initMs: parts.initOutcome.timeMs, emMs, seMs: 0, totalMs: parts.timings.now() - parts.timings.t0, perIterationMs: itersAll > 0 ? emMs / itersAll : 0 },
    stats: {
      passes: engine.counters.passes,
      xReads: engine.counters.xReads,
      dispatches: engine.counters.dispatches,
      submits: engine.counters.submits,
      bytesRead: engine.counters.bytesRead,
      recentred: engine.counters.recentred,
      newtonSteps: final.newtonSteps,
      rejectedSteps: final.rejectedSteps,
      localNewtonSteps: final.localNewtonSteps,
      localNewtonRejected: final.localNewtonRejected,
      perIteration: {
        passes: engine.counters.passes / Math.max(itersAll, 1),
        xReads: engine.counters.xReads / Math.max(itersAll, 1),
        dispatches: engine.counters.dispatches / Math.max(itersAll, 1),
        submits: engine.counters.submits / Math.max(itersAll, 1),
        bytesRead: engine.counters.bytesRead / Math.max(itersAll, 1),
      },
      buffers: engine.bufferSizes?.() ?? { total: 0 },
    },
    device: engine.device,
    se: null,
    ci: null,
    bootstrap: null,
    warnings,
  };
}
