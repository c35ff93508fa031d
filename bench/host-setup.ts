/**
 * The host's one-time work before a fit at large L: designStats (centring, the pL²/2
 * covariance, the rank check) and S^{-1/2} (inverseSqrt: an L³ eigendecomposition), on
 * standard normal features with unit counts (seeded). Both run once per fit, on every backend.
 *
 *   npx tsx bench/host-setup.ts [--p 20000] [--L 768]
 */
import { Command } from 'commander';
import { makeDataset, designStats } from '../src/model/data.ts';
import { inverseSqrt } from '../src/model/starts.ts';
import { Rng } from '../src/math/rng.ts';

const o = new Command().option('--p <n>', 'items', '20000').option('--L <n>', 'features', '768').parse().opts();
const [p, L] = [Number(o.p), Number(o.L)];
const features = Float32Array.from(new Rng(4).normals(p * L));
const data = makeDataset({ features, counts: new Float64Array(p).fill(1), p, L });
let t = performance.now();
const design = designStats(data);
const designMs = performance.now() - t;
t = performance.now();
inverseSqrt(design.covariance, L);
const invSqrtMs = performance.now() - t;
console.log(`p = ${p}, L = ${L}: designStats ${designMs.toFixed(0)} ms, S^{-1/2} ${invSqrtMs.toFixed(0)} ms`);
