// The handoff's fallback: no verified opener (COOP, or a sign-in link opened somewhere else), so the SDK polls
// and the attempt is released only after the agent confirms the code on the completion page.
import type { Page, Response } from '@playwright/test';
import {
  AGENT,
  confirmCodes,
  type DeskgateWindow,
  expect,
  expectPartitionedUnderCxSite,
  SESSION_COOKIES,
  TENANT,
  test,
  ui,
  waitForAgentState,
} from './fixtures.ts';

const REDEEM_PATH = new RegExp(`/t/${TENANT}/auth/attempts/[^/]+/redeem$`);

async function redeemStatus(response: Response): Promise<string | undefined> {
  if (response.request().method() !== 'POST' || !REDEEM_PATH.test(new URL(response.url()).pathname))
    return undefined;
  try {
    return ((await response.json()) as { status?: string }).status;
  } catch {
    return undefined;
  }
}

/** Resolves after the SDK's redeem polls answered `confirmation_required` `times` more times. */
async function confirmationRequiredPolls(page: Page, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    await page.waitForResponse(
      async (response) => (await redeemStatus(response)) === 'confirmation_required',
    );
  }
}

async function expectNotSignedIn(page: Page, apiUrl: string): Promise<void> {
  await expect(page.locator('#agent-status')).toHaveAttribute('data-state', 'signed-out');
  expect(
    await page.evaluate(() => (window as unknown as DeskgateWindow).deskgate?.session ?? null),
  ).toBeNull();
  expect(await ui.overlay(page).count(), 'the overlay is still shown').toBe(1);
  const cookies = (await page.context().cookies()).filter((c) => c.domain === new URL(apiUrl).hostname);
  expect(
    cookies.filter((c) => SESSION_COOKIES.includes(c.name)).map((c) => c.name),
    'no session cookies',
  ).toStrictEqual([]);
}

test.describe('sign-in without a verified opener (polling fallback with code confirmation)', () => {
  test('completes sign-in from a COOP-isolated CX page only after the agent confirms the code shown in both places', async ({
    page,
    context,
    stack,
  }) => {
    const coop: string[] = [];
    page.on('response', (response) => {
      if (response.request().isNavigationRequest() && response.url().startsWith(`${stack.cxUrl}/`))
        coop.push(response.headers()['cross-origin-opener-policy'] ?? '');
    });
    await stack.gotoCx(page, { coop: true });
    expect(coop, 'the CX page was served with COOP same-origin').toStrictEqual(['same-origin']);
    await waitForAgentState(page, 'signed-out');
    await page.evaluate(() => {
      (window as unknown as { __marker: string }).__marker = 'before sign-in';
    });

    const { popup, code } = await stack.signInThroughPopup(page, { coop: true, confirm: false });
    expect(code?.length ?? 0, `the completion page shows a code, got "${code}"`).toBeGreaterThanOrEqual(4);
    expect(await popup.evaluate(() => window.opener), 'COOP severed the opener').toBeNull();
    await ui.overlayCode(page).filter({ hasText: code! }).waitFor();
    expect((await ui.overlayCode(page).textContent())?.trim(), 'the overlay shows the same code').toBe(code);

    // Not signed in before the agent confirms, however often the SDK polls.
    await confirmationRequiredPolls(page, 1);
    await expectNotSignedIn(page, stack.apiUrl);

    await confirmCodes(popup);
    await ui.overlay(page).waitFor({ state: 'detached' });
    await waitForAgentState(page, 'signed-in');
    await expect(ui.agentStatus(page)).toContainText(/agent@demo\.test/);
    expect(
      await page.evaluate(() => (window as unknown as { __marker?: string }).__marker),
      'the CX page was not reloaded',
    ).toBe('before sign-in');
    await expectPartitionedUnderCxSite(context, stack);
  });

  test('does not sign in the SDK that created an attempt when its sign-in link is completed in another browser without confirmation', async ({
    browser,
    stack,
  }) => {
    // The crafter: a CX page whose SDK creates an attempt; its sign-in link never loads in its own popup.
    const [crafter, victim, bystander] = await Promise.all([1, 2, 3].map(() => browser.newContext()));
    try {
      const page = await crafter!.newPage();
      await stack.gotoCx(page);
      await waitForAgentState(page, 'signed-out');
      await crafter!.route(/\/auth\/signin\?/, (route) => route.abort('aborted'));
      const popupEvent = crafter!.waitForEvent('page');
      const signInRequest = crafter!.waitForEvent('request', (r) => /\/auth\/signin\?/.test(r.url()));
      await ui.signInButton(page).click();
      const popup = await popupEvent;
      const signInUrl = (await signInRequest).url();
      expect(signInUrl).toMatch(new RegExp(`^${stack.apiUrl}/t/${TENANT}/auth/signin\\?attempt=`));
      await popup.close();

      // The victim opens the link in their own browser and signs in with their own account.
      const victimPage = await victim!.newPage();
      await victimPage.goto(signInUrl);

      // Once bound to the victim's browser, the link is useless anywhere else.
      const otherPage = await bystander!.newPage();
      const mismatch = await otherPage.goto(signInUrl);
      expect(mismatch?.status() ?? 0, 'an error status').toBeGreaterThanOrEqual(400);
      await expect(otherPage.locator('[data-error-code]')).toHaveAttribute(
        'data-error-code',
        'sso_browser_mismatch',
      );
      await expect(otherPage.locator('main')).toContainText('sso_browser_mismatch');

      const polls = confirmationRequiredPolls(page, 2);
      await victimPage.getByRole('link', { name: /^Continue with / }).click();
      await victimPage.locator('#email').fill(AGENT.email);
      await victimPage.locator('#password').fill(AGENT.password);
      await victimPage.getByRole('button', { name: 'Sign in', exact: true }).click();
      await victimPage.waitForURL(/\/auth\/complete\?/);

      // The victim is asked to compare codes (they would see none in their own desktop); nothing happened silently.
      await victimPage.locator('[data-confirmation-code]').waitFor();
      await expect(victimPage.getByRole('button', { name: 'Yes, the codes match' })).toBeVisible();
      const victimCode = (await victimPage.locator('[data-confirmation-code]').textContent())?.trim();

      // The crafter's SDK keeps polling and keeps hearing "confirmation required": it stays signed out.
      await polls;
      await expectNotSignedIn(page, stack.apiUrl);
      expect((await ui.overlayCode(page).textContent())?.trim()).toBe(victimCode);
      const victimSession = (await victim!.cookies()).filter((c) => SESSION_COOKIES.includes(c.name));
      expect(victimSession, 'the victim was not given a session either').toStrictEqual([]);
    } finally {
      await Promise.all([crafter, victim, bystander].map((context) => context?.close()));
    }
  });
});
