import { describe, it, expect } from 'vitest';
import { simulate } from '../src/model/simulate.ts';
import { createCpuEngine } from '../src/engines/cpu.ts';
import { mixtureLogProbabilities } from '../src/model/mixture.ts';
import { informationAt } from '../src/inference/information.ts';
import { standardErrors, MAX_PARAMETERS } from '../src/inference/standard-errors.ts';
import { fitSoftmaxMixture, type FitResult } from '../src/fit/fit.ts';
import { standardErrorsOf } from '../src/fit/standard-errors-of.ts';
import { Rng } from '../src/math/rng.ts';
import { runawayCase } from './fixtures/runaway-case.ts';

const K = 3;
const L = 2;
const alpha = Float64Array.of(0.5, 0.3, 0.2);
const theta = Float64Array.of(1, 0.2, -0.6, 0.9, -0.3, -1.1);

/** log π_j at φ = (η_1, …, η_{K−1}, Θ), η_0 = 0: the model itself, on the host */
function logPiAt(features: Float32Array, p: number, phi: Float64Array): Float64Array {
  const eta = [0, ...phi.subarray(0, K - 1)];
  const top = Math.max(...eta);
  const w = eta.map((e) => Math.exp(e - top));
  const total = w.reduce((s, x) => s + x, 0);
  return mixtureLogProbabilities(features, p, L, { alpha: Float64Array.from(w, (x) => x / total), theta: phi.slice(K - 1) });
}

const phiOf = (a: Float64Array, t: Float64Array) => Float64Array.from([...Array.from({ length: K - 1 }, (_, k) => Math.log(a[k + 1] / a[0])), ...t]);

describe('the information and the meat in φ (cpu engine)', () => {
  const sim = simulate({ p: 60, L, K, N: 3000, alpha, theta, seed: 4, keepSamples: true });
  const engine = createCpuEngine({ p: sim.p, L, features: Float64Array.from(sim.features), counts: sim.counts });
  // away from the maximum, so the centring by the gradient matters
  const at = { alpha: Float64Array.of(0.45, 0.35, 0.2), theta: Float64Array.of(0.8, 0.3, -0.5, 1, -0.2, -1.3) };
  const phi0 = phiOf(at.alpha, at.theta);
  const n = phi0.length;
  // per-item scores ∂ log π_j/∂φ by central differences (h = 1e-5: truncation h²|f'''| and
  // rounding 1e-16/h are both below 1e-10 of scores of order 1)
  const h = 1e-5;
  const scores: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const up = Float64Array.from(phi0);
    const down = Float64Array.from(phi0);
    up[i] += h;
    down[i] -= h;
    const a = logPiAt(sim.features, sim.p, up);
    const b = logPiAt(sim.features, sim.p, down);
    scores.push(Float64Array.from(a, (v, j) => (v - b[j]) / (2 * h)));
  }

  it('the meat equals Σ over the draws of s sᵀ, centred by the gradient', async () => {
    const info = await informationAt(engine, at.alpha, at.theta, K, 0);
    expect(info.n).toBe(n);
    // the direct sum runs over the N raw draws, not the counts
    const direct = new Float64Array(n * n);
    const g = new Float64Array(n);
    for (const y of sim.samples!) {
      for (let a = 0; a < n; a++) {
        g[a] += scores[a][y];
        for (let b = 0; b < n; b++) direct[a * n + b] += scores[a][y] * scores[b][y];
      }
    }
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) direct[a * n + b] -= (g[a] * g[b]) / sim.N;
    for (let a = 0; a < n; a++) expect(info.gradient[a]).toBeCloseTo(g[a], 4);
    // entries are sums of N = 3000 terms of order 1: 1e-6 relative to the largest is far
    // beyond float64 rounding and the differences' 1e-10, far below any missing term
    const scale = Math.max(...direct.map(Math.abs));
    for (let i = 0; i < n * n; i++) expect(Math.abs(info.meat[i] - direct[i])).toBeLessThan(1e-6 * scale);
  });

  it('the information equals minus the Hessian of ℓ_λ by central differences of its gradient', async () => {
    const ridge = 0.02;
    const info = await informationAt(engine, at.alpha, at.theta, K, ridge);
    // the gradient of ℓ_λ in φ from the scores, and the penalty −(λN/2) Σ α_k |θ_k|²
    const gradientAt = (phi: Float64Array) => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const up = Float64Array.from(phi);
        const down = Float64Array.from(phi);
        up[i] += h;
        down[i] -= h;
        out[i] = (objective(up) - objective(down)) / (2 * h);
      }
      return out;
    };
    const objective = (phi: Float64Array) => {
      const lp = logPiAt(sim.features, sim.p, phi);
      let l = 0;
      for (let j = 0; j < sim.p; j++) l += sim.counts[j] * lp[j];
      const eta = [0, ...phi.subarray(0, K - 1)];
      const total = eta.reduce((s, e) => s + Math.exp(e), 0);
      let penalty = 0;
      for (let k = 0; k < K; k++) penalty += (Math.exp(eta[k]) / total) * (phi[K - 1 + k * L] ** 2 + phi[K - 1 + k * L + 1] ** 2);
      return l - (ridge * sim.N * penalty) / 2;
    };
    // nested differences: a step of 1e-3 outside the inner 1e-5 keeps the rounding
    // (|ℓ|·1e-16/(1e-5·1e-3) ~ 1e-4) and the truncation (~1e-6·|H|) below 1e-4 of |H| ~ 10³
    const H = 1e-3;
    const scale = Math.max(...info.information.map(Math.abs));
    for (let i = 0; i < n; i++) {
      const up = Float64Array.from(phi0);
      const down = Float64Array.from(phi0);
      up[i] += H;
      down[i] -= H;
      const gu = gradientAt(up);
      const gd = gradientAt(down);
      for (let j = 0; j < n; j++) expect(Math.abs(-(gu[j] - gd[j]) / (2 * H) - info.information[i * n + j])).toBeLessThan(1e-4 * scale);
    }
  });
});

describe('standard errors where the information is singular', () => {
  it('names two components at the same atom, each with the other, and gives the third its errors', async () => {
    // data from the model itself, so the information is positive but for the swap of 1 and 2
    const coincident = Float64Array.of(1, 0.2, -0.6, 0.9, -0.6, 0.9);
    const sim = simulate({ p: 200, L, K, N: 1e4, alpha, theta: coincident, seed: 2 });
    const engine = createCpuEngine({ p: sim.p, L, features: Float64Array.from(sim.features), counts: sim.counts });
    const se = await standardErrors({ engine, alpha, theta: coincident, K, ridge: 0, scale: 1, runaway: [], covariance: false });
    if (!se.available) throw new Error(se.reason);
    expect(se.undetermined.map((u) => [u.component, u.reason, u.with])).toEqual([
      [1, 'singular', [2]],
      [2, 'singular', [1]],
    ]);
    expect(se.theta[1]).toEqual([null, null]);
    expect(se.alpha[2]).toBeNull();
    expect(se.theta[0].every((s) => s !== null && Number.isFinite(s) && s > 0)).toBe(true);
    expect(se.inflation[1]).toBeNull();
  });

  it('says "not available" above the dense limit, before any pass over the data', async () => {
    const p = 400;
    const wide = 300; // K(L+1) − 1 = 2·301 − 1 = 601 > 512
    const engine = createCpuEngine({ p, L: wide, features: Float64Array.from(new Rng(1).normals(p * wide)), counts: new Float64Array(p).fill(1) });
    const se = await standardErrors({ engine, alpha: Float64Array.of(0.5, 0.5), theta: new Float64Array(2 * wide), K: 2, ridge: 0, scale: 1, runaway: [], covariance: false });
    expect(se.available).toBe(false);
    expect(!se.available && se.reason).toContain(`beyond the dense limit of ${MAX_PARAMETERS}`);
    expect(engine.counters.passes).toBe(0);
  });

  it('a runaway component has no atom errors and a warning that names it; the other component keeps its errors', async () => {
    const c = runawayCase();
    const fit = await fitSoftmaxMixture(c, { K: 2, backend: 'cpu', seed: 1, se: true });
    expect(fit.runaway.map((r) => r.component)).toEqual([1]);
    const se = fit.se!;
    if (!se.available) throw new Error(se.reason);
    expect(se.theta[1]).toEqual([null, null]);
    expect(se.alpha.every((s) => s !== null && s > 0 && s < 0.01)).toBe(true);
    expect(se.theta[0].every((s) => s !== null && s > 0 && s < 0.1)).toBe(true);
    expect(fit.ci!.theta[1]).toEqual([null, null]);
    expect(fit.warnings.some((w) => w.startsWith('standard errors: the component at index 1') && w.includes('its atom has none'))).toBe(true);
  });
});

describe('standard errors of a well-conditioned fit (cpu)', () => {
  const truth = { alpha: Float64Array.of(0.6, 0.4), theta: Float64Array.of(1.2, 0.3, -0.8, 0.9) };
  const sim = simulate({ p: 1000, L: 2, K: 2, N: 1e5, ...truth, seed: 5 });
  const data = { features: sim.features, p: sim.p, L: 2, counts: sim.counts };
  let fit: FitResult;

  it('the intervals hold the truth, and robust errors agree with the observed ones under the true model', async () => {
    fit = await fitSoftmaxMixture(data, { K: 2, backend: 'cpu', seed: 1, se: true, covariance: true, level: 0.9 });
    const se = fit.se!;
    if (!se.available) throw new Error(se.reason);
    expect(fit.warnings).toEqual([]);
    const order = fit.theta[0][0] > 0 ? [0, 1] : [1, 0];
    for (const [k, s] of order.entries()) {
      // 4 SEs: a miss has chance 6e-5 per parameter
      expect(Math.abs(fit.alpha[s] - truth.alpha[k])).toBeLessThan(4 * se.alpha[s]!);
      for (let l = 0; l < 2; l++) expect(Math.abs(fit.theta[s][l] - truth.theta[k * 2 + l])).toBeLessThan(4 * se.theta[s][l]!);
    }
    // the two weights' errors are one (α_0 + α_1 = 1)
    expect(se.alpha[0]).toBeCloseTo(se.alpha[1]!, 12);
    // B and A agree in expectation; at N = 1e5 their difference is a few percent
    for (let k = 0; k < 2; k++) for (let l = 0; l < 2; l++) {
      const r = se.robust.theta[k][l]! / se.theta[k][l]!;
      expect(r).toBeGreaterThan(0.8);
      expect(r).toBeLessThan(1.25);
    }
    // 90% Wald: estimate ± 1.6449·se
    expect(fit.ci!.level).toBe(0.9);
    expect(fit.ci!.theta[0][1]![1] - fit.theta[0][1]).toBeCloseTo(1.6448536269514722 * se.theta[0][1]!, 12);
    // the covariance's diagonal is the squared errors, in the names' order
    expect(se.covariance!.parameters.slice(0, 3)).toEqual(['alpha[0]', 'alpha[1]', 'theta[0][0]']);
    expect(Math.sqrt(se.covariance!.observed[3][3])).toBeCloseTo(se.theta[0][1]!, 14);
    expect(se.covariance!.observed[0][1]).toBeCloseTo(-(se.alpha[0]! ** 2), 14);
    // the norm's error: the delta method on the atom's block, g = θ/|θ|
    for (let k = 0; k < 2; k++) {
      const t = fit.theta[k];
      const n = Math.hypot(...t);
      let v = 0;
      for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) v += (t[a] / n) * (t[b] / n) * se.covariance!.observed[2 + 2 * k + a][2 + 2 * k + b];
      expect(se.atomNorm[k]).toBeCloseTo(Math.sqrt(v), 14);
    }
  });

  it('standardErrorsOf a fit made without se gives the same errors', async () => {
    const plain = await fitSoftmaxMixture(data, { K: 2, backend: 'cpu', seed: 1 });
    expect(plain.se).toBeNull();
    const later = await standardErrorsOf(data, plain, { backend: 'cpu', level: 0.9 });
    if (!later.se.available || !fit.se!.available) throw new Error('no errors');
    for (let k = 0; k < 2; k++) for (let l = 0; l < 2; l++) expect(later.se.theta[k][l]).toBeCloseTo(fit.se!.theta[k][l]!, 12);
    expect(later.ci!.alpha).toEqual(fit.ci!.alpha);
    await expect(standardErrorsOf({ ...data, counts: sim.counts.map((c) => 2 * c) }, plain)).rejects.toThrow(/fitted to/);
  });

  it('the bootstrap is reproducible by its seed, and its SDs are near the analytic errors', async () => {
    const progress: number[] = [];
    const a = await fitSoftmaxMixture(data, { K: 2, backend: 'cpu', seed: 7, se: true, bootstrap: 40, onBootstrap: (i) => progress.push(i.done) });
    const b = await fitSoftmaxMixture(data, { K: 2, backend: 'cpu', seed: 7, bootstrap: 40 });
    expect(progress).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(b.bootstrap!.sd).toEqual(a.bootstrap!.sd);
    expect(a.bootstrap!.failed).toBe(0);
    const se = a.se!;
    if (!se.available) throw new Error(se.reason);
    // with B = 40 an SD has relative sampling error √(1/78) ≈ 11%: within 45% is 4 of them
    for (let k = 0; k < 2; k++) for (let l = 0; l < 2; l++) {
      const r = a.bootstrap!.sd.theta[k][l] / se.theta[k][l]!;
      expect(r).toBeGreaterThan(0.55);
      expect(r).toBeLessThan(1.45);
    }
    const [lo, hi] = a.bootstrap!.ci.theta[0][0];
    expect(lo).toBeLessThan(hi);
  });

  it('refuses a bootstrap of fractional counts before fitting', async () => {
    const fractional = { ...data, counts: sim.counts.map((c, j) => (j === 0 ? c + 0.5 : c)) };
    await expect(fitSoftmaxMixture(fractional, { K: 2, backend: 'cpu', bootstrap: 5, allowFractionalCounts: true })).rejects.toThrow(/whole counts/);
  });
});
