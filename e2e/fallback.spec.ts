// The handoff's fallback: no verified opener (COOP, or a sign-in link opened somewhere else), so the SDK polls
// and the attempt is released only after the agent types the overlay's code into the completion page.
import type { BrowserContext, Page, Response } from '@playwright/test';
import {
  AGENT,
  confirmCode,
  type DeskgateWindow,
  expect,
  expectPartitionedUnderCxSite,
  otherCode,
  overlayCode,
  SESSION_COOKIES,
  type Stack,
  signInFromChooser,
  submitConfirmationCode,
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

async function expectSignedInWithoutReload(page: Page, context: BrowserContext, stack: Stack) {
  await ui.overlay(page).waitFor({ state: 'detached' });
  await waitForAgentState(page, 'signed-in');
  await expect(ui.agentStatus(page)).toContainText(/agent@demo\.test/);
  expect(
    await page.evaluate(() => (window as unknown as { __marker?: string }).__marker),
    'the CX page was not reloaded',
  ).toBe('before sign-in');
  await expectPartitionedUnderCxSite(context, stack);
}

async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { __marker: string }).__marker = 'before sign-in';
  });
}

/**
 * A CX page in `context` whose SDK created an attempt, while the sign-in link never loads in its own popup
 * (as when the link is opened somewhere else); the popup is closed again. Returns the page and the link.
 */
async function attemptWithoutPopup(
  context: BrowserContext,
  stack: Stack,
): Promise<{ page: Page; signInUrl: string }> {
  const page = await context.newPage();
  await stack.gotoCx(page);
  await waitForAgentState(page, 'signed-out');
  await markPage(page);
  await context.route(/\/auth\/signin\?/, (route) => route.abort('aborted'));
  const popupEvent = context.waitForEvent('page');
  const signInRequest = context.waitForEvent('request', (r) => /\/auth\/signin\?/.test(r.url()));
  await ui.signInButton(page).click();
  const popup = await popupEvent;
  const signInUrl = (await signInRequest).url();
  expect(signInUrl).toMatch(new RegExp(`^${stack.apiUrl}/t/${TENANT}/auth/signin\\?attempt=`));
  await popup.close();
  return { page, signInUrl };
}

/** On the chooser in `page` (another browser): signs in there, up to the completion page's form. */
async function completeElsewhere(page: Page): Promise<void> {
  // Another window may have been opened or used since: the guard keeps a blurred page locked.
  await page.bringToFront();
  await signInFromChooser(page, AGENT);
  await page.waitForURL(/\/auth\/complete\?/);
  await expect(ui.codeInput(page)).toBeVisible();
}

test.describe('sign-in without a verified opener (polling fallback with a typed confirmation code)', () => {
  test('completes sign-in from a COOP-isolated CX page only after the agent types the code the overlay shows', async ({
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
    await markPage(page);

    const { popup, code } = await stack.signInThroughPopup(page, { coop: true, confirm: false });
    expect(code ?? '', 'the overlay shows a code').toMatch(/^[A-Z0-9]{3}-[A-Z0-9]{3}$/);
    expect(await popup.evaluate(() => window.opener), 'COOP severed the opener').toBeNull();
    await expect(popup.locator('main'), 'the completion page never shows the code').not.toContainText(code!);

    // Not signed in before the agent types the code, however often the SDK polls.
    await confirmationRequiredPolls(page, 1);
    await expectNotSignedIn(page, stack.apiUrl);

    await confirmCode(popup, code!);
    await expectSignedInWithoutReload(page, context, stack);
    if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 5_000 });
    expect(popup.isClosed(), 'the confirmed sign-in window closed by itself').toBe(true);
  });

  test('answers a wrong code with a mismatch alert and keeps the attempt usable; the right code then signs in', async ({
    page,
    context,
    stack,
  }) => {
    await stack.gotoCx(page, { coop: true });
    await waitForAgentState(page, 'signed-out');
    await markPage(page);
    const { popup, code } = await stack.signInThroughPopup(page, { coop: true, confirm: false });

    const wrong = await submitConfirmationCode(popup, otherCode(code!));
    expect(wrong.status(), 'a wrong code is refused').toBe(400);
    await expect(ui.errorCode(popup)).toHaveAttribute('data-error-code', 'confirmation_code_mismatch');
    await expect(ui.codeInput(popup), 'the form is shown again').toBeVisible();

    // The attempt lives on: the SDK still hears "confirmation required" and still shows the same code.
    await confirmationRequiredPolls(page, 1);
    await expectNotSignedIn(page, stack.apiUrl);
    expect(await overlayCode(page)).toBe(code);

    await confirmCode(popup, code!);
    await expectSignedInWithoutReload(page, context, stack);
  });

  test('signs in the CX page when the agent completes its sign-in link in another browser and types the overlay code there', async ({
    browser,
    stack,
  }) => {
    const [agentDesk, elsewhere] = await Promise.all([1, 2].map(() => browser.newContext()));
    try {
      const { page, signInUrl } = await attemptWithoutPopup(agentDesk!, stack);
      const other = await elsewhere!.newPage();
      await other.goto(signInUrl);
      await completeElsewhere(other);
      await expect(other.locator('main'), 'the other browser is not told the code').not.toContainText(
        await overlayCode(page),
      );
      await confirmationRequiredPolls(page, 1);
      await expectNotSignedIn(page, stack.apiUrl);

      await confirmCode(other, await overlayCode(page));
      await expectSignedInWithoutReload(page, agentDesk!, stack);
      const elsewhereSession = (await elsewhere!.cookies()).filter((c) => SESSION_COOKIES.includes(c.name));
      expect(elsewhereSession, 'the session is the CX page’s, not the other browser’s').toStrictEqual([]);
    } finally {
      await Promise.all([agentDesk, elsewhere].map((context) => context?.close()));
    }
  });

  test('does not sign in the SDK that created an attempt when its sign-in link is completed in another browser without the code', async ({
    browser,
    stack,
  }) => {
    // The crafter: a CX page whose SDK creates an attempt; its sign-in link never loads in its own popup.
    const [crafter, victim, bystander] = await Promise.all([1, 2, 3].map(() => browser.newContext()));
    try {
      const { page, signInUrl } = await attemptWithoutPopup(crafter!, stack);

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
      await completeElsewhere(victimPage);

      // The victim is asked for a code they do not have (their own desktop shows none); the page does not
      // show it either, so there is nothing to click through. Nothing happened silently.
      await expect(ui.confirmButton(victimPage)).toBeVisible();
      await polls;
      await expectNotSignedIn(page, stack.apiUrl);
      await expect(victimPage.locator('main')).not.toContainText(await overlayCode(page));
      const victimSession = (await victim!.cookies()).filter((c) => SESSION_COOKIES.includes(c.name));
      expect(victimSession, 'the victim was not given a session either').toStrictEqual([]);
    } finally {
      await Promise.all([crafter, victim, bystander].map((context) => context?.close()));
    }
  });
});
