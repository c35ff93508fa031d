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
import { convergenceTarget, type ConvergenceCertificate } from '../convergence.ts';

/** Failed attempts may waste at most this fraction of the EM work. */
export const NEWTON_WASTE = 0.2;
/**
 * Newton–Raphson factors a dense Hessian of K(L+1) rows on the host (cost ~n³/3) and needs
 * K(K+1)/2 weighted Grams of L×L: beyond this size the default leaves it off.
 */
export const LOCAL_NEWTON_MAX_DIM = 512;
/** Fractions of the Newton step tried in turn, one E-step each, until ℓ_λ rises. */
export const NEWTON_STEP_LENGTHS = [1, 1 / 4, 1 / 16];

export type Attempt =
  /** ℓ_λ rose: `state` is the evaluated Newton point */
  | { outcome: 'accepted'; state: State }
  /** not tried (budget, an empty component), not concave here, or ℓ_λ did not rise */
  | { outcome: 'rejected' }
  /** the Newton decrement gᵀ(−H)⁻¹g (twice the quadratic model's gain) is within the convergence target: a maximum */
  | { outcome: 'stationary'; certificate: ConvergenceCertificate }
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
  /**
   * why the last attempt found no step: not tried ('skipped': budget, an emptied
   * component), −H not positive definite ('not-concave': no quadratic model to certify
   * with), or its step did not raise ℓ_λ at any length tried ('no-climb': the model says
   * the maximum is further than the target, so this is no certificate either way)
   */
  lastFailure: 'skipped' | 'not-concave' | 'no-climb' | null = null;
  /** work of failed attempts, in EM iterations (an E-step and the M-step's Hessian pass) */
  private waste = 0;

  constructor(
    private readonly engine: Engine,
    private readonly K: number,
    private readonly ridge: number,
    /** tol of the fit, in nats per draw (convergence.ts): 0 means never stop early */
    private readonly tol: number,
  ) {}

  /**
   * One attempt as a step: the Newton point when it is taken (counted as an M-step), else
   * nothing. `certify`: the attempt is the convergence certificate (the rate test passed),
   * made whatever the budget of failed attempts.
   */
  async step(current: State, { map, priorIterations }: StepContext, certify = false): Promise<Step> {
    const attempt = await this.attempt(current, map.statsAt(current.theta), priorIterations + map.iterations, map.evaluate, certify);
    if (attempt.outcome === 'accepted') {
      map.countStep();
      return { accepted: acceptedNow(map, [attempt.state]), rejected: 0 };
    }
    if (attempt.outcome === 'unavailable') {
      this.off = true;
      return { accepted: [], rejected: 0, off: `Newton–Raphson on ℓ switched off: ${attempt.reason}` };
    }
    if (attempt.outcome === 'stationary') return { accepted: [], rejected: 0, stationary: attempt.certificate };
    return { accepted: [], rejected: 0 };
  }

  /**
   * One attempt from `current`. `statsAtTheta` are the softmax statistics at current.theta
   * when the caller has them (with covariance), `emWork` the EM iterations so far,
   * `evaluate` the E-step, `certify` makes the attempt whatever the budget.
   */
  async attempt(current: State, statsAtTheta: SoftmaxStats | undefined, emWork: number, evaluate: (p: Params) => Promise<State>, certify = false): Promise<Attempt> {
    const { engine, K } = this;
    const L = engine.L;
    const N = engine.N;
    if (!current.alpha.every((a) => a > 0)) return this.skip();
    const haveStats = !!statsAtTheta?.covariance && !!statsAtTheta.mean;
    // the pair-moment pass costs about (K+1)/2 EM iterations, the softmax Hessian one more
    const cost = (K + 1) / 2 + (haveStats ? 0 : 1);
    if (!this.mode && !certify && this.waste + cost > NEWTON_WASTE * emWork) return this.skip();
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
    // The bound is the Newton decrement λ² = gᵀ(−H)⁻¹g, twice the quadratic model's gain:
    // along a runaway atom ℓ_λ rises like −e^(−t), where the model predicts half of what is
    // left, and for self-concordant objectives f* − f ≤ λ² once λ ≤ 0.68 (Boyd &
    // Vandenberghe §9.6.3). It comes from the gradient, not from differences of ℓ, so it
    // resolves gains far below the rounding of ℓ: it is held to tol·N itself.
    const decrement = step ? 2 * step.predictedGain : Infinity;
    const wanted = this.tol * N;
    if (decrement <= wanted) return { outcome: 'stationary', certificate: { test: 'newton', remaining: decrement, target: wanted, atRoundingFloor: false } };
    if (!step) {
      this.lastFailure = 'not-concave';
      return this.fail(cost);
    }
    // The full step, then shorter ones along it: far from the maximum the quadratic model
    // overshoots where ℓ_λ bends (near-coincident components), though its direction climbs.
    const u0 = toU(current, K, L);
    let evaluations = 0;
    for (const t of NEWTON_STEP_LENGTHS) {
      const candidate = fromU(u0.map((v, i) => v + t * (step.u[i] - v)), K, L);
      if (!candidate) continue;
      const s = await evaluate(candidate);
      evaluations++;
      // strictly higher: a step that changes nothing (at the rounding floor) ends Newton mode
      if (Number.isFinite(s.objective) && s.objective > current.objective) {
        this.steps++;
        this.mode = true;
        this.lastFailure = null;
        return { outcome: 'accepted', state: s };
      }
    }
    // A step the model says gains less than ℓ resolves, and that ℓ does not see: at the
    // rounding floor (float32 on the GPU at large N), the best this arithmetic certifies.
    const floor = convergenceTarget(this.tol, N, current.objective, engine.unitRoundoff);
    if (this.tol > 0 && floor.atRoundingFloor && decrement <= floor.target) {
      this.fail(cost + evaluations);
      return { outcome: 'stationary', certificate: { test: 'newton', remaining: decrement, target: floor.target, atRoundingFloor: true } };
    }
    this.lastFailure = 'no-climb';
    return this.fail(cost + evaluations);
  }

  /** not attempted */
  private skip(): Attempt {
    this.mode = false;
    this.lastFailure = 'skipped';
    return { outcome: 'rejected' };
  }

  private fail(cost: number): Attempt {
    this.rejected++;
    this.waste += cost;
    this.mode = false;
    return { outcome: 'rejected' };
  }
}
