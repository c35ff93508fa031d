/** The convergence test of a run (MATH.md §2's relative change, with a look at the rate). */

/**
 * Converged when the last change of ℓ is below tol·|ℓ| (MATH.md §2) and so is the gain
 * still to come if ℓ keeps rising at the observed rate: with r = Δ_t/Δ_{t−1} < 1 the rest
 * of a linearly converging sequence adds Δ_t·r/(1−r). A slow EM whose steps are small but
 * barely shrinking is therefore not called converged.
 */
export function isConverged(changes: number[], logLik: number, tol: number): boolean {
  if (tol === 0) return false; // tol = 0 asks for maxIter iterations, even once ℓ stands still
  const bound = tol * Math.abs(logLik);
  const last = changes[changes.length - 1];
  if (!(Math.abs(last) <= bound)) return false;
  if (changes.length < 2) return true;
  const before = changes[changes.length - 2];
  // A drop right after a clear rise is rounding noise in ℓ (float32 on the GPU), not the
  // end of the climb: carry on. Drops among changes that are all below the bound are the end.
  if (last <= 0) return before <= bound;
  const rate = before > 0 ? Math.min(last / before, 0.999) : 0;
  return (last * rate) / (1 - rate) <= bound;
}
