/** The demo page's report (per component weight and characteristic items) as text. */
export function formatPageReport(r: import('../../app/protocol.ts').PageReport): string {
  const lines: string[] = [];
  lines.push(`softmix on ${r.description}`);
  lines.push(`K = ${r.K} components, p = ${r.p} items, L = ${r.L} features, N = ${r.N}; backend ${r.backend} on ${r.device}`);
  lines.push('');
  for (const c of r.components) {
    const pm = (se: number | null | undefined) => (se === undefined ? '' : se === null ? ' ± —' : ` ± ${se.toPrecision(2)}`);
    lines.push(`component ${c.component}  weight ${c.weight.toFixed(3)}${pm(c.errors?.weight)}  |θ| ${c.norm.toFixed(2)}${pm(c.errors?.norm)}`);
    lines.push(`   ${c.items.map((i) => i.label).join(', ')}`);
  }
  if (r.standardErrors) {
    lines.push(r.standardErrors.available ? '(± one standard error, from the observed information; per-coordinate errors in report.json)' : `no standard errors: ${r.standardErrors.reason}`);
  }
  lines.push('');
  const ll = r.logLikPerSample;
  lines.push(`ℓ/N train ${ll.train.toFixed(5)}${ll.heldout !== undefined ? `   held-out ${ll.heldout.toFixed(5)}` : ''}${ll.truth !== undefined ? `   at the truth ${ll.truth.toFixed(5)}` : ''}`);
  const c = r.convergence;
  lines.push(
    `${r.converged ? 'converged' : `NOT converged (${r.stopReason})`} after ${r.iterations} EM iterations` +
      (c ? `: the gain still to come is at most ${c.remaining.toExponential(2)} nats (${c.test} certificate; target tol·N = ${c.target.toExponential(2)})` : ''),
  );
  for (const x of r.runaway) {
    lines.push(`component ${x.component} runs away (no finite atom; carried on): scores spread ${x.scoreSpread.toFixed(0)} nats, ${(100 * x.mass).toFixed(0)}% on ${x.items.join(', ')}`);
  }
  if (r.search) {
    const stages = r.search.stages ? ` (ℓ_λ/N by components: ${r.search.stages.map((g) => `${g.K}: ${g.logLikPerSample.toFixed(5)}`).join(', ')})` : '';
    lines.push(`search: ${r.search.chosen} fit kept, ${r.search.eSteps} E-steps over every climb: ${r.search.reason}${stages}`);
  }
  if (r.replacement) {
    const x = r.replacement;
    lines.push(`component replacement: ${x.kept} of ${x.trials} trials kept, objective +${x.gain.toFixed(1)} nats (ended: ${x.stopReason})`);
  }
  const t = r.timings;
  lines.push(
    `time: load ${t.loadMs.toFixed(0)} ms, setup ${t.setupMs.toFixed(0)} ms, starts ${t.initMs.toFixed(0)} ms, EM ${(t.emMs / 1000).toFixed(1)} s${t.seMs > 0 ? `, standard errors ${t.seMs.toFixed(0)} ms` : ''} ` +
      `(${t.perIterationMs.toFixed(0)} ms per iteration), report ${t.reportMs.toFixed(0)} ms, total ${(t.totalMs / 1000).toFixed(1)} s`,
  );
  if (r.error) lines.push(`against the truth: max |θ̂ − θ| = ${r.error.thetaError.toFixed(4)}, max |α̂ − α| = ${r.error.alphaError.toFixed(4)}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
