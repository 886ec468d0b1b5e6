// Two API processes on one PostgreSQL database, requests alternating between them: the rate limits count
// across instances, because the counters live in the store and not in any process; so does the record of
// used one-time platform JWTs (jti), and the users platform JWTs sign in.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveKeys, generateMasterKey, parseMasterKey, type Store, sha256 } from '@deskgate/core';
import { paths, SDK_HEADER } from '@deskgate/protocol';
import { createPostgresStore } from '@deskgate/store';
import { SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { JwtKeyService } from './services/jwt-keys.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ADMIN_URL = process.env.DESKGATE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TENANT = 'acme';
const ORIGIN = 'https://cx.test';
const database = `deskgate_instances_${randomBytes(6).toString('hex')}`;

let unreachable: string | undefined;
const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
try {
  await admin.connect();
} catch (error) {
  await admin.end().catch(() => {});
  if (process.env.CI) throw error;
  unreachable = (error as Error).message;
  console.warn(`WARNING: skipping the two-instance tests, PostgreSQL is unreachable (${unreachable}).`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface Instance {
  url: string;
  child: ChildProcess;
  output: string[];
}

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['apps/api/src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DESKGATE_PUBLIC_URL: url,
      LOG_LEVEL: 'warn',
    },
  });
  const output: string[] = [];
  child.stdout?.on('data', (d) => output.push(String(d)));
  child.stderr?.on('data', (d) => output.push(String(d)));
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (output.join('').includes('listening on')) resolve();
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the API exited (${code}):\n${output.join('')}`)));
  });
  return { url, child, output };
}

async function createAttempt(instance: Instance, ip = '') {
  const response = await fetch(`${instance.url}${paths.attempts(TENANT)}`, {
    method: 'POST',
    headers: {
      origin: ORIGIN,
      'content-type': 'application/json',
      [SDK_HEADER]: '1',
      ...(ip && { 'x-forwarded-for': ip }),
    },
    body: JSON.stringify({
      challenge: await sha256(randomBytes(32).toString('base64url')),
      challengeMethod: 'S256',
    }),
  });
  return response;
}

interface JwtKey {
  kid: string;
  secret: string;
}

/** A platform JWT signed with `key` (HS256, its secret's UTF-8 bytes), valid for the next `lifetime` seconds. */
function mintJwt(key: JwtKey, claims: Record<string, unknown>, lifetime = 120) {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ iat, exp: iat + lifetime, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: key.kid })
    .sign(new TextEncoder().encode(key.secret));
}

let jwtClient = 0;
/** POST /session/jwt as the SDK sends it, each call from its own client address (failure limits apart). */
async function postJwt(instance: Instance, token: string) {
  const response = await fetch(`${instance.url}${paths.sessionJwt(TENANT)}`, {
    method: 'POST',
    headers: {
      origin: ORIGIN,
      'content-type': 'application/json',
      [SDK_HEADER]: '1',
      'x-forwarded-for': `198.51.100.${++jwtClient}`,
    },
    body: JSON.stringify({ token }),
  });
  const body = (await response.json()) as { user?: { id: string }; error?: { code: string } };
  return {
    status: response.status,
    code: body.error?.code,
    userId: body.user?.id,
    cookies: response.headers.getSetCookie(),
  };
}

describe.skipIf(unreachable !== undefined)('two API instances sharing one PostgreSQL database', () => {
  const instances: Instance[] = [];
  const masterKey = generateMasterKey();
  let dir: string;
  let store: Store | undefined;
  let oneTimeKey: JwtKey;
  let sessionKey: JwtKey;

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE ${database}`);
    dir = await mkdtemp(join(tmpdir(), 'deskgate-instances-'));
    const seedFile = join(dir, 'seed.json');
    await writeFile(
      seedFile,
      JSON.stringify({
        tenants: [
          {
            code: TENANT,
            displayName: 'Acme',
            allowedOrigins: [ORIGIN],
            platformJwt: {
              profiles: { session: { preset: 'messenger' }, 'one-time': { preset: 'deskpro' } },
            },
          },
        ],
      }),
    );
    const databaseUrl = new URL(ADMIN_URL);
    databaseUrl.pathname = `/${database}`;
    const env = {
      DATABASE_URL: databaseUrl.href,
      DESKGATE_MASTER_KEY: masterKey,
      DESKGATE_SEED_FILE: seedFile,
      DESKGATE_DATA_DIR: join(dir, 'data'),
      // One proxy in front, as in production: each test speaks for its own client address.
      DESKGATE_TRUSTED_PROXY_HOPS: '1',
      DESKGATE_RATE_LIMITS: JSON.stringify({
        'attempts.create.ip': { limit: 4 },
        'attempts.redeem.failures.ip': { limit: 3 },
      }),
    };
    // One after the other: both migrate and apply the seed at start-up.
    instances.push(await startInstance(env));
    instances.push(await startInstance(env));
    // The platform-JWT keys go into the shared database, encrypted with the instances' master key.
    store = createPostgresStore({ connectionString: databaseUrl.href });
    const jwtKeys = new JwtKeyService(store, await deriveKeys(parseMasterKey(masterKey)), Date.now);
    oneTimeKey = await jwtKeys.create(TENANT, 'one-time');
    sessionKey = await jwtKeys.create(TENANT, 'session');
  }, 60_000);

  afterAll(async () => {
    await Promise.all(
      instances.map(
        (instance) =>
          new Promise((resolve) => {
            instance.child.once('exit', resolve);
            instance.child.kill('SIGTERM');
          }),
      ),
    );
    await store?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('counts attempt creations of one client across both instances', async () => {
    const [a, b] = instances as [Instance, Instance];
    const statuses: string[] = [];
    for (const instance of [a, b, a, b, a, b]) {
      statuses.push(`${instance === a ? 'A' : 'B'}${(await createAttempt(instance, '203.0.113.50')).status}`);
    }
    assert.deepEqual(statuses, ['A201', 'B201', 'A201', 'B201', 'A429', 'B429']);
    // Another client is counted on its own, on either instance.
    assert.equal((await createAttempt(b, '203.0.113.51')).status, 201);
  });

  it('counts failed redeems (verifier guessing) across both instances', async () => {
    const [a, b] = instances as [Instance, Instance];
    const created = (await (await createAttempt(a, '203.0.113.60')).json()) as { attemptId: string };
    const guess = (instance: Instance) =>
      fetch(`${instance.url}${paths.attemptRedeem(TENANT, created.attemptId)}`, {
        method: 'POST',
        headers: {
          origin: ORIGIN,
          'content-type': 'application/json',
          [SDK_HEADER]: '1',
          'x-forwarded-for': '203.0.113.61',
        },
        body: JSON.stringify({ verifier: randomBytes(32).toString('base64url') }),
      }).then(async (r) => ((await r.json()) as { error: { code: string } }).error.code);
    const codes = [];
    for (const instance of [b, a, b, a]) codes.push(await guess(instance));
    assert.deepEqual(codes, [
      'attempt_verifier_mismatch',
      'attempt_verifier_mismatch',
      'attempt_verifier_mismatch',
      'rate_limited',
    ]);
  });

  it('refuses a one-time platform JWT redeemed on one instance when it comes back on the other', async () => {
    const [a, b] = instances as [Instance, Instance];
    for (const [first, second] of [
      [a, b],
      [b, a],
    ] as const) {
      const token = await mintJwt(oneTimeKey, {
        id: `dp-${randomBytes(4).toString('hex')}`,
        jti: randomBytes(16).toString('base64url'),
      });
      const used = await postJwt(first, token);
      assert.equal(used.status, 200, JSON.stringify(used));
      assert.ok(used.cookies.length > 0, 'the first use sets the session cookies');
      const replayed = await postJwt(second, token);
      assert.deepEqual(
        { status: replayed.status, code: replayed.code, cookies: replayed.cookies },
        { status: 401, code: 'jwt_replayed', cookies: [] },
      );
    }
  });

  it('takes one of ten concurrent uses of a one-time platform JWT across both instances', async () => {
    const [a, b] = instances as [Instance, Instance];
    const token = await mintJwt(oneTimeKey, {
      id: 'dp-race',
      email: 'race@example.com',
      jti: randomBytes(16).toString('base64url'),
    });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => postJwt(i % 2 === 0 ? a : b, token)),
    );
    const outcomes = results.map((r) => (r.status === 200 ? '200' : `${r.status} ${r.code}`)).sort();
    assert.deepEqual(outcomes, ['200', ...Array(9).fill('401 jwt_replayed')]);
    for (const refused of results.filter((r) => r.status !== 200)) assert.deepEqual(refused.cookies, []);
  });

  it('signs a session-profile (Messenger) platform JWT in on both instances, as the same user', async () => {
    const [a, b] = instances as [Instance, Instance];
    const token = await mintJwt(sessionKey, { deskpro_id: 'm-1', email: 'messenger@example.com' }, 600);
    const onA = await postJwt(a, token);
    const onB = await postJwt(b, token);
    assert.equal(onA.status, 200, JSON.stringify(onA));
    assert.equal(onB.status, 200, JSON.stringify(onB));
    assert.ok(onA.cookies.length > 0 && onB.cookies.length > 0, 'both set the session cookies');
    assert.ok(onA.userId);
    assert.equal(onB.userId, onA.userId);
  });

  it('redeems an exchange token minted on one instance exactly once across both', async () => {
    const [a, b] = instances as [Instance, Instance];
    const token = await mintJwt(sessionKey, { deskpro_id: 'm-exchange' }, 600);
    const signedIn = await postJwt(a, token);
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn));
    // Only the access cookie goes to /auth/exchange-token (its path is /t/{tenant}).
    const access = signedIn.cookies.find((c) => c.startsWith('__Secure-access_token_cookie='))?.split(';')[0];
    assert.ok(access);
    const minted = await fetch(`${a.url}${paths.exchangeToken(TENANT)}`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json', [SDK_HEADER]: '1', cookie: access },
      body: JSON.stringify({ redirect: paths.collection(TENANT) }),
    });
    assert.equal(minted.status, 200, await minted.clone().text());
    const exchange = new URL(((await minted.json()) as { url: string }).url).hash.slice('#token='.length);
    const redeem = (instance: Instance) =>
      fetch(`${instance.url}${paths.exchange(TENANT)}`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'null',
          'sec-fetch-site': 'same-origin',
          'x-forwarded-for': `198.51.100.${++jwtClient}`,
        },
        body: new URLSearchParams({ token: exchange }).toString(),
      });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => redeem(i % 2 ? a : b)));
    assert.deepEqual(results.map((r) => r.status).sort(), [303, ...Array(9).fill(400)]);
    assert.equal(results.filter((r) => r.headers.getSetCookie().length > 0).length, 1);
    assert.equal((await redeem(b)).status, 400, 'and used up for good');
  });
});

if (unreachable !== undefined) await admin.end().catch(() => {});
