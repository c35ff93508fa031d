/**
 * The univariate route (L = 1, or K > L): Hermite moments of order up to 2K−1 along
 * candidate directions u, K atoms b_k and weights from each by Gauss quadrature, and for
 * L ≥ 2 the atoms' other coordinates from cross moments Σ π̂ z He_r(z·u). With several
 * candidates the estimate that best reproduces M̂_1, M̂_2 and the full M̂_3 wins (the
 * moments the quadrature did not use).
 */
import { matVec, solveLinear, norm2 } from '../math/linalg.ts';
import { engineThirdMomentOracle, momentSupportRadius, largestAtomNorm } from './moments.ts';
import { hermiteCoefficients, hermiteFromPower, shiftScaleMoments, gaussQuadrature, type QuadratureSuccess } from './quadrature.ts';
import type { MomContext, MomDiagnostics, RouteOutcome } from './types.ts';

/** One candidate direction: u (unit, z coordinates), d = S^{-1/2} u (x coordinates), Hermite moments m_0..m_{2K−1} along u. */
interface Measured {
  u: Float64Array;
  d: Float64Array;
  m: Float64Array;
}

/** The best candidate's quadrature and atoms (z coordinates), with its misfit score. */
interface Best {
  cand: Measured;
  q: QuadratureSuccess;
  beta: Float64Array;
  full: boolean;
  notes: string[];
  score: number;
}

/** The univariate route: L = 1, or K > L along the best of a few directions. */
export async function univariateRoute(ctx: MomContext): Promise<RouteOutcome> {
  const { engine, K, L, passes0, whitening, M1, M2, subspace } = ctx;
  if (!M2) throw new Error('univariateRoute: M̂_2 must be formed (momContext forms it whenever K > L)');
  const radius = momentSupportRadius(engine.p);
  const candidates = candidateDirections(ctx);
  // Moments along every candidate first; denoise only if none is valid as measured.
  const measured: Measured[] = [];
  for (const u of candidates) {
    const d = whitening.atom(u);
    measured.push({ u, d, m: hermiteFromPower(await engine.directionMoments(d, 2 * K - 1)) });
  }
  // With several candidate directions (K > L ≥ 2), choose the estimate that best
  // reproduces the latent moments the univariate fit did not use: M̂_1, M̂_2 and the full
  // M̂_3 (L³, small since L < K), relative Frobenius misfit.
  const M3 = candidates.length > 1 ? await engineThirdMomentOracle(engine, whitening)(identity(L), L) : null;
  let best: Best | null = null;
  let firstFailure = '';
  for (const denoise of [false, true]) {
    for (const cand of measured) {
      const q = gaussQuadrature(cand.m, K, { support: [-radius, radius], denoise });
      if (!q.ok) {
        if (denoise) firstFailure ||= q.reason;
        continue;
      }
      const atoms = await atomsAlong(ctx, cand, q, radius);
      const score = M3 ? momentMisfit(q.weights, atoms.beta, M1, M2, M3, K, L) : 0;
      if (!best || score < best.score) best = { cand, q, ...atoms, score };
    }
    if (best) break;
  }
  if (!best) {
    return {
      ok: false,
      reason: `univariate MoM failed along every direction tried: ${firstFailure}`,
      subspace,
      diagnostics: { route: 'univariate', passes: engine.counters.passes - passes0 },
    };
  }
  return bestOutcome(best, L);
}

/** L = 1: the axis. Otherwise the top min(L, 3) eigenvectors of M̂_2 and `randomDirections` (3) seeded random unit ones. */
function candidateDirections(ctx: MomContext): Float64Array[] {
  const { L, r, rng, options, subspace } = ctx;
  const candidates: Float64Array[] = [];
  if (L === 1) candidates.push(Float64Array.of(1));
  else {
    for (let k = 0; k < Math.min(L, 3); k++) candidates.push(Float64Array.from({ length: L }, (_, i) => subspace.U[i * r + k]));
    for (let t = 0; t < (options.randomDirections ?? 3); t++) {
      const u = rng.normals(L);
      const nu = norm2(u);
      candidates.push(u.map((v) => v / nu));
    }
  }
  return candidates;
}

/**
 * Atoms along one candidate: nodes b_k, weights; for L ≥ 2 full atoms from cross
 * moments, or only their projections b_k u when those cannot be solved for.
 */
async function atomsAlong(ctx: MomContext, cand: Measured, q: QuadratureSuccess, radius: number) {
  const { engine, K, L, whitening } = ctx;
  const notes: string[] = [];
  const beta = new Float64Array(K * L);
  let full: Float64Array | null = null;
  if (L === 1) full = Float64Array.from(q.nodes);
  else {
    const xCross = await engine.directionCrossMoments(cand.d, K - 1);
    const zCross = new Float64Array(K * L);
    for (let i = 0; i < K; i++) zCross.set(whitening.whiten(xCross.subarray(i * L, i * L + L)), i * L);
    full = atomsFromCrossMoments(zCross, cand.m, cand.u, q.nodes, q.weights, L);
    if (!full) notes.push('MoM: the atoms along the chosen direction are too close to solve for their other coordinates');
    else if (!(largestAtomNorm(full, K, L) <= radius)) {
      notes.push(
        `MoM: the atoms solved from cross moments are implausibly large (norm ${largestAtomNorm(full, K, L).toPrecision(3)} in standardised units): kept only their projections on the direction`,
      );
      full = null;
    }
  }
  if (full) beta.set(full);
  else for (let k = 0; k < K; k++) for (let l = 0; l < L; l++) beta[k * L + l] = q.nodes[k] * cand.u[l];
  return { beta, full: full !== null, notes };
}

/** Σ over r = 1, 2, 3 of the relative Frobenius misfit |Σ α_k β_k^{⊗r} − M̂_r| / |M̂_r|: the direction-selection score. */
function momentMisfit(alpha: Float64Array, beta: Float64Array, M1: Float64Array, M2: Float64Array, M3: Float64Array, K: number, L: number): number {
  let e1 = 0, n1 = 0, e2 = 0, n2 = 0, e3 = 0, n3 = 0;
  for (let a = 0; a < L; a++) {
    let s1 = 0;
    for (let k = 0; k < K; k++) s1 += alpha[k] * beta[k * L + a];
    e1 += (s1 - M1[a]) ** 2;
    n1 += M1[a] ** 2;
    for (let b = 0; b < L; b++) {
      let s2 = 0;
      for (let k = 0; k < K; k++) s2 += alpha[k] * beta[k * L + a] * beta[k * L + b];
      e2 += (s2 - M2[a * L + b]) ** 2;
      n2 += M2[a * L + b] ** 2;
      for (let c = 0; c < L; c++) {
        let s3 = 0;
        for (let k = 0; k < K; k++) s3 += alpha[k] * beta[k * L + a] * beta[k * L + b] * beta[k * L + c];
        const t = M3[(a * L + b) * L + c];
        e3 += (s3 - t) ** 2;
        n3 += t * t;
      }
    }
  }
  return Math.sqrt(e1 / Math.max(n1, 1e-300)) + Math.sqrt(e2 / Math.max(n2, 1e-300)) + Math.sqrt(e3 / Math.max(n3, 1e-300));
}

/** The winning candidate as the route's estimate, with its warnings and diagnostics. */
function bestOutcome(best: Best, L: number): RouteOutcome {
  const { q } = best;
  const warnings = [...best.notes];
  if (q.denoised) {
    warnings.push(
      `MoM: the measured moments along the chosen direction were not a valid moment sequence; they were projected onto valid ones (adjustment ${q.adjustment.toExponential(2)})`,
    );
  }
  const diagnostics: MomDiagnostics = {
    route: 'univariate',
    direction: best.cand.u,
    hermiteMoments: best.cand.m,
    denoised: q.denoised,
    denoiseAdjustment: q.adjustment,
    passes: 0,
  };
  if (L > 1) {
    diagnostics.crossMoments = best.full;
    diagnostics.momentMisfit = best.score;
  }
  return { ok: true, alpha: q.weights, beta: best.beta, diagnostics, warnings };
}

/**
 * Full atoms from moments crossed with z along the unit direction u:
 * q_r = Σ π̂ [z He_r(t) − r u He_{r−1}(t)] ≈ Σ_k α_k β_k b_k^r (t = z·u, b_k = β_k·u;
 * the bracket is the Hermite tensor He_{r+1}(z) contracted with one free index and r
 * copies of u). Given the quadrature's nodes b_k and weights α_k, the K equations
 * r = 0..K−1 are a Vandermonde system for α_k β_k (solved in the centred, scaled node
 * variable for conditioning). `zCross` holds Σ π̂ z t^i, i = 0..K−1, as rows of L;
 * `hermite` the univariate Hermite moments m_0..m_{K−2} along u.
 * Returns null when the nodes are too close to solve for (singular Vandermonde).
 */
export function atomsFromCrossMoments(
  zCross: Float64Array,
  hermite: ArrayLike<number>,
  u: ArrayLike<number>,
  nodes: Float64Array,
  weights: Float64Array,
  L: number,
): Float64Array | null {
  const K = nodes.length;
  const coeffs = hermiteCoefficients(K - 1);
  const q = new Float64Array(K * L);
  for (let r = 0; r < K; r++) {
    for (let i = 0; i <= r; i++) for (let l = 0; l < L; l++) q[r * L + l] += coeffs[r][i] * zCross[i * L + l];
    if (r >= 1) for (let l = 0; l < L; l++) q[r * L + l] -= r * u[l] * hermite[r - 1];
  }
  let c = 0;
  for (let k = 0; k < K; k++) c += weights[k] * nodes[k];
  let v = 0;
  for (let k = 0; k < K; k++) v += weights[k] * (nodes[k] - c) ** 2;
  const s = v > 0 ? Math.sqrt(v) : 1;
  const qs = shiftScaleMoments(q, K - 1, c, s, L);
  const V = new Float64Array(K * K);
  for (let r = 0; r < K; r++) for (let k = 0; k < K; k++) V[r * K + k] = ((nodes[k] - c) / s) ** r;
  const A = solveLinear(V, K, qs, L);
  if (!A) return null;
  const beta = new Float64Array(K * L);
  for (let k = 0; k < K; k++) for (let l = 0; l < L; l++) beta[k * L + l] = A[k * L + l] / weights[k];
  for (let i = 0; i < beta.length; i++) if (!Number.isFinite(beta[i])) return null;
  return beta;
}

function identity(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}
