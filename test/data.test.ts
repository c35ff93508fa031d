import { describe, it, expect } from 'vitest';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';
import { SoftmixError } from '../src/errors.ts';
import { Rng } from '../src/math/rng.ts';

// Each bad input of DESIGN.md "Tests" gets its own clear error, never a NaN fit.
const rng = new Rng(5);
const p = 20, L = 3;
const features = rng.normals(p * L);
const counts = new Float64Array(p).map(() => 1 + rng.int(10));

async function expectError(promise: Promise<unknown>, code: string, message: RegExp) {
  const err = await promise.then(() => null, (e) => e);
  expect(err).toBeInstanceOf(SoftmixError);
  expect((err as SoftmixError).code).toBe(code);
  expect((err as SoftmixError).message).toMatch(message);
}

describe('bad input gets a clear error', () => {
  it('features of the wrong length', () =>
    expectError(fitSoftmaxMixture({ features: features.slice(1), p, L, counts }, { K: 2, backend: 'cpu' }), 'shape', /features has 59 values but p×L = 20×3 = 60/));
  it('counts of the wrong length', () =>
    expectError(fitSoftmaxMixture({ features, p, L, counts: counts.slice(1) }, { K: 2, backend: 'cpu' }), 'shape', /counts has length 19 but there are p = 20/));
  it('NaN in the features', () => {
    const bad = features.slice();
    bad[7] = NaN;
    return expectError(fitSoftmaxMixture({ features: bad, p, L, counts }, { K: 2, backend: 'cpu' }), 'not-finite', /features contain NaN at row 2, column 1/);
  });
  it('Infinity in the features', () => {
    const bad = features.slice();
    bad[0] = Infinity;
    return expectError(fitSoftmaxMixture({ features: bad, p, L, counts }, { K: 2, backend: 'cpu' }), 'not-finite', /Infinity at row 0/);
  });
  it('NaN in the counts', () => {
    const bad = counts.slice();
    bad[3] = NaN;
    return expectError(fitSoftmaxMixture({ features, p, L, counts: bad }, { K: 2, backend: 'cpu' }), 'not-finite', /counts\[3\] is NaN/);
  });
  it('negative counts', () => {
    const bad = counts.slice();
    bad[4] = -2;
    return expectError(fitSoftmaxMixture({ features, p, L, counts: bad }, { K: 2, backend: 'cpu' }), 'counts', /counts\[4\] = -2 is negative/);
  });
  it('non-integer counts where integers are required', () => {
    const bad = counts.slice();
    bad[5] = 2.5;
    return expectError(fitSoftmaxMixture({ features, p, L, counts: bad }, { K: 2, backend: 'cpu' }), 'counts', /counts\[5\] = 2.5 is not an integer/);
  });
  it('non-integer counts are accepted when asked for', async () => {
    const frac = counts.map((c) => c / 7);
    const fit = await fitSoftmaxMixture({ features, p, L, counts: frac }, { K: 1, backend: 'cpu', allowFractionalCounts: true });
    expect(fit.N).toBeCloseTo(counts.reduce((a, b) => a + b, 0) / 7, 10);
  });
  it('all-zero counts', () =>
    expectError(fitSoftmaxMixture({ features, p, L, counts: new Float64Array(p) }, { K: 2, backend: 'cpu' }), 'counts', /all counts are zero/));
  it('K < 1', () => expectError(fitSoftmaxMixture({ features, p, L, counts }, { K: 0, backend: 'cpu' }), 'options', /K must be an integer ≥ 1, got 0/));
  it('K not an integer', () => expectError(fitSoftmaxMixture({ features, p, L, counts }, { K: 2.5, backend: 'cpu' }), 'options', /K must be an integer/));
  it('K > p', () => expectError(fitSoftmaxMixture({ features, p, L, counts }, { K: 21, backend: 'cpu' }), 'options', /K = 21 components cannot be fitted to p = 20/));
  it('rank-deficient features (a constant column)', () => {
    const bad = features.slice();
    for (let j = 0; j < p; j++) bad[j * L + 1] = 3;
    return expectError(fitSoftmaxMixture({ features: bad, p, L, counts }, { K: 2, backend: 'cpu' }), 'rank-deficient', /rank deficient.*not identifiable/);
  });
  it('rank-deficient features (collinear columns)', () => {
    const bad = features.slice();
    for (let j = 0; j < p; j++) bad[j * L + 2] = 2 * bad[j * L] - bad[j * L + 1];
    return expectError(fitSoftmaxMixture({ features: bad, p, L, counts }, { K: 2, backend: 'cpu' }), 'rank-deficient', /rank deficient/);
  });
  it('samples out of range', () =>
    expectError(fitSoftmaxMixture({ features, p, L, samples: [0, 3, 20] }, { K: 2, backend: 'cpu' }), 'samples', /samples\[2\] = 20 is not an item index in \[0, 20\)/));
  it('samples that are not integers', () =>
    expectError(fitSoftmaxMixture({ features, p, L, samples: [0, 1.5] }, { K: 2, backend: 'cpu' }), 'samples', /samples\[1\] = 1.5/));
  it('both counts and samples', () =>
    expectError(fitSoftmaxMixture({ features, p, L, counts, samples: [1] }, { K: 2, backend: 'cpu' }), 'shape', /exactly one of counts/));
  it('p not a positive integer', () =>
    expectError(fitSoftmaxMixture({ features, p: 0, L, counts }, { K: 2, backend: 'cpu' }), 'shape', /p \(number of support points\) must be a positive integer/));
  it('explicit init of the wrong shape', () =>
    expectError(fitSoftmaxMixture({ features, p, L, counts }, { K: 2, backend: 'cpu', init: { alpha: [0.5, 0.5], theta: [1, 2, 3] } }), 'shape', /init: theta has 3 values, expected K×L = 2×3 = 6/));
  it('an unknown backend', () =>
    expectError(fitSoftmaxMixture({ features, p, L, counts }, { K: 2, backend: 'gpu' as never }), 'options', /backend must be/));
  it('webgpu where there is none (Node)', () =>
    expectError(fitSoftmaxMixture({ features, p, L, counts }, { K: 2, backend: 'webgpu' }), 'backend', /needs WebGPU/));
  it('negative ridge', () => expectError(fitSoftmaxMixture({ features, p, L, counts }, { K: 2, backend: 'cpu', ridge: -1 }), 'options', /ridge must be/));
});

// Issue 17: what a hostile tester passed. Every element must be a number (no null → 0,
// no "5" → 5, no true → 1); BigInt arrays are converted exactly or refused; N is exact.
describe('no silent coercion of the data', () => {
  const withFeature = (v: unknown) => {
    const bad: unknown[] = Array.from(features);
    bad[7] = v;
    return bad as number[];
  };
  const withCount = (v: unknown) => {
    const bad: unknown[] = Array.from(counts);
    bad[3] = v;
    return bad as number[];
  };
  for (const [label, v, shown] of [
    ['null', null, /null/],
    ['a string', '5', /the string "5"/],
    ['true', true, /true/],
    ['undefined (a hole)', undefined, /undefined/],
    ['an object', {}, /an object/],
  ] as const) {
    it(`${label} in the features`, () =>
      expectError(fitSoftmaxMixture({ features: withFeature(v), p, L, counts }, { K: 2, backend: 'cpu' }), 'not-finite', new RegExp(`features\\[7\\] \\(row 2, column 1, 0-based\\) is ${shown.source}, not a number`)));
    it(`${label} in the counts`, () =>
      expectError(fitSoftmaxMixture({ features, p, L, counts: withCount(v) }, { K: 2, backend: 'cpu' }), 'counts', new RegExp(`counts\\[3\\] is ${shown.source}, not a number`)));
  }
  it('a string in the samples', () =>
    expectError(fitSoftmaxMixture({ features, p, L, samples: [0, '1' as never, 2] }, { K: 2, backend: 'cpu' }), 'samples', /samples\[1\] is the string "1", not a number/));
  it('a string as the features', () =>
    expectError(fitSoftmaxMixture({ features: '1'.repeat(p * L) as never, p, L, counts }, { K: 2, backend: 'cpu' }), 'not-finite', /features\[0\] .* is the string "1", not a number/));

  it('BigInt64Array counts are converted exactly', async () => {
    const big = BigInt64Array.from(Array.from(counts, (c) => BigInt(c)));
    const fit = await fitSoftmaxMixture({ features, p, L, counts: big as never }, { K: 1, backend: 'cpu' });
    expect(fit.N).toBe(counts.reduce((a, b) => a + b, 0));
  });
  it('BigUint64Array counts past 2^53 are refused, naming the element', () => {
    const big = BigUint64Array.from(Array.from(counts, (c) => BigInt(c)));
    big[6] = 2n ** 53n + 1n;
    return expectError(fitSoftmaxMixture({ features, p, L, counts: big as never }, { K: 1, backend: 'cpu' }), 'counts', /counts\[6\] = 9007199254740993 is larger than 2\^53/);
  });
  it('BigInt64Array samples are converted exactly', async () => {
    const samples = BigInt64Array.from([0n, 1n, 1n, 5n, 19n]);
    const fit = await fitSoftmaxMixture({ features, p, L, samples: samples as never }, { K: 1, backend: 'cpu' });
    expect(fit.N).toBe(5);
  });

  it('integer counts whose total N passes 2^53 − 1 (no longer exact)', () => {
    const bad = counts.slice();
    bad[0] = 2 ** 53;
    return expectError(fitSoftmaxMixture({ features, p, L, counts: bad }, { K: 2, backend: 'cpu' }), 'counts', /counts sum to more than 2\^53 − 1/);
  });
  it('fractional counts whose total N is Infinity', () => {
    const bad = counts.slice();
    bad[0] = 1.7e308;
    bad[1] = 1.7e308;
    return expectError(
      fitSoftmaxMixture({ features, p, L, counts: bad }, { K: 2, backend: 'cpu', allowFractionalCounts: true }),
      'counts',
      /counts sum to Infinity/,
    );
  });
  it('fractional counts whose total N is near float64 overflow (found by the fuzz: ℓ was NaN, an internal error)', () => {
    const huge = counts.map(() => 1.7e308 / p);
    return expectError(
      fitSoftmaxMixture({ features, p, L, counts: huge }, { K: 2, backend: 'cpu', allowFractionalCounts: true }),
      'counts',
      /counts sum to 1\.7\d*e\+308, above 2\^900.*multiply the weights by a constant/,
    );
  });
  it('fractional counts whose total N is subnormal (found by the fuzz: ℓ was NaN, an internal error)', () => {
    const tiny = new Float64Array(p);
    tiny[0] = 5e-324;
    return expectError(
      fitSoftmaxMixture({ features, p, L, counts: tiny }, { K: 2, backend: 'cpu', allowFractionalCounts: true }),
      'counts',
      /counts sum to 5e-324, below 2\^-1022.*multiply the weights by a constant/,
    );
  });
});

describe('the options object itself', () => {
  const data = { features, p, L, counts };
  it('missing', () => expectError(fitSoftmaxMixture(data, undefined as never), 'options', /options must be an object \{ K, … \}, got undefined/));
  it('null', () => expectError(fitSoftmaxMixture(data, null as never), 'options', /options must be an object \{ K, … \}, got null/));
  it('a number', () => expectError(fitSoftmaxMixture(data, 3 as never), 'options', /options must be an object \{ K, … \}, got 3/));
  it('null data', () => expectError(fitSoftmaxMixture(null as never, { K: 2, backend: 'cpu' }), 'shape', /the data must be an object/));
});

describe('designStats', () => {
  // p = 523 spans three blocks of GRAM_BLOCK_ROWS = 256 rows and leaves a tail of 3 rows
  it.each([11, 523])('sums the covariance in row order over centred float64 rows: the one-row loop’s sums to the bit (p = %i)', async (p) => {
    const { makeDataset, designStats } = await import('../src/model/data.ts');
    const rng = new Rng(12);
    const L = 5;
    const features = Float32Array.from(rng.normals(p * L), (v) => v + 3);
    const data = makeDataset({ features, counts: new Float64Array(p).fill(1), p, L });
    const d = designStats(data);
    const mean = new Float64Array(L);
    for (let j = 0; j < p; j++) for (let a = 0; a < L; a++) mean[a] += features[j * L + a];
    for (let a = 0; a < L; a++) mean[a] /= p;
    const c = Float64Array.from(features, (v, i) => v - mean[i % L]);
    const want = new Float64Array(L * L);
    for (let j = 0; j < p; j++) for (let a = 0; a < L; a++) for (let b = a; b < L; b++) want[a * L + b] += c[j * L + a] * c[j * L + b];
    for (let a = 0; a < L; a++) for (let b = a; b < L; b++) want[b * L + a] = want[a * L + b] /= p;
    expect(Array.from(d.covariance)).toEqual(Array.from(want));
    expect(Array.from(d.mean)).toEqual(Array.from(mean));
    expect(d.scale).toBe(1);
    expect(d.centred).toBeInstanceOf(Float64Array);
    expect(Array.from(d.centred)).toEqual(Array.from(c));
    // for a float32 engine: the same statistics, the centred copy rounded once to float32
    const d32 = designStats(data, 'float32');
    expect(d32.centred).toBeInstanceOf(Float32Array);
    expect(Array.from(d32.centred)).toEqual(Array.from(c, Math.fround));
    expect(Array.from(d32.covariance)).toEqual(Array.from(want));
  });

  it('keeps float32 features float32 and everything else float64, copied', async () => {
    const { makeDataset } = await import('../src/model/data.ts');
    const [p, L] = [7, 2];
    const values = new Rng(3).normals(p * L);
    const f32 = Float32Array.from(values);
    const data32 = makeDataset({ features: f32, counts: new Float64Array(p).fill(1), p, L });
    expect(data32.features).toBeInstanceOf(Float32Array);
    f32[0] = 1e6; // the caller's array may change after the call
    expect(data32.features[0]).toBe(Math.fround(values[0]));
    for (const features of [Float64Array.from(values), Array.from(values), Int32Array.from(values, Math.round)]) {
      expect(makeDataset({ features, counts: new Float64Array(p).fill(1), p, L }).features).toBeInstanceOf(Float64Array);
    }
  });

  it('scales tiny features by a power of two before rounding them to float32', async () => {
    const { makeDataset, designStats } = await import('../src/model/data.ts');
    const [p, L] = [9, 3];
    const small = Float64Array.from(new Rng(4).normals(p * L), (v) => v * 1e-30);
    const data = makeDataset({ features: small, counts: new Float64Array(p).fill(1), p, L });
    const [d64, d32] = [designStats(data), designStats(data, 'float32')];
    expect(d64.scale).toBeGreaterThan(2 ** 90);
    expect(d32.scale).toBe(d64.scale);
    expect(Array.from(d32.covariance)).toEqual(Array.from(d64.covariance));
    expect(Array.from(d32.centred)).toEqual(Array.from(d64.centred, Math.fround));
  });
});

describe('hostPrecisionFor', () => {
  it('float64 for the cpu engine and where auto has no WebGPU; float32 where WebGPU reads X', async () => {
    const { hostPrecisionFor } = await import('../src/engines/create.ts');
    const gpu = {} as GPU;
    expect(hostPrecisionFor('cpu', { gpu })).toBe('float64');
    expect(hostPrecisionFor('auto', {})).toBe('float64'); // Node: no navigator.gpu
    expect(hostPrecisionFor('auto', { gpu })).toBe('float32');
    expect(hostPrecisionFor('webgpu', { gpu })).toBe('float32');
  });
});
