/** The small tables of the results view: starts, timings per phase, the device. */
import type { FitResult } from '../../src/fit/fit.ts';
import type { PageReport } from '../protocol.ts';
import { el, int, ms, num, table } from '../dom.ts';

export function startsTable(fit: FitResult): HTMLTableElement {
  const best = fit.starts.reduce((b, s) => ((s.finalLogLik ?? -Infinity) > (b.finalLogLik ?? -Infinity) ? s : b), fit.starts[0]);
  const perN = (v: number | null) => (v === null ? '—' : num(v / fit.N, 7));
  return table(
    ['start', 'kind', 'seed', 'ℓ/N screened', 'ℓ/N final', 'iterations', 'E-steps', 'time'],
    fit.starts.map((s) => [s.index + 1, s.kind, s.seed ?? '—', perN(s.screenLogLik), perN(s.finalLogLik), s.iterations, s.eSteps, ms(s.timeMs)]),
    (i) => (fit.starts[i] === best ? 'best' : undefined),
  );
}

export function timingsTable(report: PageReport, fit: FitResult): HTMLTableElement {
  const t = report.timings;
  const loadWhat = report.dataset === 'books' ? 'fetch and parse the data' : report.dataset === 'sim' ? 'simulate the data' : 'read and parse the files';
  return table(
    ['phase', 'time'],
    [
      [loadWhat, ms(t.loadMs)],
      ['set-up: validation, centring, engine and upload', ms(t.setupMs)],
      [`starting points (${fit.init}${fit.starts.length > 1 ? ` + ${fit.starts.length - 1} more` : ''})`, ms(t.initMs)],
      [`EM: ${fit.starts.length} start${fit.starts.length > 1 ? 's' : ''}, ${fit.iterations} iterations of the best`, ms(t.emMs)],
      ['— per EM iteration', ms(t.perIterationMs)],
      ...(fit.se ? [['standard errors: information, inverse', ms(t.seMs)]] : []),
      ['stationarity check, sorting, release', ms(t.finishMs)],
      ['report: characteristic items, ℓ/N, error', ms(t.reportMs)],
      ['total in the worker', ms(t.totalMs)],
    ],
  );
}

export function deviceTable(fit: FitResult): HTMLTableElement {
  const d = fit.device;
  const rows: (string | number)[][] = [
    ['backend', fit.backend],
    ['device', d.description],
  ];
  if (d.vendor) rows.push(['vendor', d.vendor]);
  if (d.architecture) rows.push(['architecture', d.architecture]);
  for (const [name, v] of Object.entries(d.limits ?? {})) rows.push([name, int(v)]);
  rows.push(['passes over p', int(fit.stats.passes)], ['dispatches', int(fit.stats.dispatches)], ['bytes read back', int(fit.stats.bytesRead)]);
  return table(['', ''], rows);
}

export function errorTable(error: NonNullable<PageReport['error']>): HTMLElement {
  return el(
    'div',
    {},
    table(
      ['against the truth', ''],
      [
        ['max_k |θ̂_k − θ_k| (matched atoms)', num(error.thetaError, 4)],
        ['max_k |α̂_k − α_k|', num(error.alphaError, 4)],
        ['W1 between the mixing measures', num(error.w1, 4)],
      ],
    ),
  );
}
