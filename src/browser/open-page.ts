/**
 * Opens a page of this project in headless system Chromium with WebGPU: the locked-down
 * local server of page-server.ts serves it, Playwright drives Debian's Chromium with the
 * flags of scripts/chromium.mjs. Shared by the CLI's `fit --backend webgpu`, the main job
 * (`softmix demo`) and the benchmark.
 */
import type { Browser, Page } from 'playwright';
import { SoftmixError } from '../errors.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot, startPageServer, type PageJob } from './page-server.ts';
import { startStaticHarnessServer } from './static-server.ts';
// @ts-expect-error plain ESM helpers shared with the test config
import { chromiumArgs } from '../../scripts/chromium.mjs';
// @ts-expect-error plain ESM helpers shared with the test config
import { findChromium } from '../../scripts/chromium.mjs';

export { projectRoot } from './page-server.ts';

export interface PageSession {
  page: Page;
  /** e.g. "156.0.8078.79" */
  chromiumVersion: string;
  executablePath: string;
  /** problems the page reported so far (page errors, failed requests) */
  pageErrors: string[];
  close(): Promise<void>;
}

export interface OpenPageOptions {
  /** resolves when the page is ready; evaluated in the page */
  ready: string;
  /** the job's data the page fetches (served under the job's token) */
  job?: PageJob;
  /** dependencies Vite must pre-bundle (CommonJS ones such as TensorFlow.js) */
  optimize?: string[];
  onConsole?: (line: string) => void;
  /** a progress line before the slow steps (starting Chromium takes seconds) */
  onStatus?: (line: string) => void;
  viewport?: { width: number; height: number };
  readyTimeoutMs?: number;
}

const CHROMIUM_HINT = 'Set CHROMIUM_PATH to a working Chromium or Chrome executable, or unset it to use the system one (Debian: apt-get install chromium).';

/**
 * The Chromium executable, or a 'backend' error saying what to do. Only found, never
 * installed: installing a browser is the repository's scripts' business
 * (scripts/ensure-chromium.mjs, run by npm start and npm test), not the CLI's.
 */
function findExecutable(): string {
  const found: string | null = findChromium();
  if (found) return found;
  const env = process.env.CHROMIUM_PATH;
  throw new SoftmixError(
    'backend',
    env
      ? `no usable Chromium for the WebGPU backend: CHROMIUM_PATH=${env} does not exist. ${CHROMIUM_HINT}`
      : `no usable Chromium for the WebGPU backend (looked for /usr/bin/chromium and friends). ${CHROMIUM_HINT}`,
  );
}

type Playwright = typeof import('playwright');

/**
 * Playwright drives the browser. It is an optional install for the CLI: playwright-core
 * (no browser download) or playwright, whichever is there.
 */
async function loadPlaywright(): Promise<Playwright> {
  for (const name of ['playwright-core', 'playwright']) {
    try {
      return (await import(/* @vite-ignore */ name)) as Playwright;
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    }
  }
  throw new SoftmixError(
    'backend',
    'the WebGPU backend in Chromium needs Playwright to drive the browser: npm install playwright-core (or install webgpu to fit on WebGPU in Node through Dawn)',
  );
}

async function launchChromium({ chromium }: Playwright, executablePath: string): Promise<Browser> {
  try {
    return await chromium.launch({ executablePath, headless: true, args: chromiumArgs(), timeout: 60_000 });
  } catch (err) {
    // Playwright's message is many lines (call log, hints about its own downloads): keep the first.
    const first = String((err as Error).message ?? err).split('\n')[0];
    throw new SoftmixError('backend', `could not start Chromium at ${executablePath}: ${first}. ${CHROMIUM_HINT}`);
  }
}

/**
 * A clone serves the page from its sources through Vite; an installed package has neither,
 * and serves the CLI's harness prebuilt (dist/harness) with a plain server.
 */
async function startServer(path: string, options: OpenPageOptions): Promise<{ origin: string; close(): Promise<void> }> {
  if (existsSync(join(projectRoot, 'src'))) return startPageServer({ page: path, job: options.job, optimize: options.optimize });
  if (!path.startsWith('/app/harness.html')) throw new SoftmixError('backend', `the page ${path.split('?')[0]} runs only from a clone of the softmix repository`);
  return startStaticHarnessServer(join(projectRoot, 'dist', 'harness'), options.job);
}

export async function openPage(path: string, options: OpenPageOptions): Promise<PageSession> {
  const executablePath = findExecutable();
  const served = await startServer(path, options);
  let browser: Browser | null = null;
  const close = async () => {
    await browser?.close().catch(() => {});
    await served.close().catch(() => {});
  };
  try {
    const playwright = await loadPlaywright();
    options.onStatus?.('starting headless Chromium…');
    browser = await launchChromium(playwright, executablePath);
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('response', (res) => {
      if (res.status() >= 400) pageErrors.push(`HTTP ${res.status()} for ${res.url()}`);
    });
    if (options.onConsole) page.on('console', (msg) => options.onConsole!(msg.text()));
    await page.goto(`${served.origin}${path}`);
    await page.waitForFunction(options.ready, undefined, { timeout: options.readyTimeoutMs ?? 120_000 }).catch(() => {
      throw new SoftmixError('backend', `the page ${path} did not load${pageErrors.length ? `: ${pageErrors.join('; ')}` : ''}`);
    });
    return { page, chromiumVersion: browser.version(), executablePath, pageErrors, close };
  } catch (e) {
    await close();
    throw e;
  }
}
