// What every spec uses: the `stack` fixture (URLs, the API clock, the sign-in journey) and shared locators.
import { DEMO_ACCOUNTS, type DevAccount } from '@deskgate/dev-idp';
import type { CapturedMail } from '@deskgate/dev-smtp';
import { COOKIE_ACCESS, COOKIE_REFRESH } from '@deskgate/protocol';
import {
  type BrowserContext,
  test as base,
  expect,
  type Locator,
  type Page,
  type Response,
} from '@playwright/test';
import { httpsJson } from './support/net.ts';
import {
  apiTarget,
  readLog,
  SSO_DISPLAY_NAME,
  type StackInfo,
  stackInfo,
  TENANT,
  TENANT_DISPLAY_NAME,
} from './support/stack.ts';

export { type CapturedMail, expect, SSO_DISPLAY_NAME, TENANT };
export const PRODUCT = 'Deepdesk';
export const SIGN_IN_BUTTON = `Sign in to ${PRODUCT}`;
export const AGENT: DevAccount =
  DEMO_ACCOUNTS.find((a) => a.email === 'agent@demo.test') ?? DEMO_ACCOUNTS[0]!;
export const SESSION_COOKIES: readonly string[] = [COOKIE_ACCESS, COOKIE_REFRESH];
export const CONFIRM_BUTTON = 'Confirm sign-in';
export const CODE_LABEL = `Code from ${PRODUCT}`;

/** Locators the specs share. The overlay lives in an open shadow root; Playwright's locators pierce it. */
export const ui = {
  overlay: (page: Page) => page.locator('[data-deskgate-overlay]'),
  signInButton: (page: Page) => page.getByRole('button', { name: SIGN_IN_BUTTON }),
  overlayCode: (page: Page) => page.locator('[data-deskgate-overlay] [part="code"]'),
  agentStatus: (page: Page) => page.locator('#agent-status'),
  /** The chooser's single sign-on link (guarded): "Continue with Acme SSO". */
  continueWith: (page: Page) =>
    page.getByRole('link', { name: `Continue with ${SSO_DISPLAY_NAME}`, exact: true }),
  /** The chooser's remote-login link (guarded), named after the tenant: "Continue with Acme (e2e)". */
  remoteLogin: (page: Page) =>
    page.getByRole('link', { name: `Continue with ${TENANT_DISPLAY_NAME}`, exact: true }),
  /** The demo platform's remote-login page's link back to deskgate (e2e/platform-jwt.spec.ts). */
  platformContinue: (page: Page) => page.getByRole('link', { name: 'Continue', exact: true }),
  /** The completion page's code entry (guarded), and its submit button (guarded). */
  codeInput: (page: Page) => page.getByLabel(CODE_LABEL),
  confirmButton: (page: Page) => page.getByRole('button', { name: CONFIRM_BUTTON }),
  /** What a hosted page reports as its error, as `data-error-code` on its alert. */
  errorCode: (page: Page) => page.locator('[role="alert"][data-error-code]'),
};

const CONFIRM_PATH = new RegExp(`^/t/${TENANT}/auth/attempts/[^/]+/confirm$`);

/** True for the completion form's POST (a navigation) to /attempts/{id}/confirm. */
export function isConfirmPost(url: string, method: string): boolean {
  return method === 'POST' && CONFIRM_PATH.test(new URL(url).pathname);
}

/** The SDK's global as the specs read it inside page.evaluate. */
export interface DeskgateWindow {
  deskgate?: { session: { user: { id: string; email: string | null; name: string | null } } | null };
}

export interface SignInOptions {
  /**
   * The CX page sends COOP (see `gotoCx`): the popup has no opener, so the flow ends on the completion
   * page's code confirmation (the SDK's polling fallback) instead of the postMessage fast path.
   */
  coop?: boolean;
  /**
   * With `coop`: type the overlay's code on the completion page and confirm (default), or stop at the
   * completion page's form, returning the popup and the overlay's code.
   */
  confirm?: boolean;
  account?: DevAccount;
  /**
   * The chooser's method: single sign-on at the dev IdP as `account` (default), or remote login through the
   * demo platform's page, which signs in its own agent (PLATFORM_AGENT).
   */
  via?: 'sso' | 'remote-login';
}

export interface SignInResult {
  popup: Page;
  /** With `coop`: the code the overlay showed (the completion page asks for it and never shows it). */
  code?: string;
  /** The sign-in URL the SDK pointed the popup at. */
  signInUrl: string;
}

export interface MailToOptions {
  /** Only mail received at or after this (wall-clock) time, e.g. taken just before the action that sends it. */
  after?: Date;
  subject?: RegExp;
  /** @default 10_000 */
  timeoutMs?: number;
}

const MAIL_POLL_MS = 100;

/**
 * The newest mail the stack's SMTP server captured for `address` (case-insensitive) that matches, polling its
 * JSON listing until one arrives; throws after the timeout, naming what did arrive for the address.
 */
export async function mailTo(
  address: string,
  options: MailToOptions = {},
  info: StackInfo = stackInfo(),
): Promise<CapturedMail> {
  const wanted = address.toLowerCase();
  const after = options.after?.getTime() ?? 0;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let seen: CapturedMail[] = [];
  for (;;) {
    const response = await fetch(`${info.mailUrl}/messages.json`);
    if (!response.ok) throw new Error(`the dev SMTP server answered ${response.status}`);
    // Newest first.
    const messages = (await response.json()) as CapturedMail[];
    seen = messages.filter((m) => m.to.some((to) => to.toLowerCase() === wanted));
    const found = seen.find(
      (m) => Date.parse(m.receivedAt) >= after && (!options.subject || options.subject.test(m.subject)),
    );
    if (found) return found;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, MAIL_POLL_MS));
  }
  const subjects = seen.map((m) => `"${m.subject}" at ${m.receivedAt}`).join(', ') || 'none';
  throw new Error(
    `no mail to ${address}${options.subject ? ` with a subject matching ${options.subject}` : ''}${
      options.after ? ` since ${options.after.toISOString()}` : ''
    } within ${options.timeoutMs ?? 10_000} ms (mail to that address: ${subjects})`,
  );
}

/** Makes the stack's SMTP server refuse mail with a temporary error (false: SMTP down) or accept it again. */
export async function setSmtpAccepting(accepting: boolean, info: StackInfo = stackInfo()): Promise<void> {
  const response = await fetch(`${info.mailUrl}/accepting`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accepting }),
  });
  if (!response.ok) throw new Error(`the dev SMTP server answered ${response.status}`);
}

export interface Stack extends StackInfo {
  tenant: string;
  /** The newest captured mail to `address` that matches (see mailTo). */
  mailTo(address: string, options?: MailToOptions): Promise<CapturedMail>;
  /** SMTP down (false) or up (true) for the whole run: put it back up in a `finally`. */
  setSmtpAccepting(accepting: boolean): Promise<void>;
  /** Moves the API's clock forward (POST /__test__/clock); the browser's clock is left alone. */
  advanceApiClock(ms: number): Promise<void>;
  /**
   * Opens the CX page; with `coop`, it is served with `Cross-Origin-Opener-Policy: same-origin`; with
   * `platform`, in the demo's platform mode (the demo platform signs the agent in: signedUserInfo).
   */
  gotoCx(page: Page, options?: { coop?: boolean; platform?: boolean }): Promise<void>;
  /** Clicks the overlay's button and signs in through the popup (chooser, IdP or platform, completion). */
  signInThroughPopup(page: Page, options?: SignInOptions): Promise<SignInResult>;
  /** A CX page in `context`, signed in through the popup. */
  signedInPage(context: BrowserContext): Promise<Page>;
}

/** Waits until the demo page reports a deskgate state (`signed-in` / `signed-out`) in #agent-status. */
export async function waitForAgentState(page: Page, state: 'signed-in' | 'signed-out'): Promise<void> {
  await page.locator(`#agent-status[data-state="${state}"]`).waitFor();
}

/**
 * Waits until a `data-guard` control of a hosted page takes input: the pages' DoubleClickjacking guard
 * keeps it `data-locked` (clicks and submits ignored) until the page has been visible and focused for a
 * moment, and again after every blur or hide. A page in a window that lost focus (another window opened
 * or was used) stays locked until it is brought to the front: call `page.bringToFront()` first there.
 */
export async function whenUnguarded(control: Locator): Promise<void> {
  await expect(control).toBeVisible();
  await expect(control).not.toHaveAttribute('data-locked', '');
}

/**
 * On the chooser: clicks "Continue with …" once the guard lets it, then signs in at the dev IdP (a fresh
 * browser context has no IdP session, so its form always shows).
 */
export async function signInFromChooser(page: Page, account: DevAccount = AGENT): Promise<void> {
  const link = ui.continueWith(page);
  await whenUnguarded(link);
  await link.click();
  await page.locator('#email').fill(account.email);
  await page.locator('#password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/**
 * On the chooser: clicks "Continue with <tenant>" (remote login) once the guard lets it, and on the demo
 * platform's page (its agent is signed in there already) clicks Continue: back to deskgate with a one-time
 * JWT.
 */
export async function remoteLoginFromChooser(page: Page): Promise<void> {
  const link = ui.remoteLogin(page);
  await whenUnguarded(link);
  await link.click();
  await page.waitForURL((url) => url.pathname === '/platform/remote-login');
  await ui.platformContinue(page).click();
}

/**
 * Types `code` into the completion page's form and submits it, once the guard lets both controls take
 * input; resolves with the form's POST response (the next page), whatever its status.
 */
export async function submitConfirmationCode(page: Page, code: string): Promise<Response> {
  const input = ui.codeInput(page);
  const button = ui.confirmButton(page);
  await whenUnguarded(input);
  await input.fill(code);
  await whenUnguarded(button);
  const posted = page.waitForResponse((r) => isConfirmPost(r.url(), r.request().method()));
  const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
  await button.click();
  const response = await posted;
  // The answer is the page now shown: wait until it has loaded (its guard script has run), so what the
  // caller reads or types next is on the new page, never on the one that was just submitted.
  await navigated;
  await page.waitForLoadState('load');
  return response;
}

/**
 * Types the code the overlay shows into the completion page and checks the API accepted it, so a refused
 * confirmation fails here with its error code rather than later as a timeout.
 */
export async function confirmCode(page: Page, code: string): Promise<void> {
  const response = await submitConfirmationCode(page, code);
  if (response.status() !== 200) {
    const errorCode = await ui
      .errorCode(page)
      .getAttribute('data-error-code', { timeout: 1_000 })
      .catch(() => null);
    const origin = (await response.request().headerValue('origin')) ?? '(none)';
    throw new Error(
      `confirming the code was refused: ${response.status()} ${errorCode ?? '(no error code)'} (request Origin: ${origin})`,
    );
  }
  await expect(page.getByRole('heading', { name: 'Sign-in confirmed' })).toBeVisible();
}

export type EventCounts = Record<'ready' | 'signed-out' | 'error', number>;

/** Counts the page's deskgate:* window events from before any of its scripts runs. */
export async function countEvents(page: Page): Promise<() => Promise<EventCounts>> {
  await page.addInitScript(() => {
    const counts: Record<string, number> = { ready: 0, 'signed-out': 0, error: 0 };
    (window as unknown as { __deskgateEvents: Record<string, number> }).__deskgateEvents = counts;
    for (const name of Object.keys(counts))
      addEventListener(`deskgate:${name}`, () => {
        counts[name] = (counts[name] ?? 0) + 1;
      });
  });
  return () =>
    page.evaluate(() => ({ ...(window as unknown as { __deskgateEvents: EventCounts }).__deskgateEvents }));
}

/** The confirmation code the overlay shows, once it shows one. */
export async function overlayCode(page: Page): Promise<string> {
  const element = ui.overlayCode(page);
  await expect(element).toHaveText(/\S/);
  return ((await element.textContent()) ?? '').trim();
}

const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';

/** A well-formed confirmation code that is not `code` (the `n`th such, for several different ones). */
export function otherCode(code: string, n = 0): string {
  const chars = code.replace('-', '').split('');
  // Shifting the first character by 1..29 places never lands on the character itself.
  const shift = 1 + (n % (CODE_ALPHABET.length - 1));
  chars[0] = CODE_ALPHABET[(CODE_ALPHABET.indexOf(chars[0]!) + shift) % CODE_ALPHABET.length]!;
  return `${chars.slice(0, 3).join('')}-${chars.slice(3).join('')}`;
}

/** The deskgate session cookies a context holds for the API, by name. */
export async function sessionCookies(context: BrowserContext, apiUrl: string) {
  // All cookies, then by host: a URL filter would also match on path, and these live under /t/{tenant}.
  const host = new URL(apiUrl).hostname;
  const cookies = (await context.cookies()).filter((c) => c.domain === host);
  return {
    access: cookies.find((c) => c.name === COOKIE_ACCESS),
    refresh: cookies.find((c) => c.name === COOKIE_REFRESH),
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

    mailTo: (address, options) => mailTo(address, options, info),
    setSmtpAccepting: (accepting) => setSmtpAccepting(accepting, info),

    async advanceApiClock(ms) {
      const res = await httpsJson(apiTarget(info), 'POST', '/__test__/clock', { advanceMs: ms });
      if (res.status !== 200)
        throw new Error(`advancing the API clock failed: ${res.status} ${JSON.stringify(res.body)}`);
    },

    async gotoCx(page, options) {
      // COOP comes from the demo server itself (?coop=same-origin). Adding the header with page.route() would
      // make Chromium treat the page as outside the loopback address space, and Local Network Access would
      // then block its SDK script from auth.test (127.0.0.1).
      const query = new URLSearchParams();
      if (options?.coop) query.set('coop', 'same-origin');
      if (options?.platform) query.set('platform', '1');
      await page.goto(`${info.cxUrl}/${query.size ? `?${query}` : ''}`);
    },

    async signInThroughPopup(page, options = {}) {
      const account = options.account ?? AGENT;
      const popupEvent = page.context().waitForEvent('page');
      await ui.signInButton(page).click();
      const popup = await popupEvent;
      await popup.waitForURL(/\/auth\/signin\?/);
      const signInUrl = popup.url();
      if (options.via === 'remote-login') await remoteLoginFromChooser(popup);
      else await signInFromChooser(popup, account);

      if (!options.coop) {
        // Fast path: the completion page posts the proof to its opener; the SDK redeems; the overlay goes.
        await ui.overlay(page).waitFor({ state: 'detached' });
        if (!popup.isClosed()) {
          await popup.waitForEvent('close', { timeout: 5_000 }).catch(() => popup.close());
        }
        return { popup, signInUrl };
      }

      // No opener: the completion page asks for the code, which only the overlay shows (after the SDK's
      // first poll heard `confirmation_required`).
      await popup.waitForURL(/\/auth\/complete\?/);
      await expect(ui.codeInput(popup)).toBeVisible();
      const code = await overlayCode(page);
      if (options.confirm === false) return { popup, code, signInUrl };
      await confirmCode(popup, code);
      await ui.overlay(page).waitFor({ state: 'detached' });
      // "Sign-in confirmed" closes its window by itself, as the chooser promised.
      if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 5_000 });
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
