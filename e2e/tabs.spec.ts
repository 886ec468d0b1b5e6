// Two tabs of one CX page learn of each other's sign-in and sign-out (the SDK's BroadcastChannel), without a
// reload and without polling.
import type { Page, Request } from '@playwright/test';
import { countEvents, type DeskgateWindow, expect, TENANT, test, ui, waitForAgentState } from './fixtures.ts';

/** The API requests a page makes from now on, as "METHOD /path". */
function apiRequests(page: Page, apiUrl: string): string[] {
  const seen: string[] = [];
  page.on('request', (request: Request) => {
    const url = new URL(request.url());
    if (url.origin === new URL(apiUrl).origin && !url.pathname.startsWith('/sdk/'))
      seen.push(`${request.method()} ${url.pathname}`);
  });
  return seen;
}

const sessionOf = (page: Page) =>
  page.evaluate(() => (window as unknown as DeskgateWindow).deskgate?.session?.user.email ?? null);

test('a sign-in in one tab reaches the other without a reload, and a sign-out there reaches the first', async ({
  context,
  stack,
}) => {
  const a = await context.newPage();
  const b = await context.newPage();
  const events = { a: await countEvents(a), b: await countEvents(b) };
  for (const page of [a, b]) {
    await stack.gotoCx(page);
    await waitForAgentState(page, 'signed-out');
    await ui.signInButton(page).waitFor();
    await page.evaluate(() => {
      (window as unknown as { __marker: string }).__marker = 'not reloaded';
    });
  }
  const requestsOfB = apiRequests(b, stack.apiUrl);

  await a.bringToFront();
  await stack.signInThroughPopup(a);
  await waitForAgentState(a, 'signed-in');

  await waitForAgentState(b, 'signed-in');
  await expect(ui.overlay(b), "B's overlay is gone").toHaveCount(0);
  expect(await sessionOf(b)).toBe('agent@demo.test');
  expect(await b.evaluate(() => (window as unknown as { __marker?: string }).__marker)).toBe('not reloaded');
  expect(await events.b()).toStrictEqual({ ready: 1, 'signed-out': 0, error: 0 });
  expect(requestsOfB, 'B asked the API once (GET refresh/status), and nothing else').toStrictEqual([
    `GET /t/${TENANT}/auth/refresh/status`,
  ]);

  const requestsOfA = apiRequests(a, stack.apiUrl);
  await b.bringToFront();
  await b.locator('#sign-out').click();
  await waitForAgentState(b, 'signed-out');
  await ui.signInButton(b).waitFor();

  await waitForAgentState(a, 'signed-out');
  await ui.signInButton(a).waitFor();
  await expect(ui.overlay(a), 'one overlay on A').toHaveCount(1);
  expect(await sessionOf(a)).toBe(null);
  expect(requestsOfA, 'A signed out without asking the API').toStrictEqual([]);
  expect(await events.a()).toStrictEqual({ ready: 1, 'signed-out': 1, error: 0 });
  expect(await events.b()).toStrictEqual({ ready: 1, 'signed-out': 1, error: 0 });
});
