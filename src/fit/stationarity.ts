/** How stationary a fit is, reported as FitResult.gradientNorm. */
import { logOf, type EmResult } from '../em/index.ts';
import type { Engine, EStepResult } from '../engines/engine.ts';
import { norm2 } from '../math/linalg.ts';

/**
 * |∇_Θ(ℓ_λ/N)| at the returned parameters: ∂(ℓ_λ/N)/∂θ_k = (c_k/N)(m_k − ∇A(θ_k)) − λ α_k θ_k
 * (ridge.ts; the λ term vanishes at λ = 0). From what the run's last pass left (its E-step
 * and the softmax means at its θ) when it left both, else from one pass over p (the E-step
 * with the means, Engine.eStep with stats; two on an engine that ignores them).
 */
export async function stationarity(engine: Engine, fit: EmResult, K: number, ridge: number): Promise<number> {
  const L = engine.L;
  const last = fit.resume.state;
  let e: EStepResult;
  let mean: Float64Array;
  if (fit.meanAtTheta && last.theta === fit.theta && last.alpha === fit.alpha) {
    e = last.e;
    mean = fit.meanAtTheta;
  } else {
    e = await engine.eStep(logOf(fit.alpha), fit.theta, K, { mean: true, covariance: false });
    mean = e.softmax?.mean ?? (await engine.softmaxStats(fit.theta, K, { mean: true, covariance: false })).mean!;
  }
  const g = new Float64Array(K * L);
  for (let k = 0; k < K; k++) {
    const c = e.weights[k];
    for (let l = 0; l < L; l++) {
      g[k * L + l] = (e.featureSums[k * L + l] - c * mean[k * L + l]) / engine.N - ridge * fit.alpha[k] * fit.theta[k * L + l];
    }
  }
  return norm2(g);
}
