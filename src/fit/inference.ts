/**
 * Standard errors at the end of a fit (FitOptions.se, issue 16): src/inference/ computes them
 * with the fit's engine still alive; this file hands it the sorted fit in the engine's units
 * and turns what it finds into Wald intervals and warnings a user can act on.
 */
import type { Engine } from '../engines/engine.ts';
import { standardErrors, waldIntervals, type ConfidenceIntervals, type StandardErrors, type StandardErrorsUnavailable } from '../inference/index.ts';
import type { CheckedOptions } from './options.ts';
import type { FitResult } from './result.ts';

/** Errors inflated beyond this many times (√VIF) by correlation with the rest get a warning. */
export const INFLATION_WARNING = 10;

export interface InferenceParts {
  se: StandardErrors | StandardErrorsUnavailable;
  ci: ConfidenceIntervals | null;
  warnings: string[];
}

/**
 * `ridge` and the engine's atoms are in the scaled units the fit ran in (atoms = result's / scale).
 */
export async function inferenceAt(engine: Engine, result: FitResult, o: CheckedOptions, ridge: number, scale: number): Promise<InferenceParts> {
  const { K, L } = result;
  const se = await standardErrors({
    engine,
    alpha: Float64Array.from(result.alpha),
    theta: Float64Array.from(result.theta.flat(), (v) => v / scale),
    K,
    ridge,
    scale,
    runaway: result.runaway.map((r) => r.component),
    covariance: o.covariance,
  });
  if (!se.available) return { se, ci: null, warnings: [`no standard errors: ${se.reason}`] };
  const warnings: string[] = [];
  for (const u of se.undetermined) {
    const name = `the component at index ${u.component} (α = ${result.alpha[u.component].toPrecision(3)})`;
    if (u.reason === 'runaway') {
      warnings.push(`standard errors: ${name} runs away (above), so its atom has none; its weight's error is conditional on the atom where the fit holds it`);
    } else {
      const partners = u.with.length > 0 ? ` it shares with ${u.with.map((k) => `index ${k}`).join(', ')} (components that nearly coincide trade off)` : '';
      warnings.push(`${name} is not determined by the data: the information is singular (or not positive) along a direction${partners}; no standard errors for it`);
    }
  }
  se.inflation.forEach((f, k) => {
    if (f !== null && f > INFLATION_WARNING) {
      warnings.push(`the errors of the component at index ${k} are inflated up to ${f.toPrecision(3)}× by its correlation with the other parameters: it is only weakly separated from them, and its intervals are wide`);
    }
  });
  if (!result.converged) warnings.push('the standard errors are taken where EM stopped, before it converged: they describe that point, not the maximum');
  if (result.ridge > 0) warnings.push(`the standard errors are of the penalised estimate (ridge λ = ${result.ridge}): the intervals are centred on a shrunken estimate and do not correct for its bias`);
  return { se, ci: waldIntervals(result.alpha, result.theta, se, o.level), warnings };
}
