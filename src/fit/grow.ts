/**
 * Growth: the paper's two-stage path, one component at a time. Fit one component (its ℓ is
 * concave in θ: one maximum), then for k = 2 … K: the counts the k−1 components leave
 * unexplained, w_j = (n_j − N π_j)_+, ask for one more softmax (replace.ts
 * residualComponent: the M-step with target Σw x / Σw); it joins with weight Σw/N, the
 * others keep their shapes at weights scaled by 1 − Σw/N, and EM climbs the k components
 * from there to convergence.
 *
 * Why: where atoms run away (README, "Runaway components") the maxima of ℓ differ by which
 * faces of the hull the components go to, and EM from K components at once settles them
 * all together, early, from a start that knows nothing of the counts. Growing places each
 * new component where the counts say the fit is short, with the others already in place.
 * On the books (K = 6) it ends at held-out ℓ/N −6.2104 against −6.2152 for the narrow
 * search and −6.2151 for the wide one, in under half the wide search's E-steps
 * (bench/books-search.md). Not in MATH.md.
 */
import type { Engine } from '../engines/engine.ts';
import type { EmResult } from '../em/index.ts';
import type { StartPoint } from '../model/starts.ts';
import { residualComponent } from './replace.ts';

export interface GrowthStage {
  /** components at this stage */
  K: number;
  /** ℓ_λ where its EM converged (or stopped) */
  objective: number;
  iterations: number;
  eSteps: number;
  /** the weight the residual's component joined with (null at K = 1) */
  addedWeight: number | null;
}

export interface GrowthOutcome {
  /** the K-component fit, or null when growth stopped early (`stoppedAt`) */
  fit: EmResult | null;
  stages: GrowthStage[];
  /** why growth stopped short of K, in words (null when it reached K) */
  stoppedAt: string | null;
}

export interface GrowthOptions {
  ridge: number;
  /** S, the design covariance (the residual component's M-step) */
  designCovariance: Float64Array;
  /** EM with k components from a start, to convergence */
  climb: (k: number, start: StartPoint) => Promise<EmResult>;
}

export async function growFit(engine: Engine, K: number, o: GrowthOptions): Promise<GrowthOutcome> {
  const L = engine.L;
  const stages: GrowthStage[] = [];
  let fit = await o.climb(1, { kind: 'explicit', alpha: Float64Array.of(1), theta: new Float64Array(L) });
  stages.push({ K: 1, objective: fit.objective, iterations: fit.iterations, eSteps: fit.eSteps, addedWeight: null });
  for (let k = 2; k <= K; k++) {
    const candidate = await residualComponent(engine, k - 1, fit, o);
    if (!candidate) return { fit: null, stages, stoppedAt: `at K = ${k}: the counts left unexplained by ${k - 1} components ask for no component with a finite atom` };
    const w = candidate.weight;
    const alpha = new Float64Array(k);
    for (let i = 0; i < k - 1; i++) alpha[i] = fit.alpha[i] * (1 - w);
    alpha[k - 1] = w;
    const theta = new Float64Array(k * L);
    theta.set(fit.theta.subarray(0, (k - 1) * L));
    theta.set(candidate.theta, (k - 1) * L);
    fit = await o.climb(k, { kind: 'explicit', alpha, theta });
    stages.push({ K: k, objective: fit.objective, iterations: fit.iterations, eSteps: fit.eSteps, addedWeight: w });
  }
  return { fit, stages, stoppedAt: null };
}
