/**
 * The MoM warm start's M̂_2 at large L: its top K eigenpairs by Lanczos on WebGPU products
 * (one directionCrossMoments pass each; mom/moments.ts latentSubspace 'lanczos') against
 * M̂_2 formed on the cpu engine (one count Gram pass and the host's L³), on one simulated
 * problem: time, products, X reads, and how far apart the eigenvalues and the subspaces are.
 *
 *   npx tsx bench/mom-lanczos.ts [--p 20000] [--L 1024] [--K 4]
 *
 * WebGPU runs through Dawn (SwiftShader here, a GPU where one is), which needs the `?raw`
 * WGSL imports turned into modules: the same loader hook as bin/softmix.mjs.
 */
import './wgsl-loader.ts';
import { Command } from 'commander';
import { createCpuEngine } from '../src/engines/cpu.ts';
import { simulate } from '../src/model/simulate.ts';
import { makeDataset, designStats } from '../src/model/data.ts';
import { designWhitening } from '../src/model/whitening.ts';
import { latentSubspace } from '../src/mom/index.ts';

const { createWebGpuEngine } = await import('../src/engines/webgpu/engine.ts');
const { dawnGpu } = await import('../src/node/dawn.ts');

const o = new Command()
  .option('--p <n>', 'items', (v) => Number(v), 20_000)
  .option('--L <n>', 'features', (v) => Number(v), 1024)
  .option('--K <n>', 'components (eigenpairs)', (v) => Number(v), 4)
  .parse()
  .opts<{ p: number; L: number; K: number }>();
const { p, L, K } = o;
const sim = simulate({ p, L, K, N: 1e7, thetaNorm: 1.5, seed: 7 });
const data = makeDataset({ features: sim.features, p, L, counts: sim.counts });
const design = designStats(data);
const whitening = designWhitening(design.covariance, L);
const cpu = createCpuEngine({ p, L, features: design.centred, counts: data.counts });
const gpu = await createWebGpuEngine({ p, L, features: design.centred, counts: data.counts }, { gpu: await dawnGpu() });
let t = performance.now();
const dense = await latentSubspace(cpu, whitening, K, 'dense');
const denseMs = performance.now() - t;
t = performance.now();
const lanczos = await latentSubspace(gpu, whitening, K, 'lanczos');
const lanczosMs = performance.now() - t;
let projector = 0;
for (let a = 0; a < L; a++) {
  for (let b = 0; b < L; b++) {
    let x = 0;
    let y = 0;
    for (let k = 0; k < K; k++) {
      x += dense.subspace.U[a * K + k] * dense.subspace.U[b * K + k];
      y += lanczos.subspace.U[a * K + k] * lanczos.subspace.U[b * K + k];
    }
    projector = Math.max(projector, Math.abs(x - y));
  }
}
const rel = Math.max(...Array.from(dense.subspace.D, (d, k) => Math.abs(lanczos.subspace.D[k] - d) / Math.abs(d)));
console.log(`p = ${p}, L = ${L}, K = ${K}; WebGPU: ${gpu.device.description}`);
console.log(`formed M̂_2 (cpu engine: count Gram pass + host L³): ${(denseMs / 1000).toFixed(1)} s`);
console.log(`Lanczos (WebGPU products): ${(lanczosMs / 1000).toFixed(1)} s, ${lanczos.steps} products, converged ${lanczos.converged}, X read ${gpu.counters.xReads.toFixed(0)} times`);
console.log(`top ${K} eigenvalues: ${Array.from(dense.subspace.D, (v) => v.toFixed(6)).join(' ')} (formed), largest relative difference ${rel.toExponential(2)}; gap to the next ${(dense.subspace.D[K - 1] - dense.subspace.spectrum[K]).toFixed(4)}`);
console.log(`largest entry of the projectors' difference |UUᵀ − VVᵀ|: ${projector.toExponential(2)}`);
gpu.dispose();
process.exit(0);
