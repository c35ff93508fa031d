/**
 * How widely a fit searches for the best maximum (`search`), and the wide search's rungs.
 *
 * On the paper's Gaussian designs every start climbs to the same maximum (bench/
 * mom-vs-random.md: 20 of 20 random starts), and the fit's five starts screened for 20
 * iterations are plenty. Where atoms run away (README, "Runaway components") the maxima
 * differ by which faces of the hull the components run to: on the books (K = 6), 14
 * subspace starts climbed alone ended between training ℓ/N −6.2258 and −6.2123
 * (bench/books-search.md), and which start wins shows late, when a component leaves for
 * its face, so short screening cannot tell them apart.
 *
 * - 'auto' (default): the narrow search, watched every 20 iterations; once the continued
 *   run has a runaway component (as the result names them, model/runaway.ts) the fit grows
 *   one component at a time (grow.ts) and keeps the higher of the two fits. On a design
 *   where no atom runs away this is the narrow search, step for step.
 * - 'narrow': the fit's starts screened by successive halving, the best to the end.
 * - 'wide': the narrow fit, then the other starts and `wideStarts` new ones (subspace and
 *   random in turn), screened by successive halving with rungs to `wideIters` iterations;
 *   the one left climbs to the end and the higher fit is kept.
 * - 'grow': growth alone.
 *
 * Not in MATH.md: search heuristics (issue 13, item 4), the default chosen by held-out ℓ
 * per E-step on the books and the simulated designs (bench/books-search.md).
 */
import type { EmResult } from '../em/index.ts';
import type { Engine } from '../engines/engine.ts';
import type { StartPoint } from '../model/starts.ts';
import { Climber } from './climber.ts';
import { growFit, type GrowthOutcome } from './grow.ts';
import type { InitOutcome } from './initialize.ts';
import type { CheckedOptions, FitOptions } from './options.ts';
import { halvingSchedule, screenStarts, type Rung } from './screening.ts';

export type SearchKind = 'auto' | 'narrow' | 'wide' | 'grow';

/** What the search did, in the result. */
export interface SearchOutcome {
  kind: SearchKind;
  /** whether the wide search ran */
  widened: boolean;
  /** whether the fit is the grown one (grow.ts) */
  grown: boolean;
  /** starts climbed in all (the fit's own and the wide search's) */
  starts: number;
  /** why it widened or not, in words */
  reason: string;
  /** ℓ_λ of the narrow search's run where it ended: converged, or paused where 'auto' grew instead (null when it did not run) */
  narrowObjective: number | null;
  /** ℓ_λ where the wide search's best start converged (null when it did not run); the higher one is the fit */
  wideObjective: number | null;
  /** growth's stages and where it stopped (null when it did not run); the grown fit itself is the result when `grown` */
  growth: Omit<GrowthOutcome, 'fit'> | null;
}

/**
 * Rungs of the wide search over `starts` starts: the first at `firstIters` (the narrow
 * screening's horizon) keeps half, then the iterations double and the field halves until
 * `wideIters`, where one start is left. With 13 starts, 20 and 160: 20 (keep 7), 40 (4),
 * 80 (2), 160 (1).
 */
export function wideSchedule(starts: number, firstIters: number, wideIters: number): Rung[] {
  const rungs: Rung[] = [];
  let keep = starts;
  for (let iterations = Math.max(1, firstIters); ; iterations *= 2) {
    const last = iterations * 2 > wideIters || keep <= 2;
    keep = last ? 1 : Math.ceil(keep / 2);
    rungs.push({ iterations, keep });
    if (last) return rungs;
  }
}

/**
 * The search (search.ts): screening by successive halving (with more than one start), then
 * the best start on to the end. 'auto' watches that run: once it has a runaway atom the
 * fit grows instead (grow.ts), and the narrow run is kept only if it is the higher.
 * 'wide' screens more starts once the narrow fit has converged; 'grow' only grows.
 * `best` is the start whose run is the fit, or −1 for a grown fit.
 */
export async function searchFit(
  engine: Engine,
  climber: Climber,
  init: InitOutcome,
  o: CheckedOptions,
  covariance: Float64Array,
  options: FitOptions,
  hasRunaway: (run: EmResult) => boolean,
): Promise<{ final: EmResult; best: number; search: SearchOutcome }> {
  const outcome: SearchOutcome = { kind: o.search, widened: false, grown: false, starts: 0, reason: '', narrowObjective: null, wideObjective: null, growth: null };
  const grow = async (): Promise<EmResult | null> => {
    const growth = await growFit(engine, o.K, { ridge: o.ridge, designCovariance: covariance, climb: (k, start) => climbStage(engine, k, start, covariance, { ...o, tol: k < o.K ? o.tol * GROWTH_STAGE_TOL : o.tol, hessianEvery: options.hessianEvery ?? GROWTH_HESSIAN_EVERY }, options) });
    // the result keeps the stages only: a run holds its engine (resume state), which must not travel with the result
    outcome.growth = { stages: growth.stages, stoppedAt: growth.stoppedAt };
    return growth.fit;
  };
  if (o.search === 'grow' && o.K > 1) {
    const grown = await grow();
    if (grown) return { final: grown, best: -1, search: { ...outcome, grown: true, reason: 'search "grow": grown one component at a time' } };
  }

  const starts = init.starts.length;
  const screened = starts > 1 ? await screenStarts(starts, halvingSchedule(starts, o.screenIters), climber.advance) : null;
  let best = screened?.best ?? 0;
  // 'auto': on in steps of SEARCH_CHECK_ITERS iterations (a pause cuts nothing short), looking for a runaway atom
  const watch = o.search === 'auto' && o.K > 1;
  const step = (r: EmResult | null) => (watch ? (r?.iterations ?? 0) + SEARCH_CHECK_ITERS : null);
  let run = screened ? screened.runs[best] : await climber.advance(0, null, step(null));
  let runaway: boolean;
  for (;;) {
    runaway = watch && hasRunaway(run); // a pass over p on the host: only where 'auto' looks
    if (!isPaused(run, o) || (watch && runaway)) break;
    run = await climber.advance(best, run, step(run));
  }
  outcome.starts = climber.startCount;

  if (watch && runaway) {
    const grown = await grow();
    // the narrow run, paused where its atom ran away, is climbed on only if the grown fit is below it
    if (grown && grown.objective > run.objective) {
      outcome.narrowObjective = run.objective;
      return { final: grown, best: -1, search: { ...outcome, grown: true, reason: `the narrow fit's atom ran away (at iteration ${run.iterations}, ℓ_λ ${run.objective.toFixed(1)}): the maxima differ by the faces the atoms run to, so the fit grew one component at a time and ended higher` } };
    }
    run = await toTheEnd(climber, best, run, o);
    outcome.narrowObjective = run.objective;
    if (grown && grown.objective > run.objective) return { final: grown, best: -1, search: { ...outcome, grown: true, reason: 'the narrow fit has a runaway atom; the grown fit ended higher' } };
    return { final: run, best, search: { ...outcome, reason: grown ? 'the narrow fit has a runaway atom; it ended higher than the grown fit' : `the narrow fit has a runaway atom; growth stopped ${outcome.growth!.stoppedAt}` } };
  }
  outcome.narrowObjective = run.objective;
  if (!(o.search === 'wide' && o.wideStarts > 0)) {
    return { final: run, best, search: { ...outcome, reason: o.search === 'narrow' ? 'search "narrow"' : o.search === 'grow' ? `search "grow": growth stopped ${outcome.growth!.stoppedAt}; the narrow search instead` : 'the fit has no runaway atom: the narrow search suffices' } };
  }

  climber.addStarts(await init.more(o.wideStarts));
  const pool = [...Array(climber.startCount).keys()].filter((i) => i !== best);
  const wide = await screenStarts(pool.length, wideSchedule(pool.length, o.screenIters, o.wideIters), (i, r, until) => climber.advance(pool[i], r, until), pool.map((i) => screened?.runs[i] ?? null));
  const challenger = await toTheEnd(climber, pool[wide.best], wide.runs[wide.best], o);
  Object.assign(outcome, { widened: true, starts: climber.startCount, wideObjective: challenger.objective, reason: `search "wide": ${pool.length} more starts screened to ${o.wideIters} iterations` });
  if (challenger.objective > run.objective) {
    run = challenger;
    best = pool[wide.best];
  }
  return { final: run, best, search: outcome };
}

/**
 * A stage of growth short of K only places the next component: it climbs to 100× the fit's
 * tol (1e-6 nats per draw by default). On the books this saved 1–27% of growth's E-steps at
 * the same held-out ℓ/N (bench/books-search.md); the last stage is held to tol itself.
 */
const GROWTH_STAGE_TOL = 100;

/**
 * Growth's stages refresh the M-step's Hessian every 4th M-step (the factors in between),
 * unless the options set `hessianEvery`. On the books this ended higher on all three
 * settings in 0.6–0.8 of the time (held-out −6.21039 against −6.21299 at K = 6;
 * bench/books-search.md): the stages are long climbs of runaway atoms, where a fresh
 * Hessian each step buys little.
 */
const GROWTH_HESSIAN_EVERY = 4;

/** Iterations between the 'auto' search's looks at the continued run's atoms. */
const SEARCH_CHECK_ITERS = 20;

const isPaused = (run: EmResult, o: CheckedOptions) => run.stopReason === 'maxIter' && run.iterations < o.maxIter;

/** Start i on from its run so far (null: from the start) to convergence or maxIter. */
async function toTheEnd(climber: Climber, i: number, run: EmResult | null, o: CheckedOptions): Promise<EmResult> {
  if (run && !isPaused(run, o)) return run;
  return climber.advance(i, run, null);
}

/** One stage of growth: EM with k components from `start`, to the end, reported as phase 'grow'. */
function climbStage(engine: Engine, k: number, start: StartPoint, covariance: Float64Array, o: CheckedOptions, options: FitOptions): Promise<EmResult> {
  const onIteration = options.onIteration && ((info: Parameters<NonNullable<FitOptions['onIteration']>>[0]) => options.onIteration!({ ...info, phase: 'grow', components: k }));
  return new Climber(engine, k, covariance, [start], o, { ...options, onIteration }).advance(0, null, null);
}
