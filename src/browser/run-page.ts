/**
 * The main job's driver: opens the demo page (index.html) in headless Chromium with
 * URL parameters that start a run, relays the page's status line as progress, waits for
 * the result, and screenshots the page's result view.
 */
import { openPage } from './open-page.ts';
import { SoftmixError } from '../errors.ts';
import type { FitResult } from '../fit/fit.ts';
import type { PageReport } from '../../app/protocol.ts';

export interface PageRun {
  fit: FitResult;
  report: PageReport;
  /** PNG of the #results element */
  screenshot: Buffer;
  chromiumVersion: string;
}

export async function runDemoPage(params: Record<string, string | number>, io: { onStatus?: (text: string) => void } = {}): Promise<PageRun> {
  const query = new URLSearchParams(Object.entries({ ...params, run: 1 }).map(([k, v]) => [k, String(v)]));
  const session = await openPage(`/?${query}`, {
    ready: "document.body.dataset.state !== 'loading'",
    viewport: { width: 1280, height: 1000 },
    onStatus: io.onStatus,
  });
  try {
    const { page } = session;
    let last = '';
    for (;;) {
      const state = await page.evaluate(() => ({ state: document.body.dataset.state, status: document.getElementById('status')?.textContent ?? '' }));
      if (state.status !== last) {
        last = state.status;
        io.onStatus?.(last);
      }
      if (state.state === 'done') break;
      if (state.state === 'error' || state.state === 'cancelled') {
        const err = await page.evaluate(() => (window as unknown as { softmixError?: { code?: string; message: string } }).softmixError);
        throw new SoftmixError((err?.code as never) ?? 'backend', `the page's fit failed: ${err?.message ?? state.status}`);
      }
      await page.waitForTimeout(1000);
    }
    const result = await page.evaluate(() => (window as unknown as { softmixResult: { fit: FitResult; report: PageReport } }).softmixResult);
    const screenshot = await page.locator('#results').screenshot();
    return { ...result, screenshot, chromiumVersion: session.chromiumVersion };
  } finally {
    await session.close();
  }
}
