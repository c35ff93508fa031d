/**
 * The convergence test of a run, in absolute terms (README "What converged means").
 *
 * `tol` is in nats per draw: a run has converged when the gain of the objective still to
 * come is certified below tol·N nats, whatever N and |ℓ| are. (A relative test, change <
 * tol·|ℓ|, lets a fit at N = 10⁷ stop tens of nats short: |ℓ| ≈ 10⁸ there.) Two
 * certificates, the first where it exists:
 * - 'newton': the Newton decrement gᵀ(−H)⁻¹g with H the observed information of ℓ_λ
 *   (steppers/newton-raphson.ts), where −H is positive definite: twice the quadratic
 *   model's predicted gain, since along a runaway atom (ℓ rising like −e^(−t)) the model
 *   predicts only half of what is left;
 * - 'rate': the gains of the last whole steps extrapolated at their observed rate: with
 *   r the larger of the last two ratios of consecutive gains, a linearly converging
 *   sequence adds at most Δ·r/(1−r) after a step that gained Δ. Steps that do not shrink
 *   (r ≥ 1) certify nothing.
 * No certificate can resolve gains below the rounding of the objective itself (a few ulps
 * of |ℓ|, 6·10⁻⁸·|ℓ| in float32): the target is floored there, and the result says so.
 */

/** What ended a converged run, and the numbers it compared. */
export interface ConvergenceCertificate {
  test: 'newton' | 'rate';
  /** the certified bound on the gain still to come, in nats */
  remaining: number;
  /** what it was compared with: tol·N nats, or the rounding floor if that is larger */
  target: number;
  /** the target was the rounding floor of the objective, not tol·N */
  atRoundingFloor: boolean;
}

/** Ulps of |objective| below which a change of the objective is rounding: the floor of the target. */
export const ROUNDING_ULPS = 16;

/** The target of the test in nats: tol·N, floored at the rounding of the objective. */
export function convergenceTarget(tol: number, N: number, objective: number, unitRoundoff: number): { target: number; atRoundingFloor: boolean } {
  const wanted = tol * N;
  const floor = ROUNDING_ULPS * unitRoundoff * Math.abs(objective);
  return wanted >= floor ? { target: wanted, atRoundingFloor: false } : { target: floor, atRoundingFloor: true };
}

/**
 * The rate certificate from the gains of whole steps (oldest first): the bound on the gain
 * still to come, or Infinity when the gains do not certify one (too few, or not shrinking).
 * A drop (gain ≤ 0) among gains within the target is the end of the climb; a drop right
 * after a clear rise is rounding noise (float32 on the GPU) and certifies nothing.
 */
export function rateBound(gains: number[], target: number): number {
  const n = gains.length;
  if (n < 3) return Infinity;
  const [g1, g2, g3] = gains.slice(n - 3);
  if (!(g3 <= target)) return Infinity;
  if (g3 <= 0) return g2 <= target ? 0 : Infinity;
  if (!(g2 > 0) || !(g1 > 0)) return g2 <= target && g1 <= target ? g3 : Infinity;
  const r = Math.max(g3 / g2, g2 / g1);
  if (!(r < 1)) return Infinity;
  return (g3 * r) / (1 - r);
}
