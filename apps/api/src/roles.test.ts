// Roles at sign-in (docs/roles.md): role-based IAM per provider (claim as string, array, missing, unknown,
// changed since the last sign-in), require roles, grants by subject or email before and after the first
// sign-in, and the Genesys Cloud role lookup (success, failure, timeout) against a fake of its endpoint.
import assert from 'node:assert/strict';
import type { DevAccount } from '@deskgate/dev-idp';
import { loginHeadless } from '@deskgate/dev-idp';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runUser } from './cli/user.ts';
import type { Runtime } from './runtime.ts';
import { TenantService } from './services/tenants.ts';
import { type FakeGenesysCloud, startFakeGenesysCloud } from './test/fake-genesys-cloud.ts';
import {
  CHOOSER_CLICK,
  CLIENT_SECRET,
  createAttempt,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  TENANT,
} from './test/harness.ts';

function account(name: string, roles: string[], claims?: Record<string, unknown>): DevAccount {
  return {
    sub: `sub-${name}-${crypto.randomUUID()}`,
    email: `${name}@acme.test`,
    password: name,
    name,
    roles,
    ...(claims && { claims }),
  };
}

const ACCOUNTS = {
  array: account('array', ['deepdesk.manager', 'deepdesk.editor', 'deepdesk.manager']),
  named: account('named', [], { roles: null, role_name: 'deepdesk.editor deepdesk.owner' }),
  missing: account('missing', [], { roles: null }),
  unknown: account('unknown', ['admin', 'Deepdesk.Manager']),
  changing: account('changing', ['deepdesk.manager']),
  grants: account('grants', ['deepdesk.manager']),
  bysub: account('bysub', []),
  byemail: account('byemail', []),
  strict: account('strict', ['owner']),
  genesys: account('genesys', []),
  genesysdown: account('genesysdown', []),
  gcstrict: account('gcstrict', []),
};

/** Genesys users by the dev IdP subject whose access token the fake is shown. */
const GENESYS_USERS = new Map<string, object>();

let h: Harness;
let genesys: FakeGenesysCloud;

beforeAll(async () => {
  genesys = await startFakeGenesysCloud({
    // The real API knows the tokens its own login server issued; here the dev IdP issued them, so the fake
    // asks the dev IdP's userinfo whose token it is.
    resolveToken: async (token) => {
      const response = await fetch(`${h.idp.issuer}/me`, { headers: { authorization: `Bearer ${token}` } });
      if (!response.ok) return undefined;
      const { sub } = (await response.json()) as { sub: string };
      return GENESYS_USERS.get(sub);
    },
  });
  h = await createHarness({
    idpAccounts: Object.values(ACCOUNTS),
    tenant: (issuer) => {
      const base = { issuer, clientId: 'deskgate-test', clientSecret: CLIENT_SECRET };
      const lookup = {
        kind: 'genesys-cloud',
        apiBaseUrl: genesys.url,
        roleMap: { 'Deepdesk Manager': 'deepdesk.manager' },
        timeoutMs: 300,
      };
      return {
        oidc: [
          { ...base, id: 'iam', displayName: 'IAM', roleIam: true },
          { ...base, id: 'named', displayName: 'Named', roleIam: true, roleClaim: 'role_name' },
          { ...base, id: 'grants', displayName: 'Grants' },
          { ...base, id: 'strict', displayName: 'Strict', roleIam: true, requireRoles: true },
          { ...base, id: 'genesys', displayName: 'Genesys', roleIam: true, roleLookup: lookup },
          {
            // Plain OAuth2, as Genesys Cloud's login is: no ID token, the lookup says who the user is.
            id: 'genesys-oauth2',
            displayName: 'Genesys Cloud',
            issuer: genesys.url,
            authorizationEndpoint: `${genesys.url}/oauth/authorize`,
            tokenEndpoint: `${genesys.url}/oauth/token`,
            clientId: genesys.login.client.id,
            clientSecret: genesys.login.client.secret,
            scopes: [],
            roleIam: true,
            roleLookup: lookup,
          },
          {
            ...base,
            id: 'genesys-strict',
            displayName: 'Genesys strict',
            roleIam: true,
            requireRoles: true,
            roleLookup: lookup,
          },
        ],
      };
    },
  });
});
afterAll(async () => {
  await h.close();
  await genesys.close();
});

/** The popup journey through one provider of the tenant; returns the callback's answer. */
async function ssoVia(provider: string, who: DevAccount) {
  const { attempt } = await createAttempt(h);
  const popup = new Jar();
  const chooser = await (await h.page(attempt.signInUrl, popup)).text();
  const href = new RegExp(`href="([^"]*/sso/start[^"]*provider=${provider}&[^"]*)"`)
    .exec(chooser)?.[1]
    ?.replace(/&amp;/g, '&');
  assert.ok(href, `no link for provider ${provider}`);
  const start = await h.page(href, popup, { headers: CHOOSER_CLICK });
  assert.equal(start.status, 302);
  const callbackUrl = await loginHeadless(start.headers.get('location')!, {
    email: who.email,
    password: who.password,
  });
  const callback = await h.page(callbackUrl.href, popup);
  return { callback, attempt };
}

async function rolesOf(who: DevAccount) {
  return (await h.store.findUserByIdentity(TENANT, h.idp.issuer, who.sub))?.roles;
}

async function signedIn(provider: string, who: DevAccount) {
  const { callback } = await ssoVia(provider, who);
  assert.equal(callback.status, 303, await callback.clone().text());
  return rolesOf(who);
}

/** `pnpm deskgate user <subcommand> acme` with flags, against the harness's store; returns what it said. */
async function cli(subcommand: string, values: Record<string, string>): Promise<string> {
  const notes: string[] = [];
  const runtime = { store: h.store } as Runtime;
  const tenants = new TenantService(h.store, h.deps.keys, h.now);
  const io = { out: (text: string) => notes.push(text), note: (text: string) => notes.push(text) };
  assert.equal(await runUser(`user ${subcommand}`, [TENANT], values, runtime, tenants, io), 0);
  return notes.join('\n');
}

async function auditOf(type: string) {
  return h.store.listAudit(TENANT, { type });
}

describe('role-based IAM off (the default): roles come from grants', () => {
  it('a new user is an agent whatever the ID token claims', async () => {
    assert.deepEqual(await signedIn('grants', ACCOUNTS.grants), ['deepdesk.agent']);
  });

  it('a known user keeps their granted roles at the next sign-in', async () => {
    await cli('grant', { sub: ACCOUNTS.grants.sub, 'provider-id': 'grants', role: 'deepdesk.editor' });
    assert.deepEqual(await signedIn('grants', ACCOUNTS.grants), ['deepdesk.agent', 'deepdesk.editor']);
  });
});

describe('role-based IAM on: roles from the ID token, at every sign-in', () => {
  it('reads an array claim: known roles, once each', async () => {
    assert.deepEqual(await signedIn('iam', ACCOUNTS.array), ['deepdesk.editor', 'deepdesk.manager']);
  });

  it('reads a string claim of the configured name (role_name), space separated, dropping unknown values', async () => {
    assert.deepEqual(await signedIn('named', ACCOUNTS.named), ['deepdesk.editor']);
  });

  it('a missing claim, or only unknown values (case matters), gives the default role', async () => {
    assert.deepEqual(await signedIn('iam', ACCOUNTS.missing), ['deepdesk.agent']);
    assert.deepEqual(await signedIn('iam', ACCOUNTS.unknown), ['deepdesk.agent']);
  });

  it('re-syncs roles changed at the IdP since the last sign-in, and audits the change', async () => {
    assert.deepEqual(await signedIn('iam', ACCOUNTS.changing), ['deepdesk.manager']);
    ACCOUNTS.changing.roles = ['deepdesk.editor'];
    assert.deepEqual(await signedIn('iam', ACCOUNTS.changing), ['deepdesk.editor']);
    const user = await h.store.findUserByIdentity(TENANT, h.idp.issuer, ACCOUNTS.changing.sub);
    const synced = (await auditOf('roles_synced')).filter((e) => e.subject === user?.id);
    assert.equal(synced.length, 1);
    assert.deepEqual(synced[0]?.details, { from: 'deepdesk.manager', to: 'deepdesk.editor' });
    assert.deepEqual(synced[0]?.actor, { kind: 'system', id: null });
  });

  it('overrides a grant at the next sign-in', async () => {
    await cli('grant', { sub: ACCOUNTS.changing.sub, 'provider-id': 'iam', role: 'deepdesk.manager' });
    assert.deepEqual(await rolesOf(ACCOUNTS.changing), ['deepdesk.editor', 'deepdesk.manager']);
    assert.deepEqual(await signedIn('iam', ACCOUNTS.changing), ['deepdesk.editor']);
  });
});

describe('require roles', () => {
  it('refuses a sign-in with no valid role with a clear page: no user, no cookie, the attempt left open', async () => {
    const { callback, attempt } = await ssoVia('strict', ACCOUNTS.strict);
    assert.equal(callback.status, 403);
    assert.equal(await errorCode(callback.clone()), 'roles_required');
    assert.match(await callback.text(), /only to people with a role/);
    assert.deepEqual(callback.headers.getSetCookie(), []);
    assert.equal(await rolesOf(ACCOUNTS.strict), undefined);
    assert.equal((await h.store.getAttempt(TENANT, attempt.attemptId))?.userId ?? null, null);
    const refused = (await auditOf('sign_in')).find((e) => e.code === 'roles_required');
    assert.equal(refused?.outcome, 'refused');
  });

  it('lets the same person in once the IdP gives them a role', async () => {
    ACCOUNTS.strict.roles = ['deepdesk.assistant_editor'];
    assert.deepEqual(await signedIn('strict', ACCOUNTS.strict), ['deepdesk.assistant_editor']);
  });
});

describe('grants by subject or email (F10)', () => {
  it('a grant by subject before the first sign-in waits, then applies at it, once', async () => {
    const said = await cli('grant', {
      sub: ACCOUNTS.bysub.sub,
      'provider-id': 'grants',
      role: 'deepdesk.manager',
    });
    assert.match(said, /waits for their first sign-in/);
    const waiting = await h.store.listPendingGrants(TENANT);
    assert.ok(waiting.some((g) => g.value === ACCOUNTS.bysub.sub && g.issuer === h.idp.issuer));
    assert.match(
      await cli('grant', { sub: ACCOUNTS.bysub.sub, 'provider-id': 'grants', role: 'deepdesk.manager' }),
      /already waits/,
    );
    assert.deepEqual(await signedIn('grants', ACCOUNTS.bysub), ['deepdesk.agent', 'deepdesk.manager']);
    assert.ok(!(await h.store.listPendingGrants(TENANT)).some((g) => g.value === ACCOUNTS.bysub.sub));
    const user = await h.store.findUserByIdentity(TENANT, h.idp.issuer, ACCOUNTS.bysub.sub);
    assert.ok((await auditOf('grant_applied')).some((e) => e.subject === user?.id));
    const granted = (await auditOf('role_granted')).find((e) => e.details.pending === 'subject');
    assert.deepEqual(granted?.actor, { kind: 'operator', id: null });
    assert.equal(JSON.stringify(granted).includes(ACCOUNTS.bysub.sub), false);
  });

  it('after the first sign-in a grant or revoke by subject changes the user at once, and is audited', async () => {
    const said = await cli('grant', {
      sub: ACCOUNTS.bysub.sub,
      'provider-id': 'grants',
      role: 'deepdesk.editor',
    });
    assert.match(said, /granted deepdesk\.editor/);
    assert.deepEqual(await rolesOf(ACCOUNTS.bysub), [
      'deepdesk.agent',
      'deepdesk.editor',
      'deepdesk.manager',
    ]);
    await cli('revoke', { sub: ACCOUNTS.bysub.sub, 'provider-id': 'grants', role: 'deepdesk.manager' });
    assert.deepEqual(await rolesOf(ACCOUNTS.bysub), ['deepdesk.agent', 'deepdesk.editor']);
    const user = await h.store.findUserByIdentity(TENANT, h.idp.issuer, ACCOUNTS.bysub.sub);
    const revoked = (await auditOf('role_revoked')).find((e) => e.subject === user?.id);
    assert.deepEqual(revoked?.details, { role: 'deepdesk.manager', roles: 'deepdesk.agent deepdesk.editor' });
  });

  it('a grant by email waits for a sign-in that vouches for that email', async () => {
    await cli('grant', { email: ' ByEmail@ACME.test ', role: 'deepdesk.editor' });
    assert.deepEqual(await signedIn('grants', ACCOUNTS.byemail), ['deepdesk.agent', 'deepdesk.editor']);
  });

  it('by user id: unknown ids, unknown roles and a missing target are refused, nothing stored', async () => {
    const runtime = { store: h.store } as Runtime;
    const tenants = new TenantService(h.store, h.deps.keys, h.now);
    const io = { out() {}, note() {} };
    const before = await h.store.listPendingGrants(TENANT);
    await assert.rejects(
      runUser('user grant', [TENANT], { id: 'nobody', role: 'deepdesk.editor' }, runtime, tenants, io),
      /has no user nobody/,
    );
    await assert.rejects(
      runUser('user grant', [TENANT], { email: 'x@acme.test', role: 'deepdesk.admin' }, runtime, tenants, io),
      /is not a role/,
    );
    await assert.rejects(
      runUser('user grant', [TENANT], { role: 'deepdesk.editor' }, runtime, tenants, io),
      /exactly one of --id, --email or --sub/,
    );
    await assert.rejects(
      runUser('user grant', [TENANT], { sub: 'abc', role: 'deepdesk.editor' }, runtime, tenants, io),
      /--provider-id/,
    );
    assert.deepEqual(await h.store.listPendingGrants(TENANT), before);
  });

  it('user grants lists what waits; user show lists the identities with their subjects', async () => {
    await cli('grant', { sub: 'future-boss', 'provider-id': 'iam', role: 'deepdesk.manager' });
    const lines: string[] = [];
    const runtime = { store: h.store } as Runtime;
    const tenants = new TenantService(h.store, h.deps.keys, h.now);
    const io = { out: (t: string) => lines.push(t), note() {} };
    await runUser('user grants', [TENANT], { json: true }, runtime, tenants, io);
    const listed = JSON.parse(lines.pop()!) as { kind: string; value: string; role: string }[];
    assert.ok(
      listed.some((g) => g.kind === 'subject' && g.value === 'future-boss' && g.role === 'deepdesk.manager'),
    );
    await runUser('user show', [TENANT, 'bysub@acme.test'], {}, runtime, tenants, io);
    const shown = JSON.parse(lines.pop()!) as { identities: { issuer: string; subject: string }[] };
    assert.deepEqual(
      shown.identities.map((i) => [i.issuer, i.subject]),
      [[h.idp.issuer, ACCOUNTS.bysub.sub]],
    );
  });
});

describe('the Genesys Cloud role lookup', () => {
  it('reads the roles from users/me with the platform access token after the token exchange', async () => {
    GENESYS_USERS.set(ACCOUNTS.genesys.sub, {
      id: 'gc-user-1',
      name: 'Gen Esys',
      email: 'genesys@acme.test',
      state: 'active',
      authorization: {
        roles: [
          { id: 'r1', name: 'Deepdesk Manager' },
          { id: 'r2', name: 'Communicate' },
        ],
      },
    });
    const before = genesys.requests.length;
    assert.deepEqual(await signedIn('genesys', ACCOUNTS.genesys), ['deepdesk.manager']);
    const asked = genesys.requests.slice(before);
    assert.equal(asked.length, 1);
    assert.equal(asked[0]?.path, '/api/v2/users/me');
    assert.match(asked[0]?.query ?? '', /expand=authorization/);
    assert.match(asked[0]?.authorization ?? '', /^Bearer \S+$/);
  });

  it('a failing lookup grants no role (the default), logs and audits it, and signs in', async () => {
    genesys.setFailure('error500');
    try {
      assert.deepEqual(await signedIn('genesys', ACCOUNTS.genesys), ['deepdesk.agent']);
    } finally {
      genesys.setFailure('none');
    }
    const failed = await auditOf('role_lookup_failed');
    assert.equal(failed.at(-1)?.code, 'role_lookup_failed');
    assert.deepEqual(failed.at(-1)?.details, { provider: 'genesys' });
    assert.ok(h.logs.some((line) => line.includes('platform role lookup failed')));
  });

  it('a lookup that times out falls back the same way, within its timeout', async () => {
    genesys.setFailure('hang');
    const started = Date.now();
    try {
      assert.deepEqual(await signedIn('genesys', ACCOUNTS.genesysdown), ['deepdesk.agent']);
    } finally {
      genesys.setFailure('none');
    }
    assert.ok(Date.now() - started < 10_000);
  });

  it('under require roles a failed lookup refuses the sign-in: no user, no cookie', async () => {
    genesys.setFailure('unauthorized');
    try {
      const { callback } = await ssoVia('genesys-strict', ACCOUNTS.gcstrict);
      assert.equal(callback.status, 403);
      assert.equal(await errorCode(callback.clone()), 'roles_required');
      assert.deepEqual(callback.headers.getSetCookie(), []);
    } finally {
      genesys.setFailure('none');
    }
    assert.equal(await rolesOf(ACCOUNTS.gcstrict), undefined);
  });

  /** The popup through the plain OAuth2 provider: the fake login server signs in as `token`'s user. */
  async function genesysSignIn(token: string) {
    genesys.login.signInNextAs(token);
    const { attempt } = await createAttempt(h);
    const popup = new Jar();
    const chooser = await (await h.page(attempt.signInUrl, popup)).text();
    const href = /href="([^"]*\/sso\/start[^"]*provider=genesys-oauth2&[^"]*)"/.exec(chooser)?.[1];
    const start = await h.page(href!.replace(/&amp;/g, '&'), popup, { headers: CHOOSER_CLICK });
    const authorize = new URL(start.headers.get('location')!);
    assert.equal(authorize.searchParams.has('nonce'), false);
    assert.equal(authorize.searchParams.has('scope'), false);
    const login = await fetch(authorize, { redirect: 'manual' });
    assert.equal(login.status, 302);
    return h.page(login.headers.get('location')!, popup);
  }

  it('plain OAuth2 (no ID token): users/me says who the user is and which roles they hold', async () => {
    genesys.addUser('gc-token-1', {
      id: 'gc-user-42',
      name: 'Gail Cloud',
      email: 'Gail@Acme.test',
      state: 'active',
      authorization: { roles: [{ id: 'r1', name: 'deepdesk manager' }] },
    });
    const callback = await genesysSignIn('gc-token-1');
    assert.equal(callback.status, 303, await callback.clone().text());
    const user = await h.store.findUserByIdentity(TENANT, genesys.url, 'gc-user-42');
    assert.deepEqual(
      [user?.email, user?.name, user?.roles, user?.confirmed],
      ['gail@acme.test', 'Gail Cloud', ['deepdesk.manager'], true],
    );
  });

  it('plain OAuth2 cannot fall back when the lookup fails: role_lookup_failed (502), no user, no cookie', async () => {
    genesys.addUser('gc-token-2', { id: 'gc-user-43', name: 'Gus', state: 'active' });
    genesys.setFailure('error500');
    try {
      const callback = await genesysSignIn('gc-token-2');
      assert.equal(callback.status, 502);
      assert.equal(await errorCode(callback.clone()), 'role_lookup_failed');
      assert.deepEqual(callback.headers.getSetCookie(), []);
    } finally {
      genesys.setFailure('none');
    }
    assert.equal(await h.store.findUserByIdentity(TENANT, genesys.url, 'gc-user-43'), undefined);
  });

  it('a role lookup needs valid settings: kind, an https API, known roles', () => {
    // Covered in core's role-lookup tests; here the tenant refuses a bad one as a whole.
    const tenants = new TenantService(h.store, h.deps.keys, h.now);
    return assert.rejects(
      tenants.save(
        {
          code: 'badlookup',
          oidc: {
            issuer: 'https://idp.example.com',
            clientId: 'x',
            clientSecret: 'y',
            roleLookup: { kind: 'salesforce', apiBaseUrl: 'https://api.example.com' },
          },
        },
        'create',
      ),
      /roleLookup\.kind/,
    );
  });
});
