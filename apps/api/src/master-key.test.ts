// `pnpm deskgate master-key generate|rotate` on a real SQLite data dir: every kind of sealed secret is sealed
// again with the new key, the app keeps working, and an interrupted rotation is finished by a start and a rerun.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_PLATFORM_JWT,
  type DerivedKeys,
  deriveKeys,
  generateMasterKey,
  openSecret,
  parseMasterKey,
  type SealedSecretRecord,
  type Store,
} from '@deskgate/core';
import { jwtVerify, SignJWT } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { runCli } from './cli/run.ts';
import { MailService } from './mail/index.ts';
import { openMailBody, sealContext } from './mail/outbox.ts';
import { createRuntime, type Runtime } from './runtime.ts';
import { JwtKeyService, secretContext as jwtKeyContext } from './services/jwt-keys.ts';
import { KeyRing, signingKeyContext } from './services/keyring.ts';
import { rotateSecrets } from './services/master-key.ts';
import { secretContext as clientSecretContext, TenantService } from './services/tenants.ts';

let root: string;
let dir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'deskgate-master-key-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));
beforeEach(async () => {
  dir = await mkdtemp(join(root, 'store-'));
});

const silent = pino({ level: 'silent' });

async function deskgate(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { DESKGATE_DATA_DIR: dir, LOG_LEVEL: 'warn', ...env },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

async function withRuntime<T>(env: Record<string, string>, fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await createRuntime({ DESKGATE_DATA_DIR: dir, ...env }, silent);
  try {
    return await fn(runtime);
  } finally {
    await runtime.store.close();
  }
}

const keyFile = async (name = 'master.key') => parseMasterKey(await readFile(join(dir, name), 'utf8'));

const TENANT = {
  code: 'acme',
  displayName: 'Acme',
  allowedOrigins: ['https://cx.example.com'],
  oidc: [
    { id: 'sso', issuer: 'https://idp.example.com', clientId: 'abc', clientSecret: 'secret-one' },
    { id: 'backup', issuer: 'https://idp2.example.com', clientId: 'def', clientSecret: 'secret-two' },
  ],
};

/** A secret of every kind: a tenant with two OIDC client secrets, a JWT key, a signing key, a queued mail. */
async function seed(env: Record<string, string> = {}): Promise<{ jwtSecret: string; mailId: string }> {
  return withRuntime(env, async (runtime) => {
    await new TenantService(runtime.store, runtime.keys, Date.now).save(TENANT, 'create');
    const { secret: jwtSecret } = await new JwtKeyService(runtime.store, runtime.keys, Date.now).create(
      'acme',
      'session',
    );
    await new KeyRing(runtime.store, runtime.keys).signingKey(Date.now());
    const mail = new MailService({ store: runtime.store, keys: runtime.keys, now: Date.now, logger: silent });
    const mailId = await mail.enqueue({
      tenant: 'acme',
      to: 'agent@example.com',
      template: 'magic-link',
      locale: 'en-US',
      params: {
        product: 'Deepdesk',
        tenantName: 'Acme',
        link: 'https://deskgate.example/l/x',
        expiresMinutes: 10,
      },
    });
    return { jwtSecret, mailId };
  });
}

const listSealed = (env: Record<string, string> = {}) => withRuntime(env, (r) => r.store.listSealedSecrets());

/** Every sealed value in a record (a tenant's config holds one per provider) with its context. */
function sealedValues(record: SealedSecretRecord): { sealed: string; context: string }[] {
  switch (record.kind) {
    case 'signing_key':
      return [{ sealed: record.value, context: signingKeyContext(record.id) }];
    case 'jwt_key':
      return [{ sealed: record.value, context: jwtKeyContext(record.tenant!, record.id) }];
    case 'mail':
      return [{ sealed: record.value, context: sealContext(record.id) }];
    case 'tenant':
      return (JSON.parse(record.value).oidc as { id: string; clientSecretEncrypted: string }[]).map((p) => ({
        sealed: p.clientSecretEncrypted,
        context: clientSecretContext(record.id, p.id),
      }));
  }
}

/** How many of the sealed values open with `keys`, of how many. */
async function opening(records: SealedSecretRecord[], keys: DerivedKeys): Promise<[number, number]> {
  const values = records.flatMap(sealedValues);
  const opened = await Promise.all(
    values.map(({ sealed, context }) =>
      openSecret(keys, sealed, context).then(
        () => true,
        () => false,
      ),
    ),
  );
  return [opened.filter(Boolean).length, values.length];
}

/** Each kind once at least, and the tenant's two client secrets: 5 values in 4 rows. */
function assertEveryKind(records: SealedSecretRecord[]) {
  assert.deepEqual([...new Set(records.map((r) => r.kind))].sort(), [
    'jwt_key',
    'mail',
    'signing_key',
    'tenant',
  ]);
}

/** The app on the new key alone: signing, JWT-key verification, OIDC client secrets, mail bodies. */
async function assertAppWorks(env: Record<string, string>, seeded: { jwtSecret: string; mailId: string }) {
  await withRuntime(env, async (runtime) => {
    const ring = new KeyRing(runtime.store, runtime.keys);
    const { kid, privateKey } = await ring.signingKey(Date.now());
    const token = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'ES256', kid }).sign(privateKey);
    await jwtVerify(token, (await ring.verificationKey(kid, Date.now()))!);

    const jwtKeys = new JwtKeyService(runtime.store, runtime.keys, Date.now);
    const keys = await jwtKeys.verificationKeys('acme', DEFAULT_PLATFORM_JWT, 'x.y.z');
    assert.deepEqual(
      keys.map((k) => new TextDecoder().decode(k.key as Uint8Array)),
      [seeded.jwtSecret],
    );

    const tenants = new TenantService(runtime.store, runtime.keys, Date.now);
    const tenant = (await tenants.get('acme'))!;
    assert.deepEqual(await Promise.all(tenant.oidc.map((p) => tenants.clientSecret(tenant, p))), [
      'secret-one',
      'secret-two',
    ]);

    const [mail] = (await runtime.store.listMail()).filter((m) => m.id === seeded.mailId);
    const body = await openMailBody(runtime.keys, seeded.mailId, mail!.bodyEncrypted!);
    assert.match(body.text, /deskgate\.example\/l\/x/);
  });
}

const keyEnv = (key: Uint8Array) => ({ DESKGATE_MASTER_KEY: Buffer.from(key).toString('base64url') });

describe('master-key generate', () => {
  it('prints a new key on stdout and nothing else, and stores nothing', async () => {
    const one = await deskgate(['master-key', 'generate']);
    const two = await deskgate(['master-key', 'generate']);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(one.stderr, '');
    assert.match(one.stdout, /^[A-Za-z0-9_-]{43}\n$/);
    assert.equal(parseMasterKey(one.stdout).length, 32);
    assert.notEqual(one.stdout, two.stdout);
    assert.deepEqual(await readdir(dir), []);
  });

  it('has help, in the top-level help too', async () => {
    const help = await deskgate(['master-key', 'rotate', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /DESKGATE_PREVIOUS_MASTER_KEY/);
    assert.match((await deskgate(['--help'])).stdout, /master-key rotate/);
    assert.match((await deskgate(['master-key'])).stderr, /generate or rotate/);
  });
});

describe('master-key rotate, embedded store (key files)', () => {
  it('seals every secret with a new key, renames the files, and the app works on the new key alone', async () => {
    const seeded = await seed();
    const oldKey = await keyFile();
    const before = await listSealed();
    assertEveryKind(before);

    const result = await deskgate(['master-key', 'rotate']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /signing keys: 1 sealed again, 0 already/);
    assert.match(result.stdout, /platform-JWT secrets: 1 sealed again/);
    assert.match(result.stdout, /OIDC client secrets: 2 sealed again/);
    assert.match(result.stdout, /mail bodies not sent yet: 1 sealed again/);
    assert.match(result.stdout, /master\.key\.previous: delete it once backups made before this rotation/);
    assert.match(result.stderr, /master_key_rotated: actor operator, 5 secrets sealed again/);

    const newKey = await keyFile();
    assert.deepEqual(await keyFile('master.key.previous'), oldKey);
    assert.notDeepEqual(newKey, oldKey);
    await assert.rejects(stat(join(dir, 'master.key.next')), { code: 'ENOENT' });
    assert.equal((await stat(join(dir, 'master.key'))).mode & 0o777, 0o600);
    // Never a key or a secret in what it prints.
    for (const key of [oldKey, newKey])
      assert.ok(!`${result.stdout}${result.stderr}`.includes(Buffer.from(key).toString('base64url')));
    assert.ok(!`${result.stdout}${result.stderr}`.includes('secret-one'));

    const after = await listSealed();
    // (a) every stored value changed, (b) each opens with the new key alone, (c) none with the old key alone.
    assert.equal(after.length, before.length);
    for (const record of after) {
      const old = before.find((r) => r.kind === record.kind && r.id === record.id);
      assert.notEqual(record.value, old?.value, record.kind);
    }
    assert.deepEqual(await opening(after, await deriveKeys(newKey)), [5, 5]);
    assert.deepEqual(await opening(after, await deriveKeys(oldKey)), [0, 5]);
    // (d) the app works on the new key alone, and on the files as a start reads them.
    await assertAppWorks(keyEnv(newKey), seeded);
    await assertAppWorks({}, seeded);

    // (e) a rerun is another rotation: the key before it moves aside, named by its date.
    const rerun = await deskgate(['master-key', 'rotate']);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stdout, /the one before it is in .*master\.key\.previous-\d{4}/);
    const newest = await keyFile();
    assert.deepEqual(await keyFile('master.key.previous'), newKey);
    const archived = (await readdir(dir)).filter((f) => f.startsWith('master.key.previous-'));
    assert.equal(archived.length, 1);
    assert.deepEqual(await keyFile(archived[0]), oldKey);
    const third = await listSealed();
    assert.deepEqual(await opening(third, await deriveKeys(newest)), [5, 5]);
    assert.deepEqual(await opening(third, await deriveKeys(newKey)), [0, 5]);
    await assertAppWorks(keyEnv(newest), seeded);
  });

  it('is finished by a start and a rerun after stopping with half the rows sealed with master.key.next', async () => {
    const seeded = await seed();
    const oldKey = await keyFile();
    const nextText = generateMasterKey();
    await writeFile(join(dir, 'master.key.next'), `${nextText}\n`, { mode: 0o600 });
    const nextKey = parseMasterKey(nextText);
    // The interrupted run: the first two rows sealed with the new key, the others not yet.
    await withRuntime({}, async (runtime) => {
      const half = new Proxy(runtime.store, {
        get: (store, name: keyof Store) =>
          name === 'listSealedSecrets'
            ? async () => (await store.listSealedSecrets()).slice(0, 2)
            : (store[name] as (...args: unknown[]) => unknown).bind(store),
      });
      const partial = await rotateSecrets(half, await deriveKeys(nextKey, [oldKey]));
      assert.equal(partial.counts.signing_key.resealed + partial.counts.jwt_key.resealed, 2);
    });
    const midway = await listSealed();
    assert.deepEqual(await opening(midway, await deriveKeys(nextKey)), [2, 5]);
    // A start reads master.key and master.key.next: everything opens.
    await assertAppWorks({}, seeded);

    const rerun = await deskgate(['master-key', 'rotate']);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, /finishing the master-key rotation begun earlier/);
    assert.match(rerun.stdout, /signing keys: 0 sealed again, 1 already/);
    assert.match(rerun.stdout, /OIDC client secrets: 2 sealed again/);
    assert.deepEqual(await keyFile(), nextKey);
    assert.deepEqual(await keyFile('master.key.previous'), oldKey);
    const after = await listSealed();
    assert.deepEqual(await opening(after, await deriveKeys(nextKey)), [5, 5]);
    assert.deepEqual(await opening(after, await deriveKeys(oldKey)), [0, 5]);
    await assertAppWorks(keyEnv(nextKey), seeded);
  });

  it('starts and is finished by a rerun after stopping between the renames', async () => {
    const seeded = await seed();
    const oldKey = await keyFile();
    assert.equal((await deskgate(['master-key', 'rotate'])).code, 0);
    const newKey = await keyFile();
    // As if it stopped after renaming master.key to master.key.previous: no master.key.
    await rename(join(dir, 'master.key'), join(dir, 'master.key.next'));
    // A start must neither make a new key nor fail: it uses master.key.next.
    await assertAppWorks({}, seeded);
    await assert.rejects(stat(join(dir, 'master.key')), { code: 'ENOENT' });
    const rerun = await deskgate(['master-key', 'rotate'], { LOG_LEVEL: 'error' });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(await keyFile(), newKey);
    assert.deepEqual(await keyFile('master.key.previous'), oldKey);
    await assertAppWorks(keyEnv(newKey), seeded);
  });

  it('refuses without a key to rotate', async () => {
    const result = await deskgate(['master-key', 'rotate']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no master key in .* yet/);
    assert.deepEqual(await readdir(dir), []);
  });
});

describe('master-key rotate, DESKGATE_MASTER_KEY and DESKGATE_PREVIOUS_MASTER_KEY', () => {
  const OLD = generateMasterKey();
  const NEW = generateMasterKey();

  it('seals everything with the new key; a rerun finds it done', async () => {
    const seeded = await seed({ DESKGATE_MASTER_KEY: OLD });
    const before = await listSealed({ DESKGATE_MASTER_KEY: OLD });
    // Instances rolled over: the new key with the old one still read.
    const rolled = { DESKGATE_MASTER_KEY: NEW, DESKGATE_PREVIOUS_MASTER_KEY: OLD };
    await assertAppWorks(rolled, seeded);
    const result = await deskgate(['master-key', 'rotate'], rolled);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /OIDC client secrets: 2 sealed again, 0 already/);
    assert.ok(
      !`${result.stdout}${result.stderr}`.includes(OLD) && !`${result.stdout}${result.stderr}`.includes(NEW),
    );
    const after = await listSealed(rolled);
    for (const record of after)
      assert.notEqual(record.value, before.find((r) => r.kind === record.kind && r.id === record.id)?.value);
    assert.deepEqual(await opening(after, await deriveKeys(parseMasterKey(NEW))), [5, 5]);
    assert.deepEqual(await opening(after, await deriveKeys(parseMasterKey(OLD))), [0, 5]);
    await assertAppWorks({ DESKGATE_MASTER_KEY: NEW }, seeded);

    const rerun = await deskgate(['master-key', 'rotate'], {
      DESKGATE_MASTER_KEY: NEW,
      DESKGATE_PREVIOUS_MASTER_KEY: `${OLD},${generateMasterKey()}`,
    });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stdout, /OIDC client secrets: 0 sealed again, 2 already under the new key/);
    assert.deepEqual(await listSealed(rolled), after);
    // No key files are made or renamed in this mode.
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.startsWith('master.key')),
      [],
    );
  });

  it('refuses without the previous key, explaining the procedure', async () => {
    const result = await deskgate(['master-key', 'rotate'], { DESKGATE_MASTER_KEY: NEW });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /DESKGATE_PREVIOUS_MASTER_KEY \(the old key\) is required/);
    const same = await deskgate(['master-key', 'rotate'], {
      DESKGATE_MASTER_KEY: NEW,
      DESKGATE_PREVIOUS_MASTER_KEY: NEW,
    });
    assert.equal(same.code, 2);
    const noKey = await deskgate(['master-key', 'rotate'], { DATABASE_URL: 'postgres://127.0.0.1:1/none' });
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /DESKGATE_MASTER_KEY \(the new key\) is required/);
  });

  it('names a damaged value without quoting it, and stops with exit code 1', async () => {
    await seed({ DESKGATE_MASTER_KEY: OLD });
    const stranger = generateMasterKey();
    const result = await deskgate(['master-key', 'rotate'], {
      DESKGATE_MASTER_KEY: NEW,
      DESKGATE_PREVIOUS_MASTER_KEY: stranger,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot open tenant acme with any known master key/);
    assert.match(result.stderr, /cannot open jwt_key acme\//);
  });

  it('refuses a bad DESKGATE_PREVIOUS_MASTER_KEY at start without quoting it', async () => {
    const bad = `${OLD},not-a-key-123`;
    await assert.rejects(
      createRuntime(
        { DESKGATE_DATA_DIR: dir, DESKGATE_MASTER_KEY: NEW, DESKGATE_PREVIOUS_MASTER_KEY: bad },
        silent,
      ),
      (e: unknown) =>
        e instanceof TypeError &&
        /DESKGATE_PREVIOUS_MASTER_KEY must be/.test(e.message) &&
        !e.message.includes('not-a-key'),
    );
    const result = await deskgate(['tenant', 'list'], {
      DESKGATE_MASTER_KEY: NEW,
      DESKGATE_PREVIOUS_MASTER_KEY: bad,
    });
    assert.equal(result.code, 1);
    assert.ok(!result.stderr.includes('not-a-key') && !result.stderr.includes(OLD));
  });
});
