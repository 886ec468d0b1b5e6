// What an integrator sees in the browser: a signed-out load that logs nothing red, and a misconfigured page
// (wrong tenant code, origin the tenant does not allow) that says exactly what is wrong, in the console and
// the `error` event, instead of a "Sign in" that can only fail.
import type { Page } from '@playwright/test';
import { expect, type Stack, TENANT, test, ui, waitForAgentState } from './fixtures.ts';
import { type EvilSite, startEvilSite } from './support/attacker.ts';

let foreign: EvilSite;
test.beforeAll(async () => {
  foreign = await startEvilSite();
});
test.afterAll(async () => {
  await foreign?.close();
});

/** The console's errors and the page's failed responses (what DevTools shows in red). */
function watchRed(page: Page) {
  const red: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') red.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400)
      red.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  return red;
}

/** Records every deskgate:error detail on the page, from before the SDK loads. */
async function recordErrors(page: Page) {
  await page.addInitScript(() => {
    const errors: unknown[] = [];
    (window as unknown as { __errors: unknown[] }).__errors = errors;
    addEventListener('deskgate:error', (event) => errors.push((event as CustomEvent).detail));
  });
  return () => page.evaluate(() => (window as unknown as { __errors: unknown[] }).__errors);
}

/** The SDK's own console errors (`deskgate: …`), as they are logged. */
function deskgateConsoleErrors(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && message.text().startsWith('deskgate:')) lines.push(message.text());
  });
  return lines;
}

const UNAVAILABLE = 'Signing in to Deepdesk is not set up for this page. Please tell your administrator.';

async function expectUnavailableOverlay(page: Page) {
  await expect(ui.overlay(page).locator('[part="status"]')).toHaveText(UNAVAILABLE);
  await expect(ui.overlay(page).getByRole('button'), 'no sign-in that could only fail').toHaveCount(0);
}

test('a signed-out page load logs no error and no failed request', async ({ page, stack }) => {
  const red = watchRed(page);
  await page.goto(stack.cxUrl);
  await waitForAgentState(page, 'signed-out');
  await ui.signInButton(page).waitFor();
  expect(red).toStrictEqual([]);
});

test('a wrong tenant code: tenant_not_found in the event and the console, and no sign-in offered', async ({
  page,
  stack,
}) => {
  const errors = await recordErrors(page);
  const consoleErrors = deskgateConsoleErrors(page);
  await page.goto(`${stack.cxUrl}/?tenant=nosuch`);
  await expectUnavailableOverlay(page);
  expect(await errors()).toStrictEqual([
    { code: 'tenant_not_found', message: 'There is no tenant "nosuch"' },
  ]);
  expect(consoleErrors).toStrictEqual([
    'deskgate: tenant_not_found: There is no tenant "nosuch". Check the tenant code given to deskgate (data-tenant or the tenant option): "nosuch".',
  ]);
  await expect(page.locator('#sdk-error')).toContainText('tenant_not_found');
});

/** A CX page on https://evil.test, an origin no tenant allows, loading the SDK with one script tag. */
async function openForeignPage(page: Page, stack: Stack, tenant: string): Promise<string> {
  const url = foreign.desktopUrl({ sdk: `${stack.apiUrl}/sdk/deskgate.js`, tenant });
  await page.goto(url);
  return new URL(url).origin;
}

test('an origin the tenant does not allow: origin_not_allowed naming the origin, and how to allow it', async ({
  page,
  stack,
}) => {
  const errors = await recordErrors(page);
  const consoleErrors = deskgateConsoleErrors(page);
  const popups: Page[] = [];
  page.on('popup', (popup) => popups.push(popup));
  const origin = await openForeignPage(page, stack, TENANT);
  await expectUnavailableOverlay(page);
  const message = `The origin ${origin} may not use tenant "${TENANT}": it is not one of the tenant's allowed origins, or there is no such tenant`;
  expect(await errors()).toStrictEqual([{ code: 'origin_not_allowed', message }]);
  expect(consoleErrors).toStrictEqual([
    `deskgate: origin_not_allowed: ${message}. Check the tenant code ("${TENANT}"), and have an operator allow this page's origin: deskgate tenant set ${TENANT} --add-origin ${origin}`,
  ]);
  expect(popups).toStrictEqual([]);
});

test('an origin no tenant allows learns nothing about which tenants exist', async ({ page, stack }) => {
  const errors = await recordErrors(page);
  const origin = await openForeignPage(page, stack, 'nosuch');
  await expectUnavailableOverlay(page);
  const [error] = (await errors()) as { code: string; message: string }[];
  expect(error?.code).toBe('origin_not_allowed');
  expect(error?.message).toBe(
    `The origin ${origin} may not use tenant "nosuch": it is not one of the tenant's allowed origins, or there is no such tenant`,
  );
});
