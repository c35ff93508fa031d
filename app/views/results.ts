/**
 * The results view (#results): summary, weights, atoms in 2-D, error against the truth,
 * characteristic items per component, starts, timings, device, warnings.
 */
import type uPlot from 'uplot';
import type { FitResult } from '../../src/fit/fit.ts';
import type { PageReport } from '../protocol.ts';
import { el, int, ms, num } from '../dom.ts';
import { colour } from '../charts/palette.ts';
import { weightsChart } from '../charts/weights-chart.ts';
import { atomsChart } from '../charts/atoms-chart.ts';
import { principalPlane, project } from '../projection.ts';
import { deviceTable, errorTable, startsTable, timingsTable } from './tables.ts';

function summary(fit: FitResult, report: PageReport): HTMLElement {
  const ll = report.logLikPerSample;
  const entries: [string, string][] = [
    ['components K', String(fit.K)],
    ['items p × features L', `${int(fit.p)} × ${fit.L}`],
    ['draws N', int(fit.N)],
    ['backend', fit.backend === 'webgpu' ? `webgpu — ${fit.device.description}` : `cpu — ${fit.device.description}`],
    ['ℓ/N (fitted counts)', num(ll.train, 7)],
  ];
  if (ll.heldout !== undefined) entries.push(['ℓ/N held out', num(ll.heldout, 7)]);
  if (ll.truth !== undefined) entries.push(['ℓ/N at the truth', num(ll.truth, 7)]);
  entries.push(
    ['first start', fit.mom && !fit.mom.ok ? `${fit.init} failed → subspace (see warnings)` : fit.init],
    ['EM iterations', `${fit.iterations}${fit.converged ? ', converged' : ` — stopped: ${fit.stopReason}`}`],
    ['gain still to come', report.convergence ? `≤ ${num(report.convergence.remaining, 2)} nats (${report.convergence.test} certificate; target tol·N = ${num(report.convergence.target, 2)})` : 'not certified'],
    ['|∇(ℓ/N)| at the end', num(fit.gradientNorm, 3)],
  );
  entries.push(['search', `${report.search.chosen} fit kept (${report.search.eSteps} E-steps over every climb): ${report.search.reason}`]);
  const rep = report.replacement;
  if (rep) entries.push(['component replacement', `${rep.kept} of ${rep.trials} trials kept, +${rep.gain.toFixed(1)} nats`]);
  for (const r of report.runaway) entries.push([`component ${r.component} runs away`, `spread ${r.scoreSpread.toFixed(0)} nats, ${(100 * r.mass).toFixed(0)}% on ${r.items.join(', ')}`]);
  const se = report.standardErrors;
  if (se) entries.push(['standard errors', se.available ? `observed information, ${+(100 * (se.level ?? 0.95)).toFixed(1)}% Wald intervals` : se.reason ?? 'not available']);
  if (report.error) entries.push(['max |θ̂ − θ| (truth)', num(report.error.thetaError, 4)]);
  entries.push(['time', ms(report.timings.totalMs)]);
  return el('dl', { class: 'summary' }, ...entries.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, v))));
}

/** " ± se" to the precision of the error's two leading digits; "" without an error */
function pm(se: number | null | undefined): string {
  if (se === undefined) return '';
  return se === null ? ' ± —' : ` ± ${se.toPrecision(2)}`;
}

/** The atom's coordinates with their errors, folded away (L can be in the hundreds). */
function atomErrors(c: PageReport['components'][number], atom: number[]): HTMLElement {
  const rows = atom.map((t, l) => el('li', {}, `θ${l} = ${t.toPrecision(4)}${pm(c.errors!.atom[l])}`));
  const missing = c.errors!.atom.every((s) => s === null);
  return el('details', { class: 'atom-errors' }, el('summary', {}, missing ? 'atom: no standard errors (see warnings)' : `atom ± standard errors (${atom.length} coordinates)`), el('ol', { start: 0 }, ...rows));
}

function componentCards(report: PageReport, theta: number[][]): HTMLElement {
  const what = report.dataset === 'books' ? 'words' : 'items';
  return el(
    'div',
    { class: 'components' },
    ...report.components.map((c) =>
      el(
        'div',
        { class: 'component', 'data-component': c.component, style: `--c: ${colour(c.component - 1)}` },
        el('h4', {}, `Component ${c.component} · α̂ = ${c.weight.toFixed(3)}${pm(c.errors?.weight)} · |θ| = ${c.norm.toFixed(2)}${pm(c.errors?.norm)}`),
        c.items.length
          ? el(
              'ol',
              {},
              ...c.items.map((i) =>
                el('li', { title: `item ${i.index}: count ${i.count}, score ${i.score.toFixed(1)}` }, i.label, el('span', { class: 'lift' }, `×${i.lift.toFixed(2)}`)),
              ),
            )
          : el('p', { class: 'muted' }, `no ${what}`),
        c.errors ? atomErrors(c, theta[c.component - 1]) : null,
      ),
    ),
  );
}

/** Renders into `root` (made visible); returns a function that releases the charts. */
export function renderResults(root: HTMLElement, fit: FitResult, report: PageReport): () => void {
  const weightsBox = el('div', { class: 'chart' });
  const atomsBox = el('div', { class: 'chart' });
  const plane = principalPlane(fit.theta, fit.L);
  const truth = report.truth && report.error ? report.truth : undefined;
  const what = report.dataset === 'books' ? 'words' : 'items';

  const parts: (Node | null)[] = [
    el('h2', {}, 'Results'),
    el('p', { class: 'caption' }, report.description),
    summary(fit, report),
    el(
      'div',
      { class: 'two' },
      el(
        'figure',
        {},
        weightsBox,
        el(
          'figcaption',
          {},
          `Weights α̂_k of the ${fit.K} components (sorted)${fit.ci ? `; bars: ${+(100 * fit.ci.level).toFixed(1)}% Wald intervals` : ''}${truth ? '; rings: the true weight of the matched component' : ''}.`,
        ),
      ),
      el(
        'figure',
        {},
        atomsBox,
        el(
          'figcaption',
          {},
          `Atoms θ̂_k projected onto the top two principal axes of the fitted atoms (${(100 * plane.share).toFixed(0)}% of Σ|θ̂_k|²); + marks θ = 0.` +
            (truth ? ' Rings: the true atoms, dashed to the fitted atom each is matched with.' : ''),
        ),
      ),
    ),
    report.error ? el('div', {}, el('h3', {}, 'Error against the truth'), errorTable(report.error)) : null,
    el('h3', {}, `Characteristic ${what} per component`),
    el('p', { class: 'caption' }, `Highest n_j·r_jk·log(r_jk/α_k): expected count of the ${what.slice(0, -1)} in the component times its log-lift; ×lift = σ_j(θ_k)/π_j.`),
    componentCards(report, fit.theta),
    el(
      'div',
      { class: 'two' },
      el('div', {}, el('h3', {}, 'Starts'), startsTable(fit)),
      el('div', {}, el('h3', {}, 'Time per phase'), timingsTable(report, fit)),
    ),
    el('div', { class: 'two' }, el('div', {}, el('h3', {}, 'Adapter and device'), deviceTable(fit)), warnings(report.warnings)),
  ];
  root.replaceChildren(...parts.filter((n): n is Node => n !== null));
  root.hidden = false;

  const trueAlpha = truth ? fit.alpha.map((_, s) => { const k = report.error!.permutation.indexOf(s); return k >= 0 ? truth.alpha[k] : null; }) : undefined;
  const charts: uPlot[] = [
    weightsChart(weightsBox, fit.alpha, trueAlpha, fit.ci?.alpha),
    atomsChart(
      atomsBox,
      {
        fitted: fit.theta.map((t) => project(t, plane)),
        truth: truth ? { points: truth.theta.map((t) => project(t, plane)), matchedTo: report.error!.permutation } : undefined,
      },
      ['principal axis 1', 'principal axis 2'],
    ),
  ];
  return () => charts.forEach((c) => c.destroy());
}

function warnings(list: string[]): HTMLElement {
  return el(
    'div',
    {},
    el('h3', {}, 'Warnings'),
    list.length ? el('ul', { class: 'warnings' }, ...list.map((w) => el('li', {}, w))) : el('p', { class: 'muted' }, 'none'),
  );
}
