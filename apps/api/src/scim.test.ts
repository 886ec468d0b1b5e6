// SCIM 2.0 provisioning (docs/provisioning.md): request sequences modelled on Microsoft Entra ID's and Okta's
// documented provisioning flows, each asserting status codes and what was stored; bad tokens, other tenants'
// tokens, malformed filters and PATCH bodies get SCIM errors and change nothing; a user provisioned upfront is
// the user a minimal platform JWT signs in.
import assert from 'node:assert/strict';
import { SCIM_CONTENT_TYPE } from '@deskgate/core';
import { paths } from '@deskgate/protocol';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ApiKeyService } from './services/api-keys.ts';
import { JwtKeyService } from './services/jwt-keys.ts';
import { TenantService } from './services/tenants.ts';
import {
  CX_ORIGIN,
  createHarness,
  type Harness,
  Jar,
  PUBLIC_URL,
  sessionAs,
  socket,
  TENANT,
} from './test/harness.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

let h: Harness;
let token: string;
let tokenKid: string;
let otherTenantToken: string;
let apiKey: string;
let jwtKey: { kid: string; secret: string };

beforeAll(async () => {
  h = await createHarness({
    tenant: {
      platformJwt: { profiles: { session: { preset: 'messenger' } } },
      scim: { groupRoles: { 'Deepdesk Editors': 'deepdesk.editor' } },
    },
  });
  await new TenantService(h.store, h.deps.keys, h.now).save({ code: 'globex', allowedOrigins: [] }, 'create');
  const scimTokens = new ApiKeyService(h.store, h.now, 'scim');
  ({ key: token, kid: tokenKid } = await scimTokens.create(TENANT));
  otherTenantToken = (await scimTokens.create('globex')).key;
  apiKey = (await new ApiKeyService(h.store, h.now).create(TENANT)).key;
  jwtKey = await new JwtKeyService(h.store, h.deps.keys, h.now).create(TENANT, 'session');
});
afterAll(() => h.close());

let ip = 0;
/** One SCIM request: the tenant's token unless told otherwise, a fresh client address each time. */
async function scim(
  method: string,
  path: string,
  init: { body?: unknown; token?: string | null; headers?: Record<string, string>; raw?: string } = {},
) {
  const headers: Record<string, string> = { accept: SCIM_CONTENT_TYPE, ...init.headers };
  const bearer = init.token === undefined ? token : init.token;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (init.body !== undefined || init.raw !== undefined) headers['content-type'] ??= SCIM_CONTENT_TYPE;
  const response = await h.app.request(
    `${PUBLIC_URL}/t/${TENANT}/scim/v2${path}`,
    { method, headers, body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)) },
    socket(`203.0.113.${(++ip % 250) + 1}`),
  );
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text ? JSON.parse(text) : undefined,
  };
}

/** A SCIM error answer: the status, the Error schema, the status as a string, and the scimType. */
function assertScimError(response: Awaited<ReturnType<typeof scim>>, status: number, scimType?: string) {
  assert.equal(response.status, status, response.text);
  assert.match(response.headers.get('content-type') ?? '', /^application\/scim\+json/);
  assert.deepEqual(response.json.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
  assert.equal(response.json.status, String(status));
  if (scimType) assert.equal(response.json.scimType, scimType);
}

async function auditTypes(subject: string) {
  return (await h.store.listAudit(TENANT, { limit: 1000 }))
    .filter((e) => e.subject === subject)
    .map((e) => e.type);
}

async function jwtSignIn(claims: Record<string, unknown>, jar = new Jar()) {
  const seconds = Math.floor(h.now() / 1000);
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: jwtKey.kid })
    .setIssuedAt(seconds)
    .setExpirationTime(seconds + 600)
    .sign(new TextEncoder().encode(jwtKey.secret));
  return h.sdk(paths.sessionJwt(TENANT), { body: { token: jwt }, jar, ip: `198.51.100.${++ip % 250}` });
}

describe('the SCIM token', () => {
  it('is required, in the Authorization header, of this tenant, and never a cookie or an API key', async () => {
    const { jar } = await sessionAs(h, ['deepdesk.manager']);
    const cookie = jar.header(`/t/${TENANT}/scim/v2/Users`) ?? '';
    for (const [why, init] of [
      ['no token', { token: null }],
      ['a cookie session', { token: null, headers: { cookie } }],
      ['an API key', { token: apiKey }],
      ['another tenant’s token', { token: otherTenantToken }],
      ['a made-up token', { token: `dgs_${'a'.repeat(12)}_${'B'.repeat(38)}` }],
      ['garbage', { token: 'hello' }],
    ] as const) {
      const response = await scim('GET', '/Users', init);
      assertScimError(response, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/, why);
    }
    assertScimError(await scim('GET', `/Users?access_token=${token}`, { token: null }), 400);
  });

  it('answers no CORS: a browser page cannot read or preflight it', async () => {
    const response = await scim('GET', '/Users', { headers: { origin: CX_ORIGIN } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    const preflight = await scim('OPTIONS', '/Users', {
      headers: { origin: CX_ORIGIN, 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  });

  it('a revoked token is refused at once', async () => {
    const tokens = new ApiKeyService(h.store, h.now, 'scim');
    const spare = await tokens.create(TENANT);
    assert.equal((await scim('GET', '/Users', { token: spare.key })).status, 200);
    await tokens.revoke(TENANT, spare.kid);
    assertScimError(await scim('GET', '/Users', { token: spare.key }), 401);
  });
});

describe('discovery', () => {
  it('ServiceProviderConfig, ResourceTypes and Schemas describe what is supported', async () => {
    const config = await scim('GET', '/ServiceProviderConfig');
    assert.equal(config.status, 200);
    assert.equal(config.json.patch.supported, true);
    assert.equal(config.json.filter.supported, true);
    assert.equal(config.json.bulk.supported, false);
    assert.equal(config.json.etag.supported, true);
    const types = await scim('GET', '/ResourceTypes');
    assert.deepEqual(
      types.json.Resources.map((r: { id: string }) => r.id),
      ['User', 'Group'],
    );
    const schemas = await scim('GET', '/Schemas');
    assert.deepEqual(
      schemas.json.Resources.map((s: { id: string }) => s.id),
      [USER_SCHEMA, GROUP_SCHEMA],
    );
    assertScimError(await scim('GET', '/Nothing'), 404);
  });
});

describe('Microsoft Entra ID’s provisioning sequence', () => {
  const entraUser = {
    schemas: [USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    externalId: 'entra-ext-0001',
    userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.test',
    active: true,
    emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b@contoso.test' }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  };
  let id = '';

  it('looks the user up by userName (none), creates them, then finds them', async () => {
    const filter = encodeURIComponent(`userName eq "${entraUser.userName}"`);
    const none = await scim('GET', `/Users?filter=${filter}`);
    assert.equal(none.status, 200);
    assert.equal(none.json.totalResults, 0);
    assert.deepEqual(none.json.Resources, []);

    const created = await scim('POST', '/Users', { body: entraUser });
    assert.equal(created.status, 201, created.text);
    id = created.json.id;
    assert.equal(created.json.userName, entraUser.userName);
    assert.equal(created.json.externalId, 'entra-ext-0001');
    assert.equal(created.json.active, true);
    assert.equal(created.json.meta.resourceType, 'User');
    assert.equal(created.json.meta.location, `${PUBLIC_URL}/t/${TENANT}/scim/v2/Users/${id}`);
    assert.equal(created.headers.get('etag'), created.json.meta.version);
    assert.equal(created.headers.get('location'), created.json.meta.location);
    const stored = await h.store.getUser(TENANT, id);
    assert.deepEqual(
      [stored?.email, stored?.name, stored?.roles, stored?.confirmed, stored?.disabledAt],
      ['test_user_fd0ea19b@contoso.test', 'givenName familyName', ['deepdesk.agent'], true, null],
    );
    assert.equal((await h.store.listIdentities(TENANT, id)).length, 3);

    const found = await scim('GET', `/Users?filter=${filter.replace('Test_User', 'test_user')}`);
    assert.equal(found.json.totalResults, 1);
    assert.equal(found.json.Resources[0].id, id);
    const byExternal = await scim(
      'GET',
      `/Users?filter=${encodeURIComponent('externalId eq "entra-ext-0001"')}`,
    );
    assert.equal(byExternal.json.Resources[0].id, id);
  });

  it('refuses a second user with the same userName (409 uniqueness), storing nothing', async () => {
    const before = (await h.store.listUsers(TENANT)).length;
    assertScimError(
      await scim('POST', '/Users', { body: { ...entraUser, externalId: 'other' } }),
      409,
      'uniqueness',
    );
    assert.equal((await h.store.listUsers(TENANT)).length, before);
  });

  it('PATCHes with Entra’s shapes: capitalised ops, filtered paths, a path-less value', async () => {
    const patched = await scim('PATCH', `/Users/${id}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updated@contoso.test' },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
          { op: 'Add', value: { displayName: 'Updated Display' } },
        ],
      },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.name.familyName, 'updatedFamilyName');
    const stored = await h.store.getUser(TENANT, id);
    assert.equal(stored?.email, 'updated@contoso.test');
    assert.equal(stored?.name, 'Updated Display');
  });

  it('deactivates with "False" (a string): the user signs in by no method; reactivates', async () => {
    const off = await scim('PATCH', `/Users/${id}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] },
    });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.json.active, false);
    assert.notEqual((await h.store.getUser(TENANT, id))?.disabledAt, null);
    const refused = await jwtSignIn({ deskpro_id: 'entra-ext-0001' });
    assert.equal(refused.status, 403);
    const on = await scim('PATCH', `/Users/${id}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'True' }] },
    });
    assert.equal(on.json.active, true);
    assert.equal((await h.store.getUser(TENANT, id))?.disabledAt, null);
  });

  it('deletes: 204, then 404; the audit log keeps every change, with the token as actor', async () => {
    assert.equal((await scim('DELETE', `/Users/${id}`)).status, 204);
    assertScimError(await scim('GET', `/Users/${id}`), 404);
    assertScimError(await scim('DELETE', `/Users/${id}`), 404);
    assert.equal(await h.store.getUser(TENANT, id), undefined);
    const types = await auditTypes(id);
    for (const type of ['scim_user_created', 'scim_user_patched', 'scim_user_deleted'])
      assert.ok(types.includes(type), type);
    const events = (await h.store.listAudit(TENANT, { limit: 1000 })).filter(
      (e) => e.subject === id && e.type.startsWith('scim'),
    );
    for (const event of events) assert.deepEqual(event.actor, { kind: 'scim', id: tokenKid });
    assert.equal(JSON.stringify(await h.store.listAudit(TENANT, { limit: 1000 })).includes(token), false);
  });
});

describe('Okta’s provisioning sequence', () => {
  let id = '';
  let groupId = '';

  it('creates a user after a paged userName lookup, reads it back, and replaces it (PUT)', async () => {
    const lookup = await scim(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "okta.user@example.com"')}&startIndex=1&count=100`,
    );
    assert.equal(lookup.json.totalResults, 0);
    const created = await scim('POST', '/Users', {
      body: {
        schemas: [USER_SCHEMA],
        userName: 'okta.user@example.com',
        name: { givenName: 'Okta', familyName: 'User' },
        emails: [{ primary: true, value: 'okta.user@example.com', type: 'work' }],
        displayName: 'Okta User',
        locale: 'en-US',
        externalId: '00u1okta',
        groups: [],
        password: 'never-stored-1!',
        active: true,
      },
    });
    assert.equal(created.status, 201, created.text);
    id = created.json.id;
    assert.equal(created.text.includes('never-stored'), false);
    const read = await scim('GET', `/Users/${id}`);
    assert.equal(read.json.displayName, 'Okta User');
    const replaced = await scim('PUT', `/Users/${id}`, {
      headers: { 'if-match': read.headers.get('etag')! },
      body: { ...read.json, displayName: 'Okta Renamed', name: { givenName: 'Okta', familyName: 'Renamed' } },
    });
    assert.equal(replaced.status, 200, replaced.text);
    assert.equal((await h.store.getUser(TENANT, id))?.name, 'Okta Renamed');
    // The version read before the PUT is stale now.
    assertScimError(
      await scim('PUT', `/Users/${id}`, {
        headers: { 'if-match': read.headers.get('etag')! },
        body: read.json,
      }),
      412,
    );
  });

  it('puts members in a group named after a role, or mapped to one: they hold it; leaving drops it', async () => {
    const group = await scim('POST', '/Groups', {
      body: {
        schemas: [GROUP_SCHEMA],
        displayName: 'deepdesk.manager',
        members: [{ value: id, display: 'Okta User' }],
      },
    });
    assert.equal(group.status, 201, group.text);
    groupId = group.json.id;
    assert.deepEqual(
      group.json.members.map((m: { value: string }) => m.value),
      [id],
    );
    assert.deepEqual((await h.store.getUser(TENANT, id))?.roles, ['deepdesk.agent', 'deepdesk.manager']);

    const editors = await scim('POST', '/Groups', {
      body: { schemas: [GROUP_SCHEMA], displayName: 'Deepdesk Editors', members: [] },
    });
    const add = await scim('PATCH', `/Groups/${editors.json.id}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] },
    });
    assert.equal(add.status, 200, add.text);
    assert.deepEqual((await h.store.getUser(TENANT, id))?.roles, [
      'deepdesk.agent',
      'deepdesk.editor',
      'deepdesk.manager',
    ]);

    const remove = await scim('PATCH', `/Groups/${groupId}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] },
    });
    assert.equal(remove.status, 200, remove.text);
    assert.deepEqual((await h.store.getUser(TENANT, id))?.roles, ['deepdesk.agent', 'deepdesk.editor']);

    // Entra's removal shape, then a plain group with no role.
    await scim('PATCH', `/Groups/${editors.json.id}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ value: id }] }] },
    });
    assert.deepEqual((await h.store.getUser(TENANT, id))?.roles, ['deepdesk.agent']);
    const plain = await scim('POST', '/Groups', {
      body: { schemas: [GROUP_SCHEMA], displayName: 'Sales', members: [{ value: id }] },
    });
    assert.equal(plain.status, 201);
    assert.deepEqual((await h.store.getUser(TENANT, id))?.roles, ['deepdesk.agent']);
  });

  it('replaces a group’s members (PUT), lists groups by displayName, and deletes a group', async () => {
    const put = await scim('PUT', `/Groups/${groupId}`, {
      body: { schemas: [GROUP_SCHEMA], displayName: 'deepdesk.manager', members: [{ value: id }] },
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual((await h.store.getUser(TENANT, id))?.roles, ['deepdesk.agent', 'deepdesk.manager']);
    const listed = await scim(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "DEEPDESK.MANAGER"')}&excludedAttributes=members`,
    );
    assert.equal(listed.json.totalResults, 1);
    assert.equal(listed.json.Resources[0].members, undefined);
    const member = await scim(
      'GET',
      `/Groups?filter=${encodeURIComponent(`id eq "${groupId}" and members[value eq "${id}"]`)}`,
    );
    assert.equal(member.json.totalResults, 1);
    assert.equal((await scim('DELETE', `/Groups/${groupId}`)).status, 204);
    assert.deepEqual((await h.store.getUser(TENANT, id))?.roles, ['deepdesk.agent']);
  });

  it('deactivates with a path-less replace, as Okta sends it', async () => {
    const off = await scim('PATCH', `/Users/${id}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] },
    });
    assert.equal(off.status, 200, off.text);
    assert.notEqual((await h.store.getUser(TENANT, id))?.disabledAt, null);
  });
});

describe('bad input: a SCIM error, and nothing changed', () => {
  let id = '';
  beforeAll(async () => {
    id = (
      await scim('POST', '/Users', {
        body: { schemas: [USER_SCHEMA], userName: 'steady@example.com', externalId: 'steady-1' },
      })
    ).json.id;
  });

  const unchanged = async () => {
    const now = await scim('GET', `/Users/${id}`);
    assert.equal(now.json.userName, 'steady@example.com');
    assert.equal(now.json.meta.version, 'W/"1"');
  };

  for (const [filter, why] of [
    ['userName co "x"', 'an operator not supported'],
    ['title eq "x"', 'an attribute not filterable'],
    ['userName eq "a" or userName eq "b"', 'or'],
    ['userName eq', 'malformed'],
    [`userName eq "${'x'.repeat(1200)}"`, 'too long'],
  ] as [string, string][]) {
    it(`a filter with ${why} is 400 invalidFilter`, async () => {
      assertScimError(await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`), 400, 'invalidFilter');
    });
  }

  for (const [body, scimType, why] of [
    [{ Operations: [{ op: 'replace', path: 'active', value: false }] }, 'invalidSyntax', 'no PatchOp schema'],
    [{ schemas: [PATCH_OP] }, 'invalidSyntax', 'no Operations'],
    [{ schemas: [PATCH_OP], Operations: [{ op: 'move', path: 'active' }] }, 'invalidSyntax', 'an unknown op'],
    [
      { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'id', value: 'x' }] },
      'mutability',
      'a new id',
    ],
    [
      { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'userName' }] },
      undefined,
      'no userName left',
    ],
    [
      { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'emails[type eq', value: 'x' }] },
      undefined,
      'a broken path',
    ],
  ] as const) {
    it(`a PATCH with ${why} is 400${scimType ? ` ${scimType}` : ''}, nothing changed`, async () => {
      assertScimError(await scim('PATCH', `/Users/${id}`, { body }), 400, scimType);
      await unchanged();
    });
  }

  it('a body that is not JSON, not SCIM JSON, too large, or a user without userName', async () => {
    assertScimError(await scim('POST', '/Users', { raw: '{"userName":' }), 400, 'invalidSyntax');
    assertScimError(
      await scim('POST', '/Users', { raw: '{}', headers: { 'content-type': 'text/plain' } }),
      415,
    );
    assertScimError(await scim('POST', '/Users', { raw: `{"x":"${'y'.repeat(300 * 1024)}"}` }), 413);
    assertScimError(await scim('POST', '/Users', { body: { schemas: [USER_SCHEMA] } }), 400);
    assertScimError(await scim('PUT', `/Users/${id}`, { body: { schemas: [USER_SCHEMA] } }), 400);
    await unchanged();
  });

  it('another tenant’s token cannot read or change this tenant’s user', async () => {
    assertScimError(await scim('GET', `/Users/${id}`, { token: otherTenantToken }), 401);
    const globex = await h.app.request(
      `${PUBLIC_URL}/t/globex/scim/v2/Users/${id}`,
      { method: 'DELETE', headers: { authorization: `Bearer ${otherTenantToken}` } },
      socket('203.0.113.250'),
    );
    assert.equal(globex.status, 404);
    await unchanged();
  });

  it('paging: startIndex and count, totalResults of all matches', async () => {
    const all = await scim('GET', '/Users?startIndex=1&count=1');
    assert.equal(all.json.itemsPerPage, 1);
    assert.equal(all.json.Resources.length, 1);
    assert.ok(all.json.totalResults >= 2);
    const none = await scim('GET', '/Users?count=0');
    assert.equal(none.json.Resources.length, 0);
    assertScimError(await scim('GET', '/Users?count=lots'), 400, 'invalidValue');
  });
});

describe('upfront provisioning and platform JWTs', () => {
  it('a user provisioned through SCIM is the user a minimal { deskpro_id } token signs in', async () => {
    const created = await scim('POST', '/Users', {
      body: {
        schemas: [USER_SCHEMA],
        userName: 'upfront@example.com',
        externalId: 'dp-900',
        displayName: 'Up Front',
        emails: [{ value: 'upfront@example.com', primary: true }],
      },
    });
    assert.equal(created.status, 201, created.text);
    const signedIn = await jwtSignIn({ deskpro_id: 'dp-900' });
    assert.equal(signedIn.status, 200, await signedIn.clone().text());
    const session = (await signedIn.json()) as { user: { id: string; name: string; email: string } };
    assert.equal(session.user.id, created.json.id);
    assert.equal(session.user.name, 'Up Front');
    assert.equal(session.user.email, 'upfront@example.com');
  });

  it('a user platform sign-ins created on demand is adopted, not duplicated', async () => {
    const onDemand = await jwtSignIn({
      deskpro_id: 'dp-901',
      email: 'ondemand@example.com',
      name: 'On Demand',
    });
    const userId = ((await onDemand.json()) as { user: { id: string } }).user.id;
    const adopted = await scim('POST', '/Users', {
      body: {
        schemas: [USER_SCHEMA],
        userName: 'ondemand@example.com',
        externalId: 'dp-901',
        displayName: 'On Demand',
      },
    });
    assert.equal(adopted.status, 201, adopted.text);
    assert.equal(adopted.json.id, userId);
    assert.ok((await auditTypes(userId)).includes('scim_user_adopted'));
    assert.equal((await h.store.listIdentities(TENANT, userId)).length, 3);
  });

  it('with allowUserCreation off, an unknown id is refused plainly; a provisioned one signs in', async () => {
    const tenants = new TenantService(h.store, h.deps.keys, h.now);
    const tenant = (await tenants.get(TENANT))!;
    await tenants.save(
      { ...tenant, platformJwt: { ...tenant.platformJwt, allowUserCreation: false } } as never,
      'put',
    );
    try {
      const unknown = await jwtSignIn({ deskpro_id: 'dp-unknown' });
      assert.equal(unknown.status, 401);
      assert.match(await unknown.text(), /user_not_provisioned/);
      assert.equal((await jwtSignIn({ deskpro_id: 'dp-900' })).status, 200);
      // API-key sign-ins resolve to the same ids, and are refused the same way.
      const byKey = (agentId: string) =>
        h.sdk(paths.sessionApiKey(TENANT), {
          body: { agentId, agentName: 'Kay' },
          jar: new Jar(),
          headers: { authorization: `Bearer ${apiKey}` },
          ip: `198.51.100.${++ip % 250}`,
        });
      const unknownByKey = await byKey('dp-unknown');
      assert.equal(unknownByKey.status, 401);
      assert.match(await unknownByKey.text(), /user_not_provisioned/);
      const known = await byKey('dp-900');
      assert.equal(known.status, 200, await known.clone().text());
    } finally {
      await tenants.save(tenant as never, 'put');
    }
  });
});
