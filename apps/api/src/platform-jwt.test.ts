// Contract of POST /t/{tenant}/session/jwt (signedUserInfo): tokens minted by jose, jsonwebtoken, PyJWT and
// openssl are accepted; every bad token is refused with its code, no cookie and nothing stored.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { paths } from '@deskgate/protocol';
import { base64url, SignJWT } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { JwtKeyService } from './services/jwt-keys.ts';
import { createHarness, errorCode, type Harness, Jar, TENANT } from './test/harness.ts';

const exec = promisify(execFile);
const PYTHON = '/usr/bin/python3';

let h: Harness;
let session: { kid: string; secret: string };
let oneTime: { kid: string; secret: string };
let otherTenant: { kid: string; secret: string };

beforeAll(async () => {
  h = await createHarness({
    tenant: {
      platformJwt: {
        profiles: { session: { preset: 'messenger' }, 'one-time': { preset: 'deskpro' } },
        groupRoles: { '7': ['deepdesk.editor'] },
      },
    },
  });
  const keys = new JwtKeyService(h.store, h.deps.keys, h.now);
  session = await keys.create(TENANT, 'session');
  oneTime = await keys.create(TENANT, 'one-time');
  otherTenant = await keys.create('other', 'session');
});
afterAll(() => h.close());

const seconds = () => Math.floor(h.now() / 1000);
const secretKey = (secret: string) => new TextEncoder().encode(secret);

async function mint(
  claims: Record<string, unknown>,
  options: { kid?: string | null; secret?: string; alg?: string; header?: Record<string, unknown> } = {},
) {
  const header: Record<string, unknown> = { alg: options.alg ?? 'HS256', typ: 'JWT', ...options.header };
  if (options.kid !== null) header.kid = options.kid ?? session.kid;
  return new SignJWT({ iat: seconds(), exp: seconds() + 600, ...claims })
    .setProtectedHeader(header as { alg: string })
    .sign(secretKey(options.secret ?? session.secret));
}

/** A compact JWS put together by hand: header and payload as given, signed with HS256. */
async function handmade(header: unknown, payload: unknown, secret = session.secret) {
  const encode = (value: unknown) =>
    base64url.encode(typeof value === 'string' ? value : JSON.stringify(value));
  const input = `${encode(header)}.${encode(payload)}`;
  const key = await crypto.subtle.importKey(
    'raw',
    secretKey(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(input)));
  return `${input}.${base64url.encode(signature)}`;
}

let ip = 0;
/** Each call from its own address, so the failure limits of one test never touch another. */
function post(token: unknown, init: { jar?: Jar; query?: string; ip?: string } = {}) {
  return h.sdk(`${paths.sessionJwt(TENANT)}${init.query ?? ''}`, {
    body: { token },
    jar: init.jar ?? new Jar(),
    ip: init.ip ?? `198.18.${Math.floor(++ip / 250)}.${(ip % 250) + 1}`,
  });
}

async function expectRefused(response: Response, status: number, code: string, why: string) {
  assert.equal(response.status, status, `${why}: ${await response.clone().text()}`);
  assert.equal(await errorCode(response), code, why);
  assert.deepEqual(response.headers.getSetCookie(), [], `${why}: no cookie`);
}

async function nobodyStored(id: string, email: string) {
  assert.equal(await h.store.findUserByIdentity(TENANT, 'platform:session', id), undefined);
  assert.deepEqual(await h.store.findUsersByEmail(TENANT, email), []);
}

describe('POST /t/{tenant}/session/jwt: signing in', () => {
  it('signs a Messenger-style agent in: session cookies, a confirmed user, roles from usergroup_ids', async () => {
    const jar = new Jar();
    const token = await mint({ deskpro_id: 101, email: 'Ann@Example.com', name: 'Ann', usergroup_ids: [7] });
    const response = await post(token, { jar });
    assert.equal(response.status, 200, await response.clone().text());
    const body = (await response.json()) as { user: { email: string; confirmed: boolean; roles: string[] } };
    assert.deepEqual(
      { email: body.user.email, confirmed: body.user.confirmed, roles: body.user.roles },
      { email: 'ann@example.com', confirmed: true, roles: ['deepdesk.editor'] },
    );
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.ok(
      jar.cookies.has('__Secure-access_token_cookie') && jar.cookies.has('__Secure-refresh_token_cookie'),
    );
    const session = await h.sdk(paths.session(TENANT), { jar });
    assert.equal(session.status, 200);
  });

  it('gives the default role when no usergroup maps to one', async () => {
    const response = await post(await mint({ deskpro_id: 'g-0', usergroup_ids: [99] }));
    const body = (await response.json()) as { user: { roles: string[] } };
    assert.deepEqual(body.user.roles, ['deepdesk.agent']);
  });

  it('is the same user for a small upfront token (id only) and for an email-only token', async () => {
    await post(await mint({ deskpro_id: 'u-202', email: 'bo@example.com', name: 'Bo' }));
    const byId = (await (await post(await mint({ deskpro_id: 'u-202' }))).json()) as { user: { id: string } };
    const byEmail = (await (await post(await mint({ email: 'bo@example.com' }))).json()) as {
      user: { id: string };
    };
    assert.equal(byId.user.id, byEmail.user.id);
  });

  it('refuses an id and an email that name different users: 409 identity_conflict, nobody signed in', async () => {
    await post(await mint({ deskpro_id: 'c-1', email: 'c1@example.com' }));
    await post(await mint({ deskpro_id: 'c-2', email: 'c2@example.com' }));
    await expectRefused(
      await post(await mint({ deskpro_id: 'c-1', email: 'c2@example.com' })),
      409,
      'identity_conflict',
      'conflict',
    );
  });

  it('accepts tokens minted by jsonwebtoken (npm)', async () => {
    const token = jsonwebtoken.sign({ deskpro_id: 'npm-1', exp: seconds() + 300 }, session.secret, {
      algorithm: 'HS256',
      keyid: session.kid,
    });
    assert.equal((await post(token)).status, 200);
  });

  it('accepts tokens minted by PyJWT', async () => {
    const script = `import jwt,sys; print(jwt.encode({"deskpro_id":"py-1","exp":int(sys.argv[1])}, sys.argv[2], algorithm="HS256", headers={"kid":sys.argv[3]}))`;
    const { stdout } = await exec(PYTHON, [
      '-c',
      script,
      String(seconds() + 300),
      session.secret,
      session.kid,
    ]);
    assert.equal((await post(stdout.trim())).status, 200);
  });

  it('accepts tokens signed with openssl dgst -hmac in a shell', async () => {
    const b64 = (value: object) => base64url.encode(JSON.stringify(value));
    const input = `${b64({ alg: 'HS256', kid: session.kid })}.${b64({ deskpro_id: 'sh-1', exp: seconds() + 300 })}`;
    const { stdout } = await exec('sh', [
      '-c',
      `printf '%s' "$1" | openssl dgst -sha256 -hmac "$2" -binary | base64 | tr '+/' '-_' | tr -d '=\\n'`,
      'sh',
      input,
      session.secret,
    ]);
    assert.equal((await post(`${input}.${stdout}`)).status, 200);
  });

  it('takes a one-time (Deskpro) token once: its jti is refused the second time', async () => {
    const token = await mint(
      { id: 'dp-1', email: 'dp1@example.com', jti: crypto.randomUUID(), exp: seconds() + 120 },
      { kid: oneTime.kid, secret: oneTime.secret },
    );
    assert.equal((await post(token)).status, 200);
    await expectRefused(await post(token), 401, 'jwt_replayed', 'replay');
  });
});

describe('POST /t/{tenant}/session/jwt: refusals (status, code, no cookie, nothing stored)', () => {
  const who = { deskpro_id: 'nobody-1', email: 'nobody@example.com' };
  const cases: [string, () => Promise<string>, number, string][] = [
    [
      'alg none',
      () => handmade({ alg: 'none', kid: session.kid }, { ...who, exp: seconds() + 60 }),
      401,
      'jwt_signature_invalid',
    ],
    [
      'alg NoNe',
      () => handmade({ alg: 'NoNe', kid: session.kid }, { ...who, exp: seconds() + 60 }),
      401,
      'jwt_signature_invalid',
    ],
    [
      'another algorithm than the key’s',
      () => mint(who, { alg: 'HS512', secret: `${session.secret}${session.secret}` }),
      401,
      'jwt_signature_invalid',
    ],
    ['wrong secret', () => mint(who, { secret: 'x'.repeat(43) }), 401, 'jwt_signature_invalid'],
    [
      'another tenant’s key',
      () => mint(who, { kid: otherTenant.kid, secret: otherTenant.secret }),
      401,
      'jwt_key_unknown',
    ],
    [
      'another tenant’s secret under this kid',
      () => mint(who, { secret: otherTenant.secret }),
      401,
      'jwt_signature_invalid',
    ],
    ['unknown kid', () => mint(who, { kid: 'nope' }), 401, 'jwt_key_unknown'],
    ['kid injection', () => mint(who, { kid: "' OR 1=1 --" }), 401, 'jwt_key_unknown'],
    ['kid path', () => mint(who, { kid: '../../etc/passwd' }), 401, 'jwt_key_unknown'],
    ['expired', () => mint({ ...who, iat: seconds() - 7200, exp: seconds() - 3600 }), 401, 'jwt_expired'],
    [
      'iat in the future',
      () => mint({ ...who, iat: seconds() + 3600, exp: seconds() + 7200 }),
      401,
      'jwt_not_yet_valid',
    ],
    ['no exp', () => handmade({ alg: 'HS256', kid: session.kid }, who), 401, 'jwt_claims_invalid'],
    ['non-object payload', () => handmade({ alg: 'HS256', kid: session.kid }, [who]), 400, 'jwt_malformed'],
    [
      'payload not JSON',
      () => handmade({ alg: 'HS256', kid: session.kid }, 'not json'),
      400,
      'jwt_malformed',
    ],
    [
      'unknown crit',
      () =>
        handmade(
          { alg: 'HS256', kid: session.kid, crit: ['exp2'], exp2: 1 },
          { ...who, exp: seconds() + 60 },
        ),
      400,
      'jwt_header_invalid',
    ],
    [
      'b64 false',
      () =>
        handmade(
          { alg: 'HS256', kid: session.kid, b64: false, crit: ['b64'] },
          { ...who, exp: seconds() + 60 },
        ),
      400,
      'jwt_header_invalid',
    ],
    [
      'duplicate header member',
      () => handmade(`{"alg":"HS256","kid":"${session.kid}","alg":"HS256"}`, { ...who, exp: seconds() + 60 }),
      400,
      'jwt_header_invalid',
    ],
    [
      'embedded jwk',
      () => mint(who, { header: { jwk: { kty: 'oct', k: 'AAAA' } } }),
      400,
      'jwt_header_invalid',
    ],
    ['jku', () => mint(who, { header: { jku: 'https://evil.test/jwks' } }), 400, 'jwt_header_invalid'],
    [
      'JWS JSON serialization',
      async () => {
        const [p, q, r] = (await mint(who)).split('.');
        return JSON.stringify({ protected: p, payload: q, signature: r });
      },
      400,
      'jwt_malformed',
    ],
    ['garbage', async () => 'not-a-jwt', 400, 'jwt_malformed'],
    [
      'one-time token without jti',
      () =>
        mint(
          { id: 'nobody-1', email: 'nobody@example.com', exp: seconds() + 60 },
          { kid: oneTime.kid, secret: oneTime.secret },
        ),
      401,
      'jwt_claims_invalid',
    ],
    [
      'one-time token living longer than 5 minutes',
      () =>
        mint(
          { id: 'nobody-1', jti: 'j-long', exp: seconds() + 3600 },
          { kid: oneTime.kid, secret: oneTime.secret },
        ),
      401,
      'jwt_claims_invalid',
    ],
  ];
  for (const [why, token, status, code] of cases) {
    it(`${why}: ${status} ${code}`, async () => {
      await expectRefused(await post(await token()), status, code, why);
      await nobodyStored('nobody-1', 'nobody@example.com');
    });
  }

  it('oversized: 413 body_too_large before any parsing', async () => {
    const token = await mint({ ...who, padding: 'x'.repeat(9000) });
    await expectRefused(await post(token), 413, 'body_too_large', 'oversized');
    await nobodyStored('nobody-1', 'nobody@example.com');
  });

  it('a token in the query string: 400 token_in_query, even with a good body', async () => {
    const token = await mint(who);
    await expectRefused(await post(token, { query: `?token=${token}` }), 400, 'token_in_query', 'query');
    await expectRefused(await post(token, { query: `?jwt=${token}` }), 400, 'token_in_query', 'query');
    await nobodyStored('nobody-1', 'nobody@example.com');
  });

  it('a body without a string token: 400 validation_failed', async () => {
    for (const token of [undefined, 42, '', ['a']])
      await expectRefused(await post(token), 400, 'validation_failed', JSON.stringify(token));
  });

  it('needs an allowed Origin like every SDK write', async () => {
    const response = await h.sdk(paths.sessionJwt(TENANT), {
      body: { token: await mint(who) },
      jar: new Jar(),
      origin: 'https://evil.test',
    });
    await expectRefused(response, 403, 'origin_not_allowed', 'origin');
  });

  it('limits refused tokens per client address: 429 rate_limited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await post('garbage', { ip: '198.51.100.77' })).status);
    assert.equal(statuses.at(-1), 429);
    assert.equal(statuses.filter((s) => s === 400).length, 30);
  });
});

describe('POST /t/{tenant}/session/jwt: a token without kid', () => {
  it('is accepted while its profile has exactly one active key, and refused once it has two', async () => {
    assert.equal((await post(await mint({ deskpro_id: 'nokid-1' }, { kid: null }))).status, 200);
    await new JwtKeyService(h.store, h.deps.keys, h.now).create(TENANT, 'session');
    await expectRefused(
      await post(await mint({ deskpro_id: 'nokid-1' }, { kid: null })),
      401,
      'jwt_key_unknown',
      'two keys, no kid',
    );
  });
});

describe('the Tracebuzz vector (F5)', () => {
  // requirements.md F5: header {"alg":"HS256","typ":"JWT"}, the documented 19-byte secret, this payload.
  const header = { alg: 'HS256', typ: 'JWT' };
  const payload = {
    iat: 1620658801,
    exp: 1620687601,
    identity: {
      account: '<platform>',
      user_id: '1234',
      user_name: 'John Doe',
      user_email: 'john.doe@platform.com',
    },
    type: 'access',
  };
  const SIGNATURE = 'nYuvVHaOI2TirhbTFvCX-086i7ZNM9f_f7YK5SL51P4';
  let t: Harness;
  beforeAll(async () => {
    t = await createHarness({
      tenant: { platformJwt: { profiles: { session: { preset: 'tracebuzz', account: '<platform>' } } } },
    });
    // An API whose clock is inside the vector's window from its first signing key on.
    t.advance((payload.iat + 60) * 1000 - t.now());
  });
  afterAll(() => t.close());

  const exchange = (token: string) =>
    t.sdk(paths.sessionJwt(TENANT), { body: { token }, jar: new Jar(), ip: '198.51.100.200' });

  it('signs in with its documented secret (imported with allowWeak) while the clock is inside its window', async () => {
    const keys = new JwtKeyService(t.store, t.deps.keys, t.now);
    await assert.rejects(keys.import(TENANT, 'session', 'your-256-bit-secret'), /at least 32/);
    const key = await keys.import(TENANT, 'session', 'your-256-bit-secret', { allowWeak: true });
    assert.equal(key.weak, true);
    const token = await handmade(header, payload, 'your-256-bit-secret');
    assert.equal(token.split('.')[2], SIGNATURE, 'the documented signature');
    const response = await exchange(token);
    assert.equal(response.status, 200, await response.clone().text());
    const body = (await response.json()) as { user: { email: string; name: string } };
    assert.deepEqual(
      { email: body.user.email, name: body.user.name },
      { email: 'john.doe@platform.com', name: 'John Doe' },
    );
    assert.ok(await t.store.findUserByIdentity(TENANT, 'platform:session', '1234'));
  });

  it('is refused once its exp has passed, and for another account', async () => {
    const other = await handmade(
      header,
      { ...payload, identity: { ...payload.identity, account: 'someone-else' } },
      'your-256-bit-secret',
    );
    await expectRefused(await exchange(other), 401, 'jwt_claims_invalid', 'another account');
    t.advance((payload.exp + 61) * 1000 - t.now());
    await expectRefused(
      await exchange(await handmade(header, payload, 'your-256-bit-secret')),
      401,
      'jwt_expired',
      'expired',
    );
  });
});

describe('require signed user info', () => {
  let t: Harness;
  let key: { kid: string; secret: string };
  beforeAll(async () => {
    t = await createHarness({ tenant: { platformJwt: { profiles: { session: { preset: 'messenger' } } } } });
    key = await new JwtKeyService(t.store, t.deps.keys, t.now).create(TENANT, 'session');
  });
  afterAll(() => t.close());

  async function requireIt() {
    const { TenantService } = await import('./services/tenants.ts');
    const tenants = new TenantService(t.store, t.deps.keys, t.now);
    const current = (await tenants.get(TENANT))!;
    await tenants.save(
      { ...current, platformJwt: { ...current.platformJwt, requireSignedUserInfo: true } },
      'put',
    );
  }

  it('refuses sign-in attempts and sessions of other methods, says so in the status, and takes platform tokens', async () => {
    const { signIn } = await import('./test/harness.ts');
    const sso = await signIn(t);
    await requireIt();
    const attempt = await t.sdk(paths.attempts(TENANT), {
      body: { challenge: 'x'.repeat(43), challengeMethod: 'S256' },
      jar: new Jar(),
    });
    await expectRefused(attempt, 403, 'signed_user_info_required', 'attempt');
    await expectRefused(
      await t.sdk(paths.session(TENANT), { jar: sso.jar }),
      403,
      'signed_user_info_required',
      'read',
    );
    const status = await t.sdk(paths.sessionStatus(TENANT), { jar: sso.jar });
    assert.deepEqual(await status.json(), { session: null, refreshable: true, signedUserInfoRequired: true });
    const refresh = await t.sdk(paths.refresh(TENANT), { body: {}, jar: sso.jar });
    assert.equal(refresh.status, 403);
    assert.equal(await errorCode(refresh), 'signed_user_info_required');

    const now = Math.floor(t.now() / 1000);
    const token = await new SignJWT({ deskpro_id: 'req-1', iat: now, exp: now + 300 })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .sign(secretKey(key.secret));
    const jar = new Jar();
    const platform = await t.sdk(paths.sessionJwt(TENANT), { body: { token }, jar });
    assert.equal(platform.status, 200);
    assert.equal((await t.sdk(paths.session(TENANT), { jar })).status, 200);
    assert.equal((await t.sdk(paths.refresh(TENANT), { body: {}, jar })).status, 200);
  });
});
