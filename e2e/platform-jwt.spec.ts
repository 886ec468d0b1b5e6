// Platform-JWT sign-in (docs/platform-jwt.md) against the demo platform backend (apps/demo/src/platform.ts),
// which signs with the e2e tenant's keys: signedUserInfo on the CX page (?platform=1), its renewal when the
// session is gone, and remote login from the chooser through the platform's own page.
import AxeBuilder from '@axe-core/playwright';
import { paths } from '@deskgate/protocol';
import type { Page, Request } from '@playwright/test';
import {
  countEvents,
  type DeskgateWindow,
  expect,
  expectPartitionedUnderCxSite,
  SIGN_IN_BUTTON,
  sessionCookies,
  TENANT,
  test,
  ui,
  waitForAgentState,
} from './fixtures.ts';

const PLATFORM_AGENT = {
  email: 'platform.agent@demo.test',
  status: 'Platform Agent <platform.agent@demo.test>',
};

/** Every request of the page from now on, by what it was for. */
function recordRequests(page: Page) {
  const requests: Request[] = [];
  page.on('request', (request) => requests.push(request));
  const path = (request: Request) => new URL(request.url()).pathname;
  return {
    tokens: () => requests.filter((r) => path(r) === '/platform/token'),
    exchanges: () => requests.filter((r) => r.method() === 'POST' && path(r) === paths.sessionJwt(TENANT)),
    overlayChunks: () => requests.filter((r) => path(r).includes('/sdk/overlay.')),
    attempts: () => requests.filter((r) => path(r).startsWith(paths.attempts(TENANT))),
    sessionReads: () => requests.filter((r) => r.method() === 'GET' && path(r) === paths.session(TENANT)),
  };
}

async function statuses(requests: Request[]): Promise<(number | undefined)[]> {
  return Promise.all(requests.map(async (r) => (await r.response())?.status()));
}

/** Clicks #call-api (deskgate.fetch of GET /session) and waits for the result line. */
async function callApi(page: Page): Promise<string> {
  await page.locator('#call-api').click();
  const status = page.locator('#api-status').filter({ hasText: /→ \d+|failed|not loaded/ });
  await status.waitFor();
  return (await status.textContent()) ?? '';
}

async function expectSignedInAsPlatformAgent(page: Page): Promise<void> {
  await waitForAgentState(page, 'signed-in');
  await expect(ui.agentStatus(page)).toContainText(`Signed in as ${PLATFORM_AGENT.status}`);
  const email = await page.evaluate(
    () => (window as unknown as DeskgateWindow).deskgate?.session?.user.email,
  );
  expect(email).toBe(PLATFORM_AGENT.email);
}

test.describe('signedUserInfo: the CX platform signs its agent in', () => {
  test('?platform=1 signs the platform agent in with no click, never shows the overlay, and sets the session cookies', async ({
    page,
    context,
    stack,
  }) => {
    const events = await countEvents(page);
    const requests = recordRequests(page);
    await stack.gotoCx(page, { platform: true });
    await expectSignedInAsPlatformAgent(page);
    await expect(page.locator('#platform-note')).toBeVisible();

    expect(await statuses(requests.tokens()), 'one token from the platform').toStrictEqual([200]);
    expect(await statuses(requests.exchanges()), 'one exchange').toStrictEqual([200]);
    expect(await ui.overlay(page).count(), 'no overlay').toBe(0);
    expect(await page.getByRole('button', { name: SIGN_IN_BUTTON }).count(), 'no sign-in button').toBe(0);
    expect(requests.overlayChunks(), 'the overlay chunk is never fetched').toStrictEqual([]);
    expect(requests.attempts(), 'no sign-in attempt').toStrictEqual([]);
    expect(await events()).toStrictEqual({ ready: 1, 'signed-out': 0, error: 0 });
    await expectPartitionedUnderCxSite(context, stack);
  });

  test('when the session is gone, deskgate.fetch asks the platform for a new token and retries', async ({
    page,
    context,
    stack,
  }) => {
    const events = await countEvents(page);
    const requests = recordRequests(page);
    await stack.gotoCx(page, { platform: true });
    await expectSignedInAsPlatformAgent(page);
    expect(requests.tokens()).toHaveLength(1);

    // The session ends without the page knowing (cookies cleared), so nothing can be refreshed.
    // All of them: in Firefox a filter by domain misses the cookies kept in cx.test's partition.
    await context.clearCookies();
    const cleared = await sessionCookies(context, stack.apiUrl);
    expect(cleared.access ?? cleared.refresh, 'the session cookies are gone').toBeUndefined();

    expect(await callApi(page)).toMatch(new RegExp(`GET /t/${TENANT}/auth/session → 200`));
    const body = JSON.parse((await page.locator('#api-result').textContent()) ?? '{}');
    expect(body.user?.email).toBe(PLATFORM_AGENT.email);

    expect(await statuses(requests.sessionReads()), 'a 401, then the retried request').toStrictEqual([
      401, 200,
    ]);
    expect(await statuses(requests.tokens()), 'the platform was asked again').toStrictEqual([200, 200]);
    expect(await statuses(requests.exchanges()), 'and its new token exchanged').toStrictEqual([200, 200]);
    expect(requests.overlayChunks(), 'the overlay chunk is never fetched').toStrictEqual([]);
    expect(await ui.overlay(page).count(), 'no overlay').toBe(0);
    await expect(ui.agentStatus(page)).toHaveAttribute('data-state', 'signed-in');
    expect((await events()).error, 'no error event').toBe(0);
    const renewed = await sessionCookies(context, stack.apiUrl);
    expect(renewed.access && renewed.refresh, 'new session cookies').toBeTruthy();
  });
});

test.describe('remote login: the chooser sends the popup to the platform, which comes back with a one-time JWT', () => {
  for (const coop of [false, true]) {
    test(
      coop
        ? 'with no opener (COOP), the completion page takes the overlay’s code and the CX page is signed in'
        : 'the completion page hands the sign-in to the CX page, signed in as the platform’s agent',
      async ({ page, stack }) => {
        const events = await countEvents(page);
        await stack.gotoCx(page, { coop });
        await waitForAgentState(page, 'signed-out');
        const { popup } = await stack.signInThroughPopup(page, { via: 'remote-login', coop });
        expect(popup.isClosed(), 'the popup is closed').toBe(true);
        await expectSignedInAsPlatformAgent(page);
        expect(await ui.overlay(page).count(), 'the overlay is gone').toBe(0);
        expect((await events()).ready).toBe(1);
      },
    );
  }
});

test('the platform mode page and the demo platform’s page pass axe, under their CSPs', async ({
  page,
  stack,
  browserName,
}) => {
  test.skip(browserName !== 'chromium', 'axe runs in Chromium only (see a11y.spec.ts)');
  const blocked: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) blocked.push(message.text());
  });
  const analyze = async (what: string) => {
    const { violations } = await new AxeBuilder({ page }).analyze();
    expect(
      violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
      what,
    ).toStrictEqual([]);
  };

  await stack.gotoCx(page, { platform: true });
  await expectSignedInAsPlatformAgent(page);
  await analyze('demo page in platform mode');

  const back = `${stack.apiUrl}${paths.remoteLoginCallback(TENANT)}`;
  await page.goto(`${stack.cxUrl}/platform/remote-login?return=${encodeURIComponent(back)}`);
  await expect(page.getByText('Acme platform: you are signed in as Platform Agent')).toBeVisible();
  const href = new URL((await ui.platformContinue(page).getAttribute('href')) ?? '');
  expect(href.origin + href.pathname).toBe(back);
  expect(href.searchParams.get('jwt')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  await expect(page.locator('a.button')).toHaveCSS('background-color', 'rgb(45, 108, 223)');
  await analyze('demo platform’s remote-login page');
  expect(blocked, 'nothing blocked by a CSP').toStrictEqual([]);
});
