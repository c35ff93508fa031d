/**
 * The local page server (src/browser/page-server.ts) that runs while `softmix fit --backend
 * webgpu` or `softmix demo` runs: probed over HTTP as a hostile local page would, without
 * Chromium. It must serve the job's data only under the run's token, send no CORS headers,
 * refuse foreign Host headers and serve nothing outside the page's own files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newJobToken, projectRoot, startPageServer, type PageServer } from '../src/browser/page-server.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One raw request (node:http, so that Host and Origin can be anything). */
function get(origin: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, { method, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout for ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

describe('the local page server of the WebGPU backend', () => {
  const token = newJobToken();
  const features = Buffer.from(new Float64Array([1, 2, 3, 4]).buffer);
  const counts = Buffer.from(new Float64Array([5, 6]).buffer);
  // a user's file that happens to sit in the project folder
  const planted = `softmix-planted-${process.pid}.json`;
  let served: PageServer;

  beforeAll(async () => {
    writeFileSync(join(projectRoot, planted), '{"secret": "the user\'s data"}\n');
    served = await startPageServer({ page: `/app/harness.html?job=${token}`, job: { token, arrays: { features, counts } } });
  }, 30_000);
  afterAll(async () => {
    rmSync(join(projectRoot, planted), { force: true });
    await served?.close();
  });

  it('serves the job data under the run\'s token, and the harness page', async () => {
    const r = await get(served.origin, `/__softmix/job/${token}/features`);
    expect(r.status).toBe(200);
    expect(r.body.equals(features)).toBe(true);
    expect((await get(served.origin, `/__softmix/job/${token}/counts`)).body.equals(counts)).toBe(true);
    expect((await get(served.origin, '/app/harness.html')).status).toBe(200);
    expect((await get(served.origin, '/src/browser/harness.ts')).status).toBe(200);
  });

  it('has no token-less job path, and a wrong token gets 404', async () => {
    for (const path of ['/__softmix/job/features', '/__softmix/job/counts', `/__softmix/job/${newJobToken()}/features`, `/__softmix/job/${token}x/features`, `/__softmix/job/${token}/nope`]) {
      expect((await get(served.origin, path)).status, path).toBe(404);
    }
  });

  it('sends no Access-Control-Allow-Origin to another local origin', async () => {
    const origin = { Origin: 'http://localhost:1234' };
    for (const [path, method] of [[`/__softmix/job/${token}/features`, 'GET'], [`/__softmix/job/${token}/features`, 'OPTIONS'], ['/src/browser/harness.ts', 'GET']]) {
      const r = await get(served.origin, path, { ...origin, 'Access-Control-Request-Method': 'GET' }, method);
      expect(r.headers['access-control-allow-origin'], `${method} ${path}`).toBeUndefined();
    }
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const r = await get(served.origin, `/__softmix/job/${token}/features`, { Host: 'evil.example:80' });
    expect(r.status).toBe(403);
    expect(r.body.equals(features)).toBe(false);
  });

  it('serves nothing outside the page\'s files: package.json, node_modules, a file in the project root', async () => {
    const refused = [
      '/package.json',
      '/package.json?import',
      '/package.json?raw',
      '//package.json?import',
      '/node_modules/vite/package.json',
      '/node_modules/playwright/index.js',
      '/node_modules/playwright/index.js?import',
      `/${planted}`,
      `/${planted}?import`,
      `/app/..%2f${planted}`,
      `/src/%2e%2e/${planted}`,
      `/@fs${projectRoot}/${planted}`,
      '/data/books/features.npy', // the harness needs no books data
      '/__open-in-editor?file=package.json',
    ];
    for (const path of refused) {
      const r = await get(served.origin, path);
      expect([403, 404], `${path} → ${r.status}`).toContain(r.status);
      expect(r.body.toString()).not.toContain('the user');
    }
  });
});

describe('the local page server of softmix demo', () => {
  let served: PageServer;
  beforeAll(async () => {
    served = await startPageServer({ page: '/?dataset=books&run=1' });
  }, 30_000);
  afterAll(async () => {
    await served?.close();
  });

  it('serves what the demo page loads (app, books data, uPlot, Vite client) and still nothing else', async () => {
    const { BOOKS_FILES } = await import('../src/datasets/books.ts');
    const needed = ['/', '/index.html', '/app/main.ts', '/app/worker.ts?worker_file&type=module', '/@vite/client', '/node_modules/uplot/dist/uPlot.esm.js', '/node_modules/vite/dist/client/env.mjs', ...BOOKS_FILES.map((f) => `/data/books/${f}`)];
    for (const path of needed) expect((await get(served.origin, path, { Accept: '*/*' })).status, path).toBe(200);
    for (const path of ['/package.json', '//package.json', '//package.json?import', '/__softmix/job/features', '/node_modules/playwright/index.js', '/bench/page.ts']) {
      expect([403, 404], path).toContain((await get(served.origin, path)).status);
    }
  });
});
