/** The "Choose K" sweep's table: one row per K, the chosen one marked. */
import type { SelectionRow } from '../../src/fit/select.ts';
import type { SelectionSummary } from '../protocol.ts';
import { el, num, table } from '../dom.ts';

export function selectionTable(rows: SelectionRow[], chosen?: SelectionSummary['chosen']): HTMLTableElement {
  return table(
    ['K', 'd', 'validation ℓ/N', 'Δ to best ± se', 'train ℓ/N', 'BIC', 'AIC', 'converged', 'E-steps', 'time'],
    rows.map((r) => [
      r.K,
      r.parameters,
      num(r.validationLogLikPerSample, 7),
      Number.isNaN(r.differenceFromBest) ? '…' : `${num(r.differenceFromBest, 2)} ± ${num(r.differenceStdError, 2)}`,
      num(r.trainLogLikPerSample, 7),
      num(r.bic, 8),
      num(r.aic, 8),
      r.converged ? 'yes' : r.stopReason,
      r.eSteps,
      `${r.seconds.toFixed(1)} s`,
    ]),
    (i) => (chosen && i === chosen.index ? 'best' : undefined),
  );
}

/** One line under the table: what each criterion picks. */
export function selectionVerdict(s: SelectionSummary): HTMLElement {
  const N = (i: number) => s.split.NTrain[i] + s.split.NValidation[i];
  return el(
    'p',
    { class: 'caption', 'data-chosen-k': s.chosen.K },
    `Chosen: K = ${s.chosen.K} (best validation ℓ/N); the smallest K within one standard error of it: ${s.oneSeChoice.K}; BIC would pick K = ${s.bicChoice.K}. ` +
      `Split of the N = ${N(0)} draws: ${s.split.NTrain[0]} to fit, ${s.split.NValidation[0]} to score (seed ${s.split.seed}).`,
  );
}
