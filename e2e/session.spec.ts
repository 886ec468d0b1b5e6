// The sign-in handoff's fast path and the session it leaves behind, as an agent sees them on the CX page.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { BrowserContext, Page, Request } from 'playwright-core';
import {
  type DeskgateWindow,
  type Harness,
  STEP_TIMEOUT_MS,
  startHarness,
  TENANT,
  ui,
  waitForAgentState,
} from './harness.ts';

const ACCESS_TTL_PLUS_A_MINUTE_MS = 16 * 60 * 1000;

/** The deskgate session cookies in a context, by name. */
async function sessionCookies(context: BrowserContext, apiUrl: string) {
  // All cookies, then by host: a URL filter would also match on path, and these live under /t/{tenant}.
  const host = new URL(apiUrl).hostname;
  const cookies = (await context.cookies()).filter((c) => c.domain === host);
  return {
    access: cookies.find((c) => c.name === 'access_token_cookie'),
    refresh: cookies.find((c) => c.name === 'refresh_token_cookie'),
  };
}

/** Requests the page makes from now on (the page's own fetches and scripts, not the popup's). */
function recordRequests(page: Page): Request[] {
  const requests: Request[] = [];
  page.on('request', (request) => requests.push(request));
  return requests;
}

function isRefresh(request: Request): boolean {
  return request.method() === 'POST' && new URL(request.url()).pathname === `/t/${TENANT}/auth/refresh`;
}

/** Clicks #call-api (deskgate.fetch of GET /session) and waits for the result line. */
async function callApi(page: Page): Promise<string> {
  await page.locator('#api-status').evaluate((el) => {
    el.textContent = '';
  });
  await page.locator('#call-api').click();
  const status = page.locator('#api-status').filter({ hasText: /→ \d+|failed|not loaded/ });
  await status.waitFor({ timeout: STEP_TIMEOUT_MS });
  return (await status.textContent()) ?? '';
}

describe('sign-in through the overlay and popup, and the session after it', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });

  after(async () => {
    await h?.stop();
  });

  afterEach((t) => h?.report(t));

  it('signs in through the overlay and popup without reloading the CX page and sets partitioned HttpOnly session cookies', async () => {
    const context = await h.newContext('agent');
    try {
      const page = await context.newPage();
      await h.gotoCx(page);
      await ui.signInButton(page).waitFor();
      assert.equal(await ui.overlay(page).count(), 1, 'one overlay');
      await page.evaluate(() => {
        (window as unknown as { __marker: string }).__marker = 'before sign-in';
      });
      await waitForAgentState(page, 'signed-out');

      const { popup, signInUrl } = await h.signInThroughPopup(page);
      assert.match(signInUrl, new RegExp(`^${h.apiUrl}/t/${TENANT}/auth/signin\\?`));
      assert.ok(popup.isClosed(), 'the popup is closed');

      await waitForAgentState(page, 'signed-in');
      assert.equal(await ui.overlay(page).count(), 0, 'the overlay is gone');
      assert.equal(
        await page.evaluate(() => (window as unknown as { __marker?: string }).__marker),
        'before sign-in',
        'the CX page was not reloaded',
      );
      assert.match(
        (await ui.agentStatus(page).textContent()) ?? '',
        /Signed in as Ada Agent <agent@demo\.test>/,
      );
      const session = await page.evaluate(
        () => (window as unknown as DeskgateWindow).deskgate?.session?.user.email,
      );
      assert.equal(session, 'agent@demo.test');

      const { access, refresh } = await sessionCookies(context, h.apiUrl);
      assert.ok(access, 'access cookie set');
      assert.ok(refresh, 'refresh cookie set');
      for (const [cookie, path] of [
        [access, `/t/${TENANT}`],
        [refresh, `/t/${TENANT}/auth/refresh`],
      ] as const) {
        assert.equal(cookie.domain, 'auth.test', `${cookie.name} domain`);
        assert.equal(cookie.path, path, `${cookie.name} path`);
        assert.equal(cookie.httpOnly, true, `${cookie.name} HttpOnly`);
        assert.equal(cookie.secure, true, `${cookie.name} Secure`);
        assert.equal(cookie.sameSite, 'None', `${cookie.name} SameSite`);
        assert.equal(
          cookie.partitionKey,
          'https://cx.test',
          `${cookie.name} is partitioned under the CX site`,
        );
      }
    } finally {
      await context.close();
    }
  });

  it('stays signed in across a reload without showing the overlay or fetching the overlay chunk', async () => {
    const { context, page } = await h.signedInPage();
    try {
      const requests = recordRequests(page);
      await page.reload();
      await waitForAgentState(page, 'signed-in');
      assert.equal(await ui.overlay(page).count(), 0, 'no overlay');
      const urls = requests.map((r) => r.url());
      assert.ok(
        urls.some((u) => u.endsWith('/sdk/deskgate.js')),
        `the loader was requested: ${urls.join(', ')}`,
      );
      assert.deepEqual(
        urls.filter((u) => u.includes('/sdk/overlay.')),
        [],
        'the overlay chunk is not fetched',
      );
    } finally {
      await context.close();
    }
  });

  it('refreshes an expired access cookie on a 401 and retries, without showing the overlay', async () => {
    const { context, page } = await h.signedInPage();
    try {
      const before = await sessionCookies(context, h.apiUrl);
      const requests = recordRequests(page);
      await h.advanceApiClock(ACCESS_TTL_PLUS_A_MINUTE_MS);

      const status = await callApi(page);
      assert.match(status, new RegExp(`GET /t/${TENANT}/auth/session → 200`));
      const body = JSON.parse((await page.locator('#api-result').textContent()) ?? '{}');
      assert.equal(body.user?.email, 'agent@demo.test');

      const refreshes = requests.filter(isRefresh);
      assert.equal(refreshes.length, 1, 'exactly one POST /refresh');
      assert.equal((await refreshes[0]!.response())?.status(), 200);
      assert.equal(await ui.overlay(page).count(), 0, 'no overlay');
      assert.equal(await page.locator('#agent-status').getAttribute('data-state'), 'signed-in');

      const afterRefresh = await sessionCookies(context, h.apiUrl);
      assert.notEqual(afterRefresh.refresh?.value, before.refresh?.value, 'the refresh token rotated');
      assert.notEqual(afterRefresh.access?.value, before.access?.value, 'a new access token was set');
      assert.equal(afterRefresh.refresh?.partitionKey, 'https://cx.test');
    } finally {
      await context.close();
    }
  });

  it('keeps two tabs signed in when both refresh at the same moment', async () => {
    const { context, page: first } = await h.signedInPage();
    try {
      const second = await context.newPage();
      await h.gotoCx(second);
      await waitForAgentState(second, 'signed-in');
      const requests = [first, second].map(recordRequests);
      await h.advanceApiClock(ACCESS_TTL_PLUS_A_MINUTE_MS);

      const statuses = await Promise.all([callApi(first), callApi(second)]);
      for (const status of statuses) assert.match(status, /→ 200/);
      for (const page of [first, second]) {
        assert.equal(await ui.overlay(page).count(), 0, 'no overlay');
        const body = JSON.parse((await page.locator('#api-result').textContent()) ?? '{}');
        assert.equal(body.user?.email, 'agent@demo.test');
      }
      const refreshes = requests.flat().filter(isRefresh);
      assert.ok(refreshes.length >= 1, 'at least one tab refreshed');
      for (const refresh of refreshes)
        assert.equal((await refresh.response())?.status(), 200, 'no refresh failed');

      // The family was not revoked as a replay: both tabs come back signed in.
      await Promise.all([first.reload(), second.reload()]);
      for (const page of [first, second]) {
        await waitForAgentState(page, 'signed-in');
        assert.equal(await ui.overlay(page).count(), 0, 'no overlay after reload');
      }
    } finally {
      await context.close();
    }
  });

  it('signs out: the overlay returns, the session endpoint answers 401 and the session cookies are gone', async () => {
    const { context, page } = await h.signedInPage();
    try {
      await page.locator('#sign-out').click();
      await ui.signInButton(page).waitFor();
      await waitForAgentState(page, 'signed-out');

      const status = await page.evaluate(
        async (url) => (await fetch(url, { credentials: 'include' })).status,
        `${h.apiUrl}/t/${TENANT}/auth/session`,
      );
      assert.equal(status, 401);
      const { access, refresh } = await sessionCookies(context, h.apiUrl);
      assert.equal(access, undefined, 'access cookie removed');
      assert.equal(refresh, undefined, 'refresh cookie removed');

      // And a reload does not bring the session back.
      await page.reload();
      await ui.signInButton(page).waitFor();
      await waitForAgentState(page, 'signed-out');
    } finally {
      await context.close();
    }
  });
});
