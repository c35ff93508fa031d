/**
 * M̂_2's top eigenpairs by Lanczos on engine products (moments.ts latentSubspace, the MoM
 * warm start at large L) against the formed M̂_2 on the same data: the same subspace to the
 * residual bounds, the same MoM estimate, and the passes each way.
 */
import { describe, it, expect } from 'vitest';
import { createCpuEngine } from '../../src/engines/cpu.ts';
import { simulate } from '../../src/model/simulate.ts';
import { makeDataset, designStats } from '../../src/model/data.ts';
import { designWhitening } from '../../src/model/whitening.ts';
import { matchComponents } from '../../src/model/metrics.ts';
import { latentSubspace, momEstimate, LANCZOS_MIN_L, type MomSuccess } from '../../src/mom/index.ts';

function problem(p: number, L: number, K: number, seed: number) {
  const sim = simulate({ p, L, K, N: 1e7, thetaNorm: 1.5, seed });
  const data = makeDataset({ features: sim.features, p, L, counts: sim.counts });
  const design = designStats(data);
  const engine = createCpuEngine({ p, L, features: design.centred, counts: data.counts });
  return { engine, design: { ...design, whitening: designWhitening(design.covariance, L) } };
}

describe('M̂_2 by Lanczos', () => {
  it('finds the subspace the formed M̂_2 gives (L = 40, K = 4): eigenvalues within their residuals, the projector within 2·residual/gap', async () => {
    const [L, K] = [40, 4];
    const { engine, design } = problem(4000, L, K, 7);
    const dense = await latentSubspace(engine, design.whitening, K, 'dense');
    const passes0 = engine.counters.passes;
    const lanczos = await latentSubspace(engine, design.whitening, K, 'lanczos');
    expect(lanczos.method).toBe('lanczos');
    expect(lanczos.converged).toBe(true);
    expect(engine.counters.passes - passes0).toBe(lanczos.steps);
    expect(lanczos.steps!).toBeLessThan(L);
    expect(lanczos.M2).toBeUndefined();
    const d = dense.subspace;
    const l = lanczos.subspace;
    const scale = Math.max(...d.spectrum.map(Math.abs));
    // every top-K residual is below 64u·max|θ| (the stopping rule, u = 2^-53 here: 1e-10 floor)
    const bound = 1e-10 * scale;
    for (let k = 0; k < K; k++) expect(Math.abs(l.D[k] - d.D[k])).toBeLessThanOrEqual(bound + 8 * 2 ** -53 * L * scale);
    // Davis–Kahan: ‖UUᵀ − VVᵀ‖ ≤ 2·‖residual‖ / gap, gap = D_K − λ_{K+1}
    const gap = d.D[K - 1] - d.spectrum[K];
    expect(gap).toBeGreaterThan(0);
    let worst = 0;
    for (let a = 0; a < L; a++) {
      for (let b = 0; b < L; b++) {
        let pd = 0;
        let pl = 0;
        for (let k = 0; k < K; k++) {
          pd += d.U[a * K + k] * d.U[b * K + k];
          pl += l.U[a * K + k] * l.U[b * K + k];
        }
        worst = Math.max(worst, Math.abs(pd - pl));
      }
    }
    expect(worst).toBeLessThanOrEqual((2 * Math.sqrt(K) * bound) / gap + 1e-13);
    // M̂_1 from the first product equals the dense one's
    for (let i = 0; i < L; i++) expect(Math.abs(lanczos.M1[i] - dense.M1[i])).toBeLessThan(1e-12 * (1 + Math.abs(dense.M1[i])));
  });

  it('gives the MoM estimate the formed M̂_2 gives (up to the order of the components), in steps + 1 passes where that took 2', async () => {
    const [L, K] = [30, 3];
    const { engine, design } = problem(3000, L, K, 11);
    const dense = (await momEstimate(engine, K, design, { seed: 1, secondMoment: 'dense' })) as MomSuccess;
    const lanczos = (await momEstimate(engine, K, design, { seed: 1, secondMoment: 'lanczos' })) as MomSuccess;
    expect([dense.ok, lanczos.ok]).toEqual([true, true]);
    expect(dense.diagnostics.secondMoment).toEqual({ method: 'dense', steps: undefined, converged: undefined });
    expect(lanczos.diagnostics.secondMoment!.method).toBe('lanczos');
    expect(dense.diagnostics.passes).toBe(2); // countMoments, the projected third moment
    expect(lanczos.diagnostics.passes).toBe(lanczos.diagnostics.secondMoment!.steps! + 1);
    // Both refine Jennrich's vectors by tensor power iteration, whose fixed points do not
    // depend on the basis of the subspace (the eigenvectors' signs differ between the two
    // solvers, so Jennrich's random contraction does): the same atoms, possibly reordered,
    // to far inside MoM's own error. (Where refinement fails, Jennrich's pick is kept and
    // the two estimates are as different as two random contractions make them.)
    expect([dense.diagnostics.refined, lanczos.diagnostics.refined]).toEqual([true, true]);
    const m = matchComponents(lanczos, dense, K, L);
    expect(m.thetaError).toBeLessThan(1e-6);
    expect(m.alphaError).toBeLessThan(1e-6);
  });

  it("'auto' forms M̂_2 below L = 1024 and the univariate route (K > L) always does", async () => {
    expect(LANCZOS_MIN_L).toBe(1024);
    const { engine, design } = problem(2000, 6, 2, 3);
    const res = (await momEstimate(engine, 2, design, { seed: 1 })) as MomSuccess;
    expect(res.diagnostics.secondMoment!.method).toBe('dense');
    const { engine: e1, design: d1 } = problem(2000, 1, 2, 4);
    const uni = (await momEstimate(e1, 2, d1, { seed: 1, secondMoment: 'lanczos' })) as MomSuccess;
    expect(uni.diagnostics.route).toBe('univariate');
    expect(uni.diagnostics.secondMoment!.method).toBe('dense');
  });
});
