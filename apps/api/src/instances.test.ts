// Two API processes on one PostgreSQL database, requests alternating between them (docs/operations.md,
// "Several instances"): nothing that must be shared lives in a process. Rate limits, used one-time platform
// JWTs (jti), refresh families, exchange and magic-link tokens, the mail outbox and the signing keys are in the
// store, so one instance sees what the other did at once. Each instance runs on a clock a test can move
// (DESKGATE_UNSAFE_TEST_CLOCK), moved together, for the grace window and the signing-key rotation.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveKeys, generateMasterKey, parseMasterKey, type Store, sha256 } from '@deskgate/core';
import { type DevSmtp, startDevSmtp } from '@deskgate/dev-smtp';
import { COOKIE_ACCESS, COOKIE_REFRESH, paths, SDK_HEADER } from '@deskgate/protocol';
import { createPostgresStore } from '@deskgate/store';
import { decodeProtectedHeader, SignJWT } from 'jose';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runCli } from './cli/run.ts';
import { MailService } from './mail/index.ts';
import { JwtKeyService } from './services/jwt-keys.ts';
import { type Instance, startInstance, stopInstance } from './test/instances.ts';

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

/** How far the tests moved the instances' clocks: the platform mints its JWTs on the same clock. */
let clockOffsetMs = 0;

interface JwtKey {
  kid: string;
  secret: string;
}

/** A platform JWT signed with `key` (HS256, its secret's UTF-8 bytes), valid for the next `lifetime` seconds. */
function mintJwt(key: JwtKey, claims: Record<string, unknown>, lifetime = 120) {
  const iat = Math.floor((Date.now() + clockOffsetMs) / 1000);
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

/** `name=value` of the cookie `name` among Set-Cookie lines, or undefined. */
function cookieOf(setCookies: string[], name: string): string | undefined {
  return setCookies.find((c) => c.startsWith(`${name}=`))?.split(';')[0];
}

/** The value alone of a `name=value` pair. */
const pairValue = (pair: string | undefined) => pair?.slice(pair.indexOf('=') + 1);

/** POST refresh with `refresh` (`name=value`) as the SDK sends it: status, code, the new refresh and access cookies. */
async function refreshOn(instance: Instance, refresh: string) {
  const response = await fetch(`${instance.url}${paths.refresh(TENANT)}`, {
    method: 'POST',
    headers: { origin: ORIGIN, 'content-type': 'application/json', [SDK_HEADER]: '1', cookie: refresh },
    body: '{}',
  });
  const body = (await response.json()) as { error?: { code: string } };
  const cookies = response.headers.getSetCookie();
  return {
    status: response.status,
    code: body.error?.code,
    refresh: cookieOf(cookies, COOKIE_REFRESH),
    access: cookieOf(cookies, COOKIE_ACCESS),
  };
}

/** GET session with the access cookie: the status and error code. */
async function sessionOn(instance: Instance, access: string) {
  const response = await fetch(`${instance.url}${paths.session(TENANT)}`, {
    headers: { origin: ORIGIN, cookie: access },
  });
  const body = (await response.json()) as { error?: { code: string } };
  return { status: response.status, code: body.error?.code };
}

/** Moves the clocks of both instances by the same amount (each runs DESKGATE_UNSAFE_TEST_CLOCK). */
async function advance(instances: Instance[], ms: number) {
  clockOffsetMs += ms;
  for (const instance of instances) {
    const response = await fetch(`${instance.url}/__test__/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceMs: ms }),
    });
    assert.equal(response.status, 200);
  }
}

/** The kids of an instance's JWKS, sorted. */
async function jwksKids(instance: Instance): Promise<string[]> {
  const response = await fetch(`${instance.url}${paths.jwks}`);
  return ((await response.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid).sort();
}

const kidOf = (access: string | undefined) => decodeProtectedHeader(pairValue(access) ?? '').kid;

describe.skipIf(unreachable !== undefined)('two API instances sharing one PostgreSQL database', () => {
  const instances: Instance[] = [];
  const masterKey = generateMasterKey();
  let dir: string;
  let store: Store | undefined;
  let oneTimeKey: JwtKey;
  let sessionKey: JwtKey;
  let smtp: DevSmtp;
  let keys: Awaited<ReturnType<typeof deriveKeys>>;
  let cliEnv: Record<string, string>;

  beforeAll(async () => {
    await admin.query(`CREATE DATABASE ${database}`);
    // Both instances deliver the one outbox to this SMTP server.
    smtp = await startDevSmtp();
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
            magicLink: { enabled: true },
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
      DESKGATE_UNSAFE_TEST_CLOCK: '1',
      DESKGATE_PUBLIC_URL: 'https://auth.acme.test',
      SMTP_URL: smtp.smtpUrl,
      DESKGATE_RATE_LIMITS: JSON.stringify({
        'attempts.create.ip': { limit: 4 },
        'attempts.redeem.failures.ip': { limit: 3 },
      }),
    };
    cliEnv = { DATABASE_URL: databaseUrl.href, DESKGATE_MASTER_KEY: masterKey, LOG_LEVEL: 'warn' };
    // One after the other: both migrate and apply the seed at start-up.
    instances.push(await startInstance(env));
    instances.push(await startInstance(env));
    // The platform-JWT keys go into the shared database, encrypted with the instances' master key.
    store = createPostgresStore({ connectionString: databaseUrl.href });
    keys = await deriveKeys(parseMasterKey(masterKey));
    const jwtKeys = new JwtKeyService(store, keys, Date.now);
    oneTimeKey = await jwtKeys.create(TENANT, 'one-time');
    sessionKey = await jwtKeys.create(TENANT, 'session');
  }, 60_000);

  afterAll(async () => {
    await Promise.all(instances.map(stopInstance));
    await store?.close();
    await smtp?.close();
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
  it('sees a tenant change made with the CLI on both instances at their next request', async () => {
    const origin = 'https://cx-new.test';
    const probe = async (instance: Instance) => {
      const response = await fetch(`${instance.url}${paths.sessionStatus(TENANT)}`, { headers: { origin } });
      return response.status === 200
        ? 'allowed'
        : ((await response.json()) as { error: { code: string } }).error.code;
    };
    assert.deepEqual(await Promise.all(instances.map(probe)), ['origin_not_allowed', 'origin_not_allowed']);
    let stderr = '';
    const code = await runCli(['tenant', 'set', TENANT, '--add-origin', origin], {
      env: cliEnv,
      stdin: async () => '',
      stdout: { write: () => {} },
      stderr: { write: (text: string) => (stderr += text) },
    });
    assert.equal(code, 0, stderr);
    // No cache to wait out: every request reads its tenant from the store.
    assert.deepEqual(await Promise.all(instances.map(probe)), ['allowed', 'allowed']);
  });

  it('signs in on one instance and refreshes on the other, then back, each time with a new refresh token', async () => {
    const [a, b] = instances as [Instance, Instance];
    const token = await mintJwt(sessionKey, { deskpro_id: 'm-refresh' }, 600);
    const signedIn = await postJwt(a, token);
    let refresh = cookieOf(signedIn.cookies, COOKIE_REFRESH);
    assert.ok(refresh);
    const seen = new Set([refresh]);
    for (const instance of [b, a, b]) {
      const refreshed = await refreshOn(instance, refresh);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed));
      assert.ok(refreshed.refresh && !seen.has(refreshed.refresh), 'a new refresh token');
      assert.deepEqual(await sessionOn(instance === a ? b : a, refreshed.access!), {
        status: 200,
        code: undefined,
      });
      refresh = refreshed.refresh;
      seen.add(refresh);
    }
  });

  it('gives concurrent refreshes of one token on both instances one successor, and revokes nothing', async () => {
    const [a, b] = instances as [Instance, Instance];
    const signedIn = await postJwt(a, await mintJwt(sessionKey, { deskpro_id: 'm-parallel' }, 600));
    const refresh = cookieOf(signedIn.cookies, COOKIE_REFRESH)!;
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => refreshOn(i % 2 ? a : b, refresh)));
    assert.deepEqual(
      results.map((r) => r.status),
      Array(8).fill(200),
      JSON.stringify(results.map((r) => r.code)),
    );
    const successors = new Set(results.map((r) => r.refresh));
    assert.equal(successors.size, 1, 'every parallel refresh got the same successor');
    const [successor] = successors;
    assert.ok(successor && successor !== refresh);
    // The family lives on: the successor refreshes on either instance.
    assert.equal((await refreshOn(b, successor)).status, 200);
  });

  it('uses a first-party magic link once across both instances, and delivers its mail once', async () => {
    const [a, b] = instances as [Instance, Instance];
    const email = 'link.user@example.com';
    // The user exists (a platform JWT with the email signed them in once).
    const known = await postJwt(b, await mintJwt(sessionKey, { deskpro_id: 'm-link', email }, 600));
    assert.equal(known.status, 200, JSON.stringify(known));
    smtp.clear();
    const returnTo = paths.collection(TENANT);
    const chooser = await fetch(
      `${a.url}${paths.signInFirstParty(TENANT)}?return=${encodeURIComponent(returnTo)}`,
      { headers: { 'x-forwarded-for': '203.0.113.70' } },
    );
    assert.equal(chooser.status, 200);
    const cookie = chooser.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const asked = await fetch(`${a.url}${paths.magicLink(TENANT)}?locale=en-US`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'null',
        'sec-fetch-site': 'same-origin',
        'x-forwarded-for': '203.0.113.70',
        ...(cookie && { cookie }),
      },
      body: new URLSearchParams({ email, return: returnTo }).toString(),
    });
    assert.equal(asked.status, 202);
    const mail = await smtp.waitFor((m) => m.to.includes(email), 15_000);
    const link = new URL(mail.links.find((l) => l.includes(paths.magicLinkOpen(TENANT)))!);
    const use = (instance: Instance, i: number) =>
      fetch(`${instance.url}${link.pathname}${link.search}`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'null',
          'sec-fetch-site': 'same-origin',
          'x-forwarded-for': `203.0.113.${80 + i}`,
        },
        body: new URLSearchParams({ token: link.hash.slice('#token='.length) }).toString(),
      });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => use(i % 2 ? a : b, i)));
    assert.deepEqual(results.map((r) => r.status).sort(), [303, 400, 400, 400, 400, 400]);
    assert.equal(
      results.filter((r) => r.headers.getSetCookie().some((c) => c.startsWith(COOKIE_ACCESS))).length,
      1,
    );
    assert.equal((await use(b, 9)).status, 400, 'and used up for good');
    assert.equal(smtp.messages().filter((m) => m.to.includes(email)).length, 1, 'the mail went out once');
  });

  it('delivers each queued mail exactly once while both instances claim from the outbox', async () => {
    smtp.clear();
    // Queued from outside either instance, all at once, so both workers find them due at their next poll.
    const mail = new MailService({ store: store!, keys, now: Date.now, logger: pino({ level: 'silent' }) });
    const ids = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        mail.enqueue({
          tenant: TENANT,
          to: `outbox-${i}@example.com`,
          template: 'magic-link',
          locale: 'en-US',
          params: {
            product: 'Deepdesk',
            tenantName: 'Acme',
            link: `https://example.com/${i}`,
            expiresMinutes: 15,
          },
        }),
      ),
    );
    // Done when the store has every one marked sent: after that no worker can claim any again.
    for (let tries = 0; ; tries++) {
      const depth = await store!.mailDepth();
      const sent = (await store!.listMail({ limit: 1000 })).filter((m) => ids.includes(m.id) && m.sentAt);
      if (sent.length === ids.length && depth.queued === 0) break;
      assert.ok(tries < 300, `the outbox did not drain: ${sent.length}/${ids.length} sent`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const received = smtp.messages().flatMap((m) => m.to);
    assert.equal(received.length, ids.length, 'no mail twice');
    assert.equal(new Set(received).size, ids.length, 'every mail once');
  });

  it('revokes the whole family on both instances when an old refresh token comes back after the grace window', async () => {
    const [a, b] = instances as [Instance, Instance];
    const signedIn = await postJwt(a, await mintJwt(sessionKey, { deskpro_id: 'm-replay' }, 600));
    const old = cookieOf(signedIn.cookies, COOKIE_REFRESH)!;
    const rotated = await refreshOn(b, old);
    assert.equal(rotated.status, 200);
    // Past the 10 s grace window on both clocks: the old token coming back now means it leaked.
    await advance(instances, 11_000);
    const replayed = await refreshOn(a, old);
    assert.deepEqual(
      [replayed.status, replayed.code, replayed.refresh],
      [401, 'refresh_reused', `${COOKIE_REFRESH}=`],
      'refused, and the refresh cookie cleared',
    );
    for (const instance of [a, b]) {
      const successor = await refreshOn(instance, rotated.refresh!);
      assert.deepEqual([successor.status, successor.code], [401, 'session_revoked']);
      assert.deepEqual(await sessionOn(instance, rotated.access!), { status: 401, code: 'session_revoked' });
    }
  });

  // Last: it moves both clocks by a month.
  it('publishes a signing key created by one instance in the other’s JWKS before either signs with it', async () => {
    const [a, b] = instances as [Instance, Instance];
    const signIn = async (instance: Instance, id: string) => {
      const r = await postJwt(instance, await mintJwt(sessionKey, { deskpro_id: id }, 600));
      assert.equal(r.status, 200, JSON.stringify(r));
      return cookieOf(r.cookies, COOKIE_ACCESS);
    };
    const before = await jwksKids(b);
    const first = await signIn(a, 'm-keys-1');
    assert.deepEqual(before, [kidOf(first)], 'one key, signing');
    // A month on, the next signing on A creates the next key, published now and signing an hour from now.
    await advance(instances, 30 * 24 * 3600_000 + 60_000);
    const stillOld = await signIn(a, 'm-keys-2');
    assert.equal(kidOf(stillOld), kidOf(first), 'A still signs with the old key');
    const published = await jwksKids(b);
    assert.equal(published.length, 2, `B publishes the old and A's new key: ${published}`);
    assert.deepEqual(await jwksKids(a), published, 'the same key set on both');
    const next = published.find((kid) => kid !== kidOf(first));
    assert.equal(kidOf(await signIn(b, 'm-keys-3')), kidOf(first), 'B does not sign with it early either');
    // After the lead time both sign with the new key, and each accepts the other's tokens.
    await advance(instances, 3600_000 + 60_000);
    const fromA = await signIn(a, 'm-keys-4');
    const fromB = await signIn(b, 'm-keys-5');
    assert.deepEqual([kidOf(fromA), kidOf(fromB)], [next, next]);
    assert.equal((await sessionOn(b, fromA!)).status, 200);
    assert.equal((await sessionOn(a, fromB!)).status, 200);
  });
});

if (unreachable !== undefined) await admin.end().catch(() => {});
