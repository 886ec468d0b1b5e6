// Accessibility: the demo CX page (signed out with the overlay, and showing the code) and every hosted page of
// a sign-in (chooser, completion form, error page), the API-key widget, the personal collection, the
// outbound link's switch-account page, the "about me" page, and the pages of magic links and access requests
// (the chooser's email form, "Check your email", the link's page, a used link, the first-party sign-in, the
// confirm page and its answer, the approval page before and after the decision) pass axe with no violations, in the light and the
// dark colour scheme. axe judges the DOM and the computed styles, which both engines agree on, so it runs in
// Chromium only: in Firefox it takes 30 s.
import AxeBuilder from '@axe-core/playwright';
import { DEMO_ACCOUNTS } from '@deskgate/dev-idp';
import { paths } from '@deskgate/protocol';
import type { Page } from '@playwright/test';
import {
  AGENT,
  expect,
  overlayCode,
  type Stack,
  signInFromChooser,
  TENANT,
  test,
  ui,
  waitForAgentState,
  whenUnguarded,
} from './fixtures.ts';

const MANAGER = DEMO_ACCOUNTS.find((a) => a.email === 'manager@demo.test') ?? DEMO_ACCOUNTS[1]!;

/** Runs axe over the page in the light and in the dark colour scheme (the hosted pages have both). */
async function expectNoViolations(page: Page, what: string): Promise<void> {
  const found: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const { violations } = await new AxeBuilder({ page }).analyze();
    for (const v of violations)
      found.push(`${colorScheme} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }
  await page.emulateMedia({ colorScheme: null });
  expect(found, what).toStrictEqual([]);
}

test('the demo page and the sign-in pages pass axe', async ({ page, stack, browserName }) => {
  test.skip(browserName !== 'chromium', 'axe runs in Chromium only (see the top of this file)');
  await stack.gotoCx(page, { coop: true });
  await waitForAgentState(page, 'signed-out');
  await ui.overlay(page).waitFor();
  await expectNoViolations(page, 'demo page with the sign-in overlay');

  const popupEvent = page.context().waitForEvent('page');
  await ui.signInButton(page).click();
  const popup = await popupEvent;
  await popup.waitForURL(/\/auth\/signin\?/);
  await whenUnguarded(ui.continueWith(popup));
  await expectNoViolations(popup, 'chooser');

  await signInFromChooser(popup);
  await popup.waitForURL(/\/auth\/complete\?/);
  await overlayCode(page);
  await expectNoViolations(page, 'demo page, overlay showing the code');
  await popup.bringToFront();
  await whenUnguarded(ui.codeInput(popup));
  await expectNoViolations(popup, 'completion page asking for the code');

  const error = await page.context().newPage();
  await error.goto(`${stack.apiUrl}/t/${stack.tenant}/auth/signin?attempt=nope`);
  await expect(error.locator('[data-error-code]')).toHaveAttribute('data-error-code', 'attempt_not_found');
  await expectNoViolations(error, 'error page');
});

test('the widget, the personal collection and the switch-account page pass axe', async ({
  page,
  stack,
  browserName,
}) => {
  test.skip(browserName !== 'chromium', 'axe runs in Chromium only (see the top of this file)');
  const widget = `${stack.cxUrl}/widget.html?${new URLSearchParams({ apiKey: stack.apiKey, agentId: 'a11y-1', agentName: 'Ally One' })}`;
  await page.goto(widget);
  await expect(page.locator('#widget-status')).toHaveText('Signed in as Ally One');
  await expectNoViolations(page, 'LiveEngage-style widget, signed in');

  const opened = page.context().waitForEvent('page');
  await page.locator('#personal-collection').click();
  const collection = await opened;
  await collection.waitForURL(/\/collection$/);
  await expectNoViolations(collection, 'personal collection');

  // Another agent's link opened in the window where Ally One is signed in: the page asks before switching.
  const other = await page.context().newPage();
  await other.goto(
    `${stack.cxUrl}/widget.html?${new URLSearchParams({ apiKey: stack.apiKey, agentId: 'a11y-2', agentName: 'Ally Two' })}`,
  );
  await expect(other.locator('#widget-status')).toHaveText('Signed in as Ally Two');
  const link = await other.evaluate(async (tenant) => {
    const response = await (
      window as unknown as { deskgate: { fetch(p: string, i: RequestInit): Promise<Response> } }
    ).deskgate.fetch(`/t/${tenant}/auth/exchange-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect: `/t/${tenant}/collection` }),
    });
    return ((await response.json()) as { url: string }).url;
  }, stack.tenant);
  await collection.goto(link);
  const stay = collection.getByRole('button', { name: 'Stay signed in as Ally One' });
  await whenUnguarded(stay);
  await expectNoViolations(collection, 'switch-account page');
  await collection.getByRole('button', { name: 'Continue as Ally Two' }).click();
  await collection.waitForURL(/\/collection$/);
  await expect(collection.locator('[data-agent]')).toContainText('Ally Two');

  // The "about me" page of the same session: the subject it signed in with (the agent id the widget gave).
  await collection.goto(`${stack.apiUrl}${paths.aboutMe(stack.tenant)}`);
  await expect(collection.getByRole('heading', { name: 'About me' })).toBeVisible();
  await expect(collection.locator('#subject')).toHaveText('a11y-2');
  await expectNoViolations(collection, 'about me page');
});

/** Finds the one link to `path` in the newest matching mail to `address`. */
async function linkInMail(
  stack: Stack,
  address: string,
  options: { after: Date; subject: RegExp },
  path: string,
): Promise<string> {
  const mail = await stack.mailTo(address, options);
  const link = mail.links.find((l) => new URL(l).pathname.startsWith(path));
  expect(link, `a link to ${path} in ${JSON.stringify(mail.links)}`).toBeTruthy();
  return link!;
}

/** On the chooser (popup or first-party): types `email` and asks for a link; waits for "Check your email". */
async function askForLink(page: Page, email: string): Promise<void> {
  await page.getByLabel('Work email').fill(email);
  const button = page.getByRole('button', { name: 'Email me a sign-in link' });
  await whenUnguarded(button);
  await button.click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
}

test('the pages of a magic link pass axe', async ({ context, stack, browserName }) => {
  test.skip(browserName !== 'chromium', 'axe runs in Chromium only (see the top of this file)');
  // A known agent (signed in once by SSO, then out) asks for a link in the popup.
  const page = await stack.signedInPage(context);
  await page.locator('#sign-out').click();
  await waitForAgentState(page, 'signed-out');
  // A new window of the per-email limit (five links per ten minutes): other specs ask for this agent too.
  await stack.advanceApiClock(600_000);
  const popupEvent = context.waitForEvent('page');
  await ui.signInButton(page).click();
  const popup = await popupEvent;
  await popup.waitForURL(/\/auth\/signin\?/);
  await whenUnguarded(popup.getByRole('button', { name: 'Email me a sign-in link' }));
  await expectNoViolations(popup, 'chooser with the email form');
  const asked = new Date();
  await askForLink(popup, AGENT.email);
  await expectNoViolations(popup, 'check your email (popup)');

  const link = await linkInMail(
    stack,
    AGENT.email,
    { after: asked, subject: /sign-in link/i },
    paths.magicLinkOpen(TENANT),
  );
  const tab = await context.newPage();
  await tab.goto(link);
  const signIn = tab.getByRole('button', { name: 'Sign in' });
  await whenUnguarded(signIn);
  await expectNoViolations(tab, 'magic-link page');
  await signIn.click();
  await waitForAgentState(page, 'signed-in');
  // Used: opening it again ends on the error page.
  const again = await context.newPage();
  await again.goto(link);
  const signInAgain = again.getByRole('button', { name: 'Sign in' });
  await whenUnguarded(signInAgain);
  await signInAgain.click();
  await expect(ui.errorCode(again)).toHaveAttribute('data-error-code', 'magic_link_invalid');
  await expectNoViolations(again, 'error page of a used magic link');
});

test('the first-party sign-in and the pages of an access request pass axe', async ({
  browser,
  stack,
  browserName,
}) => {
  test.skip(browserName !== 'chromium', 'axe runs in Chromium only (see the top of this file)');
  // A manager signs in first-party on the API site (by SSO); an unknown email asks there for access.
  const firstPartyUrl = `${stack.apiUrl}${paths.signInFirstParty(TENANT)}?return=${encodeURIComponent(paths.collection(TENANT))}`;
  const managers = await browser.newContext({ ignoreHTTPSErrors: true });
  const requester = await browser.newContext({ ignoreHTTPSErrors: true });
  try {
    const manager = await managers.newPage();
    await manager.goto(firstPartyUrl);
    await whenUnguarded(ui.continueWith(manager));
    await expectNoViolations(manager, 'first-party sign-in page');
    await signInFromChooser(manager, MANAGER);
    await manager.waitForURL(`${stack.apiUrl}${paths.collection(TENANT)}`);

    const email = 'a11y.1@example.com';
    const start = await requester.newPage();
    await start.goto(firstPartyUrl);
    const requested = new Date();
    await askForLink(start, email);
    await expectNoViolations(start, 'check your email (first-party)');
    const confirmLink = await linkInMail(
      stack,
      email,
      { after: requested, subject: /confirm/i },
      paths.accessRequestConfirm(TENANT),
    );
    const confirmTab = await requester.newPage();
    await confirmTab.goto(confirmLink);
    const confirm = confirmTab.getByRole('button', { name: 'Confirm my request' });
    await whenUnguarded(confirm);
    await expectNoViolations(confirmTab, 'access-request confirm page');
    await confirm.click();
    await expect(confirmTab.locator('[data-access-request]')).toHaveAttribute('data-access-request', 'sent');
    await expectNoViolations(confirmTab, 'access request sent');

    const reviewLink = await linkInMail(
      stack,
      MANAGER.email,
      { after: requested, subject: /asks for access/ },
      `/t/${TENANT}/access-requests/`,
    );
    await manager.goto(reviewLink);
    const approve = manager.getByRole('button', { name: 'Approve' });
    await whenUnguarded(approve);
    await expectNoViolations(manager, 'approval page, pending');
    await approve.click();
    await expect(manager.locator('[data-decision]')).toHaveAttribute('data-decision', 'approved');
    await expectNoViolations(manager, 'approval page, approved');
  } finally {
    await requester.close();
    await managers.close();
  }
});
