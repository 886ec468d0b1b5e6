// The admin console's JSON API (/t/{tenant}/admin/api): a manager's users (search, roles, disable), access
// requests, audit log and API keys; an agent is refused; cross-site writes change nothing; every change is
// audited with the manager as actor. (The permission matrix covers every route × role.)
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  createHarness,
  type Harness,
  type Jar,
  PUBLIC_URL,
  sessionAs,
  socket,
  TENANT,
} from './test/harness.ts';

let h: Harness;
let manager: { jar: Jar; user: { id: string } };
let agent: { jar: Jar; user: { id: string } };

beforeAll(async () => {
  // Roles by grants here (no role-based IAM): the console may grant and revoke.
  h = await createHarness({
    tenant: (issuer) => ({ oidc: { issuer, clientId: 'deskgate-test', clientSecret: 'x-secret-x' } }),
  });
  manager = await sessionAs(h, ['deepdesk.manager']);
  agent = await sessionAs(h, ['deepdesk.agent']);
});
afterAll(() => h.close());

let ip = 0;
async function api(
  who: { jar: Jar } | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const url = `/t/${TENANT}/admin/api${path}`;
  const response = await h.app.request(
    `${PUBLIC_URL}${url}`,
    {
      method,
      headers: {
        ...(who && { cookie: who.jar.header(url) ?? '' }),
        ...(body !== undefined && { origin: PUBLIC_URL, 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    },
    socket(`203.0.113.${(++ip % 250) + 1}`),
  );
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined, headers: response.headers };
}

describe('the console API', () => {
  it('GET /me says who is signed in and what their roles allow; without a session 401', async () => {
    const me = await api(manager, 'GET', '/me');
    assert.equal(me.status, 200);
    assert.equal(me.json.user.id, manager.user.id);
    assert.ok(me.json.permissions.includes('users:write'));
    assert.equal(me.json.staff, false);
    assert.equal(me.headers.get('cache-control'), 'no-store');
    assert.equal((await api(agent, 'GET', '/me')).json.permissions.includes('users:write'), false);
    assert.equal((await api(null, 'GET', '/me')).status, 401);
  });

  it('an agent is refused every manager area (403 permission_denied)', async () => {
    for (const [method, path, body] of [
      ['GET', '/users'],
      ['GET', '/audit'],
      ['GET', '/access-requests'],
      ['GET', '/api-keys'],
      ['POST', `/users/${manager.user.id}/disable`, {}],
      ['POST', '/api-keys', {}],
    ] as const) {
      const response = await api(agent, method, path, body);
      assert.equal(response.status, 403, `${method} ${path}`);
      assert.equal(response.json.error.code, 'permission_denied');
    }
    assert.equal((await h.store.getUser(TENANT, manager.user.id))?.disabledAt, null);
  });

  it('lists and searches users with their roles and sign-in identities', async () => {
    const all = await api(manager, 'GET', '/users');
    assert.equal(all.status, 200);
    assert.ok(all.json.total >= 2);
    const found = await api(manager, 'GET', `/users?q=${encodeURIComponent(agent.user.id.slice(0, 8))}`);
    assert.deepEqual(
      found.json.users.map((u: { id: string }) => u.id),
      [agent.user.id],
    );
    assert.deepEqual(found.json.users[0].identities, [{ issuer: 'test', subject: agent.user.id }]);
    assert.deepEqual(found.json.rolesManagedBy, []);
  });

  it('grants and revokes a role, audited with the manager as actor', async () => {
    const granted = await api(manager, 'POST', `/users/${agent.user.id}/roles`, {
      action: 'grant',
      role: 'deepdesk.editor',
    });
    assert.equal(granted.status, 200);
    assert.deepEqual(granted.json.roles, ['deepdesk.agent', 'deepdesk.editor']);
    const revoked = await api(manager, 'POST', `/users/${agent.user.id}/roles`, {
      action: 'revoke',
      role: 'deepdesk.editor',
    });
    assert.deepEqual(revoked.json.roles, ['deepdesk.agent']);
    const events = await h.store.listAudit(TENANT, { actor: manager.user.id });
    assert.deepEqual(events.map((e) => e.type).slice(0, 2), ['role_revoked', 'role_granted']);
    assert.equal(
      (await api(manager, 'POST', `/users/${agent.user.id}/roles`, { action: 'grant', role: 'owner' }))
        .status,
      400,
    );
  });

  it('refuses to grant while a provider has role-based IAM (409 roles_managed_by_idp)', async () => {
    const iam = await createHarness();
    try {
      const boss = await sessionAs(iam, ['deepdesk.manager']);
      const url = `/t/${TENANT}/admin/api/users/${boss.user.id}/roles`;
      const response = await iam.app.request(
        `${PUBLIC_URL}${url}`,
        {
          method: 'POST',
          headers: { cookie: boss.jar.header(url)!, origin: PUBLIC_URL, 'content-type': 'application/json' },
          body: JSON.stringify({ action: 'grant', role: 'deepdesk.editor' }),
        },
        socket(),
      );
      assert.equal(response.status, 409);
      assert.equal(
        ((await response.json()) as { error: { code: string } }).error.code,
        'roles_managed_by_idp',
      );
    } finally {
      await iam.close();
    }
  });

  it('disables and enables a user (not oneself); the disabled user’s session ends', async () => {
    const other = await sessionAs(h, ['deepdesk.agent']);
    assert.equal((await api(manager, 'POST', `/users/${other.user.id}/disable`, {})).json.changed, true);
    assert.equal((await api(other, 'GET', '/me')).status, 401);
    assert.equal((await api(manager, 'POST', `/users/${other.user.id}/enable`, {})).json.changed, true);
    assert.equal((await api(manager, 'POST', `/users/${manager.user.id}/disable`, {})).status, 400);
    assert.equal((await api(manager, 'POST', '/users/nobody/disable', {})).status, 404);
    const types = (await h.store.listAudit(TENANT, { actor: manager.user.id })).map((e) => e.type);
    assert.ok(types.includes('user_disabled') && types.includes('user_enabled'));
  });

  it('refuses cross-site writes and form posts, changing nothing', async () => {
    const attempts: Record<string, string>[] = [
      { origin: 'https://evil.test' },
      { origin: 'null' },
      { origin: PUBLIC_URL, 'content-type': 'application/x-www-form-urlencoded' },
      { origin: PUBLIC_URL, 'content-type': 'text/plain' },
    ];
    for (const headers of attempts) {
      const response = await api(manager, 'POST', `/users/${agent.user.id}/disable`, {}, headers);
      assert.equal(response.status, 403, JSON.stringify(headers));
    }
    assert.equal((await h.store.getUser(TENANT, agent.user.id))?.disabledAt, null);
  });

  it('makes an API key, shown once; lists it without the key; revokes it', async () => {
    const created = await api(manager, 'POST', '/api-keys', { allowedOrigins: ['https://cx.test'] });
    assert.equal(created.status, 200);
    assert.match(created.json.key, /^dgk_/);
    const listed = await api(manager, 'GET', '/api-keys');
    const entry = listed.json.keys.find((k: { kid: string }) => k.kid === created.json.kid);
    assert.deepEqual(entry.allowedOrigins, ['https://cx.test']);
    assert.equal(JSON.stringify(listed.json).includes(created.json.key), false);
    assert.equal(
      (await api(manager, 'POST', '/api-keys', { allowedOrigins: ['https://evil.test'] })).status,
      400,
    );
    assert.equal((await api(manager, 'DELETE', `/api-keys/${created.json.kid}`, {})).status, 200);
    assert.equal((await api(manager, 'DELETE', `/api-keys/${created.json.kid}`, {})).status, 404);
    const audit = await h.store.listAudit(TENANT, { actor: manager.user.id });
    assert.ok(audit.some((e) => e.type === 'api_key_created' && e.subject === created.json.kid));
    assert.equal(JSON.stringify(audit).includes(created.json.key), false);
  });

  it('reads the audit log with filters', async () => {
    const log = await api(manager, 'GET', `/audit?actor=${manager.user.id}&type=api_key_revoked&limit=5`);
    assert.equal(log.status, 200);
    assert.equal(log.json.events.length, 1);
    assert.match(log.json.events[0].at, /^\d{4}-\d{2}-\d{2}T/);
    assert.equal((await api(manager, 'GET', '/audit?since=yesterday')).status, 400);
  });

  it('lists access requests (none yet)', async () => {
    const list = await api(manager, 'GET', '/access-requests?status=pending');
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.requests, []);
  });

  it('makes and revokes SCIM tokens and platform-JWT secrets, each secret shown once, audited', async () => {
    const token = await api(manager, 'POST', '/scim-tokens', {});
    assert.equal(token.status, 200);
    assert.match(token.json.key, /^dgs_/);
    assert.ok(
      (await api(manager, 'GET', '/scim-tokens')).json.keys.some(
        (k: { kid: string }) => k.kid === token.json.kid,
      ),
    );
    assert.ok(
      !(await api(manager, 'GET', '/api-keys')).json.keys.some(
        (k: { kid: string }) => k.kid === token.json.kid,
      ),
    );
    assert.equal((await api(manager, 'DELETE', `/api-keys/${token.json.kid}`, {})).status, 404);
    assert.equal((await api(manager, 'DELETE', `/scim-tokens/${token.json.kid}`, {})).status, 200);

    const jwt = await api(manager, 'POST', '/jwt-keys', { profile: 'session' });
    assert.equal(jwt.status, 200);
    assert.equal(jwt.json.secret.length, 43);
    const listed = await api(manager, 'GET', '/jwt-keys');
    assert.equal(JSON.stringify(listed.json).includes(jwt.json.secret), false);
    assert.equal((await api(manager, 'POST', '/jwt-keys', { profile: 'other' })).status, 400);
    assert.equal((await api(manager, 'DELETE', `/jwt-keys/${jwt.json.kid}`, {})).status, 200);
    const audit = JSON.stringify(await h.store.listAudit(TENANT, { actor: manager.user.id, limit: 1000 }));
    for (const secret of [token.json.key, jwt.json.secret]) assert.equal(audit.includes(secret), false);
    for (const type of ['scim_token_created', 'scim_token_revoked', 'jwt_key_created', 'jwt_key_revoked'])
      assert.ok(audit.includes(type), type);
  });

  it('reads settings without secrets; changes origins, lifetimes and trial; refuses invalid ones whole', async () => {
    const before = await api(manager, 'GET', '/settings');
    assert.equal(before.status, 200);
    assert.equal(JSON.stringify(before.json).includes('x-secret-x'), false);
    assert.equal(JSON.stringify(before.json).includes('clientSecret'), false);
    const changed = await api(manager, 'PUT', '/settings', {
      allowedOrigins: ['https://cx.test', 'https://cx2.test'],
      sessions: { accessTtlSeconds: 600 },
      trial: { enabled: true, seats: 5, invitedEmails: ['A@Acme.test'] },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.json));
    assert.deepEqual(changed.json.trial, { enabled: true, seats: 5, invitedEmails: ['a@acme.test'] });
    assert.equal(changed.json.sessions.accessTtlSeconds, 600);
    const bad = await api(manager, 'PUT', '/settings', {
      allowedOrigins: ['*'],
      sessions: { accessTtlSeconds: 5 },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual((await api(manager, 'GET', '/settings')).json.allowedOrigins, [
      'https://cx.test',
      'https://cx2.test',
    ]);
    await api(manager, 'PUT', '/settings', {
      allowedOrigins: ['https://cx.test'],
      trial: { enabled: false },
    });
    const audit = await h.store.listAudit(TENANT, { actor: manager.user.id, type: 'tenant_changed' });
    assert.ok(audit.length >= 2);
    assert.equal(JSON.stringify(audit).includes('cx2.test'), false);
  });

  it('changes an SSO provider; its client secret is write-only (empty keeps it)', async () => {
    const settings = await api(manager, 'GET', '/settings');
    const id = settings.json.oidc[0].id;
    const renamed = await api(manager, 'PUT', `/settings/oidc/${id}`, {
      displayName: 'Acme Login',
      clientSecret: '',
    });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.json));
    assert.equal(renamed.json.oidc[0].displayName, 'Acme Login');
    const tenants = new (await import('./services/tenants.ts')).TenantService(h.store, h.deps.keys, h.now);
    const tenant = (await tenants.get(TENANT))!;
    assert.equal(await tenants.clientSecret(tenant, tenant.oidc[0]!), 'x-secret-x');
    await api(manager, 'PUT', `/settings/oidc/${id}`, { clientSecret: 'a-new-secret' });
    const after = (await tenants.get(TENANT))!;
    assert.equal(await tenants.clientSecret(after, after.oidc[0]!), 'a-new-secret');
    const audit = await h.store.listAudit(TENANT, {
      actor: manager.user.id,
      type: 'tenant_changed',
      limit: 1,
    });
    assert.match(String(audit[0]?.details.settings), /clientSecret/);
    assert.equal(JSON.stringify(audit).includes('a-new-secret'), false);
    assert.equal((await api(manager, 'PUT', '/settings/oidc/nope', { displayName: 'x' })).status, 404);
  });

  it('checks a platform JWT step by step, signing nobody in', async () => {
    const users = (await h.store.listUsers(TENANT)).length;
    const garbage = await api(manager, 'POST', '/jwt-check', { token: 'not.a.jwt' });
    assert.equal(garbage.status, 200);
    assert.equal(garbage.json.ok, false);
    assert.ok(garbage.json.steps.some((s: { ok: boolean }) => !s.ok));
    assert.equal(garbage.json.user, null);
    assert.equal((await h.store.listUsers(TENANT)).length, users);
    assert.equal((await api(agent, 'POST', '/jwt-check', { token: 'x' })).status, 403);
  });
});
