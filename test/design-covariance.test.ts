/**
 * Where a fit forms S (fit/design-covariance.ts): on the host (default) or by the engine's
 * covariance pass at θ = 0. On the float64 cpu engine the two are the same sums in another
 * order, so the fits agree to float64 rounding; a collinear design is refused either way,
 * the engine's S sent back to the host's float64 check, with a warning. The WebGPU engine's
 * float32 S: test/browser/fit-webgpu.test.ts.
 */
import { describe, it, expect } from 'vitest';
import { simulate } from '../src/model/simulate.ts';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';
import { createCpuEngine } from '../src/engines/cpu.ts';
import { makeDataset, centreFeatures, designStats } from '../src/model/data.ts';
import { engineCovariance } from '../src/fit/design-covariance.ts';
import { SoftmixError } from '../src/errors.ts';
import { Rng } from '../src/math/rng.ts';

const sim = simulate({ p: 600, L: 4, K: 2, N: 1e5, thetaNorm: 1.5, seed: 8 });
const data = { features: sim.features, p: sim.p, L: sim.L, counts: sim.counts };

describe('designCovariance', () => {
  it("'engine' on cpu: S to float64 rounding of the host's (L = 4 sums of p = 600), no warning", async () => {
    const dataset = makeDataset(data);
    const centring = centreFeatures(dataset);
    const host = designStats(dataset).covariance;
    const engine = createCpuEngine({ p: sim.p, L: sim.L, features: centring.centred, counts: dataset.counts });
    const warnings: string[] = [];
    const S = await engineCovariance(engine, dataset, centring, warnings);
    expect(warnings).toEqual([]);
    // each entry a sum of p products of unit-size values, in float64: within p·2⁻⁵³·√(S_aa S_bb) ×4
    for (let a = 0; a < sim.L; a++) {
      for (let b = 0; b < sim.L; b++) {
        const bound = 4 * sim.p * 2 ** -53 * Math.sqrt(host[a * sim.L + a] * host[b * sim.L + b]);
        expect(Math.abs(S[a * sim.L + b] - host[a * sim.L + b])).toBeLessThanOrEqual(bound);
      }
    }
  });

  it("'engine' fits to the 'host' fit's ℓ and atoms on cpu", async () => {
    const options = { K: 2, backend: 'cpu' as const, tol: 1e-10 };
    const [host, onEngine] = [await fitSoftmaxMixture(data, options), await fitSoftmaxMixture(data, { ...options, designCovariance: 'engine' })];
    expect(onEngine.warnings.filter((w) => w.includes('design covariance'))).toEqual([]);
    // both stop within ~1e-10·|ℓ| of the same maximum (units.test.ts argues the atoms' 1e-4)
    expect(Math.abs(onEngine.logLik - host.logLik)).toBeLessThan(1e-9 * Math.abs(host.logLik));
    for (let k = 0; k < 2; k++) for (let l = 0; l < sim.L; l++) expect(Math.abs(onEngine.theta[k][l] - host.theta[k][l])).toBeLessThan(1e-4);
  });

  it("'engine' at L = 80 (the Cholesky certificate): a full-rank S is accepted, no warning, the host's S to float64 rounding", async () => {
    const [p, L] = [300, 80];
    const features = new Rng(10).normals(p * L);
    const dataset = makeDataset({ features, p, L, counts: new Float64Array(p).fill(1) });
    const centring = centreFeatures(dataset);
    const host = designStats(dataset).covariance;
    const engine = createCpuEngine({ p, L, features: centring.centred, counts: dataset.counts });
    const warnings: string[] = [];
    const S = await engineCovariance(engine, dataset, centring, warnings);
    expect(warnings).toEqual([]);
    for (let a = 0; a < L; a++) {
      for (let b = 0; b < L; b++) expect(Math.abs(S[a * L + b] - host[a * L + b])).toBeLessThanOrEqual(4 * p * 2 ** -53 * Math.sqrt(host[a * L + a] * host[b * L + b]));
    }
  });

  for (const L of [3, 80]) {
    it(`a collinear design (L = ${L}${L > 64 ? ': the Cholesky certificate' : ''}): the engine cannot settle the rank, the host refuses it, naming it`, async () => {
      const p = 300;
      const rng = new Rng(9);
      // L − 1 independent columns, the last = column 0 − 2·column 1
      const features = new Float64Array(p * L);
      for (let j = 0; j < p; j++) {
        const row = rng.normals(L);
        row[L - 1] = row[0] - 2 * row[1];
        features.set(row, j * L);
      }
      const counts = Float64Array.from({ length: p }, () => 1 + rng.int(5));
      const dataset = makeDataset({ features, p, L, counts });
      const centring = centreFeatures(dataset);
      const engine = createCpuEngine({ p, L, features: centring.centred, counts });
      const warnings: string[] = [];
      const err = await engineCovariance(engine, dataset, centring, warnings).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SoftmixError);
      expect((err as SoftmixError).code).toBe('rank-deficient');
      expect(warnings.join()).toMatch(/cannot settle the rank: its smallest eigenvalue .* is not above 2γ·tr S/);
      await expect(fitSoftmaxMixture({ features, p, L, counts }, { K: 2, backend: 'cpu', designCovariance: 'engine' })).rejects.toMatchObject({ code: 'rank-deficient' });
    });
  }

  it('refuses a place that is not host or engine, before any work', async () => {
    await expect(fitSoftmaxMixture(data, { K: 2, backend: 'cpu', designCovariance: 'gpu' as 'engine' })).rejects.toThrow(/designCovariance/);
  });
});
