/**
 * The model commands of the softmix CLI (src/cli/model-commands.ts, simulate-command.ts):
 * a fit's JSON applied to items by `score`, `predict` and `simulate --model` gives what the
 * library's FittedModel gives, bit for bit; `--version`; and their usage errors (exit 2,
 * one line) and output checks, made before any file is read.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNpy } from '../src/io/npy.ts';
import { parseCsvMatrix } from '../src/io/csv.ts';
import { FittedModel } from '../src/fit/fitted-model.ts';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'softmix.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs softmix; never rejects. */
function softmix(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('node', [bin, ...args], { timeout: 60_000, killSignal: 'SIGKILL', maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

/** One "softmix: …" line on stderr, nothing on stdout, the given status. */
function expectOneLine(r: Run, code: 1 | 2, message: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr.split('\n').filter(Boolean).length, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/^softmix: /);
  expect(r.stderr).toMatch(message);
  expect(r.stdout).toBe('');
}

const npy = (path: string) => parseNpy(readFileSync(path));

describe('softmix --version', () => {
  it('prints the version of package.json and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    for (const flag of ['--version', '-V']) {
      const r = await softmix([flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });
});

describe('softmix score, predict and simulate --model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softmix-cli-model-'));
  const d = (name: string) => join(dir, name);
  let model: FittedModel;
  let features: Float32Array;

  beforeAll(async () => {
    const sim = await softmix(['simulate', '--p', '300', '--L', '3', '--K', '2', '--N', '2e4', '--seed', '2', '--out', dir]);
    expect(sim.code, sim.stderr).toBe(0);
    const fit = await softmix(['fit', '--features', d('features.npy'), '--counts', d('counts.npy'), '--K', '2', '--quiet', '--out', d('fit.json')]);
    expect(fit.code, fit.stderr).toBe(0);
    model = FittedModel.fromJSON(readFileSync(d('fit.json'), 'utf8'));
    features = npy(d('features.npy')).data as Float32Array;
  }, 60_000);

  it('simulate --model draws N counts on the given items from the model, as FittedModel.sample does', async () => {
    const out = d('held');
    const r = await softmix(['simulate', '--model', d('fit.json'), '--features', d('features.npy'), '--N', '5000', '--seed', '9', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote .*counts\.npy \(N = 5000 from --model /);
    const counts = npy(join(out, 'counts.npy'));
    expect(counts.shape).toEqual([300]);
    expect(Array.from(counts.data)).toEqual(Array.from(model.sample(features, 5000, { seed: 9 })));
    // the items are written as read (float32 stays float32, bit for bit), and truth.json is the model
    expect(readFileSync(join(out, 'features.npy'))).toEqual(readFileSync(d('features.npy')));
    const truth = JSON.parse(readFileSync(join(out, 'truth.json'), 'utf8'));
    const fitJson = JSON.parse(readFileSync(d('fit.json'), 'utf8'));
    expect(truth).toMatchObject({ p: 300, L: 3, K: 2, N: 5000, seed: 9, alpha: fitJson.alpha, theta: fitJson.theta });

    // --samples: the draws themselves, and counts that are their histogram
    const withDraws = d('draws');
    const s = await softmix(['simulate', '--model', d('fit.json'), '--features', d('features.npy'), '--N', '3000', '--samples', '--out', withDraws]);
    expect(s.code, s.stderr).toBe(0);
    const draws = npy(join(withDraws, 'samples.npy')).data;
    expect(draws.length).toBe(3000);
    const histogram = new Array(300).fill(0);
    for (const y of draws) histogram[y]++;
    expect(Array.from(npy(join(withDraws, 'counts.npy')).data)).toEqual(histogram);
    expect(Array.from(draws)).toEqual(Array.from(model.sample(features, 3000, { seed: 1, as: 'draws' })));
  });

  it('score prints ℓ, ℓ/N and N of held-out counts: the fitted model\'s, bit for bit', async () => {
    const out = d('held2');
    await softmix(['simulate', '--model', d('fit.json'), '--features', d('features.npy'), '--N', '4000', '--seed', '3', '--out', out]);
    const counts = npy(join(out, 'counts.npy')).data;
    const r = await softmix(['score', '--fit', d('fit.json'), '--features', d('features.npy'), '--counts', join(out, 'counts.npy')]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    const expected = model.score(features, counts);
    expect(s).toEqual({ logLik: expected.logLik, logLikPerSample: expected.logLik / 4000, N: 4000, p: 300, K: 2, L: 3 });
    // a saved softmix-model scores the same as the fit's JSON it came from
    writeFileSync(d('model.json'), JSON.stringify(model));
    const again = await softmix(['score', '--fit', d('model.json'), '--features', d('features.npy'), '--counts', join(out, 'counts.npy'), '--out', d('score.json')]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(readFileSync(d('score.json'), 'utf8')).logLik).toBe(expected.logLik);
  });

  it('predict gives the posteriors and the argmax per item, as JSON, CSV or .npy by --out', async () => {
    const r = model.posteriors(features);
    const component = Array.from(model.predict(features));
    const json = await softmix(['predict', '--fit', d('fit.json'), '--features', d('features.npy')]);
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.K).toBe(2);
    expect(out.p).toBe(300);
    expect(out.posteriors.flat()).toEqual(Array.from(r));
    expect(out.component).toEqual(component);
    for (let j = 0; j < 300; j++) expect(out.component[j]).toBe(out.posteriors[j][1] > out.posteriors[j][0] ? 1 : 0);

    const [csv, np] = await Promise.all([
      softmix(['predict', '--fit', d('fit.json'), '--features', d('features.npy'), '--out', d('pred.csv')]),
      softmix(['predict', '--fit', d('fit.json'), '--features', d('features.npy'), '--out', d('pred.npy')]),
    ]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(np.code, np.stderr).toBe(0);
    const table = parseCsvMatrix(readFileSync(d('pred.csv'), 'utf8'));
    expect(table.header).toEqual(['component', 'r_0', 'r_1']);
    expect([table.rows, table.cols]).toEqual([300, 3]);
    for (let j = 0; j < 300; j++) {
      expect(table.values[3 * j]).toBe(component[j]);
      expect([table.values[3 * j + 1], table.values[3 * j + 2]]).toEqual([r[2 * j], r[2 * j + 1]]);
    }
    const posteriors = npy(d('pred.npy'));
    expect(posteriors.shape).toEqual([300, 2]);
    expect(posteriors.dtype).toBe('float64');
    expect(Array.from(posteriors.data)).toEqual(Array.from(r));
  });

  it('usage errors exit 2 with one line; a bad model or mismatched features exit 1 naming them', async () => {
    writeFileSync(d('v2.json'), JSON.stringify({ ...JSON.parse(JSON.stringify(model)), version: 2 }));
    writeFileSync(d('one-column.csv'), Array.from({ length: 300 }, (_, j) => String(j)).join('\n') + '\n');
    const base = ['--fit', d('fit.json'), '--features', d('features.npy')];
    const [ext, noFeatures, conflict, noCounts, v2, columns, notJson] = await Promise.all([
      softmix(['predict', ...base, '--out', d('pred.txt')]),
      softmix(['simulate', '--model', d('fit.json'), '--N', '10', '--out', d('x')]),
      softmix(['simulate', '--model', d('fit.json'), '--features', d('features.npy'), '--N', '10', '--K', '3', '--out', d('x')]),
      softmix(['score', ...base]),
      softmix(['score', '--fit', d('v2.json'), '--features', d('features.npy'), '--counts', d('counts.npy')]),
      softmix(['predict', '--fit', d('fit.json'), '--features', d('one-column.csv')]),
      softmix(['predict', '--fit', d('features.npy'), '--features', d('features.npy')]),
    ]);
    expectOneLine(ext, 2, /--out .*pred\.txt: give a file ending in \.json, \.csv or \.npy .*\(see softmix predict --help\)$/m);
    expectOneLine(noFeatures, 2, /--model needs --features: the items to draw on \(see softmix simulate --help\)/);
    expectOneLine(conflict, 2, /option '--model <file>' cannot be used with option '--K <K>' \(see softmix simulate --help\)/);
    expectOneLine(noCounts, 2, /required option '--counts <file>' not specified \(see softmix score --help\)/);
    expectOneLine(v2, 1, /--fit .*v2\.json: softmix-model version 2 is not supported: this softmix reads version 1 \(the file was written by a newer softmix\)/);
    expectOneLine(columns, 1, /--features .*one-column\.csv has 1 column but the model \(--fit .*fit\.json\) has L = 3/);
    expectOneLine(notJson, 1, /--fit .*features\.npy: not valid JSON/);
  });

  it('checks every output path before reading any input', async () => {
    // the inputs do not exist: an --out message shows the output was checked first
    const missing = ['--fit', d('nope.json'), '--features', d('nope.npy')];
    mkdirSync(d('a-directory.json'));
    const [predictDir, scoreProc, simulateFile] = await Promise.all([
      softmix(['predict', ...missing, '--out', d('a-directory.json')]),
      softmix(['score', ...missing, '--counts', d('nope.npy'), '--out', '/proc/nope/score.json']),
      softmix(['simulate', '--model', d('nope.json'), '--features', d('nope.npy'), '--N', '10', '--out', d('fit.json')]),
    ]);
    expectOneLine(predictDir, 2, /--out .* is a directory: give the path of a file/);
    expectOneLine(scoreProc, 2, /--out: cannot create the directory \/proc\/nope/);
    expectOneLine(simulateFile, 2, /--out .*fit\.json is a file, not a directory/);
  });
});
