// Magic links (docs/magic-link.md) against the stack's real SMTP server: a known agent asks for a link in the
// popup and opens it from the mail in the same browser (the waiting popup finishes through its opener), or in
// another browser (there the overlay's code finishes it); a mail scanner (HEAD, GET, a browser running the
// page) uses nothing up.
import { paths } from '@deskgate/protocol';
import type { BrowserContext, Page } from '@playwright/test';
import {
  AGENT,
  confirmCode,
  expect,
  overlayCode,
  type Stack,
  TENANT,
  test,
  ui,
  waitForAgentState,
  whenUnguarded,
} from './fixtures.ts';
import { httpsJson } from './support/net.ts';
import { apiTarget } from './support/stack.ts';

/** A signed-out CX page whose agent is known to the tenant (signed in once by SSO, then out). */
async function knownAgentSignedOut(context: BrowserContext, stack: Stack): Promise<Page> {
  const page = await stack.signedInPage(context);
  await page.locator('#sign-out').click();
  await ui.signInButton(page).waitFor();
  await waitForAgentState(page, 'signed-out');
  return page;
}

/** Opens the popup, asks for a link for `email` and returns the popup and the link from the mail. */
async function askForLink(page: Page, stack: Stack, email = AGENT.email) {
  // A new window of the per-email limit (five links per ten minutes): the specs ask for this agent often.
  await stack.advanceApiClock(600_000);
  const popupEvent = page.context().waitForEvent('page');
  await ui.signInButton(page).click();
  const popup = await popupEvent;
  await popup.waitForURL(/\/auth\/signin\?/);
  const asked = new Date();
  await popup.getByLabel('Work email').fill(email);
  const button = popup.getByRole('button', { name: 'Email me a sign-in link' });
  await whenUnguarded(button);
  await button.click();
  await expect(popup.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  const mail = await stack.mailTo(email, { after: asked, subject: /sign-in link/i });
  const link = mail.links.find((l) => l.includes(paths.magicLinkOpen(TENANT)));
  expect(link, `a magic link in ${JSON.stringify(mail.links)}`).toBeTruthy();
  return { popup, link: link! };
}

/** Clicks the link page's button (guarded: it waits until the page has been visible a moment). */
async function useLink(tab: Page, link: string) {
  await tab.goto(link);
  // The page's script took the token from the fragment and removed it from the address bar.
  await expect(tab).toHaveURL(/\/magic-link\/open\?locale=[a-zA-Z-]+$/);
  const button = tab.getByRole('button', { name: 'Sign in' });
  await whenUnguarded(button);
  await button.click();
  await tab.waitForURL(/\/auth\/complete\?/);
}

test.describe('magic links', () => {
  test('a known agent opens the link in the same browser: the waiting popup finishes the sign-in', async ({
    context,
    stack,
  }) => {
    const page = await knownAgentSignedOut(context, stack);
    const { popup, link } = await askForLink(page, stack);
    const tab = await context.newPage();
    await useLink(tab, link);
    await waitForAgentState(page, 'signed-in');
    await expect(ui.agentStatus(page)).toContainText(AGENT.email);
    await expect(ui.overlay(page)).toHaveCount(0);
    if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 5_000 });
    // The tab that used the link says it is done, with no code to type.
    await expect(tab.locator('#done')).toBeVisible();
    await expect(tab.locator('#confirm')).toBeHidden();
    // Used: opening it again signs nobody in.
    const again = await context.newPage();
    await again.goto(link);
    const button = again.getByRole('button', { name: 'Sign in' });
    await whenUnguarded(button);
    await button.click();
    await expect(ui.errorCode(again)).toHaveAttribute('data-error-code', 'magic_link_invalid');
  });

  test('opened in another browser, only the code from the agent’s own overlay finishes it', async ({
    browser,
    context,
    stack,
  }) => {
    const page = await knownAgentSignedOut(context, stack);
    const { link } = await askForLink(page, stack);
    const elsewhere = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const tab = await elsewhere.newPage();
      await useLink(tab, link);
      await expect(ui.codeInput(tab)).toBeVisible();
      const code = await overlayCode(page);
      await confirmCode(tab, code);
      await waitForAgentState(page, 'signed-in');
      await expect(ui.agentStatus(page)).toContainText(AGENT.email);
    } finally {
      await elsewhere.close();
    }
  });

  test('a mail scanner (HEAD, GET, a browser running the page) uses nothing up', async ({
    browser,
    context,
    stack,
  }) => {
    const page = await knownAgentSignedOut(context, stack);
    const { link } = await askForLink(page, stack);
    const url = new URL(link);
    for (const method of ['HEAD', 'GET']) {
      const response = await httpsJson(apiTarget(stack), method, `${url.pathname}${url.search}`);
      expect(response.status, method).toBe(200);
      expect(response.headers['set-cookie'], method).toBeUndefined();
    }
    const scanner = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const scanned = await scanner.newPage();
      await scanned.goto(link);
      await scanned.waitForLoadState('networkidle');
    } finally {
      await scanner.close();
    }
    // The agent's own click still works.
    const tab = await context.newPage();
    await useLink(tab, link);
    await waitForAgentState(page, 'signed-in');
  });
});
