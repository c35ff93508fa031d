/**
 * Screening of the starts by successive halving (MATH.md §5: "run a few EM iterations from
 * each, continue the best by ℓ"). Every start gets a short run; the better half (by the
 * objective) runs on, twice as long; and so on until one is left, which has then had
 * `screenIters` iterations, as every start used to. With 5 starts and screenIters 20 the
 * rungs end at 5, 10 and 20 iterations and keep 3, 2 and 1 starts: 60 iterations of
 * screening instead of 100, and the last choice is still made after 20. Runs are resumed,
 * not restarted (EmOptions.resume), so a start that survives follows the path of one run.
 */
import type { EmResult } from '../em/index.ts';

export interface Rung {
  /** iterations each surviving start has had when this rung ends */
  iterations: number;
  /** starts that go on to the next rung (1 at the last) */
  keep: number;
}

/** Rungs for `starts` starts: ⌈log₂ starts⌉ of them, iterations doubling up to screenIters, starts halving. */
export function halvingSchedule(starts: number, screenIters: number): Rung[] {
  if (starts < 2) return [];
  const rungs = Math.ceil(Math.log2(starts));
  const schedule: Rung[] = [];
  for (let r = 1; r <= rungs; r++) {
    schedule.push({
      iterations: Math.max(1, Math.round(screenIters / 2 ** (rungs - r))),
      keep: Math.ceil(starts / 2 ** r),
    });
  }
  return schedule;
}

export interface Screened {
  /** every start's run as far as it went */
  runs: EmResult[];
  /** the start to continue: the highest objective at the last rung */
  best: number;
}

/**
 * Runs the schedule. `advance(i, run, iterations)` takes start i from its run so far (null
 * before the first rung) until it has had `iterations` iterations in all, and returns the
 * run so far; a run that stopped (converged) is not advanced again. `earlier` are runs a
 * previous screening left paused (the wide search, search.ts): they are resumed, not redone.
 */
export async function screenStarts(
  starts: number,
  schedule: Rung[],
  advance: (i: number, run: EmResult | null, iterations: number) => Promise<EmResult>,
  earlier: (EmResult | null)[] = [],
): Promise<Screened> {
  const runs: (EmResult | null)[] = Array.from({ length: starts }, (_, i) => earlier[i] ?? null);
  let alive = [...runs.keys()];
  for (const rung of schedule) {
    for (const i of [...alive].sort((a, b) => a - b)) {
      const run = runs[i];
      if (run === null || (run.stopReason === 'maxIter' && run.iterations < rung.iterations)) {
        runs[i] = await advance(i, run, rung.iterations);
      }
    }
    // stable: among equal objectives the earlier start (MoM first) stays
    alive = [...alive].sort((a, b) => runs[b]!.objective - runs[a]!.objective || a - b).slice(0, rung.keep);
  }
  return { runs: runs as EmResult[], best: alive[0] };
}
