// The API-key widget and outbound links (docs/api-key.md, docs/outbound-links.md): the demo's LiveEngage-style
// widget signs its agent in with the key from its URL and cleans the URL; the desktop's "Personal collection"
// opens a window on the API site, signed in as the same agent through a single-use exchange token.
import { paths } from '@deskgate/protocol';
import type { Page, Request } from '@playwright/test';
import { AGENT, expect, type Stack, TENANT, test, ui, waitForAgentState } from './fixtures.ts';

const WIDGET_AGENT = { id: 'le-e2e-1', name: 'Lee Widget' };

function widgetUrl(stack: Stack, apiKey = stack.apiKey) {
  const query = new URLSearchParams({
    apiKey,
    agentId: WIDGET_AGENT.id,
    agentName: WIDGET_AGENT.name,
    view: 'compact',
  });
  return `${stack.cxUrl}/widget.html?${query}#panel`;
}

/** Every request of the page's context from now on. */
function recordRequests(page: Page) {
  const requests: Request[] = [];
  page.context().on('request', (request) => requests.push(request));
  return requests;
}

/** Clicks "Personal collection" and returns the window it opened, once it shows the collection. */
async function openCollection(page: Page, stack: Stack): Promise<Page> {
  const opened = page.context().waitForEvent('page');
  await page.locator('#personal-collection').click();
  const collection = await opened;
  await collection.waitForURL(`${stack.apiUrl}${paths.collection(TENANT)}`);
  return collection;
}

test.describe('API-key sign-in from the widget URL', () => {
  test('signs the agent in with the key from the URL, then removes key and agent from it', async ({
    page,
    stack,
  }) => {
    const requests = recordRequests(page);
    await page.goto(widgetUrl(stack));
    await expect(page.locator('#widget-status')).toHaveText(`Signed in as ${WIDGET_AGENT.name}`);
    // Only the SDK's parameters go; the page's own and the fragment stay.
    const url = new URL(page.url());
    expect([...url.searchParams.keys()]).toStrictEqual(['view']);
    expect(url.hash).toBe('#panel');
    expect(page.url()).not.toContain(stack.apiKey);
    await expect(ui.overlay(page)).toHaveCount(0);
    // The key went in the Authorization header of the one sign-in request, and in no URL.
    const signIns = requests.filter((r) => r.url() === `${stack.apiUrl}${paths.sessionApiKey(TENANT)}`);
    expect(signIns).toHaveLength(1);
    expect(await signIns[0]!.headerValue('authorization')).toBe(`Bearer ${stack.apiKey}`);
    // Beyond the widget page's own navigation (LiveEngage opens it so), no request URL carries the key.
    const carrying = requests.filter((r) => r.url().includes(stack.apiKey) && !r.isNavigationRequest());
    expect(carrying.map((r) => r.url())).toStrictEqual([]);
    const session = await page.evaluate(
      () => (window as unknown as { deskgate: { session: unknown } }).deskgate.session,
    );
    expect(session).toMatchObject({
      user: { name: WIDGET_AGENT.name, roles: ['deepdesk.agent'], confirmed: false },
    });
  });

  test('a wrong key signs nobody in, says why, and is removed from the URL all the same', async ({
    page,
    stack,
  }) => {
    const wrong = `${stack.apiKey.slice(0, -1)}${stack.apiKey.endsWith('A') ? 'B' : 'A'}`;
    await page.goto(widgetUrl(stack, wrong));
    await expect(page.locator('#widget-error')).toContainText('api_key_invalid');
    await expect(page.locator('#widget-status')).toHaveText('Not signed in');
    expect(page.url()).not.toContain(wrong);
    await expect(ui.overlay(page)).toHaveCount(0);
  });
});

test.describe('outbound links', () => {
  test('the desktop opens the personal collection in a new window, signed in as the same agent', async ({
    context,
    stack,
  }) => {
    const page = await stack.signedInPage(context);
    const collection = await openCollection(page, stack);
    await expect(collection.locator('h1')).toHaveText('Personal collection');
    await expect(collection.locator('[data-agent]')).toContainText(AGENT.email);
    // The token was in the fragment of the landing page only: gone from the address bar and the history.
    expect(collection.url()).not.toContain('token');
    // The new window cannot reach the CX page (opener cut, COOP).
    expect(await collection.evaluate(() => window.opener === null)).toBe(true);
    // The CX page is still signed in, in its own partition.
    await waitForAgentState(page, 'signed-in');
  });

  test('the widget signed in by API key opens the collection as its agent, agent role only', async ({
    page,
    stack,
  }) => {
    await page.goto(widgetUrl(stack));
    await expect(page.locator('#widget-status')).toHaveText(`Signed in as ${WIDGET_AGENT.name}`);
    const collection = await openCollection(page, stack);
    await expect(collection.locator('[data-agent]')).toContainText(WIDGET_AGENT.name);
    await expect(collection.locator('body')).toContainText('deepdesk.agent');
    await expect(collection.locator('body')).not.toContainText('deepdesk.manager');
  });

  test('a used link does not sign a second browser in', async ({ browser, context, stack }) => {
    const page = await stack.signedInPage(context);
    // The landing URL as the API hands it to the SDK (the token in the fragment), used once by this browser.
    const link = await page.evaluate(
      async ({ path, target }) => {
        const response = await (
          window as unknown as { deskgate: { fetch(p: string, i: RequestInit): Promise<Response> } }
        ).deskgate.fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirect: target }),
        });
        return ((await response.json()) as { url: string }).url;
      },
      { path: paths.exchangeToken(TENANT), target: paths.collection(TENANT) },
    );
    const first = await context.newPage();
    await first.goto(link);
    await first.waitForURL(`${stack.apiUrl}${paths.collection(TENANT)}`);
    const other = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const second = await other.newPage();
      await second.goto(link);
      await expect(ui.errorCode(second)).toHaveAttribute('data-error-code', 'exchange_token_invalid');
      await second.goto(`${stack.apiUrl}${paths.collection(TENANT)}`);
      await expect(ui.errorCode(second)).toHaveAttribute('data-error-code', 'session_missing');
    } finally {
      await other.close();
    }
  });
});
