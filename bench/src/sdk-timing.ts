// The SDK in real browsers (Debian's Chromium and Firefox ESR), on the end-to-end stack (two HTTPS sites on
// loopback): from the loader script's arrival to `deskgate:ready` for a signed-in agent, and to the overlay's
// button for a signed-out one, with the API requests each page load makes after the loader. Median of runs.
import { type Browser, chromium, firefox, type Page } from 'playwright';
import { startStack } from '../../e2e/support/stack.ts';

export interface BrowserTimings {
  browser: 'Chromium' | 'Firefox';
  runs: number;
  /** Signed in: ms from the loader's responseEnd to `deskgate:ready` (median). */
  readyMs: number;
  /** Signed in: API requests after the loader, the SDK's own files excepted (the most seen in a run). */
  readyRequests: number;
  readyPaths: string[];
  /** Signed out: ms from the loader's responseEnd to the overlay's button on screen (median). */
  overlayMs: number;
  overlayRequests: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10;
};

/** Watches the page's requests to the API after the loader (the loader and its chunks are files, not calls). */
function apiCalls(page: Page, apiUrl: string): string[] {
  const calls: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === apiUrl && !url.pathname.startsWith('/sdk/') && request.method() !== 'OPTIONS')
      calls.push(`${request.method()} ${url.pathname}`);
  });
  return calls;
}

/**
 * The loader's responseEnd on the page's clock (when the script could start), and `now`. Functions, not strings:
 * Playwright passes a function to the page without eval, which the demo page's CSP forbids.
 */
function pageTimes(page: Page): Promise<{ loaderEnd: number; now: number; ready: number | undefined }> {
  return page.evaluate(() => {
    const entry = performance.getEntriesByType('resource').find((e) => e.name.includes('/sdk/deskgate.js')) as
      | { responseEnd: number }
      | undefined;
    return {
      loaderEnd: entry?.responseEnd ?? 0,
      now: performance.now(),
      ready: (globalThis as { __ready?: number }).__ready,
    };
  });
}

async function launch(name: BrowserTimings['browser']): Promise<Browser> {
  return name === 'Chromium'
    ? chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--host-resolver-rules=MAP *.test 127.0.0.1', '--disable-gpu', '--disable-quic'],
      })
    : firefox.launch({
        executablePath: '/usr/bin/firefox-esr',
        firefoxUserPrefs: { 'network.dns.localDomains': 'cx.test,auth.test' },
        ...({ channel: 'moz-firefox' } as object),
      });
}

export async function benchBrowsers(options: { runs: number }): Promise<BrowserTimings[]> {
  const stack = await startStack();
  const { apiUrl, cxUrl, apiKey } = stack.info;
  try {
    const results: BrowserTimings[] = [];
    for (const name of ['Chromium', 'Firefox'] as const) {
      const browser = await launch(name);
      try {
        const ready: number[] = [];
        const overlay: number[] = [];
        let readyRequests = 0;
        let readyPaths: string[] = [];
        let overlayRequests = 0;
        for (let run = 0; run < options.runs; run++) {
          // Signed out: a fresh profile, the overlay's button.
          {
            const context = await browser.newContext({ ignoreHTTPSErrors: true });
            const page = await context.newPage();
            const calls = apiCalls(page, apiUrl);
            await page.goto(`${cxUrl}/`);
            await page.getByRole('button', { name: /Sign in to Deepdesk/ }).waitFor({ state: 'visible' });
            const times = await pageTimes(page);
            overlay.push(times.now - times.loaderEnd);
            overlayRequests = Math.max(overlayRequests, calls.length);
            await context.close();
          }
          // Signed in: the widget signs in with the tenant's API key, then the desktop page loads.
          {
            const context = await browser.newContext({ ignoreHTTPSErrors: true });
            const widget = await context.newPage();
            const query = new URLSearchParams({ apiKey, agentId: `bench-${run}`, agentName: 'Bench' });
            await widget.goto(`${cxUrl}/widget.html?${query}`);
            await widget.locator('#widget-status[data-state="signed-in"]').waitFor();
            await widget.close();
            const page = await context.newPage();
            await page.addInitScript(() => {
              const page = globalThis as unknown as EventTarget & { __ready?: number };
              page.addEventListener('deskgate:ready', () => {
                page.__ready = performance.now();
              });
            });
            const calls = apiCalls(page, apiUrl);
            await page.goto(`${cxUrl}/`);
            await page.waitForFunction(() => (globalThis as { __ready?: number }).__ready !== undefined);
            const times = await pageTimes(page);
            ready.push((times.ready ?? times.now) - times.loaderEnd);
            // Settle: anything the page still sends belongs to its load.
            await page.waitForTimeout(200);
            if (calls.length >= readyRequests) {
              readyRequests = calls.length;
              readyPaths = [...calls];
            }
            await context.close();
          }
        }
        results.push({
          browser: name,
          runs: options.runs,
          readyMs: median(ready),
          readyRequests,
          readyPaths,
          overlayMs: median(overlay),
          overlayRequests,
        });
      } finally {
        await browser.close();
      }
    }
    return results;
  } finally {
    await stack.stop();
  }
}
