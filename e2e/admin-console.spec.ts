// The admin console (docs/admin-console.md), first-party on the API site: a manager signs in through the
// first-party sign-in (SSO at the dev IdP), lists and searches users, disables and enables one, makes an API
// key (shown once, with a Copy button) and revokes it, and reads the audit log; an agent gets the "no access"
// page. Each area passes axe (Chromium only, as in a11y.spec.ts). With DESKGATE_SCREENSHOTS=1 the Chromium run
// also writes docs/images/admin-console-{users,keys,audit}.png.
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { DEMO_ACCOUNTS, type DevAccount } from '@deskgate/dev-idp';
import { paths } from '@deskgate/protocol';
import type { Locator, Page } from '@playwright/test';
import { signJwt } from '../apps/demo/src/platform.ts';
import { AGENT, expect, type Stack, signInFromChooser, TENANT, test, ui, whenUnguarded } from './fixtures.ts';
import { httpsJson } from './support/net.ts';
import { apiTarget } from './support/stack.ts';

const MANAGER: DevAccount = DEMO_ACCOUNTS.find((a) => a.email === 'manager@demo.test') ?? DEMO_ACCOUNTS[1]!;
const CONSOLE_PATH = `/t/${TENANT}/admin`;
const SCREENSHOTS = process.env.DESKGATE_SCREENSHOTS === '1';

/** Opens the console: the first-party sign-in at the dev IdP as `account`, then back to the console. */
async function openConsole(page: Page, stack: Stack, account: DevAccount): Promise<void> {
  await page.goto(`${stack.apiUrl}${CONSOLE_PATH}`);
  await page.waitForURL((url) => url.pathname === `/t/${TENANT}/signin`);
  await signInFromChooser(page, account);
  await page.waitForURL((url) => url.pathname === CONSOLE_PATH);
}

/**
 * Types `value` into a number field. Firefox's `fill` cannot select a number input's text, so it would append
 * to what is there: the value is set and the input event sent, as typing does.
 */
async function setNumber(field: Locator, value: string): Promise<void> {
  await field.evaluate((input, v) => {
    (input as HTMLInputElement).value = v;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

/** Opens an area from the nav; resolves once its heading shows. */
async function openArea(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { level: 2, name, exact: true })).toBeVisible();
}

/** With DESKGATE_SCREENSHOTS=1, in Chromium: the page as docs/images/admin-console-{name}.png. */
async function screenshot(page: Page, browserName: string, name: string): Promise<void> {
  if (!SCREENSHOTS || browserName !== 'chromium') return;
  await page.screenshot({
    path: fileURLToPath(new URL(`../docs/images/admin-console-${name}.png`, import.meta.url)),
    fullPage: true,
  });
}

test.describe('the admin console', () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test('an agent gets the "no access" page', async ({ page, stack }) => {
    await openConsole(page, stack, AGENT);
    await expect(page.locator('[data-no-access]')).toContainText(
      'You have no access to the admin console of Acme (e2e)',
    );
    await expect(page.getByRole('navigation')).toHaveCount(0);
  });

  test('a manager lists and searches users, and disables and enables one', async ({
    browser,
    browserName,
    page,
    stack,
  }) => {
    // The agent signs in once, so that the tenant has them as a user.
    const agentContext = await browser.newContext({ ignoreHTTPSErrors: true });
    await openConsole(await agentContext.newPage(), stack, AGENT);
    await agentContext.close();

    await openConsole(page, stack, MANAGER);
    await openArea(page, 'Users');
    const rows = page.locator('tr[data-user]');
    await expect(page.locator('tr[data-user="manager@demo.test"]')).toBeVisible();
    await expect(page.locator('tr[data-user="agent@demo.test"]')).toBeVisible();
    // The e2e tenant takes roles from the IdP: no grant or revoke here.
    await expect(page.getByText('Roles come from the identity provider')).toBeVisible();
    await expect(page.getByRole('button', { name: /^Revoke / })).toHaveCount(0);
    await screenshot(page, browserName, 'users');

    // A search narrows the list to users whose email, name or id holds the text (other specs' agents too,
    // such as platform.agent@demo.test), and leaves the others out.
    await page.getByLabel('Search users').fill('agent@demo');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page.locator('tr[data-user="manager@demo.test"]')).toHaveCount(0);
    await expect(page.locator('tr[data-user="agent@demo.test"]')).toBeVisible();
    for (const user of await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-user') ?? '')))
      expect(user).toContain('agent@demo');

    const row = page.locator('tr[data-user="agent@demo.test"]');
    try {
      await page.getByRole('button', { name: 'Disable agent@demo.test', exact: true }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Disabled agent@demo.test.' })).toBeVisible();
      await expect(row.getByRole('button', { name: 'Enable agent@demo.test', exact: true })).toBeVisible();
      await expect(row.locator('td').nth(4)).not.toHaveText('No');
      await page.getByRole('button', { name: 'Enable agent@demo.test', exact: true }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Enabled agent@demo.test.' })).toBeVisible();
      await expect(row.locator('td').nth(4)).toHaveText('No');
    } finally {
      // Other specs sign the agent in: never leave them disabled.
      const enable = page.getByRole('button', { name: 'Enable agent@demo.test', exact: true });
      if (await enable.isVisible()) await enable.click();
    }
  });

  test('a manager makes an API key (shown once), revokes it, and finds both in the audit log', async ({
    browserName,
    context,
    page,
    stack,
  }) => {
    if (browserName === 'chromium') await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await openConsole(page, stack, MANAGER);
    await openArea(page, 'Keys');
    const apiKeys = page.locator('section[aria-labelledby="api-keys-heading"]');
    await apiKeys.getByRole('button', { name: 'Create API key' }).click();
    const secret = apiKeys.getByRole('textbox', { name: /^New API key / });
    await expect(secret).toHaveValue(/^dgk_/);
    await expect(secret).toHaveAttribute('readonly', '');
    await expect(apiKeys.getByText('Shown only now')).toBeVisible();
    const key = await secret.inputValue();
    const kid = ((await apiKeys.locator('[data-secret] label').textContent()) ?? '').replace(
      'New API key ',
      '',
    );
    expect(key).toContain(kid);
    await apiKeys.getByRole('button', { name: 'Copy', exact: true }).click();
    if (browserName === 'chromium') {
      await expect(apiKeys.getByText('Copied.')).toBeVisible();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    }
    await expect(apiKeys.locator(`tr[data-kid="${kid}"]`)).toContainText('Active');
    await screenshot(page, browserName, 'keys');

    await apiKeys.getByRole('button', { name: `Revoke ${kid}` }).click();
    await expect(apiKeys.getByRole('status').filter({ hasText: `Revoked ${kid}.` })).toBeVisible();
    await expect(apiKeys.locator(`tr[data-kid="${kid}"]`)).toContainText('Revoked');
    // Shown once: gone now, and nowhere on the page.
    await expect(apiKeys.locator('[data-secret]')).toHaveCount(0);
    expect(await page.content()).not.toContain(key);

    await openArea(page, 'Audit log');
    await expect(page.locator(`tr[data-audit-type="api_key_created"]`, { hasText: kid })).toBeVisible();
    await expect(page.locator(`tr[data-audit-type="api_key_revoked"]`, { hasText: kid })).toBeVisible();
    await page.getByLabel('Type').fill('api_key_revoked');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await expect(page.locator('tr[data-audit-type]:not([data-audit-type="api_key_revoked"])')).toHaveCount(0);
    await expect(page.locator('tr[data-audit-type="api_key_revoked"]', { hasText: kid })).toBeVisible();
    await page.getByLabel('Type').fill('');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await expect(page.locator('tr[data-audit-type="sign_in"]').first()).toBeVisible();
    await screenshot(page, browserName, 'audit');
  });

  test('a manager approves a request for access from the Access requests area', async ({
    browserName,
    page,
    stack,
  }) => {
    // Someone unknown asks in the CX page's popup and confirms from their mail (as access-request.spec.ts).
    await stack.advanceApiClock(600_000);
    const email = `console.${browserName}.${Date.now()}@example.com`;
    const asked = new Date();
    await stack.gotoCx(page);
    const popupEvent = page.context().waitForEvent('page');
    await ui.signInButton(page).click();
    const popup = await popupEvent;
    await popup.getByLabel('Work email').fill(email);
    const send = popup.getByRole('button', { name: 'Email me a sign-in link' });
    await whenUnguarded(send);
    await send.click();
    const mail = await stack.mailTo(email, { after: asked, subject: /confirm your request/i });
    const link = mail.links.find((l) => new URL(l).pathname === paths.accessRequestConfirm(TENANT))!;
    const tab = await page.context().newPage();
    await tab.goto(link);
    const confirm = tab.getByRole('button', { name: 'Confirm my request' });
    await whenUnguarded(confirm);
    await confirm.click();
    await expect(tab.locator('[data-access-request="sent"]')).toBeVisible();

    const manager = await page.context().browser()!.newContext({ ignoreHTTPSErrors: true });
    try {
      const desk = await manager.newPage();
      await openConsole(desk, stack, MANAGER);
      await openArea(desk, 'Access requests');
      await desk.getByRole('button', { name: `Approve ${email}` }).click();
      await expect(desk.getByRole('status').filter({ hasText: `Approved ${email}.` })).toBeVisible();
      await expect(desk.getByRole('button', { name: `Approve ${email}` })).toHaveCount(0);
    } finally {
      await manager.close();
    }
  });

  test('a manager changes the session lifetime in Settings, and it holds after a reload', async ({
    page,
    stack,
  }) => {
    await openConsole(page, stack, MANAGER);
    await openArea(page, 'Settings');
    const field = page.getByLabel('Access token lifetime (seconds)');
    // The form is filled once the settings have loaded.
    await expect(field).toHaveValue(/^\d+$/);
    const before = await field.inputValue();
    const sessions = page.locator('form').filter({ has: field });
    try {
      await setNumber(field, '840');
      await sessions.getByRole('button', { name: 'Save', exact: true }).click();
      await expect(sessions.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
      await page.reload();
      await openArea(page, 'Settings');
      await expect(page.getByLabel('Access token lifetime (seconds)')).toHaveValue('840');
      // A value the tenant refuses is said plainly and changes nothing.
      await setNumber(page.getByLabel('Access token lifetime (seconds)'), '5');
      await sessions.getByRole('button', { name: 'Save', exact: true }).click();
      await expect(sessions.getByRole('alert')).toContainText('accessTtlSeconds');
    } finally {
      await setNumber(page.getByLabel('Access token lifetime (seconds)'), before);
      await sessions.getByRole('button', { name: 'Save', exact: true }).click();
      await expect(sessions.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
    }
  });

  test('the JWT tester shows every check of a refused and of a good platform token', async ({
    page,
    stack,
  }) => {
    await openConsole(page, stack, MANAGER);
    await openArea(page, 'JWT tester');
    const token = page.getByLabel('Platform JWT');
    await token.fill('not-a-token');
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(page.locator('[data-jwt-result="refused"]')).toContainText('The token would be refused.');

    const target = apiTarget(stack);
    const clock = await httpsJson(target, 'POST', '/__test__/clock', { advanceMs: 0 });
    const now = Math.floor(Date.parse((clock.body as { now: string }).now) / 1000);
    const good = signJwt(
      {
        deskpro_id: 'console-tester-1',
        email: 'tester@acme.test',
        name: 'Tess Ter',
        iat: now,
        exp: now + 300,
      },
      stack.platformSessionKey,
    );
    await token.fill(good);
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    const result = page.locator('[data-jwt-result="ok"]');
    await expect(result).toContainText('The token would sign in.');
    await expect(result).toContainText('tester@acme.test');
  });

  test('every area and the "no access" page pass axe', async ({ browser, browserName, page, stack }) => {
    test.skip(browserName !== 'chromium', 'axe runs in Chromium only (see a11y.spec.ts)');
    const expectNoSeriousViolations = async (what: string) => {
      const found: string[] = [];
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        const { violations } = await new AxeBuilder({ page }).analyze();
        for (const v of violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'))
          found.push(`${colorScheme} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      }
      await page.emulateMedia({ colorScheme: null });
      expect(found, what).toStrictEqual([]);
    };
    await openConsole(page, stack, MANAGER);
    for (const area of ['Access requests', 'Users', 'Keys', 'Settings', 'JWT tester', 'Audit log']) {
      await openArea(page, area);
      // Loaded: the area's table, form or alert is there.
      await page.waitForLoadState('networkidle');
      await expectNoSeriousViolations(area);
    }
    const agentContext = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const agentPage = await agentContext.newPage();
      await openConsole(agentPage, stack, AGENT);
      await expect(agentPage.locator('[data-no-access]')).toBeVisible();
      const { violations } = await new AxeBuilder({ page: agentPage }).analyze();
      expect(
        violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id),
        'no access page',
      ).toStrictEqual([]);
    } finally {
      await agentContext.close();
    }
  });
});
