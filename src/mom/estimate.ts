/**
 * `momEstimate`, the method-of-moments warm start (MATH.md §4): the latent moments once,
 * then one route by K and L (mean, tensor, univariate; see README.md), then the checks
 * every route's estimate must pass before it is mapped back to feature coordinates.
 * Estimates the moments cannot support come back as `{ ok: false, reason }` with the
 * subspace, so the caller can fall back to `subspaceStarts`.
 */
import type { Engine } from '../engines/engine.ts';
import { Rng } from '../math/rng.ts';
import { matVec, norm2 } from '../math/linalg.ts';
import { designWhitening, type Whitening } from '../model/whitening.ts';
import { latentSubspace, engineThirdMomentOracle, plausibleAtomNorm, largestAtomNorm } from './moments.ts';
import { tensorMom } from './tensor.ts';
import { univariateRoute } from './univariate.ts';
import type { MomContext, MomDiagnostics, MomOptions, MomResult, RouteOutcome } from './types.ts';

/**
 * The MoM estimate of (α, Θ) for K components (MATH.md §4) on the engine's data.
 * `design.covariance` is S (L×L) of the centred features the engine holds.
 * Deterministic given `options.seed`. Never throws on data the moments cannot
 * explain: returns `{ ok: false, reason }` (with the subspace when M̂_2 is known, so
 * the caller can fall back to `subspaceStarts`).
 */
export async function momEstimate(
  engine: Engine,
  K: number,
  design: { covariance: Float64Array; whitening?: Whitening },
  options: MomOptions,
): Promise<MomResult> {
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`momEstimate: K must be an integer ≥ 1, got ${K}`);
  const ctx = await momContext(engine, K, design, options);
  const outcome = K === 1 ? meanRoute(ctx) : K <= ctx.L ? await tensorRoute(ctx) : await univariateRoute(ctx);
  const result = outcome.ok ? accept(ctx, outcome.alpha, outcome.beta, outcome.diagnostics, outcome.warnings) : outcome;
  if (result.diagnostics) result.diagnostics.secondMoment = ctx.secondMoment;
  if (result.ok && ctx.secondMoment?.converged === false) {
    result.warnings.push(`MoM: Lanczos did not resolve M̂_2's top ${ctx.r} eigenpairs in ${ctx.secondMoment.steps} products (no clear gap below them); the subspace is approximate`);
  }
  return result;
}

/**
 * S^{-1/2} (the caller's, when it has it: an L³ at large L), the seeded generator, M̂_1 and
 * M̂_2's top min(K, L) eigenpairs (latentSubspace: one engine pass, or one per Lanczos step).
 */
async function momContext(engine: Engine, K: number, design: { covariance: Float64Array; whitening?: Whitening }, options: MomOptions): Promise<MomContext> {
  const L = engine.L;
  const passes0 = engine.counters.passes;
  const whitening = design.whitening ?? designWhitening(design.covariance, L);
  const rng = new Rng(options.seed);
  const r = Math.min(K, L);
  // the univariate route (K > L) reads M̂_2 itself
  const found = await latentSubspace(engine, whitening, r, K > L ? 'dense' : options.secondMoment);
  const secondMoment = { method: found.method, steps: found.steps, converged: found.converged };
  return { engine, K, L, r, passes0, whitening, rng, options, M1: found.M1, M2: found.M2, subspace: found.subspace, secondMoment };
}

/** K = 1: β = M̂_1 (the first moment alone identifies one atom). */
function meanRoute(ctx: MomContext): RouteOutcome {
  return { ok: true, alpha: Float64Array.of(1), beta: Float64Array.from(ctx.M1), diagnostics: { route: 'mean', passes: 0 }, warnings: [] };
}

/** 2 ≤ K ≤ L: `tensorMom` on the engine's third-moment oracle (one more pass). */
async function tensorRoute(ctx: MomContext): Promise<RouteOutcome> {
  const { engine, K, L, passes0, whitening, rng, options, M1, subspace } = ctx;
  const result = await tensorMom(M1, subspace, L, K, engineThirdMomentOracle(engine, whitening), rng, {
    trials: options.jennrichTrials,
    maxPowerIterations: options.maxPowerIterations,
  });
  if (!result.ok) {
    return { ok: false, reason: result.reason, subspace, diagnostics: { route: 'tensor', passes: engine.counters.passes - passes0 } };
  }
  const dec = result.decomposition;
  return {
    ok: true,
    alpha: result.alpha,
    beta: result.beta,
    diagnostics: { route: 'tensor', jennrichSeparation: dec.separation, lambda: dec.lambda, powerIterations: dec.iterations, refined: dec.refined, passes: 0 },
    warnings: result.warnings,
  };
}

/**
 * The checks every route's estimate must pass (atoms within 2√(2 ln p), weights at least
 * 10⁻³/K, finite θ), then θ_k = S^{-1/2} β_k and the first-moment residual. Records the
 * engine passes spent in `diagnostics`.
 */
function accept(ctx: MomContext, alpha: Float64Array, beta: Float64Array, diagnostics: MomDiagnostics, warnings: string[]): MomResult {
  const { engine, K, L, passes0, whitening, M1, subspace } = ctx;
  const betaMax = plausibleAtomNorm(engine.p);
  diagnostics.passes = engine.counters.passes - passes0;
  const worst = largestAtomNorm(beta, K, L);
  if (!(worst <= betaMax)) {
    return {
      ok: false,
      reason:
        `the moment estimate has an atom of standardised norm ${worst.toPrecision(3)}, beyond ${betaMax.toPrecision(3)} = 2√(2 ln p) ` +
        `where the softmax sits on a handful of points and the latent moments mean nothing: the moments are too noisy for ${K} components`,
      subspace,
      diagnostics,
    };
  }
  const minWeight = Math.min(...alpha);
  if (!(minWeight >= 1e-3 / K)) {
    return {
      ok: false,
      reason: `the moment estimate gives a component weight ${minWeight.toExponential(2)} (below 10⁻³/K): the moments support fewer than ${K} components`,
      subspace,
      diagnostics,
    };
  }
  const theta = new Float64Array(K * L);
  const mean = new Float64Array(L);
  for (let k = 0; k < K; k++) {
    const b = beta.subarray(k * L, k * L + L);
    theta.set(whitening.atom(b), k * L);
    for (let l = 0; l < L; l++) mean[l] += alpha[k] * b[l];
  }
  for (let i = 0; i < theta.length; i++) {
    if (!Number.isFinite(theta[i])) {
      return { ok: false, reason: 'the moment estimate is not finite', subspace, diagnostics };
    }
  }
  diagnostics.firstMomentResidual = norm2(mean.map((v, l) => v - M1[l]));
  return { ok: true, alpha, theta, beta, subspace, diagnostics, warnings };
}
