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
