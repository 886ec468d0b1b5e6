// Contract of POST /t/{tenant}/session/api-key: agent-only, unconfirmed sessions from a tenant API key; every
// bad key refused with its code, no cookie, nothing created and the key never logged.
import assert from 'node:assert/strict';
import { generateApiKey } from '@deskgate/core';
import { paths } from '@deskgate/protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ApiKeyService } from './services/api-keys.ts';
import { TenantService } from './services/tenants.ts';
import { CX_ORIGIN, createHarness, errorCode, type Harness, Jar, TENANT } from './test/harness.ts';

let h: Harness;
let keys: ApiKeyService;
let key: string;

beforeAll(async () => {
  h = await createHarness();
  keys = new ApiKeyService(h.store, h.now);
  key = (await keys.create(TENANT)).key;
});
afterAll(() => h.close());

let ip = 0;
function post(
  presented: string | undefined,
  body: unknown = { agentId: 'le-42', agentName: 'Lee Agent', email: 'Lee@Example.com' },
  init: { jar?: Jar; query?: string; ip?: string; origin?: string; tenant?: string } = {},
) {
  return h.sdk(`${paths.sessionApiKey(init.tenant ?? TENANT)}${init.query ?? ''}`, {
    body,
    jar: init.jar ?? new Jar(),
    origin: init.origin,
    headers: presented === undefined ? {} : { authorization: `Bearer ${presented}` },
    ip: init.ip ?? `198.19.${Math.floor(++ip / 250)}.${(ip % 250) + 1}`,
  });
}

async function refused(response: Response, status: number, code: string, why: string) {
  assert.equal(response.status, status, `${why}: ${await response.clone().text()}`);
  assert.equal(await errorCode(response), code, why);
  assert.deepEqual(response.headers.getSetCookie(), [], `${why}: no cookie`);
  assert.equal(await h.store.findUserByIdentity(TENANT, 'platform:api-key', 'nobody'), undefined, why);
}

const NOBODY = { agentId: 'nobody', agentName: 'Nobody' };

describe('POST /t/{tenant}/session/api-key', () => {
  it('signs the agent in: cookies, an unconfirmed agent-only session, and the key never in the log', async () => {
    const jar = new Jar();
    const response = await post(key, undefined, { jar });
    assert.equal(response.status, 200, await response.clone().text());
    const body = (await response.json()) as {
      user: { email: string; name: string; roles: string[]; confirmed: boolean };
    };
    assert.deepEqual(body.user.roles, ['deepdesk.agent']);
    assert.equal(body.user.confirmed, false);
    assert.equal(body.user.email, 'lee@example.com');
    assert.equal(body.user.name, 'Lee Agent');
    assert.equal((await h.sdk(paths.session(TENANT), { jar })).status, 200);
    assert.ok(!h.logs.join('\n').includes(key), 'the key is never logged');
    assert.ok(
      h.logs.some((line) => line.includes('"apiKey"')),
      'the key id is',
    );
  });

  it('never carries a role above agent, also when the user holds more and after a refresh', async () => {
    const first = (await (await post(key, { agentId: 'boss-1', agentName: 'Boss' })).json()) as {
      user: { id: string };
    };
    const user = (await h.store.getUser(TENANT, first.user.id))!;
    await h.store.updateUser({ ...user, roles: ['deepdesk.manager'], confirmed: true });
    const jar = new Jar();
    const again = (await (await post(key, { agentId: 'boss-1', agentName: 'Boss' }, { jar })).json()) as {
      user: { roles: string[]; confirmed: boolean };
    };
    assert.deepEqual([again.user.roles, again.user.confirmed], [['deepdesk.agent'], false]);
    const refreshed = (await (await h.sdk(paths.refresh(TENANT), { body: {}, jar })).json()) as {
      user: { roles: string[]; confirmed: boolean };
    };
    assert.deepEqual([refreshed.user.roles, refreshed.user.confirmed], [['deepdesk.agent'], false]);
  });

  it('refuses a malformed key or a wrong checksum without a database lookup: 401 api_key_invalid', async () => {
    let lookups = 0;
    const getApiKey = h.store.getApiKey.bind(h.store);
    h.store.getApiKey = (kid) => {
      lookups++;
      return getApiKey(kid);
    };
    try {
      const flipped = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
      for (const presented of [flipped, 'dgk_nope', 'not-a-key', `${key}x`, ''])
        await refused(await post(presented, NOBODY), 401, 'api_key_invalid', presented);
      await refused(await post(undefined, NOBODY), 401, 'api_key_invalid', 'no Authorization');
      assert.equal(lookups, 0);
      await refused(await post(generateApiKey().key, NOBODY), 401, 'api_key_invalid', 'unknown kid');
      assert.equal(lookups, 1, 'a well-formed key is looked up');
    } finally {
      h.store.getApiKey = getApiKey;
    }
  });

  it('refuses another tenant’s key, a revoked key and an expired key, each with its code', async () => {
    await new TenantService(h.store, h.deps.keys, h.now).save(
      { code: 'other', allowedOrigins: [CX_ORIGIN] },
      'create',
    );
    const foreign = await keys.create('other');
    await refused(await post(foreign.key, NOBODY), 401, 'api_key_invalid', 'other tenant');
    const revoked = await keys.create(TENANT);
    assert.equal(await keys.revoke(TENANT, revoked.kid), true);
    await refused(await post(revoked.key, NOBODY), 401, 'api_key_revoked', 'revoked');
    const expiring = await keys.create(TENANT, { expiresAt: h.now() + 60_000 });
    assert.equal((await post(expiring.key, { agentId: 'exp-1', agentName: 'E' })).status, 200);
    h.advance(60_000);
    await refused(await post(expiring.key, NOBODY), 401, 'api_key_expired', 'expired');
  });

  it('refuses a key limited to other origins: 403 origin_not_allowed', async () => {
    const limited = await keys.create(TENANT, { allowedOrigins: ['https://widget.example.com'] });
    await refused(await post(limited.key, NOBODY), 403, 'origin_not_allowed', 'origin');
  });

  it('refuses a key in the query string: 400 token_in_query', async () => {
    for (const name of ['key', 'apiKey', 'api_key'])
      await refused(await post(key, NOBODY, { query: `?${name}=${key}` }), 400, 'token_in_query', name);
  });

  it('refuses a bad body: 400 validation_failed', async () => {
    for (const body of [
      {},
      { agentId: '', agentName: 'x' },
      { agentId: 'x' },
      { ...NOBODY, email: 'not-an-email' },
    ])
      await refused(await post(key, body), 400, 'validation_failed', JSON.stringify(body));
  });

  it('lets a preflight send the Authorization header', async () => {
    const response = await h.app.request(`https://auth.test${paths.sessionApiKey(TENANT)}`, {
      method: 'OPTIONS',
      headers: {
        origin: CX_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    assert.equal(response.status, 204);
    assert.match(response.headers.get('access-control-allow-headers') ?? '', /\bauthorization\b/);
  });

  it('limits refused keys per address and per key id: 429 rate_limited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++)
      statuses.push((await post('garbage', NOBODY, { ip: '198.51.100.88' })).status);
    assert.deepEqual([statuses.filter((s) => s === 401).length, statuses.at(-1)], [30, 429]);
    const target = await keys.create(TENANT);
    await keys.revoke(TENANT, target.kid);
    const perKey: number[] = [];
    for (let i = 0; i < 61; i++) perKey.push((await post(target.key, NOBODY)).status);
    assert.deepEqual([perKey.filter((s) => s === 401).length, perKey.at(-1)], [60, 429]);
  });

  it('is refused where the tenant turned API keys off: 403 api_key_disabled', async () => {
    const tenants = new TenantService(h.store, h.deps.keys, h.now);
    const current = (await tenants.get(TENANT))!;
    await tenants.save({ ...current, apiKeys: { enabled: false } }, 'put');
    try {
      await refused(await post(key, NOBODY), 403, 'api_key_disabled', 'disabled');
    } finally {
      await tenants.save({ ...current, apiKeys: { enabled: true } }, 'put');
    }
  });
});
