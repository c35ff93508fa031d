import { describe, it, expect, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNpy } from '../src/io/npy.ts';

const run = promisify(execFile);
const bin = join(__dirname, '..', 'bin', 'softmix.mjs');
const softmix = (...args: string[]) => run('node', [bin, ...args], { maxBuffer: 1 << 24 });

describe('the softmix command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'softmix-cli-'));
  beforeAll(async () => {
    await softmix('simulate', '--p', '800', '--L', '5', '--K', '3', '--N', '4e5', '--theta-norm', '1.5', '--seed', '3', '--samples', '--out', dir);
  });

  it('simulate writes features.npy (p×L float32), counts.npy, samples.npy and truth.json', () => {
    const x = parseNpy(readFileSync(join(dir, 'features.npy')));
    expect(x.shape).toEqual([800, 5]);
    expect(x.dtype).toBe('float32');
    const n = parseNpy(readFileSync(join(dir, 'counts.npy')));
    expect(n.shape).toEqual([800]);
    expect(Array.from(n.data).reduce((a, b) => a + b, 0)).toBe(4e5);
    expect(parseNpy(readFileSync(join(dir, 'samples.npy'))).shape).toEqual([4e5]);
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8'));
    expect(truth.theta.length).toBe(3);
    for (const row of truth.theta) expect(Math.hypot(...row)).toBeCloseTo(1.5, 12);
  });

  it('fit prints the JSON fields of DESIGN.md and recovers the planted atoms', async () => {
    const { stdout } = await softmix(
      'fit', '--features', join(dir, 'features.npy'), '--counts', join(dir, 'counts.npy'),
      '--K', '3', '--init', 'random', '--restarts', '3', '--backend', 'cpu', '--truth', join(dir, 'truth.json'), '--quiet',
    );
    const fit = JSON.parse(stdout);
    for (const field of ['K', 'p', 'L', 'N', 'alpha', 'theta', 'logLik', 'logLikPerSample', 'iterations', 'converged', 'backend', 'init', 'starts', 'timings', 'device', 'warnings']) {
      expect(fit, field).toHaveProperty(field);
    }
    expect(fit.backend).toBe('cpu');
    expect(fit.starts.length).toBe(4);
    expect(fit.error.thetaError).toBeLessThan(0.05);
  });

  it('fit from raw samples gives the fit from counts', async () => {
    const common = ['--features', join(dir, 'features.npy'), '--K', '2', '--backend', 'cpu', '--max-iter', '30', '--quiet'];
    const a = JSON.parse((await softmix('fit', ...common, '--counts', join(dir, 'counts.npy'))).stdout);
    const b = JSON.parse((await softmix('fit', ...common, '--samples', join(dir, 'samples.npy'))).stdout);
    expect(b.logLik).toBe(a.logLik);
  });

  it('--design-covariance engine forms S on the engine (float64 on cpu): the default fit to float64 rounding; other places refused', async () => {
    const common = ['fit', '--features', join(dir, 'features.npy'), '--counts', join(dir, 'counts.npy'), '--K', '3', '--restarts', '0', '--tol', '1e-12', '--backend', 'cpu', '--quiet'];
    const [host, engine] = await Promise.all([softmix(...common), softmix(...common, '--design-covariance', 'engine')]).then((rs) => rs.map((r) => JSON.parse(r.stdout)));
    // the same S to ~1e-16 relative, so the same path to the same maximum (units.test.ts argues 1e-9)
    expect(Math.abs(engine.logLik - host.logLik)).toBeLessThan(1e-9 * Math.abs(host.logLik));
    expect(engine.warnings.filter((w: string) => w.includes('design covariance'))).toEqual([]);
    const bad = await softmix(...common, '--design-covariance', 'gpu').catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).not.toBe(0);
    expect((bad as { stderr: string }).stderr).toMatch(/--design-covariance.*gpu.*host, engine/s);
  });

  it('--no-local-newton and --no-accelerate switch the Newton–Raphson end and SQUAREM off', async () => {
    const common = ['fit', '--features', join(dir, 'features.npy'), '--counts', join(dir, 'counts.npy'), '--K', '3', '--restarts', '0', '--tol', '1e-12', '--backend', 'cpu', '--quiet'];
    const [dflt, noNewton, plain] = await Promise.all([
      softmix(...common), softmix(...common, '--no-local-newton'), softmix(...common, '--no-accelerate'),
    ]).then((rs) => rs.map((r) => JSON.parse(r.stdout)));
    expect(dflt.stats.localNewtonSteps).toBeGreaterThan(0);
    expect(noNewton.stats.localNewtonSteps).toBe(0);
    expect(noNewton.stats.localNewtonRejected).toBe(0);
    expect(plain.stats.localNewtonSteps).toBe(0);
    expect(plain.eSteps).toBe(plain.iterations + 1); // plain EM: one E-step per M-step, and one at the start
    expect(dflt.eSteps).toBeLessThan(noNewton.eSteps);
  });

  it('--replace-rounds runs component replacement and reports its trials', async () => {
    const common = ['fit', '--features', join(dir, 'features.npy'), '--counts', join(dir, 'counts.npy'), '--K', '3', '--restarts', '0', '--tol', '1e-10', '--backend', 'cpu', '--quiet'];
    const [off, on] = await Promise.all([softmix(...common), softmix(...common, '--replace-rounds', '1')]).then((rs) => rs.map((r) => JSON.parse(r.stdout)));
    expect(off.replacement).toBeNull();
    expect(on.replacement.trials.length).toBeGreaterThanOrEqual(1);
    expect(on.replacement.trials.length).toBeLessThanOrEqual(3);
    expect(on.eSteps).toBeGreaterThan(off.eSteps);
    expect(on.objective).toBeGreaterThanOrEqual(off.objective - 1e-8 * Math.abs(off.objective));
    const bad = await softmix(...common, '--replace-rounds', '-1').then(() => null, (e) => e);
    expect(bad?.code).toBe(2);
    expect(bad.stderr).toMatch(/replaceRounds must be an integer ≥ 0, got -1/);
  });

  it('--se and --bootstrap put errors and intervals in the JSON and a table on stderr', async () => {
    const common = ['fit', '--features', join(dir, 'features.npy'), '--counts', join(dir, 'counts.npy'), '--K', '3', '--backend', 'cpu'];
    const { stdout, stderr } = await softmix(...common, '--se', '--covariance', '--level', '0.9', '--bootstrap', '12');
    const fit = JSON.parse(stdout);
    expect(fit.se.available).toBe(true);
    expect(fit.se.theta.length).toBe(3);
    expect(fit.se.theta[0].length).toBe(5);
    expect(fit.se.covariance.parameters.length).toBe(3 + 15);
    expect(fit.ci.level).toBe(0.9);
    expect(fit.bootstrap.B).toBe(12);
    expect(fit.bootstrap.sd.theta[2].length).toBe(5);
    // one row per weight and atom coordinate, the interval around the estimate
    expect(stderr).toMatch(/parameter +estimate +SE +90% Wald +robust SE +bootstrap SD +90% percentile/);
    const row = stderr.split('\n').find((l) => l.startsWith('θ[1][2]'))!;
    expect(row).toContain(fit.se.theta[1][2].toPrecision(4));
    expect(stderr).toMatch(/bootstrap: 12 refits \(seed 1\), 0 failed/);
    const quiet = await softmix(...common, '--quiet');
    expect(JSON.parse(quiet.stdout).se).toBeNull();
    for (const [args, message] of [
      [['--se', '--level', '1'], /level must be a number strictly between 0 and 1/],
      [['--covariance'], /covariance: true needs se: true/],
      [['--bootstrap', '-1'], /--bootstrap must be ≥ 0/],
    ] as const) {
      const bad = await softmix(...common, '--quiet', ...args).then(() => null, (e) => e);
      expect(bad?.code).toBe(2);
      expect(bad.stderr).toMatch(message);
    }
  });

  it('fit reads CSV and an explicit --init file, and --out writes the JSON', async () => {
    const x = parseNpy(readFileSync(join(dir, 'features.npy')));
    const rows: string[] = ['f1,f2,f3,f4,f5'];
    for (let j = 0; j < 800; j++) rows.push(Array.from(x.data.subarray(j * 5, j * 5 + 5)).join(','));
    writeFileSync(join(dir, 'features.csv'), rows.join('\n') + '\n');
    writeFileSync(join(dir, 'init.json'), readFileSync(join(dir, 'truth.json')));
    const out = join(dir, 'fit.json');
    await softmix('fit', '--features', join(dir, 'features.csv'), '--counts', join(dir, 'counts.npy'), '--K', '3', '--init', join(dir, 'init.json'), '--out', out, '--quiet');
    expect(existsSync(out)).toBe(true);
    const fit = JSON.parse(readFileSync(out, 'utf8'));
    expect(fit.init).toBe('explicit');
    expect(fit.converged).toBe(true);
  });

  it('bad input exits non-zero with a message naming the problem', async () => {
    const err = await softmix('fit', '--features', join(dir, 'features.npy'), '--counts', join(dir, 'counts.npy'), '--K', '0').then(
      () => null,
      (e) => e,
    );
    expect(err).not.toBeNull();
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/K must be an integer ≥ 1, got 0/);
  });

  it('--help describes every command', async () => {
    for (const cmd of ['simulate', 'fit', 'select']) {
      const { stdout } = await softmix(cmd, '--help');
      expect(stdout).toMatch(/--K/);
    }
  });
});
