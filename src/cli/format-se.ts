/**
 * `softmix fit --se` / `--bootstrap`: the estimates with their errors as a table for stderr
 * (the JSON on stdout carries every number; this is for reading). One block per component:
 * its weight, then each atom coordinate, with the observed-information SE, the Wald
 * interval, the robust SE and, with a bootstrap, its SD and percentile interval.
 */
import type { FitResult } from '../fit/fit.ts';

/** Atom coordinates shown per component; the JSON has all of them. */
export const MAX_ROWS_PER_COMPONENT = 12;

export function formatStandardErrors(fit: FitResult): string {
  const se = fit.se;
  const boot = fit.bootstrap;
  const lines: string[] = [];
  if (se && !se.available) lines.push(`standard errors: ${se.reason}`);
  const analytic = se && se.available ? se : null;
  if (!analytic && !boot) return lines.join('\n');
  const level = fit.ci?.level ?? boot?.level ?? 0.95;
  const pct = `${+(100 * level).toFixed(2)}%`;
  const header = ['parameter', 'estimate'];
  if (analytic) header.push('SE', `${pct} Wald`, 'robust SE');
  if (boot) header.push('bootstrap SD', `${pct} percentile`);
  const rows: string[][] = [header];
  const cell = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toPrecision(4));
  const interval = (v: [number, number] | null | undefined) => (v ? `[${v[0].toPrecision(4)}, ${v[1].toPrecision(4)}]` : '—');
  /** one row: the weight of component k (l = null) or its atom's coordinate l */
  const add = (k: number, l: number | null) => {
    const pick = <T>(of: { alpha: T[]; theta: T[][] } | undefined | null) => (of ? (l === null ? of.alpha[k] : of.theta[k][l]) : undefined);
    const row = [l === null ? `α[${k}]` : `θ[${k}][${l}]`, (l === null ? fit.alpha[k] : fit.theta[k][l]).toPrecision(5)];
    if (analytic) row.push(cell(pick(analytic)), interval(pick(fit.ci)), cell(pick(analytic.robust)));
    if (boot) row.push(cell(pick(boot.sd)), interval(pick(boot.ci)));
    rows.push(row);
  };
  for (let k = 0; k < fit.K; k++) {
    add(k, null);
    const shown = Math.min(fit.L, MAX_ROWS_PER_COMPONENT);
    for (let l = 0; l < shown; l++) add(k, l);
    if (shown < fit.L) rows.push([`θ[${k}][${shown}..${fit.L - 1}]`, `(${fit.L - shown} more in the JSON)`]);
  }
  const widths = header.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows) lines.push(r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : (v ?? '').padStart(widths[c]))).join('  ').trimEnd());
  if (analytic) {
    for (const u of analytic.undetermined) {
      lines.push(`— component ${u.component}: ${u.reason === 'runaway' ? 'runs away (no finite atom): no atom errors' : `not determined by the data${u.with.length ? ` (trades off with ${u.with.join(', ')})` : ''}: no errors`}`);
    }
  }
  if (boot) lines.push(`bootstrap: ${boot.B} refits (seed ${boot.seed}), ${boot.failed} failed, ${boot.notConverged} not converged, ${(boot.timeMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}
