/**
 * SQUAREM acceleration of the EM map F (issue 6), in u = (log α, Θ) (state.ts).
 *
 * SQUAREM (Varadhan & Roland 2008, scheme S3, with the global safeguards of their R
 * package): from x0, two EM steps x1 = F(x0), x2 = F(x1) give r = x1 − x0 and
 * v = x2 − 2x1 + x0; the extrapolated point x' = x0 + 2s·r + s²·v with s = |r|/|v|, the step
 * length, clamped to [1, stepMax]. s = 1 gives x' = x2 (plain EM). Then one EM step from x'
 * ("stabilisation") gives x'' = F(x'). With ℓ standing for the objective (ℓ_λ under a ridge,
 * ridge.ts), the cycle's accepted points are
 *   x' and x''   when ℓ(x') ≥ ℓ(x0)   (x'' is an EM step from x'; dropped if ℓ(x'') < ℓ(x')),
 *   x''          when only ℓ(x'') ≥ ℓ(x0),
 *   x1 and x2    otherwise: the extrapolation is rejected and the cycle is plain EM.
 * So ℓ never falls below ℓ(x0), and a rejected step costs one E-step more than plain EM.
 * stepMax starts at 1 and is multiplied by 4 each time a step at the bound is accepted,
 * divided by 4 when one is rejected: early, far from the maximum, the cycle is plain EM;
 * later the steps lengthen as far as ℓ allows. Above a bound of 1 the M-step to x2 asks
 * for Θ only (EmMap.mStep 'thetaOnly'): x2 is extrapolated from, not evaluated, unless the
 * cycle falls back to plain EM, so its trial pass reads X once instead of three times.
 */
import { toU, fromU, type EmMap, type State } from '../state.ts';
import { acceptedNow, plainEm, type Step, type StepContext, type Stepper } from './stepper.ts';

export interface SquaremCycle {
  /** the cycle's accepted points, in order; the last is where the next cycle starts */
  accepted: State[];
  /** the step length used (1: the cycle was plain EM) */
  step: number;
  /** the extrapolation was tried and rejected by the safeguard */
  rejected: boolean;
}

/** M-steps one cycle takes (3 when the extrapolation is accepted or s = 1) */
export const SQUAREM_CYCLE_MSTEPS = 3;
export const SQUAREM_STEP_FACTOR = 4;

export async function squaremCycle(x0: State, map: EmMap, stepMax: number, K: number, L: number): Promise<SquaremCycle> {
  const s1 = await map.evaluate(await map.mStep(x0));
  // Above a bound of 1 the cycle will likely extrapolate from x2 without evaluating it
  // (only a step length of 1 or a rejection comes back to evaluate it: a pass more).
  const p2 = await map.mStep(s1, stepMax > 1 ? 'thetaOnly' : 'evaluate');
  const u0 = toU(x0, K, L);
  const u1 = toU(s1, K, L);
  const u2 = toU(p2, K, L);
  const n = u0.length;
  const r = new Float64Array(n);
  const v = new Float64Array(n);
  let rr = 0;
  let vv = 0;
  for (let i = 0; i < n; i++) {
    r[i] = u1[i] - u0[i];
    v[i] = u2[i] - 2 * u1[i] + u0[i];
    rr += r[i] * r[i];
    vv += v[i] * v[i];
  }
  const ratio = Math.sqrt(rr / vv);
  const step = Number.isFinite(ratio) ? Math.min(stepMax, Math.max(1, ratio)) : 1;
  const plainCycle = async (rejected: boolean): Promise<SquaremCycle> => ({ accepted: [s1, await map.evaluate(p2)], step, rejected });
  if (step === 1) return plainCycle(false);
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) u[i] = u0[i] + 2 * step * r[i] + step * step * v[i];
  const candidate = fromU(u, K, L);
  if (!candidate) return plainCycle(true);
  const extrapolated = await map.evaluate(candidate);
  if (!Number.isFinite(extrapolated.objective)) return plainCycle(true);
  const stabilised = await map.evaluate(await map.mStep(extrapolated));
  if (extrapolated.objective >= x0.objective) {
    // The EM step from x' cannot lower ℓ but for rounding (or a ridge, whose M-step is not
    // monotone in ℓ): the accepted points stay monotone in the computed ℓ either way.
    const accepted = stabilised.objective >= extrapolated.objective ? [extrapolated, stabilised] : [extrapolated];
    return { accepted, step, rejected: false };
  }
  if (stabilised.objective >= x0.objective) return { accepted: [stabilised], step, rejected: false };
  return plainCycle(true);
}

/** The next cycle's bound on the step length: longer after a success at the bound, shorter after a rejection. */
export function nextStepMax(stepMax: number, cycle: SquaremCycle): number {
  if (cycle.step !== stepMax) return stepMax;
  return cycle.rejected ? Math.max(1, stepMax / SQUAREM_STEP_FACTOR) : stepMax * SQUAREM_STEP_FACTOR;
}

/**
 * SQUAREM as a stepper: one cycle a step, carrying the step bound from cycle to cycle.
 * Where a cycle cannot run (fewer M-steps left than a cycle takes, or an emptied
 * component, whose log α is −∞) the step is plain EM.
 */
export class Squarem implements Stepper {
  constructor(
    /** the bound on the step length (1 at the start of a fit; carried on when resumed) */
    public stepMax: number,
    private readonly K: number,
    private readonly L: number,
  ) {}

  canCycle(current: State, context: StepContext): boolean {
    return context.mStepsLeft >= SQUAREM_CYCLE_MSTEPS && current.alpha.every((a) => a > 0);
  }

  async step(current: State, context: StepContext): Promise<Step> {
    if (!this.canCycle(current, context)) return plainEm.step(current, context);
    const cycle = await squaremCycle(current, context.map, this.stepMax, this.K, this.L);
    this.stepMax = nextStepMax(this.stepMax, cycle);
    return { accepted: acceptedNow(context.map, cycle.accepted), rejected: cycle.rejected ? 1 : 0 };
  }
}
