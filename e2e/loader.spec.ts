// The SDK's script tag included twice (?twice=1 on the demo page): the second loader reuses the first
// instance, so the agent sees one overlay, the API one session probe, and the page one `ready`.
import type { Request } from '@playwright/test';
import { countEvents, type DeskgateWindow, expect, TENANT, test, ui, waitForAgentState } from './fixtures.ts';

/** One per started instance: the status probe, which a signed-out page (no refresh cookie) follows with nothing. */
const isProbe = (request: Request) =>
  request.method() === 'GET' && new URL(request.url()).pathname === `/t/${TENANT}/auth/refresh/status`;

test('a second SDK script tag reuses the first instance: one overlay, one probe, one ready after sign-in, no stale overlay', async ({
  page,
  stack,
}) => {
  const events = await countEvents(page);
  const warnings: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  const probes: Request[] = [];
  page.on('request', (request) => {
    if (isProbe(request)) probes.push(request);
  });

  await page.goto(`${stack.cxUrl}/?twice=1`);
  await expect(page.locator('script[src$="/sdk/deskgate.js"]'), 'the page has the tag twice').toHaveCount(2);
  await waitForAgentState(page, 'signed-out');
  await ui.signInButton(page).waitFor();
  await expect
    .poll(() => warnings.filter((w) => w.includes('deskgate.js is included more than once')))
    .toStrictEqual([
      'deskgate: deskgate.js is included more than once; window.deskgate stays the first instance and this tag is ignored.',
    ]);
  await expect(ui.overlay(page), 'one overlay').toHaveCount(1);
  expect(probes, 'one instance asked the API').toHaveLength(1);

  await stack.signInThroughPopup(page);
  await waitForAgentState(page, 'signed-in');
  await expect(ui.overlay(page), 'no overlay left behind').toHaveCount(0);
  await expect(ui.signInButton(page)).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as DeskgateWindow).deskgate?.session?.user.email)).toBe(
    'agent@demo.test',
  );
  // The redeem answered and the overlay is gone: any second instance would have announced itself by now.
  expect(await events()).toStrictEqual({ ready: 1, 'signed-out': 0, error: 0 });
  expect(probes, 'still one probe').toHaveLength(1);
});
