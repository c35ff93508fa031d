// The engine passes the latent moments are made of (cpu engine), against brute-force sums.
import { describe, it, expect } from 'vitest';
import { Rng } from '../../src/math/rng.ts';
import { createCpuEngine } from '../../src/engines/cpu.ts';
import { dotArr } from './helpers.ts';

describe('cpu latent-moment passes equal brute-force sums', () => {
  const p = 57;
  const L = 4;
  const rng = new Rng(11);
  const x = Float64Array.from(rng.normals(p * L));
  const n = Float64Array.from({ length: p }, (_, j) => (j % 7 === 3 ? 0 : 1 + rng.int(20)));
  const N = n.reduce((a, b) => a + b, 0);
  const engine = createCpuEngine({ p, L, features: x, counts: n });
  const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(b)));

  it('countMoments', async () => {
    const { mean, second } = await engine.countMoments();
    for (let a = 0; a < L; a++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += n[j] * x[j * L + a];
      close(mean[a], s / N);
      for (let b = 0; b < L; b++) {
        let t = 0;
        for (let j = 0; j < p; j++) t += n[j] * x[j * L + a] * x[j * L + b];
        close(second[a * L + b], t / N);
      }
    }
  });

  it('projectedMoments', async () => {
    const K = 3;
    const P = Float64Array.from(rng.normals(K * L));
    const { first, third } = await engine.projectedMoments(P, K);
    const y = (j: number, a: number) => dotArr(P.subarray(a * L, a * L + L), x.subarray(j * L, j * L + L));
    for (let a = 0; a < K; a++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += n[j] * y(j, a);
      close(first[a], s / N);
      for (let b = 0; b < K; b++)
        for (let c = 0; c < K; c++) {
          let t = 0;
          for (let j = 0; j < p; j++) t += n[j] * y(j, a) * y(j, b) * y(j, c);
          close(third[(a * K + b) * K + c], t / N);
        }
    }
  });

  it('directionMoments and directionCrossMoments', async () => {
    const d = Float64Array.from(rng.normals(L));
    const R = 5;
    const pw = await engine.directionMoments(d, R);
    const cr = await engine.directionCrossMoments(d, R);
    for (let r = 0; r <= R; r++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += n[j] * dotArr(d, x.subarray(j * L, j * L + L)) ** r;
      close(pw[r], s / N);
      for (let l = 0; l < L; l++) {
        let t = 0;
        for (let j = 0; j < p; j++) t += n[j] * dotArr(d, x.subarray(j * L, j * L + L)) ** r * x[j * L + l];
        close(cr[r * L + l], t / N);
      }
    }
  });

  it('counts one pass per call and rejects wrong shapes', async () => {
    const before = engine.counters.passes;
    await engine.countMoments();
    await engine.directionMoments(new Float64Array(L), 2);
    expect(engine.counters.passes).toBe(before + 2);
    await expect(engine.projectedMoments(new Float64Array(5), 2)).rejects.toThrow(/projection has 5 values/);
    await expect(engine.directionMoments(new Float64Array(L + 1), 2)).rejects.toThrow(/direction has length/);
  });
});
