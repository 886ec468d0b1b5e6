// Control: the browser really treats auth.test as third-party on cx.test and blocks unpartitioned cookies
// there. The sign-in handoff exists because of this; if a future Chromium changes it, this spec says so.

import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  BrowserLog,
  createCertificate,
  launchBrowser,
  makeTempDir,
  newBrowserContext,
  testFailed,
} from './harness.ts';

describe('third-party cookies in this browser (control)', () => {
  let tmp: string;
  let server: Server;
  let browser: Browser;
  let cxOrigin: string;
  let authOrigin: string;
  const log = new BrowserLog();

  before(async () => {
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
            'plain=1; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=None',
            'chips=1; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=None; Partitioned',
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
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  afterEach((t) => {
    if (testFailed(t))
      console.log(`--- browser log for "${t.name}" ---\n${log.lines.join('\n') || '(empty)'}`);
    log.clear();
  });

  it('sends back a Partitioned SameSite=None cookie on the next cross-site fetch, but not an unpartitioned one', async () => {
    const context = await newBrowserContext(browser, log, 'control');
    try {
      const page = await context.newPage();
      await page.goto(`${cxOrigin}/`);
      const echoed = await page.evaluate(async (auth) => {
        const set = await fetch(`${auth}/set`, { credentials: 'include' });
        if (set.status !== 204) throw new Error(`/set answered ${set.status}`);
        const echo = await fetch(`${auth}/echo`, { credentials: 'include' });
        return ((await echo.json()) as { cookie: string }).cookie;
      }, authOrigin);
      const sent = echoed.split(/;\s*/).filter(Boolean);
      assert.ok(sent.includes('chips=1'), `the Partitioned cookie should come back, got "${echoed}"`);
      assert.ok(!sent.includes('plain=1'), `the unpartitioned cookie must not come back, got "${echoed}"`);

      const cookies = await context.cookies(authOrigin);
      const chips = cookies.find((c) => c.name === 'chips');
      assert.ok(chips, 'the Partitioned cookie is stored');
      assert.equal(chips.partitionKey, 'https://cx.test');
      assert.equal(
        cookies.some((c) => c.name === 'plain' && c.partitionKey === undefined),
        false,
        'no unpartitioned third-party cookie is stored for auth.test',
      );
    } finally {
      await context.close();
    }
  });
});
