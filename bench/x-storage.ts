/**
 * What storing X as f16 on the device (FitOptions.xStorage, engines/webgpu/x-storage.ts)
 * costs a fit: the same WebGPU fit (Dawn, the same start) with X as f32 and as f16, each
 * result evaluated in float64 on the features as given (ℓ/N, mixture.ts), and compared with
 * each other and with the truth the data were simulated from. Two fits stopped by a float32
 * convergence test differ by where each stopped as well as by X's rounding, so the maxima
 * are found too: the float64 cpu engine, from the f32 fit, run to a tight tolerance on the
 * features as given and on the features rounded to f16 (the engine rounds the centred,
 * scaled features: the same relative rounding, 2⁻¹¹). f16 is harmless where the two maxima
 * lie far closer than the estimate's own error from the truth (the statistical rate here).
 *
 *   npx tsx bench/x-storage.ts [--p 20000] [--L 64] [--K 8] [--N 1e7] [--seed 5] [--out bench/x-storage.md]
 *
 * Needs WebGPU through Dawn (the `webgpu` package; SwiftShader here, src/node/vulkan.ts),
 * and so the WGSL loader hook first (wgsl-loader.ts) and the modules that reach WGSL after it.
 */
import './wgsl-loader.ts';
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { simulate } from '../src/model/simulate.ts';
import type { FitResult } from '../src/fit/result.ts';
import { mixtureLogProbabilities } from '../src/model/mixture.ts';
import { roundToFloat16 } from '../src/math/float16.ts';
import { matchComponents } from '../src/model/metrics.ts';
import { dawnGpu } from '../src/node/dawn.ts';

const { fitSoftmaxMixture } = await import('../src/fit/fit.ts');

const o = new Command()
  .option('--p <n>', 'items', '20000')
  .option('--L <n>', 'features', '64')
  .option('--K <n>', 'components', '8')
  .option('--N <n>', 'draws', '1e7')
  .option('--seed <n>', 'simulation seed', '5')
  .option('--max-iter <n>', 'EM iterations at most', '1000')
  .option('--out <file>', 'markdown table')
  .parse()
  .opts();
const [p, L, K, N] = [Number(o.p), Number(o.L), Number(o.K), Number(o.N)];
const sim = simulate({ p, L, K, N, seed: Number(o.seed), thetaNorm: 1.5 });
const gpu = await dawnGpu();

const flat = (theta: number[][]) => Float64Array.from(theta.flat());
const rounded = sim.features.map(roundToFloat16);
/** Σ_j n_j log π_j / N in float64 on the features as given (or on `features`). */
function logLikPerSample(r: FitResult, features: Float32Array = sim.features): number {
  const logPi = mixtureLogProbabilities(features, p, L, { alpha: Float64Array.from(r.alpha), theta: flat(r.theta) });
  let s = 0;
  for (let j = 0; j < p; j++) if (sim.counts[j] > 0) s += sim.counts[j] * logPi[j];
  return s / N;
}

const runs: { storage: 'f32' | 'f16'; r: FitResult; ms: number }[] = [];
for (const storage of ['f32', 'f16'] as const) {
  const t = performance.now();
  const r = await fitSoftmaxMixture(
    { features: sim.features, counts: sim.counts, p, L },
    { K, backend: 'webgpu', gpu, xStorage: storage, init: 'random', restarts: 0, search: 'narrow', seed: 1, maxIter: Number(o.maxIter) },
  );
  runs.push({ storage, r, ms: performance.now() - t });
  console.error(`${storage}: ${r.iterations} iterations, ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
const [a, b] = runs;
// the maxima on X and on X rounded to f16, in float64, from the f32 fit
const maxima: FitResult[] = [];
for (const features of [sim.features, rounded]) {
  const t = performance.now();
  maxima.push(await fitSoftmaxMixture({ features, counts: sim.counts, p, L }, { K, backend: 'cpu', init: { alpha: a.r.alpha, theta: a.r.theta }, restarts: 0, search: 'narrow', tol: 1e-11, maxIter: 2000 }));
  console.error(`maximum: ${maxima.at(-1)!.iterations} iterations, ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
const truth = { alpha: sim.truth.alpha, theta: sim.truth.theta };
const measure = (r: FitResult) => ({ alpha: Float64Array.from(r.alpha), theta: flat(r.theta) });
const toTruth = runs.map(({ r }) => matchComponents(measure(r), truth, K, L));
const between = matchComponents(measure(b.r), measure(a.r), K, L);
const maxToTruth = maxima.map((r) => matchComponents(measure(r), truth, K, L));
const maxBetween = matchComponents(measure(maxima[1]), measure(maxima[0]), K, L);
const stopped = runs.map(({ r }, i) => matchComponents(measure(r), measure(maxima[i]), K, L));
const xBytes = (r: FitResult) => r.stats.buffers['X chunks'] ?? NaN;
const stoppedAt = (r: FitResult) => (r.convergence ? `${r.convergence.remaining.toFixed(1)} < ${r.convergence.target.toFixed(1)}${r.convergence.atRoundingFloor ? ' (float32 floor)' : ''}` : `not converged (${r.stopReason})`);

const lines = [
  `# X as f16 against f32 on the device (\`npx tsx bench/x-storage.ts --p ${p} --L ${L} --K ${K} --N ${o.N} --seed ${o.seed}\`)`,
  '',
  `Simulated p = ${p}, L = ${L}, K = ${K}, N = ${o.N} (seed ${o.seed}); the same WebGPU fit (${a.r.device.description}, Dawn; random start, seed 1, no restarts) with X stored as f32 and as f16. ℓ/N is evaluated in float64 on the features as given; atom errors are max_k |θ̂_k − θ_k| after matching components.`,
  '',
  '| X on the device | X bytes | iterations | stopped: gain left certified below (nats) | ℓ/N (float64) | max atom error vs truth | max weight error vs truth | wall |',
  '|---|---|---|---|---|---|---|---|',
  ...runs.map(({ storage, r, ms }, i) => `| ${storage} | ${xBytes(r)} | ${r.iterations} | ${stoppedAt(r)} | ${logLikPerSample(r).toFixed(9)} | ${toTruth[i].thetaError.toExponential(3)} | ${toTruth[i].alphaError.toExponential(3)} | ${(ms / 1000).toFixed(1)} s |`),
  '',
  `The two WebGPU fits: ℓ/N differs by ${(logLikPerSample(b.r) - logLikPerSample(a.r)).toExponential(2)}; the atoms by at most ${between.thetaError.toExponential(3)} and the weights by ${between.alphaError.toExponential(3)}, against the f32 fit's own error of ${toTruth[0].thetaError.toExponential(3)} and ${toTruth[0].alphaError.toExponential(3)} from the truth. Each stopped at its float32 convergence test, the f32 fit ${stopped[0].thetaError.toExponential(2)} (atoms) from the maximum on X, the f16 fit ${stopped[1].thetaError.toExponential(2)} from the maximum on X rounded to f16; the gain in fact left, ℓ at that maximum less ℓ where the fit stopped (float64, on the features each fitted), was ${(N * (logLikPerSample(maxima[0]) - logLikPerSample(a.r))).toFixed(1)} and ${(N * (logLikPerSample(maxima[1], rounded) - logLikPerSample(b.r, rounded))).toFixed(1)} nats.`,
  '',
  '| float64 maximum (cpu engine, tol 1e-11) on | iterations | ℓ/N on X (float64) | max atom error vs truth | max weight error vs truth |',
  '|---|---|---|---|---|',
  ...maxima.map((r, i) => `| ${i === 0 ? 'X' : 'X rounded to f16'} | ${r.iterations} | ${logLikPerSample(r).toFixed(9)} | ${maxToTruth[i].thetaError.toExponential(3)} | ${maxToTruth[i].alphaError.toExponential(3)} |`),
  '',
  `Rounding X to f16 moves the maximum by at most ${maxBetween.thetaError.toExponential(3)} in the atoms and ${maxBetween.alphaError.toExponential(3)} in the weights (ℓ/N on X ${(logLikPerSample(maxima[1]) - logLikPerSample(maxima[0])).toExponential(2)}), against the estimate's own error of ${maxToTruth[0].thetaError.toExponential(3)} and ${maxToTruth[0].alphaError.toExponential(3)} from the truth at this N.`,
  '',
];
console.log(lines.join('\n'));
if (o.out) writeFileSync(o.out, lines.join('\n'));
