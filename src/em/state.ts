/**
 * The points EM climbs through. A `State` is a parameter point with its E-step evaluated,
 * so that whoever holds it can take the next M-step without another pass over p.
 * Acceleration works in u = (log α, Θ): weights stay positive and sum to one whatever the
 * step, atoms are extrapolated as they are.
 */
import type { EStepResult } from '../engines/engine.ts';

export interface Params {
  alpha: Float64Array;
  theta: Float64Array;
}

/** Parameters with the E-step evaluated there (ℓ and the sufficient statistics). */
export interface State extends Params {
  e: EStepResult;
  /** the objective there: ℓ_λ = ℓ − (λN/2)Σα_k|θ_k|² (ridge.ts), ℓ when λ = 0 */
  objective: number;
  /** E-steps spent in the run when this point was evaluated (for the trace) */
  evaluatedAt?: number;
}

/** The two halves of the EM map: each call of `evaluate` is one E-step over the data. */
export interface EmMap {
  /**
   * The M-step from an evaluated point: F(x) = mStep(evaluate(x)). `use` 'thetaOnly': the
   * caller will not evaluate the result (SQUAREM extrapolating from it), so the M-step
   * need not bring the E-step there; evaluating it anyway then costs a full pass.
   */
  mStep(s: State, use?: 'evaluate' | 'thetaOnly'): Promise<Params>;
  evaluate(p: Params): Promise<State>;
}

/** (α, Θ) → u = (log α, Θ) */
export function toU(p: Params, K: number, L: number): Float64Array {
  const u = new Float64Array(K + K * L);
  for (let k = 0; k < K; k++) u[k] = Math.log(p.alpha[k]);
  u.set(p.theta, K);
  return u;
}

/** u → (α = softmax(log α), Θ); null when anything is not finite. */
export function fromU(u: Float64Array, K: number, L: number): Params | null {
  // Beyond float32's range no device can hold the point: an extrapolation that far (of a
  // runaway atom, say) is rejected like a non-finite one, on every backend alike.
  if (!u.every((v) => Number.isFinite(Math.fround(v)))) return null;
  let max = -Infinity;
  for (let k = 0; k < K; k++) max = Math.max(max, u[k]);
  const alpha = new Float64Array(K);
  let total = 0;
  for (let k = 0; k < K; k++) total += alpha[k] = Math.exp(u[k] - max);
  for (let k = 0; k < K; k++) alpha[k] /= total;
  return { alpha, theta: u.slice(K, K + K * L) };
}

/** log α with log 0 = −∞ (an emptied component), as the E-step takes it */
export function logOf(alpha: Float64Array): Float64Array {
  return alpha.map((a) => (a > 0 ? Math.log(a) : -Infinity));
}
