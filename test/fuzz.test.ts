/**
 * Property-based fuzzing (issue 17): hostile bytes, text, data and options. Every case must
 * end in a SoftmixError (a known code, a message) or a valid result — never another
 * exception, never NaN, never a hang. Seeded and bounded: a failure prints its seed and
 * path (fast-check does), and `fc.assert(prop, { seed, path })` replays it.
 * Exploring: SOFTMIX_FUZZ_SEED=n SOFTMIX_FUZZ_RUNS=2000 for other cases; SOFTMIX_FUZZ_STATS=1
 * (or =messages) prints how the fits ended; SOFTMIX_FUZZ_LOG=file writes each fit case before
 * it runs (a synchronous hang cannot be timed out: its case is the file's last).
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { parseNpy } from '../src/io/npy.ts';
import { writeNpy } from '../src/io/npy-write.ts';
import { parseCsvMatrix, formatCsvMatrix } from '../src/io/csv.ts';
import { fitSoftmaxMixture } from '../src/fit/fit.ts';
import { SoftmixError } from '../src/errors.ts';

// SOFTMIX_FUZZ_SEED / SOFTMIX_FUZZ_RUNS explore further; the defaults are what CI runs.
const SEED = Number(process.env.SOFTMIX_FUZZ_SEED ?? 20250117);
const RUNS = Number(process.env.SOFTMIX_FUZZ_RUNS ?? 500);
const TIMEOUT_MS = 20_000;
/** One fit of this size takes milliseconds: a run past this is a hang. */
const RUN_TIMEOUT_MS = 3_000;

const CODES = new Set(['shape', 'not-finite', 'counts', 'samples', 'options', 'rank-deficient', 'file-format', 'backend', 'device-lost', 'cancelled', 'internal']);

/** Rethrows anything that is not a SoftmixError with a known code and a message. */
function expectSoftmixError(err: unknown, codes?: string[]): void {
  if (!(err instanceof SoftmixError)) throw err;
  expect(CODES.has(err.code), `unknown code ${err.code}`).toBe(true);
  if (codes) expect(codes, err.message).toContain(err.code);
  expect(err.message.length).toBeGreaterThan(0);
  // 'internal' means a softmix bug, not bad input: let the fuzzer report it.
  expect(err.code, err.message).not.toBe('internal');
}

/** Runs `fn`; a SoftmixError (of one of `codes`) is an accepted ending, its result is returned otherwise. */
function outcome<T>(fn: () => T, codes?: string[]): T | null {
  try {
    return fn();
  } catch (err) {
    expectSoftmixError(err, codes);
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// .npy

const VALID_NPY: Uint8Array[] = [
  writeNpy(new Float64Array([1, 2.5, -3, 4, 5, 6]), [2, 3]),
  writeNpy(new Float32Array([0.5, 1, 2]), [3]),
  writeNpy(new Int32Array([7, 8, 9, 10]), [2, 2]),
  writeNpy(new Float64Array([1, 2]), [2], 'int64'),
  writeNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), [2, 2, 2]),
  writeNpy(new Float64Array([42]), []),
];

/** Header text a hostile tester would try: brackets, quotes, keys, huge or negative numbers. */
const HEADER_TOKENS = ['[', ']', '(', ')', '{', '}', "'", '"', ',', ':', ' ', '\n', '\\', 'True', 'False', 'None', '-1', '0', '9'.repeat(30), '4503599627370496', "'descr'", "'shape'", "'fortran_order'", "'<f8'", "'>i4'", "'|O'", '1L', '\u00e9'];

type Mutation = (b: Uint8Array) => Uint8Array;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, x]): Mutation => (b) => {
    const c = b.slice();
    if (c.length) c[at % c.length] ^= x;
    return c;
  }),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, ins]): Mutation => (b) => {
    const k = at % (b.length + 1);
    return Uint8Array.from([...b.subarray(0, k), ...ins, ...b.subarray(k)]);
  }),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 16 })).map(([at, n]): Mutation => (b) => {
    const k = at % (b.length + 1);
    return Uint8Array.from([...b.subarray(0, k), ...b.subarray(k + n)]);
  }),
  fc.nat().map((n): Mutation => (b) => b.slice(0, n % (b.length + 1))),
  // rewrite part of the header text (bytes 10 to ~80) with tokens, keeping the file's length
  fc.tuple(fc.integer({ min: 10, max: 80 }), fc.array(fc.constantFrom(...HEADER_TOKENS), { minLength: 1, maxLength: 6 })).map(([at, tokens]): Mutation => (b) => {
    const c = b.slice();
    const text = new TextEncoder().encode(tokens.join(''));
    c.set(text.subarray(0, Math.max(0, c.length - at)), Math.min(at, c.length));
    return c;
  }),
  // a long run of one bracket, as a hostile header would nest them (the parser recursed once per bracket)
  fc.tuple(fc.integer({ min: 10, max: 80 }), fc.constantFrom('[', '(', '{'), fc.integer({ min: 1, max: 30000 })).map(([at, bracket, n]): Mutation => (b) => {
    const k = Math.min(at, b.length);
    const c = Uint8Array.from([...b.subarray(0, k), ...new TextEncoder().encode(bracket.repeat(n)), ...b.subarray(k)]);
    // the header length grows with the run (version 1 holds up to 65535), so the run lies inside the header
    if (c.length >= 10) new DataView(c.buffer).setUint16(8, Math.min(0xffff, new DataView(c.buffer).getUint16(8, true) + n), true);
    return c;
  }),
  // set the header length field
  fc.integer({ min: 0, max: 0xffff }).map((n): Mutation => (b) => {
    const c = b.slice();
    if (c.length >= 10) new DataView(c.buffer).setUint16(8, n, true);
    return c;
  }),
);

/** A parsed array is self-consistent: its element count is the product of its shape. */
function checkNpyArray(a: ReturnType<typeof parseNpy>): void {
  expect(a.shape.every((d) => Number.isSafeInteger(d) && d >= 0)).toBe(true);
  expect(a.data.length).toBe(a.shape.reduce((x, y) => x * y, 1));
}

describe('fuzz: parseNpy', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const a = outcome(() => parseNpy(bytes, 'fuzz.npy'), ['file-format']);
        if (a) checkNpyArray(a);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, TIMEOUT_MS);

  it('random bytes after a valid magic and version', () => {
    const preamble = fc.tuple(fc.constantFrom(1, 2, 3), fc.uint8Array({ maxLength: 200 }));
    fc.assert(
      fc.property(preamble, ([version, rest]) => {
        const bytes = Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0, ...rest]);
        const a = outcome(() => parseNpy(bytes, 'fuzz.npy'), ['file-format']);
        if (a) checkNpyArray(a);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, TIMEOUT_MS);

  it('valid files, mutated (flip, insert, delete, truncate, header text, header length)', () => {
    const file = fc.constantFrom(...VALID_NPY.keys());
    fc.assert(
      fc.property(file, fc.array(mutation, { minLength: 1, maxLength: 4 }), (k, mutations) => {
        const bytes = mutations.reduce((b, m) => m(b), VALID_NPY[k]);
        const a = outcome(() => parseNpy(bytes, 'fuzz.npy'), ['file-format']);
        if (a) checkNpyArray(a);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, TIMEOUT_MS);
});

// ---------------------------------------------------------------------------------------------
// CSV

const CSV_PIECES = ['0', '1', '7', '-', '+', '.', 'e', 'E', ',', ';', '\t', ' ', '\n', '\r\n', '\r', '"', '""', 'nan', 'inf', '-Infinity', 'x', '1,5', '\ufeff', '#', '1e308', '1e999', '0x1F'];
const VALID_CSV = [formatCsvMatrix([1, 2.5, -3, 4e-7, 5, 6], 2, 3), formatCsvMatrix([1, 2, 3], 3, 1, ['count']), 'a;b\n1;2\n3;4\n', '1 2\n3 4\n', '"x","y"\n1,2\n'];

const csvText = fc.oneof(
  fc.string({ unit: fc.constantFrom(...CSV_PIECES), maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.tuple(fc.constantFrom(...VALID_CSV), fc.nat(), fc.nat({ max: 5 }), fc.string({ unit: fc.constantFrom(...CSV_PIECES), maxLength: 4 })).map(
    ([text, at, cut, insert]) => {
      const k = at % (text.length + 1);
      return text.slice(0, k) + insert + text.slice(k + cut);
    },
  ),
);

describe('fuzz: parseCsvMatrix', () => {
  it('random and mutated text, every delimiter and header choice', () => {
    const options = fc.record({ delimiter: fc.constantFrom(undefined, ',', ';', '\t', ' '), header: fc.constantFrom(undefined, true, false) });
    fc.assert(
      fc.property(csvText, options, (text, opts) => {
        const m = outcome(() => parseCsvMatrix(text, 'fuzz.csv', opts), ['file-format']);
        if (!m) return;
        expect(m.rows).toBeGreaterThanOrEqual(1);
        expect(m.cols).toBeGreaterThanOrEqual(1);
        expect(m.values.length).toBe(m.rows * m.cols);
        if (m.header) expect(m.header.length).toBe(m.cols);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, TIMEOUT_MS);
});

// ---------------------------------------------------------------------------------------------
// fitSoftmaxMixture: random data and options, tiny (p ≤ 30, L ≤ 3, maxIter ≤ 5), cpu

/** Values a JSON-ish caller might put anywhere: wrong types, non-finite numbers, empty containers. */
const junk = fc.oneof(
  fc.constantFrom(null, NaN, Infinity, -Infinity, -1, 0.5, -0, '', '5', 'cpu', true, false, [], {}, [1, 2], () => 1),
  fc.string({ maxLength: 5 }),
  // no integer past 5: a valid maxIter or screenIters of 1e300 is a long fit, not a bug
  fc.double().filter((x) => !(Number.isInteger(x) && x > 5)),
  fc.bigInt({ min: -10n, max: 10n }),
);

/** An option: not given, or a valid value (junk is put in one field at most: see fitOptions). */
const opt = <T,>(valid: fc.Arbitrary<T>) => fc.oneof(fc.constant(undefined), valid);
const smallInt = (min: number, max: number) => opt(fc.integer({ min, max }));

/** Mostly the valid value; now and then (1 in `oneIn`) junk instead. */
const mostly = <T,>(valid: fc.Arbitrary<T>, oneIn: number) => fc.oneof({ weight: oneIn - 1, arbitrary: valid }, { weight: 1, arbitrary: junk });

/**
 * A number array; in one case of ten one element is replaced by `badValue` (junk by default),
 * and a clean one comes as a plain array, a Float64Array or (integers) a BigInt64Array.
 */
function spoiled(values: fc.Arbitrary<number[]>, badValue: fc.Arbitrary<unknown> = junk): fc.Arbitrary<unknown> {
  const bad = fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: badValue });
  return fc.tuple(values, fc.nat(), bad, fc.constantFrom('array', 'float64', 'bigint')).map(([xs, at, bad, kind]) => {
    const out: unknown[] = [...xs];
    if (bad !== null && out.length) out[at % out.length] = bad;
    if (kind === 'float64' && bad === null) return Float64Array.from(xs);
    if (kind === 'bigint' && bad === null && xs.every((x) => Number.isSafeInteger(x))) return BigInt64Array.from(xs, (x) => BigInt(x));
    return out;
  });
}

const dataset = fc.record({ p: fc.integer({ min: 1, max: 30 }), L: fc.integer({ min: 1, max: 3 }), wrongLength: fc.integer({ min: -1, max: 1 }) }).chain(({ p, L, wrongLength }) => {
  const n = fc.oneof({ weight: 19, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(wrongLength) });
  // values of one scale, at a random scale (1e-150 … 1e150: the fit rescales features internally), few zeros
  const magnitude = fc.tuple(fc.boolean(), fc.double({ min: 1e-3, max: 4, noNaN: true })).map(([neg, x]) => (neg ? -x : x));
  const feature = fc.oneof({ weight: 30, arbitrary: magnitude }, { weight: 1, arbitrary: fc.constant(0) });
  const scale = fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constantFrom(1e-150, 1e-20, 1e-10, 1e10, 1e150) });
  const row = (d: number) => fc.tuple(fc.array(feature, { minLength: Math.max(0, p * L + d), maxLength: Math.max(0, p * L + d) }), scale).map(([xs, s]) => xs.map((x) => x * s));
  const features = n.chain((d) => spoiled(row(d)));
  const counts = n.chain((d) =>
    spoiled(
      fc.array(fc.integer({ min: 0, max: 50 }), { minLength: Math.max(0, p + d), maxLength: Math.max(0, p + d) }),
      fc.oneof(junk, fc.constantFrom(-1, 0.5, 1e-300, 1e300, 2 ** 53)),
    ),
  );
  const samples = spoiled(fc.array(fc.integer({ min: -1, max: p }), { maxLength: 60 }));
  return fc.record({
    p: mostly(fc.constant(p as unknown), 20),
    L: fc.constant(L),
    features,
    // mostly counts; sometimes samples, neither, or both
    counts: fc.oneof({ weight: 30, arbitrary: counts }, { weight: 1, arbitrary: fc.constant(undefined) }),
    samples: fc.oneof({ weight: 30, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: samples }),
  });
});

const explicitInit = fc.record({
  alpha: spoiled(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 3 })),
  theta: spoiled(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 9 })),
});

const optionFields = {
    K: fc.integer({ min: 1, max: 3 }),
    init: opt(fc.oneof(fc.constantFrom('mom', 'subspace', 'random'), explicitInit)),
    restarts: smallInt(0, 3),
    screenIters: smallInt(1, 4),
    backend: fc.oneof({ weight: 8, arbitrary: fc.constant('cpu') }, { weight: 1, arbitrary: fc.constantFrom('auto', 'webgpu') }),
    tol: opt(fc.constantFrom(0, 1e-8, 1e-3, 1e300)),
    maxIter: fc.integer({ min: 0, max: 5 }), // always given: the default, 1000, is not tiny
    ridge: opt(fc.constantFrom(0, 1e-4, 1, 1e300, 5e-324)),
    seed: opt(fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER))),
    allowFractionalCounts: opt(fc.boolean()),
    fallbackToCpu: opt(fc.boolean()),
    accelerate: opt(fc.boolean()),
    acceleration: opt(fc.constantFrom('squarem', 'anderson')),
    localNewton: opt(fc.boolean()),
    maxNewtonSteps: smallInt(1, 3),
    stepDirection: opt(fc.constantFrom('newton', 'design')),
    hessianEvery: smallInt(1, 3),
    replaceRounds: smallInt(0, 1),
    maxChunkRows: opt(fc.integer({ min: 1, max: 8 })),
    onIteration: opt(fc.constant(() => {})),
    signal: opt(fc.constantFrom(new AbortController().signal, AbortSignal.abort())),
};
const validOptions = fc.record(optionFields, { requiredKeys: ['K', 'maxIter'] });

/** Valid options, and in one case of three one field (or an unknown key) set to junk. */
const fitOptions = fc
  .tuple(validOptions, fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom('unknownKey', ...Object.keys(optionFields)), junk) }))
  .map(([o, spoil]) => (spoil ? { ...o, [spoil[0]]: spoil[1] } : o));

/** Every number reachable from the result, with its path: none may be NaN. */
function findNaN(value: unknown, path = 'fit', seen = new Set<unknown>()): string | null {
  if (typeof value === 'number') return Number.isNaN(value) ? path : null;
  if (typeof value !== 'object' || value === null || seen.has(value)) return null;
  seen.add(value);
  const entries = ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>).entries() : Object.entries(value);
  for (const [k, v] of entries) {
    const found = findNaN(v, `${path}.${k}`, seen);
    if (found) return found;
  }
  return null;
}

describe('fuzz: fitSoftmaxMixture', () => {
  it('random tiny datasets and random options: a SoftmixError or a valid fit', async () => {
    const endings = new Map<string, number>(); // how the cases ended: a fuzz that only ever errors tests little
    const count = (key: string) => endings.set(key, (endings.get(key) ?? 0) + 1);
    await fc.assert(
      fc.asyncProperty(dataset, fitOptions, async (data, options) => {
        // SOFTMIX_FUZZ_LOG=file: each case is written before it runs, so a hang leaves its case last
        if (process.env.SOFTMIX_FUZZ_LOG) writeFileSync(process.env.SOFTMIX_FUZZ_LOG, fc.stringify([data, options]));
        let fit;
        try {
          fit = await fitSoftmaxMixture(data as never, options as never);
        } catch (err) {
          expectSoftmixError(err);
          const e = err as SoftmixError;
          count(process.env.SOFTMIX_FUZZ_STATS === 'messages' ? `${e.code}: ${e.message.replace(/\d[\d.e+-]*/g, '#').slice(0, 60)}` : e.code);
          return;
        }
        count('fit');
        expect(Number.isFinite(fit.logLik)).toBe(true);
        expect(Math.abs(Array.from(fit.alpha).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
        expect(findNaN(fit)).toBeNull();
      }),
      { seed: SEED, numRuns: RUNS, timeout: RUN_TIMEOUT_MS },
    );
    if (process.env.SOFTMIX_FUZZ_STATS) console.log(Object.fromEntries(endings));
    expect(endings.get('fit') ?? 0).toBeGreaterThan(RUNS / 10);
  }, TIMEOUT_MS);

  it('missing or non-object options and data', async () => {
    const good = { features: [0, 1, 2, 3, 5, 8], p: 6, L: 1, counts: [1, 2, 3, 4, 5, 6] };
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constant(undefined), junk), fc.boolean(), async (bad, badData) => {
        const err = await fitSoftmaxMixture((badData ? bad : good) as never, (badData ? { K: 1, backend: 'cpu' } : bad) as never).then(
          () => null,
          (e) => e,
        );
        if (!badData && bad !== null && typeof bad === 'object' && !Array.isArray(bad)) return; // {} is an object: its K is checked
        expectSoftmixError(err, [badData ? 'shape' : 'options']);
      }),
      { seed: SEED, numRuns: 100, timeout: RUN_TIMEOUT_MS },
    );
  }, TIMEOUT_MS);
});

/**
 * Found by the fuzz above (issue 17): a ridge that is huge next to the features' scale —
 * λ/|x|² past ~1e20, e.g. λ = 1e-4 on features of 1e-20, or λ = 1e300 on features of 1e-3 —
 * ended in SoftmixError('internal') "ℓ is NaN at iteration 2". Now it is a clear options
 * error naming the ridge (em/ridge.ts, fit/fit.ts scaledRidge), or a fit.
 */
describe('a ridge huge next to the features\' scale', () => {
  const cases = [
    { features: [0, 0, 0, 0, 0, 0, 0, 0, 1.491668146240012e-154], counts: [0, 0, 0, 0, 0, 0, 0, 0, 1], ridge: 1 },
    { features: [0.001, 0.001172633491500622], counts: [0, 1], ridge: 1e300 },
    { features: [0, 1e-20, 2e-20, 3e-20, 4e-20], counts: [1, 2, 1, 3, 1], ridge: 1e-4 },
  ];
  for (const [i, { features, counts, ridge }] of cases.entries()) {
    it(`case ${i + 1}: λ = ${ridge}, features up to ${Math.max(...features)}: a fit or an options error naming the ridge, not an internal NaN`, async () => {
      const outcome = await fitSoftmaxMixture({ features, p: features.length, L: 1, counts }, { K: 1, ridge, backend: 'cpu' }).catch((e: unknown) => e);
      if (outcome instanceof SoftmixError) {
        expect(outcome.code).toBe('options');
        expect(outcome.message).toMatch(/ridge λ/);
        expect(outcome.message).not.toMatch(/NaN/);
      } else expect(Number.isFinite((outcome as { logLik: number }).logLik)).toBe(true);
    });
  }
});
