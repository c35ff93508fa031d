/** A fit as a short human-readable report (the main job prints this). */
import type { FitResult } from './fit.ts';
import type { TruthComparison } from './report.ts';

export function formatFitReport(fit: FitResult, truthError?: TruthComparison): string {
  const lines: string[] = [];
  const dev = fit.device;
  lines.push(`softmix fit: K = ${fit.K} components, p = ${fit.p} items, L = ${fit.L} features, N = ${fit.N} draws`);
  lines.push(`backend ${fit.backend} on ${dev.description}${dev.vendor ? ` (${dev.vendor}${dev.architecture ? `, ${dev.architecture}` : ''})` : ''}`);
  lines.push('');
  lines.push('  k   weight    |θ_k|   θ_k (first coordinates)');
  fit.alpha.forEach((a, k) => {
    const th = fit.theta[k];
    const norm = Math.hypot(...th);
    const head = th.slice(0, 6).map((v) => (v >= 0 ? ' ' : '') + v.toFixed(3)).join(' ');
    lines.push(`  ${String(k + 1).padStart(2)}  ${a.toFixed(4)}  ${norm.toFixed(3).padStart(6)}   ${head}${th.length > 6 ? ' …' : ''}`);
  });
  lines.push('');
  lines.push(`ℓ = ${fit.logLik.toFixed(4)}   ℓ/N = ${fit.logLikPerSample.toFixed(8)}   |∇(ℓ/N)| = ${fit.gradientNorm.toExponential(2)}`);
  lines.push(
    `${fit.converged ? 'converged' : `NOT converged (${fit.stopReason})`} after ${fit.iterations} EM iterations (tol ${fit.tol}), ` +
      `${fit.starts.length} start${fit.starts.length > 1 ? 's' : ''}`,
  );
  const t = fit.timings;
  lines.push(`time: setup ${t.setupMs.toFixed(0)} ms, EM ${t.emMs.toFixed(0)} ms (${t.perIterationMs.toFixed(1)} ms per iteration), total ${t.totalMs.toFixed(0)} ms`);
  lines.push(`device work: ${fit.stats.passes} passes over p, ${fit.stats.dispatches} dispatches, ${fit.stats.bytesRead} bytes read back`);
  if (truthError) {
    lines.push(`against the truth: max |θ̂ − θ| = ${truthError.thetaError.toFixed(4)}, max |α̂ − α| = ${truthError.alphaError.toFixed(4)}, W1 = ${truthError.w1.toFixed(4)}`);
  }
  for (const w of fit.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}

/** The demo page's report (per component weight and characteristic items) as text. */
export function formatPageReport(r: import('../app/protocol.ts').PageReport): string {
  const lines: string[] = [];
  lines.push(`softmix on ${r.description}`);
  lines.push(`K = ${r.K} components, p = ${r.p} items, L = ${r.L} features, N = ${r.N}; backend ${r.backend} on ${r.device}`);
  lines.push('');
  for (const c of r.components) {
    lines.push(`component ${c.component}  weight ${c.weight.toFixed(3)}  |θ| ${c.norm.toFixed(2)}`);
    lines.push(`   ${c.items.map((i) => i.label).join(', ')}`);
  }
  lines.push('');
  const ll = r.logLikPerSample;
  lines.push(`ℓ/N train ${ll.train.toFixed(5)}${ll.heldout !== undefined ? `   held-out ${ll.heldout.toFixed(5)}` : ''}${ll.truth !== undefined ? `   at the truth ${ll.truth.toFixed(5)}` : ''}`);
  lines.push(`${r.converged ? 'converged' : `NOT converged (${r.stopReason})`} after ${r.iterations} EM iterations`);
  const t = r.timings;
  lines.push(
    `time: load ${t.loadMs.toFixed(0)} ms, setup ${t.setupMs.toFixed(0)} ms, starts ${t.initMs.toFixed(0)} ms, EM ${(t.emMs / 1000).toFixed(1)} s ` +
      `(${t.perIterationMs.toFixed(0)} ms per iteration), report ${t.reportMs.toFixed(0)} ms, total ${(t.totalMs / 1000).toFixed(1)} s`,
  );
  if (r.error) lines.push(`against the truth: max |θ̂ − θ| = ${r.error.thetaError.toFixed(4)}, max |α̂ − α| = ${r.error.alphaError.toFixed(4)}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
