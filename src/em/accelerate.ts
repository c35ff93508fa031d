/**
 * Acceleration of the EM map F (issue 6), in u = (log α, Θ): weights stay positive and
 * sum to one whatever the step, atoms are extrapolated as they are.
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
 * later the steps lengthen as far as ℓ allows.
 *
 * Anderson acceleration (type II, window m) is the alternative, on request.
 */
import type { EStepResult } from '../engines/engine.ts';
import { choleskyInPlace, choleskySolve, dot } from '../math/linalg.ts';

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
  /** the M-step from an evaluated point: F(x) = mStep(evaluate(x)) */
  mStep(s: State): Promise<Params>;
  evaluate(p: Params): Promise<State>;
}

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
  const p2 = await map.mStep(s1);
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

export const ANDERSON_WINDOW = 5;

/** x_{k+1} = g_k − ΔG γ with γ = argmin |f_k − ΔF γ| (f = g − u), lightly regularised. */
export function andersonPoint(history: { u: Float64Array; g: Float64Array }[], K: number, L: number): Params | null {
  const m = history.length - 1;
  const n = history[0].u.length;
  const f = history.map((h) => h.g.map((v, i) => v - h.u[i]));
  const dF: Float64Array[] = [];
  const dG: Float64Array[] = [];
  for (let i = 0; i < m; i++) {
    dF.push(f[i + 1].map((v, j) => v - f[i][j]));
    dG.push(history[i + 1].g.map((v, j) => v - history[i].g[j]));
  }
  const fk = f[m];
  const gram = new Float64Array(m * m);
  const rhs = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    rhs[a] = dot(dF[a], fk);
    for (let b = 0; b < m; b++) gram[a * m + b] = dot(dF[a], dF[b]);
  }
  let scale = 0;
  for (let a = 0; a < m; a++) scale = Math.max(scale, gram[a * m + a]);
  if (!(scale > 0)) return null;
  for (let a = 0; a < m; a++) gram[a * m + a] += 1e-10 * scale;
  if (!choleskyInPlace(gram, m)) return null;
  const gamma = choleskySolve(gram, m, rhs);
  const u = Float64Array.from(history[m].g);
  for (let a = 0; a < m; a++) for (let j = 0; j < n; j++) u[j] -= gamma[a] * dG[a][j];
  return fromU(u, K, L);
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
  if (!u.every(Number.isFinite)) return null;
  let max = -Infinity;
  for (let k = 0; k < K; k++) max = Math.max(max, u[k]);
  const alpha = new Float64Array(K);
  let total = 0;
  for (let k = 0; k < K; k++) total += alpha[k] = Math.exp(u[k] - max);
  for (let k = 0; k < K; k++) alpha[k] /= total;
  return { alpha, theta: u.slice(K, K + K * L) };
}
