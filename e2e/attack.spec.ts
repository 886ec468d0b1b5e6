// The high-severity attack, end to end: the attacker's server creates a sign-in attempt (forging the CX page's
// Origin, keeping its own verifier), and its site, opened from the agent's CX tab, drives that tab through the
// attempt's pages so that the agent's own sign-in would release the attempt to the attacker. Neither skipping
// the chooser nor any click or key on the completion page may release it; only the code would, and the page
// never shows it.
import type { Page } from '@playwright/test';
import { BINDING_COOKIE } from '../packages/core/src/cookies.ts';
import {
  expect,
  isConfirmPost,
  otherCode,
  SESSION_COOKIES,
  signInFromChooser,
  submitConfirmationCode,
  TENANT,
  test,
  ui,
  waitForAgentState,
  whenUnguarded,
} from './fixtures.ts';
import {
  type AttackerAttempt,
  createAttackerAttempt,
  type EvilSite,
  startEvilSite,
} from './support/attacker.ts';
import type { HttpsJsonResponse } from './support/net.ts';

/**
 * Wrong codes an attempt survives; the next one burns it. MAX_CONFIRM_FAILURES of @deskgate/core, whose
 * module cannot be imported here (it pulls in core's Web Crypto types, which clash with e2e's DOM library).
 */
const MAX_CONFIRM_FAILURES = 5;

let evil: EvilSite;
test.beforeAll(async () => {
  evil = await startEvilSite();
});
test.afterAll(async () => {
  await evil?.close();
});

/**
 * The agent's CX tab opens a link to the attacker's site (as a chat link would, with `window.open`), so the
 * attacker's page has the agent's tab as its opener.
 */
async function openFromCx(page: Page, url: string): Promise<Page> {
  await page.evaluate((href) => {
    const button = document.createElement('button');
    button.id = 'e2e-customer-link';
    button.textContent = 'Open the link the customer sent';
    button.addEventListener('click', () => window.open(href, '_blank'));
    document.body.append(button);
  }, url);
  const opened = page.context().waitForEvent('page');
  await page.locator('#e2e-customer-link').click();
  const evilPage = await opened;
  await evilPage.waitForLoadState('load');
  expect(await evilPage.evaluate(() => window.opener !== null), 'the attacker has an opener').toBe(true);
  return evilPage;
}

/**
 * Clicks one of the attacker page's buttons and returns the agent's tab it drove: the CX tab itself in
 * Chromium; in Firefox, which refuses to let a cross-origin page navigate its opener, a new tab of the
 * agent's browser (the binding is per browser, so the attack is the same from there on).
 */
async function drive(evilPage: Page, step: 'bind' | 'skip', cxTab: Page): Promise<Page> {
  const context = cxTab.context();
  const before = new Set(context.pages());
  await evilPage.locator(`#${step}`).click();
  const how = await evilPage.locator('body').getAttribute('data-driven');
  if (context.browser()?.browserType().name() === 'firefox') {
    expect(how, 'Firefox refuses to let a cross-origin page navigate its opener').toBe(
      'new tab (opener refused: SecurityError)',
    );
  } else {
    expect(how, 'the attacker’s page navigated the agent’s CX tab').toBe('opener');
  }
  if (how === 'opener') return cxTab;
  let opened: Page | undefined;
  await expect.poll(() => (opened = context.pages().find((p) => !before.has(p)))).toBeTruthy();
  return opened!;
}

/** The attacker's page sends a tab of the agent's browser to its attempt's sign-in page: the attempt binds. */
async function bindToAgentBrowser(evilPage: Page, cxTab: Page): Promise<Page> {
  const driven = await drive(evilPage, 'bind', cxTab);
  await driven.waitForURL(/\/auth\/signin\?/);
  await expect(ui.continueWith(driven), 'the chooser, in the agent’s browser').toBeVisible();
  const binding = (await driven.context().cookies()).find((c) => c.name === BINDING_COOKIE);
  expect(binding?.domain, 'the attempt is bound to the agent’s browser').toBe(new URL(driven.url()).hostname);
  return driven;
}

/** What the attacker's poll got; never a session, never a cookie. */
function expectNothingReleased(response: HttpsJsonResponse) {
  expect(response.headers['set-cookie'], 'no cookie for the attacker').toBeUndefined();
  expect((response.body as { status?: string }).status).not.toBe('signed_in');
  return expect(response.body);
}

async function expectNoSessionInAgentBrowser(page: Page): Promise<void> {
  const names = (await page.context().cookies()).map((c) => c.name);
  expect(names.filter((name) => SESSION_COOKIES.includes(name))).toStrictEqual([]);
}

test.describe('a third site drives the agent’s tab through an attempt its own server created', () => {
  let attack: AttackerAttempt;
  let evilPage: Page;
  /** The agent's tab showing the attacker's attempt's chooser. */
  let driven: Page;

  test.beforeEach(async ({ page, stack }) => {
    attack = await createAttackerAttempt(stack);
    expectNothingReleased(await attack.redeem()).toStrictEqual({ status: 'pending' });
    await stack.gotoCx(page);
    await waitForAgentState(page, 'signed-out');
    evilPage = await openFromCx(page, evil.pageUrl({ bind: attack.signInUrl, skip: attack.ssoStartUrl }));
    driven = await bindToAgentBrowser(evilPage, page);
  });

  test('cannot skip the chooser: /sso/start from the attacker’s page answers 403 signin_chooser_required', async ({
    page,
  }) => {
    const isStart = (url: string) => new URL(url).pathname === `/t/${TENANT}/auth/sso/start`;
    const start = page.context().waitForEvent('response', (r) => isStart(r.url()));
    const skipped = await drive(evilPage, 'skip', page);
    expect((await start).status()).toBe(403);
    await expect(ui.errorCode(skipped)).toHaveAttribute('data-error-code', 'signin_chooser_required');
    expect(isStart(skipped.url()), 'the agent’s tab stopped there, before the IdP').toBe(true);
    expectNothingReleased(await attack.redeem()).toStrictEqual({ status: 'pending' });
    await expectNoSessionInAgentBrowser(page);
  });

  test('cannot release the attempt by clicks or keys after the agent signs in; wrong codes burn it', async () => {
    // The agent is lured into clicking through the chooser themselves, and signs in at the IdP.
    const page = driven;
    await page.bringToFront();
    await signInFromChooser(page);
    await page.waitForURL(/\/auth\/complete\?/);
    const confirmPosts: string[] = [];
    page.on('request', (r) => {
      if (isConfirmPost(r.url(), r.method())) confirmPosts.push(r.url());
    });

    // Clicks, a double click and Enter, where an attacker's trick would land them: at once (the guard is
    // likely still on), and again once the guard lets the controls take input.
    const button = ui.confirmButton(page);
    const input = ui.codeInput(page);
    for (const when of ['at once', 'after the guard'] as const) {
      if (when === 'after the guard') await whenUnguarded(button);
      await button.click();
      await button.dblclick();
      await input.press('Enter');
    }
    await expect(button, 'still on the completion page').toBeVisible();
    expect(confirmPosts, 'nothing was submitted without a typed code').toStrictEqual([]);
    expectNothingReleased(await attack.redeem()).toMatchObject({ status: 'confirmation_required' });

    // The agent types what they take to be the code (they have none); each wrong one counts.
    for (let i = 1; i <= MAX_CONFIRM_FAILURES; i++) {
      const response = await submitConfirmationCode(page, otherCode(attack.confirmationCode, i));
      const last = i === MAX_CONFIRM_FAILURES;
      expect(response.status(), `wrong code ${i}`).toBe(last ? 410 : 400);
      await expect(ui.errorCode(page)).toHaveAttribute(
        'data-error-code',
        last ? 'attempt_locked' : 'confirmation_code_mismatch',
      );
      if (!last)
        expectNothingReleased(await attack.redeem()).toMatchObject({ status: 'confirmation_required' });
    }

    const burnt = await attack.redeem();
    expect(burnt.status, 'the attacker’s poll after the last wrong code').toBe(410);
    expectNothingReleased(burnt).toMatchObject({ error: { code: 'attempt_locked' } });
    await expectNoSessionInAgentBrowser(page);
  });
});
