/**
 * EM runs from the fit's starts, with the fit's EM options: a start climbed from scratch,
 * or a paused run carried on (screening pauses runs and resumes them). Keeps one
 * StartRecord per start (iterations, E-steps, time, where screening left it) and reports
 * every accepted point to the caller's onIteration with the start and phase.
 */
import { appendRun, designCholesky, runEm, type EmOptions, type EmResult, type IterationInfo } from '../em/index.ts';
import type { Engine } from '../engines/engine.ts';
import type { StartPoint } from '../model/starts.ts';
import type { CheckedOptions, FitOptions } from './options.ts';
import type { StartRecord } from './result.ts';

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export class Climber {
  readonly records: StartRecord[];
  /** every start so far: the fit's own, then the wide search's */
  private readonly starts: StartPoint[];
  private readonly emBase: Omit<EmOptions, 'maxIter'>;

  constructor(
    private readonly engine: Engine,
    private readonly K: number,
    private readonly designCovariance: Float64Array,
    starts: StartPoint[],
    private readonly o: CheckedOptions,
    private readonly options: FitOptions,
  ) {
    const L = engine.L;
    this.emBase = {
      tol: o.tol,
      ridge: o.ridge,
      accelerate: options.accelerate ?? true,
      acceleration: options.acceleration,
      localNewton: options.localNewton,
      signal: options.signal,
      newton: {
        maxSteps: o.maxNewtonSteps,
        direction: o.stepDirection,
        designFactor: o.stepDirection === 'design' ? designCholesky(designCovariance, L, o.ridge) : undefined,
        hessianEvery: o.hessianEvery,
        solver: o.newtonSolver,
      },
    };
    this.starts = [...starts];
    this.records = [];
    this.addRecords(starts, 0);
  }

  /** More starts to climb (the wide search's): their indices follow the ones before. */
  addStarts(more: StartPoint[]): void {
    const first = this.starts.length;
    this.starts.push(...more);
    this.addRecords(more, first);
  }

  get startCount(): number {
    return this.starts.length;
  }

  private addRecords(starts: StartPoint[], first: number): void {
    for (const [i, start] of starts.entries()) {
      this.records.push({ index: first + i, kind: start.kind, seed: start.seed, screenLogLik: null, finalLogLik: null, iterations: 0, eSteps: 0, timeMs: 0 });
    }
  }

  /**
   * EM from `start`, or on from `run` (its run so far, resumed): until about `until`
   * iterations in all (it pauses where a step of the method ends, so that resuming cuts
   * nothing short), or to convergence or maxIter when `until` is null.
   */
  async climb(start: StartPoint, run: EmResult | null, until: number | null, report: (info: IterationInfo) => void): Promise<EmResult> {
    const done = run?.iterations ?? 0;
    const more = await runEm(this.engine, this.K, run ?? start, this.designCovariance, {
      ...this.emBase,
      maxIter: this.o.maxIter - done,
      pauseAfter: until === null ? undefined : until - done,
      resume: run?.resume,
      onIteration: (info) => report({ ...info, iteration: info.iteration + done }),
    });
    return run ? appendRun(run, more) : more;
  }

  /** Start i on from its run so far: screening until `until` iterations, the continued start to the end (null). */
  advance = async (i: number, run: EmResult | null, until: number | null): Promise<EmResult> => {
    const ts = now();
    const phase = until === null ? 'final' : 'screen';
    const whole = await this.climb(this.starts[i], run, until, (info) => this.options.onIteration?.({ ...info, start: i, phase }));
    const record = this.records[i];
    record.iterations = whole.iterations;
    record.eSteps = whole.eSteps;
    record.timeMs += now() - ts;
    if (phase === 'screen') record.screenLogLik = whole.logLik;
    return whole;
  };
}
