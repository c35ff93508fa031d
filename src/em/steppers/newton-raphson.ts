/**
 * The Newton–Raphson phase of EM (not in MATH.md): when to try a Newton step on ℓ_λ, what
 * one attempt costs, and whether it is taken. The derivatives and the step itself are
 * ../observed-newton.ts; the default stepper that tries it after SQUAREM cycles is
 * squarem-newton.ts.
 *
 * An attempt from an evaluated point x: the softmax statistics at Θ (reused from the M-step
 * when it left them behind), one pair-moment pass, the Hessian factored on the host; where
 * −H is positive definite, the Newton point is evaluated (one E-step) and taken if it raises
 * ℓ_λ strictly. Far from a maximum ℓ_λ is not concave and attempts fail; they are made only
 * while the work they wasted stays below NEWTON_WASTE of the EM work, so they cannot slow a
 * fit by much more than that. Once a step is taken the driver keeps taking Newton steps
 * (`mode`), with no budget, while they climb.
 */
import type { Engine, SoftmaxStats } from '../../engines/engine.ts';
import { fromU, toU, type Params, type State } from '../state.ts';
import { observedDerivatives, newtonStep } from '../observed-newton.ts';
import { SoftmixError } from '../../errors.ts';
import { acceptedNow, type Step, type StepContext, type Stepper } from './stepper.ts';

/** Failed attempts may waste at most this fraction of the EM work. */
export const NEWTON_WASTE = 0.2;
/**
 * Newton–Raphson factors a dense Hessian of K(L+1) rows on the host (cost ~n³/3) and needs
 * K(K+1)/2 weighted Grams of L×L: beyond this size the default leaves it off.
 */
export const LOCAL_NEWTON_MAX_DIM = 512;

export type Attempt =
  /** ℓ_λ rose: `state` is the evaluated Newton point */
  | { outcome: 'accepted'; state: State }
  /** not tried (budget, an empty component), not concave here, or ℓ_λ did not rise */
  | { outcome: 'rejected' }
  /** the quadratic model's whole predicted gain ½gᵀ(−H)⁻¹g is below tol·|ℓ_λ|: a maximum */
  | { outcome: 'stationary' }
  /** the device cannot hold the pair moments: Newton–Raphson is off for this run */
  | { outcome: 'unavailable'; reason: string };

export class NewtonRaphson implements Stepper {
  /** in Newton mode: the last attempt was accepted, so the next update is an attempt too */
  mode = false;
  /** the device cannot hold the pair moments: no more attempts in this run */
  off = false;
  /** accepted steps, and failed attempts (not concave, or ℓ_λ did not rise) */
  steps = 0;
  rejected = 0;
  /** work of failed attempts, in EM iterations (an E-step and the M-step's Hessian pass) */
  private waste = 0;

  constructor(
    private readonly engine: Engine,
    private readonly K: number,
    private readonly ridge: number,
    /** tol of the fit: 0 means never stop early */
    private readonly tol: number,
  ) {}

  /** One attempt as a step: the Newton point when it is taken (counted as an M-step), else nothing. */
  async step(current: State, { map, priorIterations }: StepContext): Promise<Step> {
    const attempt = await this.attempt(current, map.statsAt(current.theta), priorIterations + map.iterations, map.evaluate);
    if (attempt.outcome === 'accepted') {
      map.countStep();
      return { accepted: acceptedNow(map, [attempt.state]), rejected: 0 };
    }
    if (attempt.outcome === 'unavailable') {
      this.off = true;
      return { accepted: [], rejected: 0, off: `Newton–Raphson on ℓ switched off: ${attempt.reason}` };
    }
    return { accepted: [], rejected: 0, stationary: attempt.outcome === 'stationary' };
  }

  /**
   * One attempt from `current`. `statsAtTheta` are the softmax statistics at current.theta
   * when the caller has them (with covariance), `emWork` the EM iterations so far,
   * `evaluate` the E-step.
   */
  async attempt(current: State, statsAtTheta: SoftmaxStats | undefined, emWork: number, evaluate: (p: Params) => Promise<State>): Promise<Attempt> {
    const { engine, K } = this;
    const L = engine.L;
    const N = engine.N;
    if (!current.alpha.every((a) => a > 0)) return this.skip();
    const haveStats = !!statsAtTheta?.covariance && !!statsAtTheta.mean;
    // the pair-moment pass costs about (K+1)/2 EM iterations, the softmax Hessian one more
    const cost = (K + 1) / 2 + (haveStats ? 0 : 1);
    if (!this.mode && this.waste + cost > NEWTON_WASTE * emWork) return this.skip();
    const stats = haveStats ? statsAtTheta! : await engine.softmaxStats(current.theta, K, { mean: true, covariance: true });
    let pairs;
    try {
      pairs = await engine.pairMoments(current.alpha.map(Math.log), current.theta, K);
    } catch (err) {
      // A device that cannot hold the K(K+1)/2 Gram partials (binding limits) still runs EM.
      if (!(err instanceof SoftmixError && err.code === 'backend')) throw err;
      this.mode = false;
      return { outcome: 'unavailable', reason: err.message };
    }
    const d = observedDerivatives({ alpha: current.alpha, theta: current.theta, e: current.e, stats, pairs }, K, L, N, this.ridge);
    const step = newtonStep(toU(current, K, L), d, K, N);
    if (step && this.tol > 0 && step.predictedGain <= this.tol * Math.abs(current.objective)) return { outcome: 'stationary' };
    const candidate = step && fromU(step.u, K, L);
    if (!candidate) return this.fail(cost);
    const s = await evaluate(candidate);
    // strictly higher: a step that changes nothing (at the rounding floor) ends Newton mode
    if (Number.isFinite(s.objective) && s.objective > current.objective) {
      this.steps++;
      this.mode = true;
      return { outcome: 'accepted', state: s };
    }
    return this.fail(cost + 1);
  }

  /** not attempted */
  private skip(): Attempt {
    this.mode = false;
    return { outcome: 'rejected' };
  }

  private fail(cost: number): Attempt {
    this.rejected++;
    this.waste += cost;
    this.mode = false;
    return { outcome: 'rejected' };
  }
}
