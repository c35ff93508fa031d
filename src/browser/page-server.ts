/**
 * The local server behind every page the CLI and the benchmark open in headless Chromium:
 * Vite on 127.0.0.1 (TypeScript and `?raw` shaders compiled on the fly), locked down,
 * because while it runs any local process, and any web page in the user's browser, can
 * send it requests:
 *   - it serves only the folders its page needs (PAGES), not the project tree: no
 *     node_modules beyond the page's dependencies, no package.json, no user file that
 *     happens to sit in the project. Vite's own fs.allow is not enough for that (it checks
 *     raw file reads, but transforms any module under the root, e.g. /package.json?import).
 *   - a job's data (the user's features and counts) is served only under a per-run path
 *     with a random token, /__softmix/job/<token>/<name>; the page is opened with
 *     ?job=<token> and builds the URL from it.
 *   - no CORS (Vite's default lets any http://localhost:<port> page read the responses),
 *     and Vite's Host check stays on (a DNS-rebinding page sends a foreign Host header).
 */
import { randomBytes } from 'node:crypto';
import { posix, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Plugin, ViteDevServer } from 'vite';
import { SoftmixError } from '../errors.ts';
import { packageRoot } from '../io/package-root.ts';

export const projectRoot = packageRoot();

/**
 * What every page loads: its module graph, the shaders it imports, and Vite's client
 * modules (import.meta.env comes from node_modules/vite/dist/client/env.mjs).
 */
const PAGE_CODE = ['src', 'shaders', 'node_modules/vite/dist/client'];

/** Per page (URL path): the project files and folders it may load. */
export const PAGES: Record<string, string[]> = {
  // the CLI's --backend webgpu: the fit, nothing else (the user's data comes by token)
  '/app/harness.html': ['app/harness.html', ...PAGE_CODE],
  // the demo page: the app, its charts (uPlot) and the books data. (Not papaparse: the page's
  // CSV reading needs it pre-bundled, which this server does not do; `softmix demo` reads no files.)
  '/': ['index.html', 'app', ...PAGE_CODE, 'data/books', 'node_modules/uplot'],
  // the benchmark: its own code, and TensorFlow.js as Vite pre-bundles it
  '/app/bench.html': ['app/bench.html', 'bench', ...PAGE_CODE, 'node_modules/.vite/deps'],
};
PAGES['/index.html'] = PAGES['/'];

/** Vite's own URLs for its client modules (/@vite/client, /@vite/env). */
const VITE_INTERNAL = ['/@vite/'];

export function newJobToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The URL path a page asks for, decoded; null when it is malformed or not in normal form (../, //). */
export function cleanPathname(url: string): string | null {
  // "//x" would parse as a host name, leaving the path "/"
  if (!url.startsWith('/') || url.startsWith('//')) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url, 'http://x').pathname);
  } catch {
    return null;
  }
  return posix.normalize(pathname) === pathname && !pathname.includes('\0') ? pathname : null;
}

/** `pathname` lies in one of `entries` (project-relative files or folders). */
function isServed(pathname: string, entries: string[]): boolean {
  if (pathname === '/' && entries.includes('index.html')) return true;
  return entries.some((e) => pathname === `/${e}` || pathname.startsWith(`/${e}/`)) || VITE_INTERNAL.some((p) => pathname.startsWith(p));
}

function notFound(res: import('node:http').ServerResponse): void {
  res.statusCode = 404;
  res.end();
}

/** Refuses, with 404 before Vite sees it, every request outside the page's files and the job path. */
function allowListPlugin(entries: string[], jobPrefix: string | null): Plugin {
  return {
    name: 'softmix-allow-list',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const pathname = cleanPathname(req.url ?? '');
        if (pathname !== null && (isServed(pathname, entries) || (jobPrefix !== null && pathname.startsWith(jobPrefix)))) next();
        else notFound(res);
      });
    },
  };
}

/** A job's binary arrays (features, counts) and the token that names its path. */
export interface PageJob {
  token: string;
  arrays: Record<string, Buffer>;
}

export const jobPrefix = (token: string) => `/__softmix/job/${token}/`;

/** Serves the job's arrays at /__softmix/job/<token>/<name>, and nothing at any other token. */
function jobDataPlugin({ token, arrays }: PageJob): Plugin {
  const prefix = jobPrefix(token);
  return {
    name: 'softmix-job-data',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const pathname = cleanPathname(req.url ?? '');
        if (pathname === null || !pathname.startsWith('/__softmix/')) return next();
        const body = pathname.startsWith(prefix) && req.method === 'GET' ? arrays[pathname.slice(prefix.length)] : undefined;
        if (!body) return notFound(res);
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Cache-Control', 'no-store');
        res.end(body);
      });
    },
  };
}

export interface PageServerOptions {
  /** the page's URL path (a key of PAGES): decides what is served */
  page: string;
  /** the job's data, when the page fetches one (the harness) */
  job?: PageJob;
  /** dependencies Vite must pre-bundle (CommonJS ones such as TensorFlow.js) */
  optimize?: string[];
}

export interface PageServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  server: ViteDevServer;
  close(): Promise<void>;
}

/** Starts the locked-down Vite server for one page; the caller closes it. */
export async function startPageServer(options: PageServerOptions): Promise<PageServer> {
  const pathname = new URL(options.page, 'http://x').pathname;
  const entries = PAGES[pathname];
  if (!entries) throw new SoftmixError('internal', `no served files are declared for the page ${pathname} (src/browser/page-server.ts)`);
  const { createServer } = await import('vite');
  const server = await createServer({
    root: projectRoot,
    configFile: false,
    logLevel: 'silent',
    publicDir: false,
    server: {
      host: '127.0.0.1',
      port: 0,
      strictPort: false,
      hmr: false,
      ws: false,
      cors: false,
      // allowedHosts left at its default: only localhost names and IP addresses
      fs: { strict: true, allow: entries.map((e) => resolve(projectRoot, e)) },
    },
    optimizeDeps: { noDiscovery: true, include: options.optimize ?? [] },
    plugins: [allowListPlugin(entries, options.job ? jobPrefix(options.job.token) : null), ...(options.job ? [jobDataPlugin(options.job)] : [])],
  });
  try {
    await server.listen();
  } catch (err) {
    await server.close().catch(() => {});
    throw new SoftmixError('backend', `the local page server did not start on 127.0.0.1: ${(err as Error).message}`);
  }
  const address = server.httpServer?.address() as AddressInfo | null;
  if (!address || typeof address === 'string') {
    await server.close().catch(() => {});
    throw new SoftmixError('backend', 'the local page server did not start on 127.0.0.1');
  }
  return { origin: `http://127.0.0.1:${address.port}`, server, close: () => server.close() };
}
