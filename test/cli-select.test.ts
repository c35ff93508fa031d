import { describe, it, expect, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const run = promisify(execFile);
const bin = join(__dirname, '..', 'bin', 'softmix.mjs');
const softmix = (...args: string[]) => run('node', [bin, ...args], { maxBuffer: 1 << 24 });
/** exit status and stderr of a command expected to fail */
const failing = (...args: string[]) =>
  softmix(...args).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );

describe('softmix select', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softmix-select-'));
  const data = () => ['--features', join(dir, 'features.npy'), '--counts', join(dir, 'counts.npy')];
  beforeAll(async () => {
    // the planted K = 3 of test/select.test.ts (seed 1)
    await softmix('simulate', '--p', '500', '--L', '3', '--K', '3', '--N', '2e5', '--theta-norm', '2.5', '--seed', '1', '--out', dir);
  });

  it('prints JSON with the table, the choices and the refit, and the table on stderr', async () => {
    const { stdout, stderr } = await softmix('select', ...data(), '--K', '1..3,5', '--restarts', '2');
    const r = JSON.parse(stdout);
    expect(r.table.map((row: { K: number }) => row.K)).toEqual([1, 2, 3, 5]);
    for (const field of ['K', 'ridge', 'parameters', 'validationLogLikPerSample', 'trainLogLikPerSample', 'bic', 'aic', 'converged', 'stopReason', 'eSteps', 'seconds', 'folds']) {
      expect(r.table[0], field).toHaveProperty(field);
    }
    expect(r.chosen.K).toBe(3);
    expect(r.bicChoice.K).toBe(3);
    expect(r.refit.K).toBe(3);
    expect(r.refit.alpha.length).toBe(3);
    expect(r.split.NTrain[0] + r.split.NValidation[0]).toBe(2e5);
    // a header and one line per candidate, then the summary
    expect(stderr).toMatch(/K\s+λ\s+d\s+valid ℓ\/N/);
    expect(stderr.split('\n').filter((l) => /\[\d\/4, /.test(l)).length).toBe(4);
    expect(stderr).toMatch(/best validation ℓ\/N: K = 3; .* BIC: K = 3/);
  });

  it('--out writes the JSON, --quiet silences stderr, --folds scores k folds', async () => {
    const out = join(dir, 'select.json');
    const { stdout, stderr } = await softmix('select', ...data(), '--K', '2,3', '--folds', '2', '--restarts', '1', '--out', out, '--quiet');
    expect(stdout).toBe('');
    expect(stderr).toBe('');
    const r = JSON.parse(readFileSync(out, 'utf8'));
    expect(r.split.folds).toBe(2);
    expect(r.table[0].folds.length).toBe(2);
    expect(r.table[0].validationStdError).toBeGreaterThan(0);
  });

  it('usage errors exit 2 with one line naming the problem', async () => {
    const cases: [string[], RegExp][] = [
      [['--K', '3..1'], /--K: the range 3\.\.1 is empty/],
      [['--K', '1..'], /--K must be integers and ranges a\.\.b/],
      [['--K', 'x'], /each value of --K must be an integer/],
      [['--K', '0..2'], /--K must be ≥ 1/],
      [['--K', '2,2'], /--K: 2 is listed twice/],
      [['--K', '1..501'], /K = 501 components cannot be fitted to p = 500/],
      [['--K', '1,2', '--ridge', '0,-1'], /--ridge: each value must be ≥ 0/],
      [['--K', '1,2', '--folds', '0'], /--folds must be ≥ 1/],
      [['--K', '1,2', '--validation-fraction', '1.5'], /validationFraction must be a number in \(0, 1\)/],
      [['--K', '1,2', '--backend', 'webgpu'], /select runs on cpu for now/],
    ];
    const outcomes = await Promise.all(cases.map(([args]) => failing('select', ...data(), ...args)));
    for (const [i, [args, message]] of cases.entries()) {
      const { code, stderr } = outcomes[i];
      expect(code, args.join(' ')).toBe(2);
      expect(stderr, args.join(' ')).toMatch(message);
      expect(stderr).toMatch(/see softmix select --help/);
    }
  });
});
