// A sign-in started in Dutch stays Dutch after the IdP: the completion page, its confirmation and the page
// shown when the agent cancels at the IdP all speak the attempt's language, whatever the browser prefers.
import type { Page } from '@playwright/test';
import {
  AGENT,
  expect,
  overlayCode,
  SSO_DISPLAY_NAME,
  test,
  waitForAgentState,
  whenUnguarded,
} from './fixtures.ts';

/** The Dutch CX page (the SDK's `locale`), with COOP so the flow ends on the typed confirmation. */
async function dutchSignInPopup(page: Page, cxUrl: string): Promise<Page> {
  await page.goto(`${cxUrl}/?coop=same-origin&locale=nl-NL`);
  await waitForAgentState(page, 'signed-out');
  const popupEvent = page.context().waitForEvent('page');
  await page.getByRole('button', { name: 'Aanmelden bij Deepdesk' }).click();
  const popup = await popupEvent;
  await popup.waitForURL(/\/auth\/signin\?/);
  await expect(popup.locator('html')).toHaveAttribute('lang', 'nl-NL');
  // The single sign-on link (the chooser also offers remote login, "Doorgaan met Acme (e2e)").
  const link = popup.getByRole('link', { name: `Doorgaan met ${SSO_DISPLAY_NAME}`, exact: true });
  await whenUnguarded(link);
  await link.click();
  await popup.locator('#email').fill(AGENT.email);
  await popup.locator('#password').fill(AGENT.password);
  return popup;
}

test.describe('the sign-in language after the IdP', () => {
  test.use({ locale: 'en-US' });

  test('the completion page and its confirmation speak Dutch', async ({ page, stack }) => {
    const popup = await dutchSignInPopup(page, stack.cxUrl);
    await popup.getByRole('button', { name: 'Sign in', exact: true }).click();
    await popup.waitForURL(/\/auth\/complete\?/);
    await expect(popup.locator('html')).toHaveAttribute('lang', 'nl-NL');
    await expect(
      popup.getByText('Typ ter afronding de code die Deepdesk op je agentscherm toont.'),
    ).toBeVisible();

    const code = await overlayCode(page);
    await popup.bringToFront();
    const input = popup.getByLabel('Code uit Deepdesk');
    await whenUnguarded(input);
    await input.fill(code);
    const button = popup.getByRole('button', { name: 'Aanmelding bevestigen' });
    await whenUnguarded(button);
    await button.click();
    await expect(popup.getByRole('heading', { name: 'Aanmelding bevestigd' })).toBeVisible();
    await expect(popup.locator('html')).toHaveAttribute('lang', 'nl-NL');
    await waitForAgentState(page, 'signed-in');
  });

  test('cancelling at the IdP shows the error page in Dutch', async ({ page, stack }) => {
    const popup = await dutchSignInPopup(page, stack.cxUrl);
    await popup.getByRole('button', { name: 'Cancel' }).click();
    await popup.waitForURL(/\/auth\/sso\/callback\?/);
    await expect(popup.locator('html')).toHaveAttribute('lang', 'nl-NL');
    await expect(popup.locator('[data-error-code]')).toHaveAttribute('data-error-code', 'sso_idp_error');
    await expect(
      popup.getByText('De aanmelddienst van je organisatie heeft je niet aangemeld.'),
    ).toBeVisible();
  });
});
