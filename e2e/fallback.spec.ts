// The handoff's fallback: no verified opener (COOP, or a sign-in link opened somewhere else), so the SDK polls
// and the attempt is released only after the agent confirms the code on the completion page.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Page, Response } from 'playwright-core';
import {
  AGENT,
  confirmCodes,
  type DeskgateWindow,
  type Harness,
  STEP_TIMEOUT_MS,
  startHarness,
  TENANT,
  ui,
  waitForAgentState,
} from './harness.ts';

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
      {
        timeout: STEP_TIMEOUT_MS,
      },
    );
  }
}

async function assertNotSignedIn(page: Page, apiUrl: string): Promise<void> {
  assert.equal(await page.locator('#agent-status').getAttribute('data-state'), 'signed-out');
  assert.equal(
    await page.evaluate(() => (window as unknown as DeskgateWindow).deskgate?.session ?? null),
    null,
  );
  assert.equal(await ui.overlay(page).count(), 1, 'the overlay is still shown');
  const cookies = (await page.context().cookies()).filter((c) => c.domain === new URL(apiUrl).hostname);
  assert.deepEqual(
    cookies
      .filter((c) => c.name === 'access_token_cookie' || c.name === 'refresh_token_cookie')
      .map((c) => c.name),
    [],
    'no session cookies',
  );
}

describe('sign-in without a verified opener (polling fallback with code confirmation)', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });

  after(async () => {
    await h?.stop();
  });

  afterEach((t) => h?.report(t));

  it('completes sign-in from a COOP-isolated CX page only after the agent confirms the code shown in both places', async () => {
    const context = await h.newContext('agent');
    try {
      const page = await context.newPage();
      const coop: string[] = [];
      page.on('response', (response) => {
        if (response.request().isNavigationRequest() && response.url().startsWith(`${h.cxUrl}/`))
          coop.push(response.headers()['cross-origin-opener-policy'] ?? '');
      });
      await h.gotoCx(page, { coop: true });
      assert.deepEqual(coop, ['same-origin'], 'the CX page was served with COOP same-origin');
      await waitForAgentState(page, 'signed-out');
      await page.evaluate(() => {
        (window as unknown as { __marker: string }).__marker = 'before sign-in';
      });

      const { popup, code } = await h.signInThroughPopup(page, { coop: true, confirm: false });
      assert.ok(code && code.length >= 4, `the completion page shows a code, got "${code}"`);
      assert.equal(await popup.evaluate(() => window.opener), null, 'COOP severed the opener');
      await ui.overlayCode(page).filter({ hasText: code }).waitFor();
      assert.equal(
        (await ui.overlayCode(page).textContent())?.trim(),
        code,
        'the overlay shows the same code',
      );

      // Not signed in before the agent confirms, however often the SDK polls.
      await confirmationRequiredPolls(page, 1);
      await assertNotSignedIn(page, h.apiUrl);

      await confirmCodes(popup);
      await ui.overlay(page).waitFor({ state: 'detached' });
      await waitForAgentState(page, 'signed-in');
      assert.match((await ui.agentStatus(page).textContent()) ?? '', /agent@demo\.test/);
      assert.equal(
        await page.evaluate(() => (window as unknown as { __marker?: string }).__marker),
        'before sign-in',
        'the CX page was not reloaded',
      );
      const access = (await context.cookies()).find((c) => c.name === 'access_token_cookie');
      assert.equal(access?.partitionKey, 'https://cx.test');
    } finally {
      await context.close();
    }
  });

  it('does not sign in the SDK that created an attempt when its sign-in link is completed in another browser without confirmation', async () => {
    // The crafter: a CX page whose SDK creates an attempt; its sign-in link never loads in its own popup.
    const crafter = await h.newContext('crafter');
    const victim = await h.newContext('victim');
    const bystander = await h.newContext('bystander');
    try {
      const page = await crafter.newPage();
      await h.gotoCx(page);
      await waitForAgentState(page, 'signed-out');
      await crafter.route(/\/auth\/signin\?/, (route) => route.abort('aborted'));
      const popupEvent = crafter.waitForEvent('page');
      const signInRequest = crafter.waitForEvent('request', (r) => /\/auth\/signin\?/.test(r.url()));
      await ui.signInButton(page).click();
      const popup = await popupEvent;
      const signInUrl = (await signInRequest).url();
      assert.match(signInUrl, new RegExp(`^${h.apiUrl}/t/${TENANT}/auth/signin\\?attempt=`));
      await popup.close();

      // The victim opens the link in their own browser and signs in with their own account.
      const victimPage = await victim.newPage();
      await victimPage.goto(signInUrl);

      // Once bound to the victim's browser, the link is useless anywhere else.
      const otherPage = await bystander.newPage();
      const mismatch = await otherPage.goto(signInUrl);
      assert.ok(mismatch && mismatch.status() >= 400, `an error status, got ${mismatch?.status()}`);
      assert.equal(
        await otherPage.locator('[data-error-code]').getAttribute('data-error-code'),
        'sso_browser_mismatch',
      );
      assert.match((await otherPage.locator('main').textContent()) ?? '', /sso_browser_mismatch/);

      const polls = confirmationRequiredPolls(page, 2);
      await victimPage.getByRole('link', { name: /^Continue with / }).click();
      await victimPage.locator('#email').fill(AGENT.email);
      await victimPage.locator('#password').fill(AGENT.password);
      await victimPage.getByRole('button', { name: 'Sign in', exact: true }).click();
      await victimPage.waitForURL(/\/auth\/complete\?/);

      // The victim is asked to compare codes (they would see none in their own desktop); nothing happened silently.
      await victimPage.locator('[data-confirmation-code]').waitFor();
      assert.ok(await victimPage.getByRole('button', { name: 'Yes, the codes match' }).isVisible());
      const victimCode = (await victimPage.locator('[data-confirmation-code]').textContent())?.trim();

      // The crafter's SDK keeps polling and keeps hearing "confirmation required": it stays signed out.
      await polls;
      await assertNotSignedIn(page, h.apiUrl);
      assert.equal((await ui.overlayCode(page).textContent())?.trim(), victimCode);
      const victimSession = (await victim.cookies()).filter(
        (c) => c.name === 'access_token_cookie' || c.name === 'refresh_token_cookie',
      );
      assert.deepEqual(victimSession, [], 'the victim was not given a session either');
    } finally {
      await Promise.all([crafter.close(), victim.close(), bystander.close()]);
    }
  });
});
