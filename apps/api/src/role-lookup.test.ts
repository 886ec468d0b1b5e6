// Platform role lookup against a fake of Genesys Cloud's users/me endpoint on loopback: the profile and
// roles of a good token, and every failure (401, 500, malformed body, timeout) as role_lookup_failed with a
// message that never contains the token.
import assert from 'node:assert/strict';
import { DeskgateError, mapPlatformRoles, type RoleLookupConfig } from '@deskgate/core';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { RoleLookupService } from './services/role-lookup.ts';
import { type FakeGenesysCloud, startFakeGenesysCloud } from './test/fake-genesys-cloud.ts';

const TOKEN = 'gc-access-token-Zq8xW3vT9pLmN4rK';

const USER = {
  id: '3f6c1a2b-4d5e-4f70-8a9b-0c1d2e3f4a5b',
  name: 'Sam Supervisor',
  division: { id: 'd0000000-0000-4000-8000-000000000001', name: 'Home' },
  email: 'Sam.Supervisor@Example.com',
  state: 'active',
  username: 'sam.supervisor@example.com',
  version: 3,
  authorization: {
    roles: [
      { id: 'r0000000-0000-4000-8000-000000000001', name: 'employee' },
      { id: 'r0000000-0000-4000-8000-000000000002', name: 'Supervisor' },
    ],
    unusedRoles: [{ id: 'r0000000-0000-4000-8000-000000000003', name: 'Master Admin' }],
    permissions: ['directory:user:view'],
  },
};

let fake: FakeGenesysCloud;
let config: RoleLookupConfig;
const service = new RoleLookupService({});

beforeAll(async () => {
  fake = await startFakeGenesysCloud();
  fake.addUser(TOKEN, USER);
  config = {
    kind: 'genesys-cloud',
    apiBaseUrl: fake.url,
    roleMap: { supervisor: 'deepdesk.manager' },
    timeoutMs: 3000,
  };
});

afterEach(() => {
  fake.setFailure('none');
  fake.requests.length = 0;
});

afterAll(async () => {
  await fake.close();
});

/** The role_lookup_failed error of `promise`, checked to name neither the token nor the body. */
async function failure(promise: Promise<unknown>): Promise<DeskgateError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DeskgateError, String(error));
    assert.equal(error.code, 'role_lookup_failed');
    assert.equal(error.status, 502);
    assert.ok(!error.message.includes(TOKEN), error.message);
    assert.ok(!String(error.stack).includes(TOKEN));
    assert.ok(!JSON.stringify(error).includes(TOKEN));
    assert.ok(error.cause === undefined || !String(error.cause).includes(TOKEN));
    return error;
  }
  assert.fail('expected role_lookup_failed');
}

describe('the fake Genesys Cloud', () => {
  it('leaves authorization out unless expanded, like the real API', async () => {
    const get = async (query: string) =>
      (await (
        await fetch(`${fake.url}/api/v2/users/me${query}`, { headers: { authorization: `Bearer ${TOKEN}` } })
      ).json()) as Record<string, unknown>;
    assert.equal((await get('')).authorization, undefined);
    assert.equal((await get('')).selfUri, `/api/v2/users/${USER.id}`);
    assert.deepEqual(await get('?expand=authorization').then((u) => u.authorization), {
      roles: USER.authorization.roles,
      permissions: USER.authorization.permissions,
    });
    const both = await get('?expand=presence,authorization.unusedRoles');
    assert.deepEqual(
      (both.authorization as { unusedRoles: unknown }).unusedRoles,
      USER.authorization.unusedRoles,
    );
  });

  it("answers 401 with Genesys's error body for a missing or unknown token, 404 elsewhere", async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: TOKEN }]) {
      const response = await fetch(`${fake.url}/api/v2/users/me`, { headers });
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('content-type'), 'application/json');
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(body.code, 'bad.credentials');
      assert.equal(body.status, 401);
      assert.equal(typeof body.message, 'string');
      assert.equal(body.contextId, response.headers.get('inin-correlation-id'));
      assert.deepEqual([body.details, body.errors], [[], []]);
    }
    const missing = await fetch(`${fake.url}/api/v2/users/someone`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { status: number }).status, 404);
  });
});

describe('RoleLookupService with genesys-cloud', () => {
  it('reads the profile and role names of a good token', async () => {
    const profile = await service.lookup(config, TOKEN);
    assert.deepEqual(profile, {
      subject: USER.id,
      email: 'sam.supervisor@example.com',
      name: 'Sam Supervisor',
      platformRoles: ['employee', 'Supervisor'],
    });
    assert.deepEqual(mapPlatformRoles(profile.platformRoles, config.roleMap), ['deepdesk.manager']);
    assert.deepEqual(fake.requests, [
      { path: '/api/v2/users/me', query: 'expand=authorization', authorization: `Bearer ${TOKEN}` },
    ]);
  });

  it('refuses a token the platform does not accept (401)', async () => {
    const error = await failure(service.lookup(config, 'unknown-token-Qw7e'));
    assert.match(error.message, /HTTP 401/);
    assert.ok(!error.message.includes('unknown-token-Qw7e'));
    fake.setFailure('unauthorized');
    assert.match((await failure(service.lookup(config, TOKEN))).message, /HTTP 401/);
  });

  it('reports a platform error (500) by its status only', async () => {
    fake.setFailure('error500');
    const error = await failure(service.lookup(config, TOKEN));
    assert.equal(error.message, 'The platform role lookup failed (HTTP 500)');
    assert.ok(!error.message.includes('internal'));
  });

  it('refuses a body that is not JSON', async () => {
    fake.setFailure('malformed');
    assert.match((await failure(service.lookup(config, TOKEN))).message, /not JSON/);
  });

  it('refuses a user of the wrong shape or not active', async () => {
    fake.addUser('shapeless-token', { id: 42, name: 'Nobody' });
    await failure(service.lookup(config, 'shapeless-token'));
    fake.addUser('deleted-token', { ...USER, state: 'deleted' });
    assert.match((await failure(service.lookup(config, 'deleted-token'))).message, /not active/);
  });

  it('gives up after timeoutMs when the platform does not answer', async () => {
    fake.setFailure('hang');
    const started = Date.now();
    const error = await failure(service.lookup({ ...config, timeoutMs: 200 }, TOKEN));
    assert.equal(error.message, 'The platform role lookup timed out');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 150 && elapsed < 2000, `took ${elapsed} ms`);
    assert.equal(fake.requests.length, 1);
  });

  it('reports an unreachable platform', async () => {
    const closed = await startFakeGenesysCloud();
    await closed.close();
    const error = await failure(service.lookup({ ...config, apiBaseUrl: closed.url }, TOKEN));
    assert.equal(error.message, 'The platform role lookup could not reach the platform');
  });

  it('uses the injected fetch and never puts the token in a message, whatever fails', async () => {
    const seen: string[] = [];
    const leaky = new RoleLookupService({
      fetch: (async (input: string | URL | Request, init?: RequestInit) => {
        seen.push(String(input));
        throw new Error(`boom ${JSON.stringify(init?.headers)}`);
      }) as typeof fetch,
    });
    const error = await failure(leaky.lookup(config, TOKEN));
    assert.equal(error.message, 'The platform role lookup could not reach the platform');
    assert.deepEqual(seen, [`${fake.url}/api/v2/users/me?expand=authorization`]);
  });
});
