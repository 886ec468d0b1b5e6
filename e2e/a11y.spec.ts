// Accessibility: the demo CX page (signed out with the overlay, and showing the code) and every hosted page of
// a sign-in (chooser, completion form, error page), the API-key widget, the personal collection and the
// outbound link's switch-account page pass axe with no violations. axe judges the DOM and the
// computed styles, which both engines agree on, so it runs in Chromium only: in Firefox it takes 30 s.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import {
  expect,
  overlayCode,
  signInFromChooser,
  test,
  ui,
  waitForAgentState,
  whenUnguarded,
} from './fixtures.ts';

async function expectNoViolations(page: Page, what: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  expect(
    violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    what,
  ).toStrictEqual([]);
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
});
