/**
 * The installed package's page server for the CLI's WebGPU backend in Chromium: there are
 * no sources and no Vite in an installed softmix, so the harness page comes prebuilt
 * (dist/harness/, scripts/build.mjs) and a plain node:http server hands out exactly two
 * files and the job's arrays, under the same URLs and the same rules as page-server.ts
 * (127.0.0.1 only, our own Host only, a per-run token for the data, no CORS, 404 for
 * everything else).
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SoftmixError } from '../errors.ts';
import { cleanPathname, jobPrefix, type PageJob } from './page-server.ts';

/** URL path → [file in dist/harness, content type] */
const FILES: Record<string, [string, string]> = {
  '/app/harness.html': ['harness.html', 'text/html; charset=utf-8'],
  '/app/harness.js': ['harness.js', 'text/javascript; charset=utf-8'],
};

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

/** Serves dist/harness (under `harnessDir`) and the job's arrays on 127.0.0.1; the caller closes it. */
export async function startStaticHarnessServer(harnessDir: string, job?: PageJob): Promise<StaticServer> {
  const bodies = new Map<string, [Buffer, string]>();
  for (const [url, [file, type]] of Object.entries(FILES)) {
    try {
      bodies.set(url, [readFileSync(join(harnessDir, file)), type]);
    } catch {
      throw new SoftmixError('internal', `the prebuilt harness page is missing (${join(harnessDir, file)}); reinstall softmix`);
    }
  }
  const prefix = job ? jobPrefix(job.token) : null;
  const server = createServer((req, res) => {
    // a DNS-rebinding page reaches us under its own host name: answer only to ours
    const host = req.headers.host ?? '';
    const port = (server.address() as AddressInfo).port;
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      res.statusCode = 403;
      res.end();
      return;
    }
    const pathname = cleanPathname(req.url ?? '');
    const file = pathname !== null && req.method === 'GET' ? bodies.get(pathname) : undefined;
    const array = pathname !== null && prefix && pathname.startsWith(prefix) && req.method === 'GET' ? job!.arrays[pathname.slice(prefix.length)] : undefined;
    const [body, type] = file ?? (array ? [array, 'application/octet-stream'] : [undefined, '']);
    if (!body) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', 'no-store');
    res.end(body);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (err) => fail(new SoftmixError('backend', `the local page server did not start on 127.0.0.1: ${err.message}`)));
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}
