/**
 * What the consumer tests share: the packed tarball (npm pack, built once per run), fixture
 * projects copied from test/fixtures/consumers/ into a temporary folder with the tarball
 * installed as a user would install it, a static server for built pages, and headless
 * Chromium (Playwright from this repository, Debian's Chromium with WebGPU's flags).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright';
// @ts-expect-error plain ESM helper shared with the CLI
import { findChromium, chromiumArgs } from '../../scripts/chromium.mjs';

export const repo = resolve(__dirname, '..', '..');
const FIXTURES = join(repo, 'test', 'fixtures', 'consumers');
export const run = promisify(execFile);

/** Packs the repository (prepack builds dist/) into a fresh folder; returns the tarball's path. */
export async function pack(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'softmix-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', out], { cwd: repo, maxBuffer: 1 << 26 });
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  return join(out, info.filename);
}

/** The files a tarball holds, as paths inside the package. */
export async function tarballFiles(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarball], { maxBuffer: 1 << 24 });
  return stdout.split('\n').filter((l) => l && !l.endsWith('/')).map((l) => l.replace(/^package\//, ''));
}

/**
 * A fixture project in a temporary folder, with the tarball installed (and nothing else of
 * this repository's): its package.json is written here, fit-check.js copied beside its
 * entry, `link` names packages of this repository's node_modules to make visible to it
 * (the optional installs a user would add, e.g. webgpu).
 */
export async function installFixture(name: string, tarball: string, options: { entryDir?: string; link?: string[] } = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `softmix-consumer-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  copyFileSync(join(FIXTURES, 'fit-check.js'), join(dir, options.entryDir ?? '.', 'fit-check.js'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }, null, 2));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', tarball], { cwd: dir, maxBuffer: 1 << 24 });
  for (const pkg of options.link ?? []) {
    mkdirSync(join(dir, 'node_modules', ...pkg.split('/').slice(0, -1)), { recursive: true });
    symlinkSync(join(repo, 'node_modules', pkg), join(dir, 'node_modules', pkg), 'dir');
  }
  return dir;
}

/** Bytes under a folder (symbolic links not followed). */
export function folderBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const s = statSync(join(dir, name), { throwIfNoEntry: false });
    if (s?.isFile()) total += s.size;
  }
  return total;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };

/** A static server for a folder on 127.0.0.1 (as a page with no bundler, or a build's output, is deployed). */
export async function serveFolder(root: string): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    const file = path.endsWith('/') ? join(path, 'index.html') : path;
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(() => ok())) };
}

/** What fit-check.js leaves on the page: the same fit on WebGPU and on the cpu. */
export interface FitCheck {
  gpuBackend: string;
  gpuConverged: boolean;
  gpuLogLik: number;
  cpuLogLik: number;
  N: number;
}

let browser: Browser | null = null;

/** Opens `url` in headless Chromium and waits for fit-check.js's outcome. */
export async function fitCheckAt(url: string): Promise<FitCheck> {
  browser ??= await chromium.launch({ executablePath: findChromium() ?? '/usr/bin/chromium', headless: true, args: chromiumArgs() });
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  try {
    await page.goto(url);
    await page.waitForFunction('globalThis.softmixConsumer !== undefined', undefined, { timeout: 240_000 }).catch(() => {
      throw new Error(`no result from ${url}${problems.length ? `: ${problems.join('; ')}` : ''}`);
    });
    const outcome = (await page.evaluate('globalThis.softmixConsumer')) as { ok: boolean; result?: FitCheck; error?: string };
    if (!outcome.ok) throw new Error(`the consumer failed at ${url}: ${outcome.error}`);
    return outcome.result!;
  } finally {
    await page.close();
  }
}

/** fitCheckAt for a page of `folder`, served statically for the call. */
export async function fitCheckServed(folder: string, path: string): Promise<FitCheck> {
  const server = await serveFolder(folder);
  try {
    return await fitCheckAt(`${server.origin}${path}`);
  } finally {
    await server.close();
  }
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = null;
}
