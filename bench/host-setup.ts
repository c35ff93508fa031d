/**
 * The host's one-time work before a fit at large L: designStats (centring, the pL²/2
 * covariance, the rank check) and the whitening (model/whitening.ts: S^{-1/2}, an L³
 * eigendecomposition, and Cholesky's, L³/3, both timed; the fit takes Cholesky's above L = 256), on
 * standard normal features with unit counts (seeded). Both run once per fit, on every backend.
 * With --engine, also S from the WebGPU engine's covariance pass at θ = 0 (the fit's
 * designCovariance 'engine', fit/design-covariance.ts) through Dawn (SwiftShader here, the
 * GPU with --gpu), timed on its own after the engine is built, and its largest entry error
 * |ΔS_ab|/√(S_aa S_bb) against the float64 S.
 *
 *   npx tsx bench/host-setup.ts [--p 20000] [--L 768] [--engine [--gpu]]
 */
import './wgsl-loader.ts';
import { Command } from 'commander';
import { makeDataset, designStats } from '../src/model/data.ts';
import { designWhitening, inverseSqrt, SYMMETRIC_WHITENING_MAX_L } from '../src/model/whitening.ts';
import { Rng } from '../src/math/rng.ts';

const o = new Command()
  .option('--p <n>', 'items', '20000')
  .option('--L <n>', 'features', '768')
  .option('--engine', "also S from the WebGPU engine's covariance pass")
  .option('--gpu', "the machine's GPU through Dawn, not SwiftShader")
  .parse()
  .opts();
const [p, L] = [Number(o.p), Number(o.L)];
const features = Float32Array.from(new Rng(4).normals(p * L));
const data = makeDataset({ features, counts: new Float64Array(p).fill(1), p, L });
let t = performance.now();
const design = designStats(data, o.engine ? 'float32' : 'float64');
const designMs = performance.now() - t;
const timed = (f: () => unknown) => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};
const choleskyMs = timed(() => designWhitening(design.covariance, L, 'cholesky'));
const invSqrtMs = timed(() => inverseSqrt(design.covariance, L));
console.log(
  `p = ${p}, L = ${L}: designStats ${designMs.toFixed(0)} ms; whitening: S^{-1/2} ${invSqrtMs.toFixed(0)} ms, Cholesky ${choleskyMs.toFixed(0)} ms ` +
    `(the fit's: ${L > SYMMETRIC_WHITENING_MAX_L ? 'Cholesky' : 'S^{-1/2}'})`,
);

if (o.engine) {
  const { dawnGpu } = await import('../src/node/dawn.ts');
  const { useSwiftShader, findSwiftShader } = await import('../src/node/vulkan.ts');
  const { createWebGpuEngine } = await import('../src/engines/webgpu/engine.ts');
  const { engineCovariance } = await import('../src/fit/design-covariance.ts');
  const { centreFeatures } = await import('../src/model/data.ts');
  const ss = o.gpu ? null : findSwiftShader();
  if (ss) useSwiftShader(ss); // pin SwiftShader even where a GPU driver answers
  const gpu = o.gpu ? await dawnGpu({ swiftShader: false }) : await dawnGpu();
  const centring = centreFeatures(data, 'float32');
  const engine = await createWebGpuEngine({ p, L, features: centring.centred, counts: data.counts }, { gpu });
  try {
    for (let rep = 0; rep < 2; rep++) {
      const warnings: string[] = [];
      t = performance.now();
      const S = await engineCovariance(engine, data, centring, warnings);
      const ms = performance.now() - t;
      let worst = 0;
      for (let a = 0; a < L; a++) {
        for (let b = 0; b < L; b++) worst = Math.max(worst, Math.abs(S[a * L + b] - design.covariance[a * L + b]) / Math.sqrt(design.covariance[a * L + a] * design.covariance[b * L + b]));
      }
      console.log(`engine S (${engine.device.description}${rep === 0 ? ', first call: builds its plan' : ''}): ${ms.toFixed(0)} ms, max |ΔS_ab|/√(S_aa S_bb) = ${worst.toExponential(2)}${warnings.length ? `; ${warnings.join('; ')}` : ''}`);
    }
  } finally {
    engine.dispose();
  }
  process.exit(0);
}
