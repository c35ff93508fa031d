/**
 * Where a fit forms the design covariance S (FitOptions.designCovariance).
 *
 * 'host' (the default): float64 in JavaScript, pL²/2 multiply-adds (model/design.ts
 * hostCovariance; about 0.8·10⁹ a second here: 7 s at p = 2·10⁴, L = 768, some 40 minutes at
 * p = 2.5·10⁵, L = 4096), with the rank checked before the engine starts.
 *
 * 'engine': one covariance pass of the engine at θ = 0, where σ_j = 1/p for every item, so
 * ∇²A(0) = Σ_j x_j x_jᵀ/p − x̄x̄ᵀ is S of the features the engine holds (one K = 1 dense Gram
 * pass on WebGPU: milliseconds on a GPU; on SwiftShader about 10× the host's time at
 * p = 2·10⁴, L = 768, so not the default). The engine's S carries its arithmetic's rounding:
 * each entry within γ·Σ_j|x_ja x_jb|/p ≤ γ√(S_aa S_bb) of S's, so by Weyl every eigenvalue
 * within ‖E‖_F ≤ γ·tr S, with γ = 128u (u the engine's unit roundoff: the features and σ
 * rounded to float32, the plain sums within a stage, the merge trees; the browser tests bound
 * each entry far inside it). A smallest eigenvalue above 2γ·tr S proves full rank in the
 * sense of designStats (above γ·tr S ≫ 10⁻¹⁰ of the largest; above L = 64 a Cholesky factor
 * of S − 2γ·tr S·I proves it, model/design.ts rankVerdict); one below it cannot tell a
 * nearly collinear design from a singular one at this precision, so S is summed again on
 * the host in float64 and checked there, with a warning.
 */
import type { Engine, SoftmaxStats } from '../engines/engine.ts';
import { SoftmixError } from '../errors.ts';
import { checkRank, hostCovariance, rankVerdict, type Centring } from '../model/design.ts';
import type { Dataset } from '../model/data.ts';

export const DESIGN_COVARIANCE_PLACES = ['host', 'engine'] as const;
export type DesignCovarianceWhere = (typeof DESIGN_COVARIANCE_PLACES)[number];

/** S on the host in float64, the rank checked (throws 'rank-deficient'). */
export function checkedHostCovariance(data: Dataset, centring: Centring): Float64Array {
  const covariance = hostCovariance(data, centring);
  checkRank(centring, covariance, data.p, data.L);
  return covariance;
}

/**
 * The engine's pass that forms S: K = 1 at θ = 0, with the covariance, centred at 0 (the
 * centred features' mean, which is σ's mean at θ = 0: where the device centres its sums).
 */
export function designCovariancePass(engine: Engine): Promise<SoftmaxStats> {
  const zero = new Float64Array(engine.L);
  return engine.softmaxStats(zero, 1, { mean: true, covariance: true, centre: zero });
}

/** S from the engine's covariance pass at θ = 0, or from the host where the engine's precision cannot settle the rank. */
export async function engineCovariance(engine: Engine, data: Dataset, centring: Centring, warnings: string[]): Promise<Float64Array> {
  const { L } = data;
  let S: Float64Array;
  try {
    S = (await designCovariancePass(engine)).covariance!;
    await engine.releasePlans?.(1); // a pass made once per fit: its partials (33.6 MB at L = 4096) need not stay
  } catch (e) {
    if (e instanceof SoftmixError && e.code === 'backend') {
      throw new SoftmixError('backend', `designCovariance 'engine': the ${engine.backend} engine cannot form S at L = ${L}: ${e.message}. Use designCovariance 'host'.`);
    }
    throw e;
  }
  let trace = 0;
  for (let a = 0; a < L; a++) trace += S[a * L + a];
  const gamma = 128 * engine.unitRoundoff;
  const verdict = rankVerdict(centring, S, L, 2 * gamma * trace);
  if (verdict.full) return S;
  warnings.push(
    `the design covariance from the ${engine.backend} engine cannot settle the rank: its smallest eigenvalue ${verdict.ends.bottom.toExponential(3)} is not above 2γ·tr S = ${(2 * gamma * trace).toExponential(3)} ` +
      `(its rounding, γ = 128u), so S was summed again on the host in float64`,
  );
  return checkedHostCovariance(data, centring);
}
