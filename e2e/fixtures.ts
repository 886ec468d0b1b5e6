// What every spec uses: the `stack` fixture (URLs, the API clock, the sign-in journey) and shared locators.
import { DEMO_ACCOUNTS, type DevAccount } from '@deskgate/dev-idp';
import { type BrowserContext, test as base, expect, type Page } from '@playwright/test';
import { httpsJson } from './support/net.ts';
import { apiTarget, readLog, type StackInfo, stackInfo, TENANT } from './support/stack.ts';

export { expect, TENANT };
export const PRODUCT = 'Deepdesk';
export const SIGN_IN_BUTTON = `Sign in to ${PRODUCT}`;
export const AGENT: DevAccount =
  DEMO_ACCOUNTS.find((a) => a.email === 'agent@demo.test') ?? DEMO_ACCOUNTS[0]!;
export const SESSION_COOKIES = ['access_token_cookie', 'refresh_token_cookie'];

/** Locators the specs share. The overlay lives in an open shadow root; Playwright's locators pierce it. */
export const ui = {
  overlay: (page: Page) => page.locator('[data-deskgate-overlay]'),
  signInButton: (page: Page) => page.getByRole('button', { name: SIGN_IN_BUTTON }),
  overlayCode: (page: Page) => page.locator('[data-deskgate-overlay] [part="code"]'),
  agentStatus: (page: Page) => page.locator('#agent-status'),
};

/** The SDK's global as the specs read it inside page.evaluate. */
export interface DeskgateWindow {
  deskgate?: { session: { user: { email: string | null; name: string | null } } | null };
}

export interface SignInOptions {
  /**
   * The CX page sends COOP (see `gotoCx`): the popup has no opener, so the flow ends on the completion
   * page's code confirmation (the SDK's polling fallback) instead of the postMessage fast path.
   */
  coop?: boolean;
  /** With `coop`: click "Yes, the codes match" (default) or stop before, returning the popup and its code. */
  confirm?: boolean;
  account?: DevAccount;
}

export interface SignInResult {
  popup: Page;
  /** With `coop`: the code the completion page showed (the overlay showed the same one). */
  code?: string;
  /** The sign-in URL the SDK pointed the popup at. */
  signInUrl: string;
}

export interface Stack extends StackInfo {
  tenant: string;
  /** Moves the API's clock forward (POST /__test__/clock); the browser's clock is left alone. */
  advanceApiClock(ms: number): Promise<void>;
  /** Opens the CX page; with `coop`, it is served with `Cross-Origin-Opener-Policy: same-origin`. */
  gotoCx(page: Page, options?: { coop?: boolean }): Promise<void>;
  /** Clicks the overlay's button and signs in through the popup (chooser, IdP form, completion). */
  signInThroughPopup(page: Page, options?: SignInOptions): Promise<SignInResult>;
  /** A CX page in `context`, signed in through the popup. */
  signedInPage(context: BrowserContext): Promise<Page>;
}

/** Waits until the demo page reports a deskgate state (`signed-in` / `signed-out`) in #agent-status. */
export async function waitForAgentState(page: Page, state: 'signed-in' | 'signed-out'): Promise<void> {
  await page.locator(`#agent-status[data-state="${state}"]`).waitFor();
}

/**
 * Clicks "Yes, the codes match" on the completion page and checks the API accepted it, so a refused
 * confirmation fails here with its error code rather than later as a timeout.
 */
export async function confirmCodes(popup: Page): Promise<void> {
  const confirmed = popup.waitForResponse(
    (r) => r.request().method() === 'POST' && /\/auth\/attempts\/[^/]+\/confirm/.test(r.url()),
  );
  await popup.getByRole('button', { name: 'Yes, the codes match' }).click();
  const response = await confirmed;
  if (response.status() !== 200) {
    const html = await response.text().catch(() => '');
    const code = /data-error-code="([^"]+)"/.exec(html)?.[1];
    const origin = (await response.request().headerValue('origin')) ?? '(none)';
    throw new Error(
      `confirming the code was refused: ${response.status()} ${code ?? html.slice(0, 200)} (request Origin: ${origin})`,
    );
  }
}

/** The deskgate session cookies a context holds for the API, by name. */
export async function sessionCookies(context: BrowserContext, apiUrl: string) {
  // All cookies, then by host: a URL filter would also match on path, and these live under /t/{tenant}.
  const host = new URL(apiUrl).hostname;
  const cookies = (await context.cookies()).filter((c) => c.domain === host);
  return {
    access: cookies.find((c) => c.name === 'access_token_cookie'),
    refresh: cookies.find((c) => c.name === 'refresh_token_cookie'),
  };
}

/**
 * The session cookies live in the CX site's partition: a top-level page on the API's own site does not get
 * them. Chromium also reports the partition key; Playwright's Firefox (over BiDi) reports none, so there the
 * behaviour is the evidence.
 */
export async function expectPartitionedUnderCxSite(context: BrowserContext, stack: Stack): Promise<void> {
  const { access, refresh } = await sessionCookies(context, stack.apiUrl);
  expect(access && refresh, 'both session cookies are stored').toBeTruthy();
  if (context.browser()?.browserType().name() === 'chromium') {
    for (const cookie of [access, refresh])
      expect(cookie?.partitionKey, cookie?.name).toBe('https://cx.test');
  }
  const firstParty = await context.newPage();
  try {
    const response = await firstParty.goto(`${stack.apiUrl}/t/${TENANT}/auth/session`);
    expect(response?.status(), 'no session first-party on the API site').toBe(401);
    await expect(firstParty.locator('[data-error-code]')).toHaveAttribute(
      'data-error-code',
      'session_missing',
    );
  } finally {
    await firstParty.close();
  }
}

function createStack(info: StackInfo): Stack {
  const stack: Stack = {
    ...info,
    tenant: TENANT,

    async advanceApiClock(ms) {
      const res = await httpsJson(apiTarget(info), 'POST', '/__test__/clock', { advanceMs: ms });
      if (res.status !== 200)
        throw new Error(`advancing the API clock failed: ${res.status} ${JSON.stringify(res.body)}`);
    },

    async gotoCx(page, options) {
      // COOP comes from the demo server itself (?coop=same-origin). Adding the header with page.route() would
      // make Chromium treat the page as outside the loopback address space, and Local Network Access would
      // then block its SDK script from auth.test (127.0.0.1).
      await page.goto(options?.coop ? `${info.cxUrl}/?coop=same-origin` : `${info.cxUrl}/`);
    },

    async signInThroughPopup(page, options = {}) {
      const account = options.account ?? AGENT;
      const popupEvent = page.context().waitForEvent('page');
      await ui.signInButton(page).click();
      const popup = await popupEvent;
      await popup.waitForURL(/\/auth\/signin\?/);
      const signInUrl = popup.url();
      await popup.getByRole('link', { name: /^Continue with / }).click();
      await popup.locator('#email').fill(account.email);
      await popup.locator('#password').fill(account.password);
      await popup.getByRole('button', { name: 'Sign in', exact: true }).click();

      if (!options.coop) {
        // Fast path: the completion page posts the proof to its opener; the SDK redeems; the overlay goes.
        await ui.overlay(page).waitFor({ state: 'detached' });
        if (!popup.isClosed()) {
          await popup.waitForEvent('close', { timeout: 5_000 }).catch(() => popup.close());
        }
        return { popup, signInUrl };
      }

      const codeElement = popup.locator('[data-confirmation-code]');
      await codeElement.waitFor();
      const code = (await codeElement.textContent())?.trim() ?? '';
      if (options.confirm === false) return { popup, code, signInUrl };
      await ui.overlayCode(page).filter({ hasText: code }).waitFor();
      await confirmCodes(popup);
      await ui.overlay(page).waitFor({ state: 'detached' });
      await popup.close();
      return { popup, code, signInUrl };
    },

    async signedInPage(context) {
      const page = await context.newPage();
      await stack.gotoCx(page);
      await stack.signInThroughPopup(page);
      await waitForAgentState(page, 'signed-in');
      return page;
    },
  };
  return stack;
}

export const test = base.extend<{ stack: Stack }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from this pattern
  stack: async ({}, use, testInfo) => {
    const info = stackInfo();
    const logStart = readLog(info.apiLogFile).length;
    await use(createStack(info));
    // The browser side of a failure is in the trace; the API's side is its log while the test ran.
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('api.log', {
        body: readLog(info.apiLogFile).slice(logStart) || '(empty)',
        contentType: 'text/plain',
      });
    }
  },
});
