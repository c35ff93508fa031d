/**
 * What the softmix command does with bad input (issue 17): every problem with the options,
 * the output paths or the input files is found before any fit and before Chromium starts,
 * printed as one "softmix: …" line (a usage error's ends in a pointer to --help), with exit
 * status 2 for usage errors and 1 for data and fit errors (src/cli/exit.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = join(__dirname, '..', 'bin', 'softmix.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs softmix; never rejects. A run that hangs is killed after `timeoutMs` (code null). */
function softmix(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile('node', [bin, ...args], { env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** The shape every failure must have: a "softmix: …" message, no stack trace, no help dump. */
function expectCleanFailure(r: Run, code: 1 | 2, message: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr).toMatch(/^softmix: /);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toMatch(/Usage:/);
  expect(r.stdout).toBe('');
}

describe('softmix: bad input fails fast, with a message and a documented exit status', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softmix-cli-errors-'));
  const features = join(dir, 'features.npy');
  const counts = join(dir, 'counts.npy');
  const data = ['--features', features, '--counts', counts];
  const fit = (...args: string[]) => ['fit', ...data, '--K', '2', '--quiet', ...args];

  beforeAll(async () => {
    const r = await softmix(['simulate', '--p', '300', '--L', '3', '--K', '2', '--N', '1e4', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(join(dir, 'bad.json'), '{ "alpha": [0.5, ');
    writeFileSync(join(dir, 'negative.csv'), Array.from({ length: 300 }, (_, j) => (j === 7 ? -1 : 3)).join('\n') + '\n');
  });

  it('accepts only decimal numbers for numeric options: no "", hex, binary, octal, Infinity, blanks, fractional integers', async () => {
    const bad: [string, string][] = [
      ['--tol', ''], ['--tol', '0x10'], ['--tol', '0b11'], ['--tol', '0o7'], ['--tol', 'Infinity'], ['--tol', '  '],
      ['--ridge', '1e'], ['--seed', '1.5'], ['--max-iter', '2.5'], ['--seed', '0x1'],
    ];
    const runs = await Promise.all(bad.map(([flag, v]) => softmix(fit(flag, v))));
    runs.forEach((r, i) => expectCleanFailure(r, 2, new RegExp(`${bad[i][0]} must be (a decimal number|an integer).*got "${bad[i][1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`)));
    // decimal, exponent and signed forms still work
    const ok = await softmix(fit('--tol', '1e-6', '--max-iter', '2e1', '--ridge', '0.0', '--seed', '+7'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).K).toBe(2);
  });

  it('rejects --restarts beyond 1000 before any work', async () => {
    const r = await softmix(fit('--restarts', '1e9'));
    expectCleanFailure(r, 2, /--restarts must be at most 1000, got 1e9/);
    expect((await softmix(fit('--restarts', '1001'))).code).toBe(2);
  });

  it('takes --search and rejects an unknown one before any work', async () => {
    const r = await softmix(fit('--search', 'broad'));
    expectCleanFailure(r, 2, /--search.*broad.*(auto, narrow, wide, grow|Allowed choices)/);
    const ok = await softmix(fit('--search', 'grow'));
    expect(ok.code, ok.stderr).toBe(0);
    const out = JSON.parse(ok.stdout);
    expect(out.search.kind).toBe('grow');
    expect(out.search.grown).toBe(true);
    expect(out.search.growth.stages.map((g: { K: number }) => g.K)).toEqual([1, 2]);
  });

  it('checks --out before fitting: under /proc, a directory, under a file, unwritable', async () => {
    // A bad --features as well: the --out message shows the check comes before any data is read.
    const withBadData = (out: string) => ['fit', '--features', join(dir, 'missing.npy'), '--counts', counts, '--K', '2', '--quiet', '--out', out];
    const cases: [string, RegExp][] = [
      ['/proc/nope/x.json', /--out: cannot create the directory \/proc\/nope/],
      [dir, /--out .* is a directory: give the path of a file/],
      [join(features, 'fit.json'), /features\.npy is a file, not a directory/],
    ];
    if (existsSync('/sys/kernel')) cases.push(['/sys/softmix-test.json', /--out: cannot write \/sys\/softmix-test\.json/]);
    const runs = await Promise.all(cases.map(([out]) => softmix(withBadData(out))));
    runs.forEach((r, i) => {
      expectCleanFailure(r, 2, cases[i][1]);
      expect(r.stderr).toMatch(/see softmix fit --help/);
    });
    // with good data too: Node 20's recursive mkdir under /proc never returns (the old hang)
    expectCleanFailure(await softmix(fit('--out', '/proc/nope/x.json')), 2, /cannot create the directory \/proc\/nope \(ENOENT\)/);
    // a missing directory is created, and the JSON lands there
    const out = join(dir, 'new', 'deeper', 'fit.json');
    const ok = await softmix(fit('--out', out, '--max-iter', '5'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).K).toBe(2);
  });

  it('checks simulate --out and demo --out before any work', async () => {
    const sim = await softmix(['simulate', '--p', '10', '--L', '2', '--K', '2', '--N', '100', '--out', features]);
    expectCleanFailure(sim, 2, /--out .*features\.npy is a file, not a directory/);
    const demo = await softmix(['demo', '--out', '/proc/nope'], { CHROMIUM_PATH: '/nonexistent/chromium' });
    expectCleanFailure(demo, 2, /--out: cannot create the directory \/proc\/nope/);
  });

  it('reads --truth before fitting: a missing file or bad JSON is a message, not a stack', async () => {
    const missing = await softmix(fit('--truth', join(dir, 'nope.json')));
    expectCleanFailure(missing, 1, /--truth .*nope\.json: cannot read it \(ENOENT\)/);
    const bad = await softmix(fit('--truth', join(dir, 'bad.json')));
    expectCleanFailure(bad, 1, /--truth .*bad\.json: not valid JSON/);
    const wrongK = await softmix(['fit', ...data, '--K', '3', '--quiet', '--truth', join(dir, 'truth.json')]);
    expectCleanFailure(wrongK, 1, /--truth has K = 2 components, --K is 3/);
  });

  it('--backend webgpu checks the data and the options in Node before starting Chromium', async () => {
    // With no Chromium at all, a check that ran after the browser start would never be reached.
    // SOFTMIX_WEBGPU=chromium: by default --backend webgpu would run through Dawn, no browser needed
    const noChromium = { CHROMIUM_PATH: '/nonexistent/chromium', SOFTMIX_WEBGPU: 'chromium' };
    const [badK, badCounts, good] = await Promise.all([
      softmix(['fit', ...data, '--K', '500', '--backend', 'webgpu'], noChromium),
      softmix(['fit', '--features', features, '--counts', join(dir, 'negative.csv'), '--K', '2', '--backend', 'webgpu'], noChromium),
      softmix(fit('--backend', 'webgpu'), noChromium),
    ]);
    expectCleanFailure(badK, 2, /K = 500 components cannot be fitted to p = 300/);
    expectCleanFailure(badCounts, 1, /counts\[7\] = -1 is negative/);
    // (no timing: with no Chromium to start, reaching these messages proves the order)
    for (const r of [badK, badCounts]) expect(r.stderr).not.toMatch(/Chromium/);
    // and with good data the missing browser is a 'backend' message naming the path and the fix
    expectCleanFailure(good, 1, /CHROMIUM_PATH=\/nonexistent\/chromium does not exist/);
  });

  it('a browser that fails to launch is a message naming the path and what to do; progress says Chromium is starting', async () => {
    const broken = { CHROMIUM_PATH: '/bin/false', SOFTMIX_WEBGPU: 'chromium' };
    const [loud, quiet] = await Promise.all([
      softmix(['fit', ...data, '--K', '2', '--backend', 'webgpu'], broken, 60_000),
      softmix(fit('--backend', 'webgpu'), broken, 60_000),
    ]);
    expect(loud.code, loud.stderr).toBe(1);
    expect(loud.stderr).toMatch(/^softmix: starting headless Chromium…\n/);
    expect(loud.stderr).toMatch(/softmix: could not start Chromium at \/bin\/false: .*Set CHROMIUM_PATH to a working Chromium/);
    expect(loud.stderr).not.toMatch(/^\s+at /m);
    expectCleanFailure(quiet, 1, /could not start Chromium at \/bin\/false/);
    expect(quiet.stderr).not.toMatch(/starting headless Chromium/);
  }, 90_000);

  it('exit status: 2 and one line ending in a --help pointer for usage errors, 1 for data errors; --help documents it', async () => {
    const [unknown, typo, badValue, missing, neither, unknownCommand, dataError, help] = await Promise.all([
      softmix(fit('--bogus')),
      softmix(fit('--bootsrap', '3')),
      softmix(fit('--tol', 'abc')),
      softmix(['fit', '--K', '2']),
      softmix(['fit', '--features', features, '--K', '2']),
      softmix(['fitt']),
      softmix(['fit', '--features', join(dir, 'missing.npy'), '--counts', counts, '--K', '2']),
      softmix(['fit', '--help']),
    ]);
    expectCleanFailure(unknown, 2, /^softmix: unknown option '--bogus' \(see softmix fit --help\)\n$/);
    // commander's suggestion comes on a line of its own: folded into the one line
    expectCleanFailure(typo, 2, /^softmix: unknown option '--bootsrap' \(Did you mean --bootstrap\?\) \(see softmix fit --help\)\n$/);
    expectCleanFailure(badValue, 2, /^softmix: option '--tol <tol>' argument 'abc' is invalid\. --tol must be a decimal number .*got "abc" \(see softmix fit --help\)\n$/);
    expectCleanFailure(missing, 2, /^softmix: required option '--features <file>' not specified \(see softmix fit --help\)\n$/);
    expectCleanFailure(neither, 2, /^softmix: give exactly one of --counts or --samples \(see softmix fit --help\)\n$/);
    expectCleanFailure(unknownCommand, 2, /^softmix: unknown command 'fitt' \(Did you mean fit\?\) \(see softmix --help\)\n$/);
    expectCleanFailure(dataError, 1, /^softmix: cannot read .*missing\.npy/);
    expect(dataError.stderr).not.toMatch(/--help/);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit status:\n\s+0\s+success\n\s+1\s+the data or the fit failed[^]*\n\s+2\s+usage error/);
  });
});
