// Control: how each browser treats cookies that auth.test sets from a cx.test page. The sign-in handoff and
// the Partitioned session cookies exist because of this; if a future browser changes it, this spec says so.
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { createCertificate, makeTempDir } from './support/net.ts';

// Prefixed like the API's session cookies (`__Secure-`: refused unless Secure from a secure origin).
const CHIPS = '__Secure-chips';
const PLAIN = '__Secure-plain';

/** What comes back on the next credentialed cross-site fetch, and what the browser says it stored. */
interface Observed {
  sent: string[];
  stored: { name: string; partitionKey: string | undefined }[];
}

test.describe('third-party cookies in this browser (control)', () => {
  let tmp: string;
  let server: Server;
  let cxOrigin: string;
  let authOrigin: string;

  test.beforeAll(async () => {
    tmp = await makeTempDir('control');
    const tls = await createCertificate(tmp);
    // One throwaway HTTPS server, two sites by Host: cx.test serves a blank page, auth.test sets and echoes
    // cookies with credentialed CORS for the cx.test origin only.
    server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const url = new URL(req.url ?? '/', `https://${req.headers.host}`);
      if (url.hostname === 'cx.test') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end('<!doctype html><title>cx</title><p>CX platform</p>');
        return;
      }
      const cors = {
        'access-control-allow-origin': cxOrigin,
        'access-control-allow-credentials': 'true',
        vary: 'Origin',
        'cache-control': 'no-store',
      };
      if (url.pathname === '/set') {
        res.writeHead(204, {
          ...cors,
          'set-cookie': [
            `${PLAIN}=1; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=None`,
            `${CHIPS}=1; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=None; Partitioned`,
          ],
        });
        res.end();
        return;
      }
      if (url.pathname === '/echo') {
        res.writeHead(200, { ...cors, 'content-type': 'application/json' });
        res.end(JSON.stringify({ cookie: req.headers.cookie ?? '' }));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    cxOrigin = `https://cx.test:${port}`;
    authOrigin = `https://auth.test:${port}`;
  });

  test.afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function observe(page: import('@playwright/test').Page): Promise<Observed> {
    await page.goto(`${cxOrigin}/`);
    const echoed = await page.evaluate(async (auth) => {
      const set = await fetch(`${auth}/set`, { credentials: 'include' });
      if (set.status !== 204) throw new Error(`/set answered ${set.status}`);
      const echo = await fetch(`${auth}/echo`, { credentials: 'include' });
      return ((await echo.json()) as { cookie: string }).cookie;
    }, authOrigin);
    const stored = (await page.context().cookies(authOrigin)).map(({ name, partitionKey }) => ({
      name,
      partitionKey,
    }));
    return { sent: echoed.split(/;\s*/).filter(Boolean).sort(), stored };
  }

  test('Chromium sends back a Partitioned SameSite=None cookie on the next cross-site fetch, but not an unpartitioned one', async ({
    page,
    browserName,
  }) => {
    test.skip(
      browserName !== 'chromium',
      'Chromium blocks unpartitioned third-party cookies; Firefox is below',
    );
    const { sent, stored } = await observe(page);
    expect(sent, 'only the Partitioned cookie comes back').toStrictEqual([`${CHIPS}=1`]);
    expect(stored).toContainEqual({ name: CHIPS, partitionKey: 'https://cx.test' });
    expect(
      stored.filter((c) => c.name === PLAIN),
      'no unpartitioned third-party cookie is stored for auth.test',
    ).toStrictEqual([]);
  });

  test("Firefox keeps both cookies in cx.test's partition (Total Cookie Protection) and sends both back", async ({
    page,
    browserName,
  }) => {
    test.skip(browserName !== 'firefox', 'Total Cookie Protection is Firefox behaviour; Chromium is above');
    const { sent } = await observe(page);
    expect(sent, 'both come back, each from the cx.test partition').toStrictEqual([
      `${CHIPS}=1`,
      `${PLAIN}=1`,
    ]);
  });
});
