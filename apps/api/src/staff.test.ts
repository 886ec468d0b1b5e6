// Staff SSO (F11, D13; docs/staff-sso.md): a staff member of the vendor signs in at the deployment's staff
// provider (here the dev IdP with a second client) and reaches any tenant's console with the staff's own
// permissions, audited as staff; a wrong hd, a missing hd and an unverified email are refused with no cookie;
// no account is created in any tenant.
import assert from 'node:assert/strict';
import { DEMO_ACCOUNTS, type DevAccount, loginHeadless } from '@deskgate/dev-idp';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { TenantService } from './services/tenants.ts';
import {
  createHarness,
  errorCode,
  type Harness,
  Jar,
  PUBLIC_URL,
  sessionAs,
  socket,
  TENANT,
} from './test/harness.ts';

const staffAccount = (name: string, claims: Record<string, unknown>): DevAccount => ({
  sub: `staff-${name}`,
  email: `${name}@vendor.test`,
  password: name,
  name: `Staff ${name}`,
  roles: [],
  claims: { hd: 'vendor.test', ...claims },
});

const STAFF = {
  ok: staffAccount('carla', {}),
  otherHd: staffAccount('otto', { hd: 'partner.test' }),
  noHd: staffAccount('nora', { hd: null }),
  unverified: staffAccount('uma', { email_verified: false }),
};

let h: Harness;
beforeAll(async () => {
  h = await createHarness({
    idpAccounts: [...DEMO_ACCOUNTS, ...Object.values(STAFF)],
    staff: { domain: 'vendor.test' },
  });
  await new TenantService(h.store, h.deps.keys, h.now).save({ code: 'globex', allowedOrigins: [] }, 'create');
});
afterAll(() => h.close());

/** The whole staff sign-in from `tenant`'s console; returns the callback's answer and the browser's jar. */
async function staffSignIn(who: DevAccount, tenant = TENANT) {
  const jar = new Jar();
  const start = await h.page(`/t/${tenant}/staff/signin`, jar);
  assert.equal(start.status, 302);
  const authorize = new URL(start.headers.get('location')!);
  assert.equal(authorize.searchParams.get('hd'), 'vendor.test');
  assert.equal(authorize.searchParams.get('client_id'), 'deskgate-staff');
  const callbackUrl = await loginHeadless(authorize.href, { email: who.email, password: who.password });
  assert.equal(callbackUrl.pathname, '/staff/callback');
  const callback = await h.page(callbackUrl.href, jar);
  return { callback, jar };
}

/** What these tests read of the console API's answers. */
interface ConsoleAnswer {
  staff?: boolean;
  user?: { email: string | null };
  permissions?: string[];
  error?: { code: string };
}

async function consoleApi(jar: Jar, method: string, path: string, tenant = TENANT, body?: unknown) {
  const url = `/t/${tenant}/admin/api${path}`;
  const headers: Record<string, string> = { cookie: jar.header(url) ?? '' };
  if (body !== undefined) Object.assign(headers, { origin: PUBLIC_URL, 'content-type': 'application/json' });
  const response = await h.app.request(
    `${PUBLIC_URL}${url}`,
    { method, headers, body: body === undefined ? undefined : JSON.stringify(body) },
    socket(),
  );
  return { status: response.status, json: (await response.json()) as ConsoleAnswer };
}

describe('staff SSO', () => {
  it('a staff member signs in and reaches the tenant’s console as staff, with the staff permissions', async () => {
    const usersBefore = (await h.store.listUsers(TENANT)).length;
    const { callback, jar } = await staffSignIn(STAFF.ok);
    assert.equal(callback.status, 303, await callback.clone().text());
    assert.equal(callback.headers.get('location'), `/t/${TENANT}/admin`);
    const cookie = callback.headers.getSetCookie().find((c) => c.startsWith('__Host-deskgate_staff='));
    assert.match(cookie ?? '', /; Path=\/; Max-Age=28800; HttpOnly; Secure; SameSite=Lax$/);

    const me = await consoleApi(jar, 'GET', '/me');
    assert.equal(me.status, 200);
    assert.equal(me.json.staff, true);
    assert.equal(me.json.user?.email, 'carla@vendor.test');
    assert.deepEqual(me.json.permissions, [
      'access_requests:read',
      'audit:read',
      'settings:read',
      'users:read',
    ]);
    assert.equal((await consoleApi(jar, 'GET', '/users')).status, 200);
    // Read-only by default: a change is refused.
    const someone = await sessionAs(h, ['deepdesk.agent']);
    const refused = await consoleApi(jar, 'POST', `/users/${someone.user.id}/disable`, TENANT, {});
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error?.code, 'permission_denied');
    // No account in the tenant.
    assert.equal((await h.store.listUsers(TENANT)).length, usersBefore + 1);
    const audit = await h.store.listAudit(TENANT, { type: 'staff_signed_in' });
    assert.deepEqual(audit[0]?.actor, { kind: 'staff', id: 'carla@vendor.test' });
  });

  it('the same staff session opens every tenant’s console, but never a tenant’s own pages', async () => {
    const { jar } = await staffSignIn(STAFF.ok);
    const other = await consoleApi(jar, 'GET', '/me', 'globex');
    assert.equal(other.status, 200);
    assert.equal(other.json.staff, true);
    // The personal collection and the SDK's session are the tenant's users' alone.
    const collection = await h.page(`/t/${TENANT}/collection`, jar);
    assert.equal(collection.status, 401);
  });

  it('staff permissions widen by configuration, and staff changes are audited as staff', async () => {
    const wide = await createHarness({
      idpAccounts: [...DEMO_ACCOUNTS, STAFF.ok],
      staff: { domain: 'vendor.test', permissions: ['users:read', 'users:write', 'access_requests:*'] },
    });
    try {
      const jar = new Jar();
      const start = await wide.page(`/t/${TENANT}/staff/signin`, jar);
      const back = await loginHeadless(start.headers.get('location')!, {
        email: STAFF.ok.email,
        password: STAFF.ok.password,
      });
      assert.equal((await wide.page(back.href, jar)).status, 303);
      const target = await sessionAs(wide, ['deepdesk.agent']);
      const url = `/t/${TENANT}/admin/api/users/${target.user.id}/disable`;
      const response = await wide.app.request(
        `${PUBLIC_URL}${url}`,
        {
          method: 'POST',
          headers: { cookie: jar.header(url)!, origin: PUBLIC_URL, 'content-type': 'application/json' },
          body: '{}',
        },
        socket(),
      );
      assert.equal(response.status, 200, await response.clone().text());
      const event = (await wide.store.listAudit(TENANT, { type: 'user_disabled' }))[0];
      assert.deepEqual(event?.actor, { kind: 'staff', id: 'carla@vendor.test' });
      // A request for access, decided by staff: recorded as staff too.
      const now = wide.now();
      await wide.store.createAccessRequest({
        id: 'staffdecides00000001',
        tenant: TENANT,
        email: 'newcomer@acme.test',
        status: 'unconfirmed',
        confirmDigest: 'digest-staff-test',
        locale: 'en-US',
        createdAt: now,
        expiresAt: now + 86_400_000,
        confirmedAt: null,
        decidedAt: null,
        decidedBy: null,
      });
      assert.ok(await wide.store.confirmAccessRequest('staffdecides00000001', now));
      const decideUrl = `/t/${TENANT}/admin/api/access-requests/staffdecides00000001`;
      const decided = await wide.app.request(
        `${PUBLIC_URL}${decideUrl}`,
        {
          method: 'POST',
          headers: { cookie: jar.header(decideUrl)!, origin: PUBLIC_URL, 'content-type': 'application/json' },
          body: JSON.stringify({ decision: 'reject' }),
        },
        socket(),
      );
      assert.equal(decided.status, 200, await decided.clone().text());
      const decision = (await wide.store.listAudit(TENANT, { type: 'access_request_decided' }))[0];
      assert.deepEqual(decision?.actor, { kind: 'staff', id: 'carla@vendor.test' });
    } finally {
      await wide.close();
    }
  });

  for (const [label, who, why] of [
    ['another organisation’s hd', STAFF.otherHd, /another organisation/],
    ['no hd (a consumer account)', STAFF.noHd, /no hd claim/],
    ['an unverified email', STAFF.unverified, /not verified/],
  ] as const) {
    it(`refuses ${label}: 403 staff_not_allowed, no staff cookie, no access`, async () => {
      const { callback, jar } = await staffSignIn(who);
      assert.equal(callback.status, 403);
      assert.equal(await errorCode(callback.clone()), 'staff_not_allowed');
      assert.match(await callback.text(), why);
      assert.equal(
        callback.headers.getSetCookie().some((c) => c.startsWith('__Host-deskgate_staff=')),
        false,
      );
      assert.equal((await consoleApi(jar, 'GET', '/me')).status, 401);
    });
  }

  it('refuses a forged or a tenant’s token as a staff cookie, and a callback without its sign-in', async () => {
    const manager = await sessionAs(h, ['deepdesk.manager']);
    const access = [...manager.jar.cookies.values()][0]!.value;
    const forged = new Jar();
    forged.cookies.set('__Host-deskgate_staff', { value: access, path: '/', attributes: '' });
    assert.equal((await consoleApi(forged, 'GET', '/me')).status, 401);
    const replay = await h.page('/staff/callback?state=nothing&code=x', new Jar());
    assert.equal(replay.status, 400);
    assert.equal(await errorCode(replay), 'sso_state_mismatch');
  });

  it('without staff SSO set up, staff sign-in says so (404 sso_not_configured)', async () => {
    const plain = await createHarness();
    try {
      const response = await plain.page(`/t/${TENANT}/staff/signin`, new Jar());
      assert.equal(response.status, 404);
      assert.equal(await errorCode(response), 'sso_not_configured');
    } finally {
      await plain.close();
    }
  });
});
