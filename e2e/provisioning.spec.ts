// Upfront provisioning (docs/provisioning.md) in the browser: a user the tenant's directory provisions through
// SCIM signs in on the CX page with a minimal platform JWT (`{ deskpro_id }` only: the name and email come from
// SCIM), and deactivating them through SCIM ends that live session, within the access-token lifetime.
import { paths } from '@deskgate/protocol';
import type { Page } from '@playwright/test';
import { signJwt } from '../apps/demo/src/platform.ts';
import { type DeskgateWindow, expect, TENANT, test, waitForAgentState } from './fixtures.ts';
import { httpsJson } from './support/net.ts';
import { apiTarget } from './support/stack.ts';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Clicks #call-api (deskgate.fetch of GET /session) and waits for the result line. */
async function callApi(page: Page): Promise<string> {
  await page.locator('#call-api').click();
  const status = page.locator('#api-status').filter({ hasText: /→ \d+|failed|not loaded/ });
  await status.waitFor();
  return (await status.textContent()) ?? '';
}

test('a user provisioned through SCIM signs in with a minimal platform JWT; deactivating them ends the live session', async ({
  page,
  stack,
  browserName,
}) => {
  const target = apiTarget(stack);
  const scim = (method: string, path: string, body?: unknown) =>
    httpsJson(target, method, `/t/${TENANT}/scim/v2${path}`, body, {
      authorization: `Bearer ${stack.scimToken}`,
      'content-type': 'application/scim+json',
    });
  const externalId = `scim-e2e-${browserName}-${Date.now()}`;
  const created = await scim('POST', '/Users', {
    schemas: [USER_SCHEMA],
    userName: `${externalId}@acme.test`,
    externalId,
    displayName: 'Prov Isioned',
    emails: [{ value: `${externalId}@acme.test`, primary: true, type: 'work' }],
    active: true,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const userId = (created.body as { id: string }).id;

  // The platform vouches with the id alone; its clock is the API's (specs move it forward).
  const clock = await httpsJson(target, 'POST', '/__test__/clock', { advanceMs: 0 });
  const now = Math.floor(Date.parse((clock.body as { now: string }).now) / 1000);
  const token = signJwt({ deskpro_id: externalId, iat: now, exp: now + 600 }, stack.platformSessionKey);
  await page.route('**/platform/token', (route) =>
    route.fulfill({ status: 200, contentType: 'text/plain', body: token }),
  );
  await stack.gotoCx(page, { platform: true });
  await waitForAgentState(page, 'signed-in');
  const user = await page.evaluate(() => (window as unknown as DeskgateWindow).deskgate?.session?.user);
  expect(user?.id).toBe(userId);
  expect(user?.name).toBe('Prov Isioned');
  expect(user?.email).toBe(`${externalId}@acme.test`);
  expect(await callApi(page)).toMatch(new RegExp(`GET ${paths.session(TENANT)} → 200`));

  // The directory deactivates them (Entra's shape). The access token in the browser is still unexpired, yet
  // the next request finds the session ended, and the platform's token cannot start a new one.
  const patched = await scim('PATCH', `/Users/${userId}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
  });
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  expect(await callApi(page)).toMatch(new RegExp(`GET ${paths.session(TENANT)} → 401`));
  await expect(page.locator('#agent-status')).not.toHaveAttribute('data-state', 'signed-in');
  expect(
    await page.evaluate(() => (window as unknown as DeskgateWindow).deskgate?.session ?? null),
  ).toBeNull();
  await expect(page.locator('#sdk-error')).toContainText('user_disabled');
});
