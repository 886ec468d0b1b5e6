// Access requests (docs/magic-link.md) against the stack's real SMTP server: an unknown agent asks for a link,
// confirms the request from the mail, a manager approves it on the approval page (signed in first-party on
// the API site by SSO) and the agent then signs in with a link; a rejected request lets nobody in; mail sent
// while SMTP is down arrives once it is back.
import { paths } from '@deskgate/protocol';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import {
  expect,
  type Stack,
  signInFromChooser,
  TENANT,
  test,
  ui,
  waitForAgentState,
  whenUnguarded,
} from './fixtures.ts';

const MANAGER = { email: 'manager@demo.test', password: 'manager' };

/** A new unknown email per test and browser. */
const unknownEmail = (name: string, browserName: string) =>
  `${name}.${browserName}.${Date.now()}@example.com`;

/** A manager of the tenant, signed in first-party on the API site (by SSO at the dev IdP). */
async function managerSignedIn(browser: Browser, stack: Stack): Promise<BrowserContext> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(
    `${stack.apiUrl}${paths.signInFirstParty(TENANT)}?return=${encodeURIComponent(paths.collection(TENANT))}`,
  );
  await signInFromChooser(page, { ...MANAGER, name: 'Manager', roles: ['deepdesk.manager'] } as never);
  await page.waitForURL(`${stack.apiUrl}${paths.collection(TENANT)}`);
  await page.close();
  return context;
}

/** On the CX page: the popup's email form for `email`; resolves once the popup says to check the mail. */
async function askInPopup(page: Page, email: string): Promise<Page> {
  const popupEvent = page.context().waitForEvent('page');
  await ui.signInButton(page).click();
  const popup = await popupEvent;
  await popup.waitForURL(/\/auth\/signin\?/);
  await popup.getByLabel('Work email').fill(email);
  const button = popup.getByRole('button', { name: 'Email me a sign-in link' });
  await whenUnguarded(button);
  await button.click();
  await expect(popup.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  return popup;
}

/** Opens `link` in a new tab of `context` and presses its one guarded button. */
async function press(context: BrowserContext, link: string, name: string): Promise<Page> {
  const tab = await context.newPage();
  await tab.goto(link);
  const button = tab.getByRole('button', { name });
  await whenUnguarded(button);
  await button.click();
  return tab;
}

/** The link in `mail` to `path`. */
function linkTo(mail: { links: string[] }, path: string): string {
  const link = mail.links.find((l) => new URL(l).pathname === path);
  expect(link, `a link to ${path} in ${JSON.stringify(mail.links)}`).toBeTruthy();
  return link!;
}

/** Asks, confirms from the mail, and returns the approval page's URL from the manager's mail. */
async function requestAccess(page: Page, stack: Stack, email: string): Promise<string> {
  // A new window of the per-email and per-address limits: the specs ask often.
  await stack.advanceApiClock(600_000);
  const asked = new Date();
  await askInPopup(page, email);
  const confirmMail = await stack.mailTo(email, { after: asked, subject: /confirm your request/i });
  const confirm = await press(
    page.context(),
    linkTo(confirmMail, paths.accessRequestConfirm(TENANT)),
    'Confirm my request',
  );
  await expect(confirm.locator('[data-access-request="sent"]')).toBeVisible();
  const notice = await stack.mailTo(MANAGER.email, {
    after: asked,
    subject: new RegExp(email.replace(/[.+]/g, '\\$&')),
  });
  const approval = notice.links.find((l) => new URL(l).pathname.startsWith(`/t/${TENANT}/access-requests/`));
  expect(approval, JSON.stringify(notice.links)).toBeTruthy();
  return approval!;
}

test.describe('access requests', () => {
  test('an unknown agent asks, confirms, a manager approves, and the agent signs in with a link', async ({
    browser,
    browserName,
    page,
    stack,
  }) => {
    const manager = await managerSignedIn(browser, stack);
    try {
      const email = unknownEmail('new.agent', browserName);
      await stack.gotoCx(page);
      await waitForAgentState(page, 'signed-out');
      const approval = await requestAccess(page, stack, email);
      const decided = new Date();
      const review = await press(manager, approval, 'Approve');
      await expect(review.locator('main')).toContainText(email);
      await expect(review.getByRole('button', { name: 'Approve' })).toHaveCount(0);
      await stack.mailTo(email, { after: decided, subject: /approved/i });

      // The agent comes back to the CX page later (its first sign-in has long gone) and asks again.
      for (const other of page.context().pages()) if (other !== page) await other.close();
      await stack.gotoCx(page);
      await waitForAgentState(page, 'signed-out');
      const asked = new Date();
      await askInPopup(page, email);
      const mail = await stack.mailTo(email, { after: asked, subject: /sign-in link/i });
      const tab = await press(page.context(), linkTo(mail, paths.magicLinkOpen(TENANT)), 'Sign in');
      await tab.waitForURL(/\/auth\/complete\?/);
      await waitForAgentState(page, 'signed-in');
      await expect(ui.agentStatus(page)).toContainText(email);
    } finally {
      await manager.close();
    }
  });

  test('a rejected request lets nobody in, and cannot be decided again', async ({
    browser,
    browserName,
    page,
    stack,
  }) => {
    const manager = await managerSignedIn(browser, stack);
    try {
      const email = unknownEmail('rejected', browserName);
      await stack.gotoCx(page);
      const approval = await requestAccess(page, stack, email);
      const decided = new Date();
      await press(manager, approval, 'Reject');
      await stack.mailTo(email, { after: decided, subject: /your request for access/i });
      const again = await manager.newPage();
      await again.goto(approval);
      await expect(again.getByRole('button', { name: 'Approve' })).toHaveCount(0);
      await expect(again.getByRole('button', { name: 'Reject' })).toHaveCount(0);
    } finally {
      await manager.close();
    }
  });

  test('mail asked for while SMTP is down arrives once it is back', async ({ browserName, page, stack }) => {
    const email = unknownEmail('smtp.down', browserName);
    await stack.gotoCx(page);
    await stack.advanceApiClock(600_000);
    await stack.setSmtpAccepting(false);
    try {
      const asked = new Date();
      await askInPopup(page, email);
      await expect(stack.mailTo(email, { after: asked, timeoutMs: 3_000 })).rejects.toThrow(/no mail/);
      await stack.setSmtpAccepting(true);
      // Past the outbox's first retry delay on the API's clock: the worker tries again and delivers.
      await stack.advanceApiClock(60_000);
      await stack.mailTo(email, { after: asked, subject: /confirm your request/i, timeoutMs: 15_000 });
    } finally {
      await stack.setSmtpAccepting(true);
    }
  });
});
