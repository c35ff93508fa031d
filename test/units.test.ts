/**
 * The fit does not depend on the features' units (issue 17): x·θ is unchanged when x is
 * scaled by f and θ by 1/f, and the engine scales features internally by a power of two
 * (model/data.ts designStats), so a fit of f·x gives α, f·θ and ℓ of the fit of x.
 */
import { describe, it, expect } from 'vitest';
import { simulate } from '../src/model/simulate.ts';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';
import { makeDataset, designStats, FEATURE_SCALE_RANGE } from '../src/model/data.ts';
import { SoftmixError } from '../src/errors.ts';

const sim = simulate({ p: 800, L: 3, K: 2, N: 1e5, thetaNorm: 1.5, seed: 4 });
const scaledBy = (f: number) => ({ features: Float64Array.from(sim.features, (v) => v * f), p: sim.p, L: sim.L, counts: sim.counts });

describe('features in any units', () => {
  it('leaves ordinary features unscaled, and scales others by a power of two to an RMS near 1', () => {
    expect(designStats(makeDataset(scaledBy(1))).scale).toBe(1);
    for (const f of [1e-30, 1e30, 1e-200, 1e200]) {
      const d = designStats(makeDataset(scaledBy(f)));
      expect(Number.isInteger(Math.log2(d.scale))).toBe(true);
      let trace = 0;
      for (let a = 0; a < sim.L; a++) trace += d.covariance[a * sim.L + a];
      const rms = Math.sqrt(trace / sim.L);
      expect(rms).toBeGreaterThanOrEqual(FEATURE_SCALE_RANGE[0]);
      expect(rms).toBeLessThanOrEqual(FEATURE_SCALE_RANGE[1]);
    }
  });

  it('fits f·x to α, f·θ and ℓ of the fit of x on cpu, for f from 1e-200 to 1e200', async () => {
    // tol 1e-10: both fits stop within ~1e-10·|ℓ| ≈ 6e-5 nats of the same maximum, so ℓ
    // agrees to ~1e-10 relative and the atoms to ~√(2·6e-5/N) ≈ 3e-5 (N = 1e5, unit curvature).
    const options = { K: 2, backend: 'cpu' as const, tol: 1e-10 };
    const base = await fitSoftmaxMixture(scaledBy(1), options);
    for (const f of [1e-200, 1e-40, 1e-30, 1e30, 1e200]) {
      const fit = await fitSoftmaxMixture(scaledBy(f), options);
      expect(fit.converged).toBe(true);
      expect(Math.abs(fit.logLik - base.logLik)).toBeLessThan(1e-9 * Math.abs(base.logLik));
      for (let k = 0; k < 2; k++) {
        expect(Math.abs(fit.alpha[k] - base.alpha[k])).toBeLessThan(1e-4);
        for (let l = 0; l < sim.L; l++) expect(Math.abs(fit.theta[k][l] * f - base.theta[k][l])).toBeLessThan(1e-4);
      }
      // the gradient is reported in the caller's units: ∂ℓ/∂θ = f·∂ℓ/∂(fθ)
      expect(Number.isFinite(fit.gradientNorm)).toBe(true);
    }
  });

  it('takes an explicit start and a ridge in the caller\'s units', async () => {
    const f = 1e-30;
    const start = { alpha: [0.5, 0.5], theta: [[1, 0, 0], [0, 1, 0]] };
    const base = await fitSoftmaxMixture(scaledBy(1), { K: 2, backend: 'cpu', init: start, restarts: 0, ridge: 1e-2, tol: 1e-10 });
    const fit = await fitSoftmaxMixture(scaledBy(f), {
      K: 2, backend: 'cpu', restarts: 0, tol: 1e-10,
      init: { alpha: start.alpha, theta: start.theta.map((row) => row.map((v) => v / f)) },
      // λ|θ|² is unit-free only if λ carries 1/units²: the same penalty is λ·f²
      ridge: 1e-2 * f * f,
    });
    expect(Math.abs(fit.objective - base.objective)).toBeLessThan(1e-9 * Math.abs(base.objective));
    for (let k = 0; k < 2; k++) for (let l = 0; l < sim.L; l++) expect(Math.abs(fit.theta[k][l] * f - base.theta[k][l])).toBeLessThan(1e-4);
  });

  it('says so when a ridge cannot be carried to the scaled units', async () => {
    const err = await fitSoftmaxMixture(scaledBy(1e-200), { K: 2, backend: 'cpu', ridge: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(SoftmixError);
    expect(err.code).toBe('options');
    expect(err.message).toMatch(/ridge λ = 1 .*feature scale/);
  });

  it('names an outlier item instead of calling the design rank deficient for no visible reason', () => {
    const data = scaledBy(1);
    data.features[7 * sim.L + 1] = 1e30;
    const err = (() => {
      try {
        designStats(makeDataset(data));
      } catch (e) {
        return e as SoftmixError;
      }
    })();
    expect(err).toBeInstanceOf(SoftmixError);
    expect(err!.code).toBe('rank-deficient');
    expect(err!.message).toMatch(/item 7 is an outlier/);
    expect(err!.message).not.toMatch(/NaN/);
  });
});

describe('a constant feature column at L = 1 (found by the fuzz)', () => {
  it('is rank deficient, not a fit with θ ≈ −1e18', () => {
    const p = 23;
    const data = { features: new Array(p).fill(0.001), p, L: 1, counts: Array.from({ length: p }, (_, j) => j + 1) };
    expect(() => designStats(makeDataset(data))).toThrow(/rank deficient/);
  });
});
