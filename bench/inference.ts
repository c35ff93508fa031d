/**
 * Are the standard errors right? (issue 16, "Done when"). One design: p = 2000, L = 4, K = 3,
 * |θ_k| = 1.5 in random directions, α = (0.5, 0.3, 0.2), features and atoms from
 * `--design-seed`. Each replication draws N = 10⁵ fresh counts from the true π (seed
 * 1000 + r) and fits it with `se: true`; the components are matched to the truth by their
 * atoms. Per group (α; θ of each true component), over the replications:
 *   - coverage: how often the 95% Wald interval holds the true value, observed and robust;
 *   - SE/SD: the mean standard error over the Monte-Carlo SD of the estimates, per
 *     parameter, averaged in the group (worst parameter in brackets).
 * Then, on `--boot-reps` of the replications, the parametric bootstrap (B = `--B`): its SD
 * over the analytic SE, per group.
 *
 *   npx tsx bench/inference.ts [--reps 200] [--backend cpu|webgpu] [--boot-reps 3] [--B 200]
 *
 * `--backend webgpu` fits in headless Chromium (one page per fit, as the CLI does), and also
 * reports each fit's SEs over the cpu SEs on the same counts.
 */
import { Command } from 'commander';
import { simulate } from '../src/model/simulate.ts';
import { fitSoftmaxMixture, type FitOptions, type FitResult } from '../src/fit/fit.ts';
import { makeDataset } from '../src/model/data.ts';
import { matchComponents } from '../src/model/metrics.ts';
import { sampleMultinomial } from '../src/model/multinomial.ts';
import { Rng } from '../src/math/rng.ts';
import type { ErrorsOf } from '../src/inference/index.ts';

const opts = new Command()
  .option('--reps <n>', 'replications (fresh counts from the same design)', '200')
  .option('--backend <b>', 'cpu or webgpu', 'cpu')
  .option('--design-seed <n>', 'seed of the features and atoms', '1')
  .option('--N <n>', 'draws per replication', '100000')
  .option('--boot-reps <n>', 'replications that also get a bootstrap', '3')
  .option('--B <n>', 'bootstrap refits', '200')
  .parse()
  .opts<{ reps: string; backend: string; designSeed: string; N: string; bootReps: string; B: string }>();

const K = 3;
const L = 4;
const N = Number(opts.N);
const reps = Number(opts.reps);
const design = simulate({ p: 2000, L, K, N: 1, thetaNorm: 1.5, alpha: [0.5, 0.3, 0.2], seed: Number(opts.designSeed) });
const truth = { alpha: Array.from(design.truth.alpha), theta: Array.from(design.truth.theta) };
const groups = ['α', ...Array.from({ length: K }, (_, k) => `θ of component ${k} (α = ${truth.alpha[k]})`)];
/** the parameters of group g: indices into [α_0..α_{K−1}, θ_0,0..θ_{K−1},L−1] */
const members = (g: number) => (g === 0 ? Array.from({ length: K }, (_, k) => k) : Array.from({ length: L }, (_, l) => K + (g - 1) * L + l));
const trueValue = (i: number) => (i < K ? truth.alpha[i] : truth.theta[i - K]);

const fitOf = await fitterFor(opts.backend);
interface Replication {
  estimate: number[];
  observed: (number | null)[];
  robust: (number | null)[];
  /** webgpu only: its observed SE over the cpu one on the same counts */
  gpuOverCpu?: (number | null)[];
  fit: FitResult;
  counts: Float64Array;
}
const rows: Replication[] = [];
let undetermined = 0;
let notConverged = 0;
const t0 = performance.now();
for (let r = 0; r < reps; r++) {
  const counts = sampleMultinomial(new Rng(1000 + r), N, design.pi);
  const fit = await fitOf(counts, { K, se: true, seed: 1 });
  if (!fit.converged) notConverged++;
  if (!fit.se?.available) throw new Error(`replication ${r}: no standard errors (${fit.se ? fit.se.reason : 'none'})`);
  if (fit.se.undetermined.length > 0) undetermined++;
  const { permutation } = matchComponents({ alpha: fit.alpha, theta: fit.theta.flat() }, truth, K, L);
  const ordered = <T>(alpha: T[], theta: T[][]) => [...Array.from(permutation).map((s) => alpha[s]), ...Array.from(permutation).flatMap((s) => theta[s])];
  const row: Replication = { estimate: ordered(fit.alpha, fit.theta), observed: ordered(fit.se.alpha, fit.se.theta), robust: ordered(fit.se.robust.alpha, fit.se.robust.theta), fit, counts };
  if (opts.backend === 'webgpu') {
    const cpu = await fitSoftmaxMixture({ features: design.features, p: design.p, L, counts }, { K, se: true, seed: 1, backend: 'cpu' });
    const cpuErrors = (cpu.se?.available ? cpu.se : null) as ErrorsOf | null;
    const cpuOrder = Array.from(matchComponents({ alpha: cpu.alpha, theta: cpu.theta.flat() }, truth, K, L).permutation);
    const cpuSe = cpuErrors ? [...cpuOrder.map((s) => cpuErrors.alpha[s]), ...cpuOrder.flatMap((s) => cpuErrors.theta[s])] : [];
    row.gpuOverCpu = row.observed.map((s, i) => (s !== null && cpuSe[i] != null ? s / cpuSe[i]! : null));
  }
  rows.push(row);
  if ((r + 1) % 20 === 0) console.error(`${r + 1}/${reps} fits, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

const z = 1.959963984540054;
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const sd = (v: number[]) => {
  const m = mean(v);
  return Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1));
};
const covered = (kind: 'observed' | 'robust', i: number) => mean(rows.filter((r) => r[kind][i] !== null).map((r) => (Math.abs(r.estimate[i] - trueValue(i)) <= z * r[kind][i]! ? 1 : 0)));
const seOverSd = (kind: 'observed' | 'robust', i: number) => mean(rows.filter((r) => r[kind][i] !== null).map((r) => r[kind][i]!)) / sd(rows.map((r) => r.estimate[i]));
const worst = (ratios: number[]) => ratios.reduce((w, x) => (Math.abs(x - 1) > Math.abs(w - 1) ? x : w), 1);

console.log(`backend ${opts.backend}, ${reps} replications of N = ${N} on one design (design seed ${opts.designSeed}); ${notConverged} not converged, ${undetermined} with an undetermined component; ${((performance.now() - t0) / 1000).toFixed(0)} s`);
console.log('');
console.log('| group | coverage (observed) | coverage (robust) | SE/SD observed: mean [worst] | SE/SD robust: mean [worst] |' + (opts.backend === 'webgpu' ? ' webgpu SE / cpu SE: [min, max] |' : ''));
console.log('|---|---:|---:|---:|---:|' + (opts.backend === 'webgpu' ? '---:|' : ''));
for (let g = 0; g < groups.length; g++) {
  const ids = members(g);
  const ratioObs = ids.map((i) => seOverSd('observed', i));
  const ratioRob = ids.map((i) => seOverSd('robust', i));
  let gpu = '';
  if (opts.backend === 'webgpu') {
    const all = rows.flatMap((r) => ids.map((i) => r.gpuOverCpu![i])).filter((x): x is number => x !== null);
    gpu = ` [${Math.min(...all).toFixed(4)}, ${Math.max(...all).toFixed(4)}] |`;
  }
  console.log(
    `| ${groups[g]} | ${mean(ids.map((i) => covered('observed', i))).toFixed(3)} | ${mean(ids.map((i) => covered('robust', i))).toFixed(3)} | ${mean(ratioObs).toFixed(3)} [${worst(ratioObs).toFixed(3)}] | ${mean(ratioRob).toFixed(3)} [${worst(ratioRob).toFixed(3)}] |${gpu}`,
  );
}

const bootReps = Math.min(Number(opts.bootReps), rows.length);
if (bootReps > 0) {
  console.log('');
  console.log(`Parametric bootstrap, B = ${opts.B}, on replications 0..${bootReps - 1}: bootstrap SD / observed SE per group, mean [worst]`);
  console.log('');
  console.log('| replication | ' + groups.join(' | ') + ' | refits failed | s |');
  console.log('|---:|' + groups.map(() => '---:|').join('') + '---:|---:|');
  for (let r = 0; r < bootReps; r++) {
    const { fit, counts } = rows[r];
    const boot = await fitOf(counts, { K, se: true, seed: 1, bootstrap: Number(opts.B) });
    const b = boot.bootstrap!;
    const se = boot.se!.available ? boot.se! : null;
    if (!se || !se.available) throw new Error('no SEs');
    const flatBoot = [...b.sd.alpha, ...b.sd.theta.flat()];
    const flatSe = [...se.alpha, ...se.theta.flat()];
    // the bootstrap's components are in the fit's order: group by the fit's match to the truth
    const { permutation } = matchComponents({ alpha: fit.alpha, theta: fit.theta.flat() }, truth, K, L);
    const index = (i: number) => (i < K ? permutation[i] : K + permutation[Math.floor((i - K) / L)] * L + ((i - K) % L));
    const cells = groups.map((_, g) => {
      const ratios = members(g).map((i) => flatBoot[index(i)] / flatSe[index(i)]!);
      return `${mean(ratios).toFixed(3)} [${worst(ratios).toFixed(3)}]`;
    });
    console.log(`| ${r} | ${cells.join(' | ')} | ${b.failed} | ${(b.timeMs / 1000).toFixed(1)} |`);
  }
}

/** A fit of the design's features with these counts, on the chosen backend. */
async function fitterFor(backend: string): Promise<(counts: Float64Array, o: FitOptions) => Promise<FitResult>> {
  if (backend === 'cpu') return (counts, o) => fitSoftmaxMixture({ features: design.features, p: design.p, L, counts }, { ...o, backend: 'cpu' });
  if (backend !== 'webgpu') throw new Error(`--backend must be cpu or webgpu, got ${backend}`);
  const { runFitInBrowser } = await import('../src/browser/run-in-browser.ts');
  return (counts, o) => runFitInBrowser(makeDataset({ features: design.features, p: design.p, L, counts }), { ...o, backend: 'webgpu' });
}
