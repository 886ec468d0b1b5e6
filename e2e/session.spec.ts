// The sign-in handoff's fast path and the session it leaves behind, as an agent sees them on the CX page.
import type { Page, Request } from '@playwright/test';
import {
  type DeskgateWindow,
  expect,
  expectPartitionedUnderCxSite,
  sessionCookies,
  TENANT,
  test,
  ui,
  waitForAgentState,
} from './fixtures.ts';

const ACCESS_TTL_PLUS_A_MINUTE_MS = 16 * 60 * 1000;

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
  await status.waitFor();
  return (await status.textContent()) ?? '';
}

test.describe('sign-in through the overlay and popup, and the session after it', () => {
  test('signs in through the overlay and popup without reloading the CX page and sets partitioned HttpOnly session cookies', async ({
    page,
    context,
    stack,
  }) => {
    await stack.gotoCx(page);
    await ui.signInButton(page).waitFor();
    expect(await ui.overlay(page).count(), 'one overlay').toBe(1);
    await page.evaluate(() => {
      (window as unknown as { __marker: string }).__marker = 'before sign-in';
    });
    await waitForAgentState(page, 'signed-out');

    const { popup, signInUrl } = await stack.signInThroughPopup(page);
    expect(signInUrl).toMatch(new RegExp(`^${stack.apiUrl}/t/${TENANT}/auth/signin\\?`));
    expect(popup.isClosed(), 'the popup is closed').toBe(true);

    await waitForAgentState(page, 'signed-in');
    expect(await ui.overlay(page).count(), 'the overlay is gone').toBe(0);
    expect(
      await page.evaluate(() => (window as unknown as { __marker?: string }).__marker),
      'the CX page was not reloaded',
    ).toBe('before sign-in');
    await expect(ui.agentStatus(page)).toContainText(/Signed in as Ada Agent <agent@demo\.test>/);
    const email = await page.evaluate(
      () => (window as unknown as DeskgateWindow).deskgate?.session?.user.email,
    );
    expect(email).toBe('agent@demo.test');

    const { access, refresh } = await sessionCookies(context, stack.apiUrl);
    expect(access, 'access cookie set').toBeTruthy();
    expect(refresh, 'refresh cookie set').toBeTruthy();
    for (const [cookie, path] of [
      [access!, `/t/${TENANT}`],
      [refresh!, `/t/${TENANT}/auth/refresh`],
    ] as const) {
      expect(cookie.domain, `${cookie.name} domain`).toBe('auth.test');
      expect(cookie.path, `${cookie.name} path`).toBe(path);
      expect(cookie.httpOnly, `${cookie.name} HttpOnly`).toBe(true);
      expect(cookie.secure, `${cookie.name} Secure`).toBe(true);
      expect(cookie.sameSite, `${cookie.name} SameSite`).toBe('None');
    }
    await expectPartitionedUnderCxSite(context, stack);
  });

  test('stays signed in across a reload without showing the overlay or fetching the overlay chunk', async ({
    context,
    stack,
  }) => {
    const page = await stack.signedInPage(context);
    const requests = recordRequests(page);
    await page.reload();
    await waitForAgentState(page, 'signed-in');
    expect(await ui.overlay(page).count(), 'no overlay').toBe(0);
    const urls = requests.map((r) => r.url());
    expect(
      urls.some((u) => u.endsWith('/sdk/deskgate.js')),
      `the loader was requested: ${urls.join(', ')}`,
    ).toBe(true);
    expect(
      urls.filter((u) => u.includes('/sdk/overlay.')),
      'the overlay chunk is not fetched',
    ).toStrictEqual([]);
  });

  test('refreshes an expired access cookie on a 401 and retries, without showing the overlay', async ({
    context,
    stack,
  }) => {
    const page = await stack.signedInPage(context);
    const before = await sessionCookies(context, stack.apiUrl);
    const requests = recordRequests(page);
    await stack.advanceApiClock(ACCESS_TTL_PLUS_A_MINUTE_MS);

    expect(await callApi(page)).toMatch(new RegExp(`GET /t/${TENANT}/auth/session → 200`));
    const body = JSON.parse((await page.locator('#api-result').textContent()) ?? '{}');
    expect(body.user?.email).toBe('agent@demo.test');

    const refreshes = requests.filter(isRefresh);
    expect(refreshes, 'exactly one POST /refresh').toHaveLength(1);
    expect((await refreshes[0]!.response())?.status()).toBe(200);
    expect(await ui.overlay(page).count(), 'no overlay').toBe(0);
    await expect(page.locator('#agent-status')).toHaveAttribute('data-state', 'signed-in');

    const after = await sessionCookies(context, stack.apiUrl);
    expect(after.refresh?.value, 'the refresh token rotated').not.toBe(before.refresh?.value);
    expect(after.access?.value, 'a new access token was set').not.toBe(before.access?.value);
    await expectPartitionedUnderCxSite(context, stack);
  });

  test('keeps two tabs signed in when both refresh at the same moment', async ({ context, stack }) => {
    const first = await stack.signedInPage(context);
    const second = await context.newPage();
    await stack.gotoCx(second);
    await waitForAgentState(second, 'signed-in');
    const requests = [first, second].map(recordRequests);
    await stack.advanceApiClock(ACCESS_TTL_PLUS_A_MINUTE_MS);

    const statuses = await Promise.all([callApi(first), callApi(second)]);
    for (const status of statuses) expect(status).toMatch(/→ 200/);
    for (const page of [first, second]) {
      expect(await ui.overlay(page).count(), 'no overlay').toBe(0);
      const body = JSON.parse((await page.locator('#api-result').textContent()) ?? '{}');
      expect(body.user?.email).toBe('agent@demo.test');
    }
    const refreshes = requests.flat().filter(isRefresh);
    expect(refreshes.length, 'at least one tab refreshed').toBeGreaterThanOrEqual(1);
    for (const refresh of refreshes)
      expect((await refresh.response())?.status(), 'no refresh failed').toBe(200);

    // The family was not revoked as a replay: both tabs come back signed in.
    await Promise.all([first.reload(), second.reload()]);
    for (const page of [first, second]) {
      await waitForAgentState(page, 'signed-in');
      expect(await ui.overlay(page).count(), 'no overlay after reload').toBe(0);
    }
  });

  test('signs out: the overlay returns, the session endpoint answers 401 and the session cookies are gone', async ({
    context,
    stack,
  }) => {
    const page = await stack.signedInPage(context);
    await page.locator('#sign-out').click();
    await ui.signInButton(page).waitFor();
    await waitForAgentState(page, 'signed-out');

    const status = await page.evaluate(
      async (url) => (await fetch(url, { credentials: 'include' })).status,
      `${stack.apiUrl}/t/${TENANT}/auth/session`,
    );
    expect(status).toBe(401);
    const { access, refresh } = await sessionCookies(context, stack.apiUrl);
    expect(access, 'access cookie removed').toBeUndefined();
    expect(refresh, 'refresh cookie removed').toBeUndefined();

    // And a reload does not bring the session back.
    await page.reload();
    await ui.signInButton(page).waitFor();
    await waitForAgentState(page, 'signed-out');
  });
});
