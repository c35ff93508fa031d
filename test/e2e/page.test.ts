/**
 * End to end: the demo page in headless Chromium (WebGPU on SwiftShader where there is no
 * GPU). Picks a small simulation through the form, runs it, waits for the result view and
 * checks that it shows K components and an atom error within the MLE's sampling error.
 * Saves a screenshot to out/e2e-page.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { createServer, type ViteDevServer } from 'vite';
import { chromium, type Browser } from 'playwright';
// @ts-expect-error plain ESM helper shared with the test config, the CLI and the bench
import { findChromium, chromiumArgs } from '../../scripts/chromium.mjs';
import { simulate } from '../../src/model/simulate.ts';
import { atomErrorVariance } from './fisher.ts';
import type { FitResult } from '../../src/fit/fit.ts';
import type { PageReport } from '../../app/protocol.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCREENSHOT = join(root, 'out', 'e2e-page.png');

// Sized for SwiftShader: a few seconds of fitting. K = 3 atoms of norm 1.5 in L = 4.
const SIM = { p: 1000, L: 4, K: 3, N: 200_000, thetaNorm: 1.5, seed: 3 };
const RESTARTS = 2;

let server: ViteDevServer | undefined;
let browser: Browser | undefined;
let base = '';

beforeAll(async () => {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('no Chromium found: run `node scripts/ensure-chromium.mjs` or set CHROMIUM_PATH');
  server = await createServer({
    root,
    configFile: false,
    logLevel: 'silent',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
    // no dependency discovery: a late discovery would reload the page mid-test
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  await server.listen();
  base = `http://127.0.0.1:${(server.httpServer!.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath, headless: true, args: chromiumArgs() });
}, 60_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.close().catch(() => {});
});

describe('the demo page', () => {
  it('fits a small simulation picked in the form and shows the result', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
    });

    await page.goto(`${base}/`);
    await page.waitForFunction(() => document.body.dataset.state === 'idle', undefined, { timeout: 30_000 });

    await page.check('#dataset-sim');
    for (const [id, v] of [
      ['#sim-p', SIM.p],
      ['#sim-L', SIM.L],
      ['#sim-K', SIM.K],
      ['#sim-N', SIM.N],
      ['#sim-theta', SIM.thetaNorm],
      ['#sim-seed', SIM.seed],
      ['#fit-K', SIM.K],
      ['#fit-restarts', RESTARTS],
      ['#fit-seed', 1],
    ] as const) {
      await page.fill(id, String(v));
    }
    await page.selectOption('#fit-init', 'mom');
    await page.selectOption('#fit-backend', 'auto');
    // X kept as f16 on the GPU (the form's option reaches the engine; the bound below still holds)
    await page.selectOption('#fit-xStorage', 'f16');
    // and S from one pass of the engine (FitOptions.designCovariance); this design is well
    // conditioned, so its rank is settled at float32 and nothing goes back to the host
    await page.selectOption('#fit-designCovariance', 'engine');
    await page.click('#run');

    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), undefined, { timeout: 90_000 });
    const outcome = await page.evaluate(() => ({ state: document.body.dataset.state, error: window.softmixError }));
    expect(outcome.error, `the page reported an error: ${JSON.stringify(outcome.error)}`).toBeUndefined();
    expect(outcome.state).toBe('done');
    const { fit, report } = (await page.evaluate(() => window.softmixResult)) as { fit: FitResult; report: PageReport };

    // The result view shows K components (and the report says the same).
    await expect.poll(() => page.locator('#results .component').count()).toBe(SIM.K);
    expect(report.components.map((c) => c.component)).toEqual([1, 2, 3]);
    expect(report.components.every((c) => c.items.length === 12)).toBe(true);
    expect(fit.K).toBe(SIM.K);
    expect(fit.device.xStorage).toBe(fit.backend === 'webgpu' ? 'f16' : undefined);
    expect(fit.warnings.filter((w) => w.includes('design covariance'))).toEqual([]);
    // Both result charts and the live chart are drawn (uPlot canvases).
    expect(await page.locator('#results canvas').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#progress canvas').count()).toBe(1);
    expect(await page.locator('#results').textContent()).toContain('Error against the truth');

    // The bound on max_k |θ̂_k − θ_k|: the MLE's sampling error at this N, from the Fisher
    // information at the true parameters (the same seeded simulation, rebuilt here), Cov ≈ I⁻¹/N.
    // |θ̂_k − θ_k|² is then a weighted sum of χ²₁ with total mean v_k = tr Cov_k, and
    // P(|θ̂_k − θ_k| > 5 √v_k) ≤ P(χ²₁ > 25) ≈ 6e-7 per component. The float32 engine and the
    // tol = 1e-8 stop add errors orders of magnitude below √v_k ≈ 0.015 here, and so does X's
    // rounding to f16 (relative 2⁻¹¹ per feature: it moved the maximum 1.3e-4 at
    // (2e4, 64, 8) in bench/x-storage.md).
    const sim = simulate(SIM);
    for (let k = 0; k < SIM.K; k++) {
      expect(report.truth!.alpha[k]).toBeCloseTo(sim.truth.alpha[k], 12);
      for (let l = 0; l < SIM.L; l++) expect(report.truth!.theta[k][l]).toBeCloseTo(sim.truth.theta[k * SIM.L + l], 12);
    }
    const variances = atomErrorVariance(sim.features, SIM.p, SIM.L, sim.truth.alpha, sim.truth.theta, SIM.N);
    const bound = 5 * Math.sqrt(Math.max(...variances));
    expect(report.error!.thetaError).toBeLessThan(bound);
    // Standard errors are on by default: shown as ± on every card, with each atom's
    // coordinates folded away. Their squares summed over an atom estimate tr Cov(θ̂_k), the
    // same quantity the Fisher information at the truth gives above, by an independent
    // computation at the estimate rather than the truth: the two differ by O(|θ̂ − θ|) in
    // relative terms, a few percent here; 25% would catch a wrong factor or a missing term.
    expect(report.standardErrors).toEqual({ available: true, level: 0.95 });
    if (!fit.se?.available) throw new Error('the page fit has no standard errors');
    for (let k = 0; k < SIM.K; k++) {
      const s = report.error!.permutation[k];
      const trace = fit.se.theta[s].reduce((t: number, e) => t + e! ** 2, 0);
      expect(trace / variances[k]).toBeGreaterThan(0.75);
      expect(trace / variances[k]).toBeLessThan(1.25);
      expect(report.components[s].errors!.weight).toBe(fit.se.alpha[s]);
    }
    const headings = await page.locator('#results .component h4').allTextContents();
    for (const h of headings) expect(h).toMatch(/α̂ = 0\.\d{3} ± \d\.\d+(e-\d+)? · \|θ\| = \d\.\d{2} ± \d/);
    expect(await page.locator('#results details.atom-errors').count()).toBe(SIM.K);
    // The fit is at least as likely as the truth on the data it was fitted to (it is the MLE).
    expect(report.logLikPerSample.train).toBeGreaterThan(report.logLikPerSample.truth! - 1e-6);

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(
      `e2e page: backend ${fit.backend} (${fit.device.description}), ${fit.iterations} iterations, ` +
        `max|θ̂−θ| = ${report.error!.thetaError.toFixed(4)} < bound ${bound.toFixed(4)}, fit ${report.timings.totalMs.toFixed(0)} ms`,
    );
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('chooses K: sweeps K = 1..4 on a planted K = 3, charts it, marks K = 3 and shows its refit', async () => {
    // the planted case of test/select.test.ts (seed 1: every rule picks K = 3), on cpu so that it takes seconds
    const PLANTED = { p: 500, L: 3, K: 3, N: 200_000, thetaNorm: 2.5, seed: 1 };
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`${base}/`);
    await page.waitForFunction(() => document.body.dataset.state === 'idle', undefined, { timeout: 30_000 });
    await page.check('#dataset-sim');
    for (const [id, v] of [['#sim-p', PLANTED.p], ['#sim-L', PLANTED.L], ['#sim-K', PLANTED.K], ['#sim-N', PLANTED.N], ['#sim-theta', PLANTED.thetaNorm], ['#sim-seed', PLANTED.seed], ['#fit-seed', 1], ['#select-Kmax', 4]] as const) {
      await page.fill(id, String(v));
    }
    await page.selectOption('#fit-backend', 'cpu');
    await page.click('#choose-k');
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), undefined, { timeout: 90_000 });
    expect(await page.evaluate(() => window.softmixError)).toBeUndefined();
    const sweep = (await page.evaluate(() => window.softmixSelection))!;
    expect(sweep.table.map((r) => r.K)).toEqual([1, 2, 3, 4]);
    expect(sweep.chosen.K).toBe(3);
    expect(await page.locator('#selection canvas').count()).toBe(1);
    expect(await page.locator('#selection-table tbody tr').count()).toBe(4);
    expect(await page.locator('#selection-table tr.best td').first().textContent()).toBe('3');
    expect(await page.locator('#progress').isHidden()).toBe(true);
    // the refit of the chosen K is the result shown
    await expect.poll(() => page.locator('#results .component').count()).toBe(3);
    await page.screenshot({ path: join(root, 'out', 'e2e-select.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
