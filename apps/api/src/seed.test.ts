// A seed file's `seedApiKeys`: each key stored as a digest under the kid inside it, once (a second apply, as at
// every start of the API, changes nothing); a malformed key stops the seed before anything is stored. The demo's
// seed (apps/demo/seed.json) gives the demo tenant the key its LiveEngage-style widget page signs in with.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateApiKey, generateMasterKey, parseApiKey, sha256 } from '@deskgate/core';
import pino from 'pino';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { applySeedFile, createRuntime, type Runtime } from './runtime.ts';
import { ApiKeyService } from './services/api-keys.ts';

const DEMO_SEED = fileURLToPath(new URL('../../demo/seed.json', import.meta.url));
const DEMO_ORIGIN = 'http://localhost:5173';

let dir: string;
let runtime: Runtime;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deskgate-seed-'));
  runtime = await createRuntime(
    { DESKGATE_DATA_DIR: dir, DESKGATE_MASTER_KEY: generateMasterKey() },
    pino({ level: 'silent' }),
  );
});
afterEach(async () => {
  await runtime.store.close();
  await rm(dir, { recursive: true, force: true });
});

async function seedFile(tenants: unknown[]): Promise<string> {
  const file = join(dir, 'seed.json');
  await writeFile(file, JSON.stringify({ tenants }));
  return file;
}

describe('seedApiKeys in a seed file', () => {
  it("stores the demo seed's key for the demo tenant (digest only), usable from the demo's origin", async () => {
    const seed = JSON.parse(await readFile(DEMO_SEED, 'utf8')) as {
      tenants: { code: string; seedApiKeys?: { key: string; allowedOrigins: string[] }[] }[];
    };
    const entry = seed.tenants.find((t) => t.code === 'demo')?.seedApiKeys?.[0];
    assert.ok(entry, 'the demo tenant has a seeded API key');
    const kid = parseApiKey(entry.key)?.kid;
    assert.ok(kid, 'a well-formed key with a valid checksum');
    assert.deepEqual(entry.allowedOrigins, [DEMO_ORIGIN]);

    assert.deepEqual(await applySeedFile(runtime, DEMO_SEED), ['demo']);
    const stored = await runtime.store.getApiKey(kid);
    assert.deepEqual(
      { ...stored, createdAt: 0 },
      {
        kid,
        tenant: 'demo',
        digest: await sha256(entry.key),
        allowedOrigins: [DEMO_ORIGIN],
        createdAt: 0,
        expiresAt: null,
        revokedAt: null,
        purpose: 'sdk',
      },
    );
    const keys = new ApiKeyService(runtime.store, Date.now);
    assert.equal((await keys.authenticate('demo', entry.key, DEMO_ORIGIN, Date.now())).kid, kid);
    await assert.rejects(keys.authenticate('demo', entry.key, 'http://127.0.0.1:5173', Date.now()), {
      code: 'origin_not_allowed',
    });

    // Applied again (every start of the API): nothing changes, and a revoked key stays revoked.
    assert.deepEqual(await applySeedFile(runtime, DEMO_SEED), ['demo']);
    assert.deepEqual(await runtime.store.listApiKeys('demo'), [stored]);
    assert.equal(await keys.revoke('demo', kid), true);
    const revoked = await runtime.store.getApiKey(kid);
    await applySeedFile(runtime, DEMO_SEED);
    assert.deepEqual(await runtime.store.getApiKey(kid), revoked);
    assert.notEqual(revoked?.revokedAt, null);
  });

  it('takes a key without allowedOrigins (any of the tenant’s origins)', async () => {
    const { key, kid } = generateApiKey();
    await applySeedFile(runtime, await seedFile([{ code: 'acme', seedApiKeys: [{ key }] }]));
    assert.deepEqual((await runtime.store.getApiKey(kid))?.allowedOrigins, []);
    assert.equal((await runtime.store.getTenant('acme'))?.code, 'acme', 'the tenant without the keys');
  });

  it('refuses a malformed key, naming its path but not the key, before anything is stored', async () => {
    const { key } = generateApiKey();
    const flipped = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    for (const [bad, why] of [
      [flipped, /tenants\[1\]\.seedApiKeys\[0\]\.key: must be an API key dgk_<kid>_<secret><checksum>/],
      ['dgk_nope', /tenants\[1\]\.seedApiKeys\[0\]\.key: must be an API key/],
      [42, /tenants\[1\]\.seedApiKeys\[0\]\.key: must be an API key/],
    ] as const) {
      const file = await seedFile([
        { code: 'first', seedApiKeys: [{ key: generateApiKey().key }] },
        { code: 'second', seedApiKeys: [{ key: bad }] },
      ]);
      await assert.rejects(applySeedFile(runtime, file), (error: Error) => {
        assert.match(error.message, why);
        assert.ok(!error.message.includes(String(bad)) || bad === 42, 'the key is not in the message');
        return true;
      });
      assert.equal(await runtime.store.getTenant('first'), undefined, 'nothing stored');
    }
  });

  it('refuses other mistakes with their path', async () => {
    const { key } = generateApiKey();
    for (const [seedApiKeys, why] of [
      [{ key }, /tenants\[0\]\.seedApiKeys: must be an array/],
      [[key], /tenants\[0\]\.seedApiKeys\[0\]: must be an object/],
      [[{ key, allowedOrigin: [] }], /tenants\[0\]\.seedApiKeys\[0\]\.allowedOrigin: is not a known field/],
      [
        [{ key, allowedOrigins: ['http://x.test/path'] }],
        /seedApiKeys\[0\]\.allowedOrigins\[0\]: .* not an exact origin/,
      ],
      [[{ key }, { key }], /tenants\[0\]\.seedApiKeys\[1\]\.key: key id \w+ is given twice/],
    ] as const) {
      const file = await seedFile([{ code: 'acme', seedApiKeys }]);
      await assert.rejects(applySeedFile(runtime, file), why);
      assert.equal(await runtime.store.getTenant('acme'), undefined);
    }
  });

  it("refuses another tenant's key id", async () => {
    const { key } = generateApiKey();
    await applySeedFile(runtime, await seedFile([{ code: 'acme', seedApiKeys: [{ key }] }]));
    await assert.rejects(
      applySeedFile(runtime, await seedFile([{ code: 'other', seedApiKeys: [{ key }] }])),
      /tenants\[0\]\.seedApiKeys\[0\]\.key: its key id \w+ belongs to another tenant/,
    );
    assert.equal(await runtime.store.getTenant('other'), undefined, 'nothing stored');
    const twice = generateApiKey().key;
    await assert.rejects(
      applySeedFile(
        runtime,
        await seedFile([
          { code: 'one', seedApiKeys: [{ key: twice }] },
          { code: 'two', seedApiKeys: [{ key: twice }] },
        ]),
      ),
      /tenants\[1\]\.seedApiKeys\[0\]\.key: its key id \w+ belongs to another tenant/,
    );
    assert.equal(await runtime.store.getTenant('one'), undefined, 'nothing stored');
  });
});
