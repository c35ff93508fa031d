/**
 * Opens a page of this project in headless system Chromium with WebGPU: Vite serves the
 * repository on 127.0.0.1 (TypeScript and `?raw` shaders compiled on the fly), Playwright
 * drives Debian's Chromium with the flags of scripts/chromium.mjs. Shared by the CLI's
 * `fit --backend webgpu`, the main job (`softmix demo`) and the benchmark.
 */
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import type { Plugin } from 'vite';
import type { Page } from 'playwright';
import { SoftmixError } from '../errors.ts';
// @ts-expect-error plain ESM helpers shared with the test config
import { chromiumArgs } from '../../scripts/chromium.mjs';
// @ts-expect-error plain ESM helpers shared with the test config
import { ensureChromium } from '../../scripts/ensure-chromium.mjs';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

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
  /** extra Vite plugins (e.g. serving a job's binary data) */
  plugins?: Plugin[];
  /** dependencies Vite must pre-bundle (CommonJS ones such as TensorFlow.js) */
  optimize?: string[];
  onConsole?: (line: string) => void;
  viewport?: { width: number; height: number };
  readyTimeoutMs?: number;
}

export async function openPage(path: string, options: OpenPageOptions): Promise<PageSession> {
  const executablePath: string = ensureChromium({ quiet: false });
  const { createServer } = await import('vite');
  const { chromium } = await import('playwright');
  const server = await createServer({
    root: projectRoot,
    configFile: false,
    logLevel: 'silent',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
    optimizeDeps: { noDiscovery: true, include: options.optimize ?? [] },
    plugins: options.plugins ?? [],
  });
  let browser: Awaited<ReturnType<typeof chromium.launch>> | null = null;
  const close = async () => {
    await browser?.close().catch(() => {});
    await server.close().catch(() => {});
  };
  try {
    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new SoftmixError('backend', 'the local Vite server did not start');
    browser = await chromium.launch({ executablePath, headless: true, args: chromiumArgs() });
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('response', (res) => {
      if (res.status() >= 400) pageErrors.push(`HTTP ${res.status()} for ${res.url()}`);
    });
    if (options.onConsole) page.on('console', (msg) => options.onConsole!(msg.text()));
    await page.goto(`http://127.0.0.1:${address.port}${path}`);
    await page.waitForFunction(options.ready, undefined, { timeout: options.readyTimeoutMs ?? 120_000 }).catch(() => {
      throw new SoftmixError('backend', `the page ${path} did not load${pageErrors.length ? `: ${pageErrors.join('; ')}` : ''}`);
    });
    return { page, chromiumVersion: browser.version(), executablePath, pageErrors, close };
  } catch (e) {
    await close();
    throw e;
  }
}
