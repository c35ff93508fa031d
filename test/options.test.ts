import { describe, it, expect } from 'vitest';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';
import { checkOptions, MAX_RESTARTS, type FitOptions } from '../src/fit/options.ts';
import { SoftmixError } from '../src/errors.ts';
import { Rng } from '../src/math/rng.ts';

// Issue 17: every option is checked for its type and range before any work, and a wrong one
// gets SoftmixError('options') naming it and showing what was given — never coerced
// ("5" is not 5), never a TypeError later, never a fit that allocates without end.
const rng = new Rng(7);
const p = 20, L = 3;
const data = { features: rng.normals(p * L), p, L, counts: new Float64Array(p).map(() => 1 + rng.int(10)) };

/** A SoftmixError('options') whose message matches. */
function expectOptionsError(fn: () => unknown, message: RegExp) {
  expect(fn).toThrow(SoftmixError);
  expect(fn).toThrow(expect.objectContaining({ code: 'options', message: expect.stringMatching(message) }));
}

const check = (extra: Record<string, unknown>) => () => checkOptions({ K: 2, ...extra } as FitOptions, p);

describe('restarts are bounded', () => {
  it(`restarts past ${MAX_RESTARTS} fail at once, naming the limit (1e9 used to allocate ~50 MB/s with no output)`, async () => {
    const t0 = Date.now();
    const err = await fitSoftmaxMixture(data, { K: 2, backend: 'cpu', restarts: 1e9 }).then(() => null, (e) => e);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(err).toBeInstanceOf(SoftmixError);
    expect(err.code).toBe('options');
    expect(err.message).toMatch(/restarts must be an integer from 0 to 1000, got 1000000000/);
  });
  it('the limit itself is accepted', () => {
    expect(checkOptions({ K: 2, restarts: MAX_RESTARTS }, p).restarts).toBe(1000);
    expectOptionsError(check({ restarts: MAX_RESTARTS + 1 }), /restarts must be an integer from 0 to 1000, got 1001/);
  });
});

describe('option types: a clear error, never a coercion', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['K as a string', { K: '2' }, /K must be an integer ≥ 1, got the string "2"/],
    ['K missing', { K: undefined }, /K must be an integer ≥ 1, got undefined/],
    ['restarts as a string', { restarts: '5' }, /restarts must be an integer from 0 to 1000, got the string "5"/],
    ['restarts true', { restarts: true }, /restarts must be an integer from 0 to 1000, got true/],
    ['screenIters NaN', { screenIters: NaN }, /screenIters must be an integer ≥ 1, got NaN/],
    ['maxIter as a string', { maxIter: '10' }, /maxIter must be an integer ≥ 0, got the string "10"/],
    ['tol NaN', { tol: NaN }, /tol must be a finite number ≥ 0, got NaN/],
    ['tol as a string', { tol: '1e-8' }, /tol must be a finite number ≥ 0, got the string "1e-8"/],
    ['tol true', { tol: true }, /tol must be a finite number ≥ 0, got true/],
    ['ridge as a string', { ridge: '0' }, /ridge must be a finite number ≥ 0, got the string "0"/],
    ['seed as a string', { seed: '1' }, /seed must be an integer from 0 to \d+, got the string "1"/],
    ['seed Infinity', { seed: Infinity }, /seed must be an integer from 0 to \d+, got Infinity/],
    ['accelerate as a string', { accelerate: 'yes' }, /accelerate must be true or false, got the string "yes"/],
    ['allowFractionalCounts 1', { allowFractionalCounts: 1 }, /allowFractionalCounts must be true or false, got 1/],
    ['fallbackToCpu as a string', { fallbackToCpu: 'false' }, /fallbackToCpu must be true or false, got the string "false"/],
    ['maxNewtonSteps 0', { maxNewtonSteps: 0 }, /maxNewtonSteps must be an integer ≥ 1, got 0/],
    ['hessianEvery as a string', { hessianEvery: '2' }, /hessianEvery must be an integer ≥ 1, got the string "2"/],
    ['maxChunkRows -1', { maxChunkRows: -1 }, /maxChunkRows must be an integer ≥ 1, got -1/],
    ['xStorage f8', { xStorage: 'f8' }, /xStorage must be "f32" or "f16", got "f8"/],
    ['backend as a number', { backend: 1 }, /backend must be "cpu", "webgpu" or "auto", got 1/],
    ['stepDirection unknown', { stepDirection: 'fast' }, /stepDirection must be "newton" or "design", got "fast"/],
    ['onIteration not a function', { onIteration: 5 }, /onIteration must be a function, got 5/],
    ['signal not an AbortSignal', { signal: 'stop' }, /signal must be an AbortSignal, got the string "stop"/],
    ['device not an object', { device: 'gpu' }, /device must be a GPUDevice, got the string "gpu"/],
    ['device an empty object', { device: {} }, /device must be a GPUDevice, got an object/],
    ['se as a string', { se: 'true' }, /se must be true or false, got the string "true"/],
    ['level 95 (a percentage)', { se: true, level: 95 }, /level must be a number strictly between 0 and 1 \(0\.95 for 95% intervals\), got 95/],
    ['level 0', { se: true, level: 0 }, /level must be a number strictly between 0 and 1/],
    ['level as a string', { se: true, level: '0.9' }, /level must be a number strictly between 0 and 1 .*got the string "0.9"/],
    ['covariance without se', { covariance: true }, /covariance: true needs se: true/],
    ['bootstrap 1.5', { bootstrap: 1.5 }, /bootstrap must be an integer from 0 to 100000, got 1.5/],
    ['bootstrap 1e9', { bootstrap: 1e9 }, /bootstrap must be an integer from 0 to 100000, got 1000000000/],
    ['onBootstrap not a function', { onBootstrap: {} }, /onBootstrap must be a function, got an object/],
    ['init an array', { init: [] }, /init must be "mom", "subspace", "random", "cluster" or \{ alpha, theta \}, got an array/],
    ['search unknown', { search: 'broad' }, /search must be "auto", "narrow", "wide" or "grow", got "broad"/],
    ['wideStarts fractional', { wideStarts: 2.5 }, /wideStarts must be an integer from 0 to 1000, got 2.5/],
    ['init without theta', { init: { alpha: [0.5, 0.5] } }, /init\.theta must be an array of numbers/],
    ['init with a string in alpha', { init: { alpha: [0.5, '0.5'], theta: [1, 2, 3, 4, 5, 6] } }, /init\.alpha\[1\] is the string "0.5", not a number/],
    ['init with null in a theta row', { init: { alpha: [0.5, 0.5], theta: [[1, 2, 3], [4, null, 6]] } }, /init\.theta\[1\]\[1\] is null, not a number/],
  ];
  for (const [label, extra, message] of cases) it(label, () => expectOptionsError(check(extra), message));

  it('undefined and null mean "not given": the default', () => {
    const o = checkOptions({ K: 2, restarts: undefined, tol: null as never, seed: undefined, init: null as never }, p);
    expect([o.restarts, o.tol, o.seed]).toEqual([4, 1e-8, 1]);
  });

  it('through fitSoftmaxMixture: a string restarts is refused before the data is touched', async () => {
    const err = await fitSoftmaxMixture(data, { K: 2, backend: 'cpu', restarts: '5' as never }).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(SoftmixError);
    expect(err.code).toBe('options');
    expect(err.message).toMatch(/restarts .* got the string "5"/);
  });
  it('through fitSoftmaxMixture: onIteration that is not a function is refused (it used to throw a TypeError mid-fit)', async () => {
    const err = await fitSoftmaxMixture(data, { K: 2, backend: 'cpu', maxIter: 3, onIteration: 5 as never }).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(SoftmixError);
    expect(err.code).toBe('options');
    expect(err.message).toMatch(/onIteration must be a function/);
  });
});

describe('the seed (issue 17)', () => {
  it('must be a whole number ≥ 0: 1.5 or −1 would silently mean seed 1', async () => {
    const data = { features: [0, 1, 2, 3, 5], p: 5, L: 1, counts: [1, 2, 3, 1, 1] };
    for (const seed of [1.5, -1]) {
      const err = await fitSoftmaxMixture(data, { K: 1, seed, backend: 'cpu' }).catch((e) => e);
      expect(err.code).toBe('options');
      expect(err.message).toMatch(/seed must be an integer from 0/);
    }
  });
});
