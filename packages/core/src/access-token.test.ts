import assert from 'node:assert/strict';
import { type CryptoKey, compactVerify, decodeJwt, decodeProtectedHeader, importJWK, SignJWT } from 'jose';
import { describe, it } from 'vitest';
import {
  type AccessClaims,
  accessAudience,
  sessionInfo,
  signAccessToken,
  verifyAccessToken,
} from './access-token.ts';
import { base64urlDecode, base64urlEncode } from './encoding.ts';
import { DeskgateError } from './errors.ts';
import { WYCHEPROOF_ES256_CASES, WYCHEPROOF_ES256_PUBLIC_JWK } from './fixtures/wycheproof-es256-jws.ts';
import type { Es256Key } from './jws.ts';
import { generateSigningKey } from './signing-keys.ts';
import type { SessionRecord, UserRecord } from './store.ts';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const NOW_S = NOW / 1000;
const HOUR = 60 * 60 * 1000;
const ISSUER = 'https://auth.example.com';

async function keyPair() {
  const { record, privateJwk } = await generateSigningKey(1, NOW, NOW);
  return {
    kid: record.kid,
    privateKey: (await importJWK(privateJwk, 'ES256')) as CryptoKey,
    publicKey: (await importJWK(record.publicJwk, 'ES256')) as CryptoKey,
  };
}

const KEY = await keyPair();
const OTHER_KEY = await keyPair();

const user: UserRecord = {
  id: 'user-1',
  tenant: 'acme',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  roles: ['deepdesk.agent', 'deepdesk.manager'],
  confirmed: true,
  createdAt: NOW - 30 * 24 * HOUR,
  updatedAt: NOW - 30 * 24 * HOUR,
  disabledAt: null,
};

const session = (overrides: Partial<SessionRecord> = {}): SessionRecord => ({
  id: 'sess-1',
  tenant: 'acme',
  userId: 'user-1',
  method: 'sso',
  createdAt: NOW - HOUR,
  expiresAt: NOW + 23 * HOUR,
  revokedAt: null,
  revokeReason: null,
  via: null,
  identityIssuer: null,
  identitySubject: null,
  ...overrides,
});

const sign = (overrides: { session?: SessionRecord; ttlSeconds?: number; now?: number } = {}) =>
  signAccessToken({
    issuer: ISSUER,
    user,
    session: overrides.session ?? session(),
    now: overrides.now ?? NOW,
    ttlSeconds: overrides.ttlSeconds ?? 900,
    key: { kid: KEY.kid, privateKey: KEY.privateKey },
  });

const keys = new Map<string, Es256Key>([[KEY.kid, KEY.publicKey]]);

const verify = (token: string, overrides: { tenant?: string; now?: number; issuer?: string } = {}) =>
  verifyAccessToken(token, {
    issuer: overrides.issuer ?? ISSUER,
    tenant: overrides.tenant ?? 'acme',
    now: overrides.now ?? NOW,
    getKey: async (kid) => keys.get(kid),
  });

/** A token with the right header and claims, signed by `key`, for crafting near misses. */
function craft(
  claims: Record<string, unknown>,
  header: { alg?: string; kid?: string; typ?: string } = {},
  key: CryptoKey | Uint8Array = KEY.privateKey,
) {
  return new SignJWT({ sid: 'sess-1', tenant: 'acme', roles: ['deepdesk.agent'], confirmed: true, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: KEY.kid, typ: 'at+jwt', ...header })
    .setIssuer(ISSUER)
    .setAudience(accessAudience(ISSUER, 'acme'))
    .setSubject('user-1')
    .setIssuedAt(NOW_S)
    .setExpirationTime(NOW_S + 900)
    .sign(key);
}

const code = (expected: string) => (e: unknown) => {
  assert.ok(e instanceof DeskgateError, `expected a DeskgateError, got ${String(e)}`);
  assert.equal(e.code, expected);
  assert.equal(e.status, 401);
  return true;
};

describe('accessAudience', () => {
  it('is the issuer followed by the tenant path', () => {
    assert.equal(accessAudience(ISSUER, 'acme'), 'https://auth.example.com/t/acme');
  });
});

describe('signAccessToken', () => {
  it('signs an ES256 at+jwt with the key id', async () => {
    const { token } = await sign();
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'ES256', kid: KEY.kid, typ: 'at+jwt' });
  });

  it('carries the user, session and tenant claims', async () => {
    const { token } = await sign();
    assert.deepEqual(decodeJwt(token), {
      sid: 'sess-1',
      tenant: 'acme',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      roles: ['deepdesk.agent', 'deepdesk.manager'],
      confirmed: true,
      iss: ISSUER,
      aud: 'https://auth.example.com/t/acme',
      sub: 'user-1',
      iat: NOW_S,
      exp: NOW_S + 900,
    });
  });

  it('returns expiresAt as the exp in milliseconds', async () => {
    assert.equal((await sign({ ttlSeconds: 900 })).expiresAt, NOW + 900_000);
  });

  it('caps exp at the session expiresAt', async () => {
    const { token, expiresAt } = await sign({
      session: session({ expiresAt: NOW + 300_000 }),
      ttlSeconds: 900,
    });
    assert.equal(decodeJwt(token).exp, NOW_S + 300);
    assert.equal(expiresAt, NOW + 300_000);
  });

  it('rounds a sub-second session end down so the token never outlives it', async () => {
    const { expiresAt } = await sign({ session: session({ expiresAt: NOW + 300_999 }), ttlSeconds: 900 });
    assert.equal(expiresAt, NOW + 300_000);
  });

  it('keeps the ttl when the session lasts longer', async () => {
    const { token } = await sign({ session: session({ expiresAt: NOW + 900_001 }), ttlSeconds: 900 });
    assert.equal(decodeJwt(token).exp, NOW_S + 900);
  });

  it('writes null email and name for a user without them', async () => {
    const { token } = await signAccessToken({
      issuer: ISSUER,
      user: { ...user, email: null, name: null },
      session: session(),
      now: NOW,
      ttlSeconds: 900,
      key: { kid: KEY.kid, privateKey: KEY.privateKey },
    });
    const claims = decodeJwt(token);
    assert.equal(claims.email, null);
    assert.equal(claims.name, null);
  });
});

describe('verifyAccessToken', () => {
  it('returns the claims of a token it signed', async () => {
    const { token } = await sign();
    const claims = await verify(token);
    assert.equal(claims.sub, 'user-1');
    assert.equal(claims.sid, 'sess-1');
    assert.equal(claims.tenant, 'acme');
    assert.deepEqual(claims.roles, ['deepdesk.agent', 'deepdesk.manager']);
    assert.equal(claims.exp, NOW_S + 900);
  });

  it('asks getKey for the kid in the header', async () => {
    const { token } = await sign();
    const asked: string[] = [];
    await verifyAccessToken(token, {
      issuer: ISSUER,
      tenant: 'acme',
      now: NOW,
      getKey: async (kid) => {
        asked.push(kid);
        return KEY.publicKey;
      },
    });
    assert.deepEqual(asked, [KEY.kid]);
  });

  it('accepts the token one second before exp', async () => {
    const { token } = await sign();
    assert.equal((await verify(token, { now: NOW + 899_999 })).sub, 'user-1');
  });

  it('rejects the token at exp as session_expired', async () => {
    const { token } = await sign();
    await assert.rejects(verify(token, { now: NOW + 900_000 }), code('session_expired'));
  });

  it('rejects a token capped by the session once the session ended as session_expired', async () => {
    const { token } = await sign({ session: session({ expiresAt: NOW + 60_000 }) });
    await assert.rejects(verify(token, { now: NOW + 60_000 }), code('session_expired'));
  });

  it("rejects another tenant's token as session_invalid", async () => {
    const { token } = await sign({ session: session({ tenant: 'globex' }) });
    await assert.rejects(verify(token, { tenant: 'acme' }), code('session_invalid'));
  });

  it('rejects a token whose tenant claim disagrees with its audience as session_invalid', async () => {
    const token = await craft({ tenant: 'globex' });
    await assert.rejects(verify(token), code('session_invalid'));
  });

  it('rejects a token from another issuer as session_invalid', async () => {
    const { token } = await sign();
    await assert.rejects(verify(token, { issuer: 'https://evil.example.com' }), code('session_invalid'));
  });

  it('rejects an unknown kid as session_invalid', async () => {
    const token = await craft({}, { kid: 'k9-unknown' });
    await assert.rejects(verify(token), (e: unknown) => {
      code('session_invalid')(e);
      assert.match((e as Error).message, /unknown key/);
      return true;
    });
  });

  it('rejects a token without kid as session_invalid', async () => {
    const token = await new SignJWT({ sid: 'sess-1', tenant: 'acme' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(accessAudience(ISSUER, 'acme'))
      .setSubject('user-1')
      .setIssuedAt(NOW_S)
      .setExpirationTime(NOW_S + 900)
      .sign(KEY.privateKey);
    await assert.rejects(verify(token), code('session_invalid'));
  });

  it('rejects a token signed by another key under a known kid as session_invalid', async () => {
    const token = await craft({}, {}, OTHER_KEY.privateKey);
    await assert.rejects(verify(token), code('session_invalid'));
  });

  it('rejects a token whose payload was altered as session_invalid', async () => {
    const { token } = await sign();
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(new TextDecoder().decode(base64urlDecode(payload!)));
    claims.roles = ['deepdesk.manager', 'deepdesk.editor'];
    const forged = `${header}.${base64urlEncode(new TextEncoder().encode(JSON.stringify(claims)))}.${signature}`;
    await assert.rejects(verify(forged), code('session_invalid'));
  });

  it('rejects a token whose signature was altered as session_invalid', async () => {
    const { token } = await sign();
    const signature = base64urlDecode(token.split('.')[2]!);
    signature[10]! ^= 0x01;
    const forged = `${token.split('.').slice(0, 2).join('.')}.${base64urlEncode(signature)}`;
    await assert.rejects(verify(forged), code('session_invalid'));
  });

  it('rejects a token that is not a JWT as session_invalid', async () => {
    for (const token of ['', 'not-a-jwt', 'a.b.c', 'a.b']) {
      await assert.rejects(verify(token), code('session_invalid'), JSON.stringify(token));
    }
  });

  it('rejects a token of another type (an ID token) as session_invalid', async () => {
    const token = await craft({}, { typ: 'JWT' });
    await assert.rejects(verify(token), code('session_invalid'));
  });

  it('rejects an HS256 token signed with the public key bytes (algorithm confusion) as session_invalid', async () => {
    const jwk = await crypto.subtle.exportKey('jwk', KEY.publicKey);
    const secret = new TextEncoder().encode(JSON.stringify(jwk));
    const token = await craft({}, { alg: 'HS256' }, secret);
    await assert.rejects(verify(token), code('session_invalid'));
  });

  it('rejects a token without sid as session_invalid', async () => {
    const token = await craft({ sid: undefined });
    assert.equal(decodeJwt(token).sid, undefined);
    await assert.rejects(verify(token), code('session_invalid'));
  });

  it('never echoes the token in its error message', async () => {
    const { token } = await sign();
    await assert.rejects(
      verify(token, { now: NOW + HOUR }),
      (e: unknown) => e instanceof DeskgateError && !e.message.includes(token.split('.')[2]!),
    );
  });
});

describe('verifyAccessToken with Wycheproof ES256 JWS vectors', () => {
  const wycheproofKey = importJWK(WYCHEPROOF_ES256_PUBLIC_JWK, 'ES256');
  const getKey = async (kid: string) =>
    kid === 'kid-ec-sign' ? ((await wycheproofKey) as CryptoKey) : undefined;

  it('uses an intact vector: case 18 verifies as a plain JWS under the group key', async () => {
    const valid = WYCHEPROOF_ES256_CASES.find((c) => c.tcId === 18)!;
    const { payload } = await compactVerify(valid.jws, await wycheproofKey);
    assert.equal(new TextDecoder().decode(payload), 'foo');
  });

  for (const c of WYCHEPROOF_ES256_CASES) {
    it(`rejects tcId ${c.tcId} (${c.comment}, ${c.result} as a JWS) as session_invalid: it is no access token`, async () => {
      await assert.rejects(
        verifyAccessToken(c.jws, { issuer: ISSUER, tenant: 'acme', now: NOW, getKey }),
        code('session_invalid'),
      );
    });
  }
});

describe('sessionInfo', () => {
  it('maps the claims and writes both expiries as ISO dates', async () => {
    const { token } = await sign();
    const claims: AccessClaims = await verify(token);
    assert.deepEqual(sessionInfo(claims, NOW + 23 * HOUR), {
      tenant: 'acme',
      user: {
        id: 'user-1',
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        roles: ['deepdesk.agent', 'deepdesk.manager'],
        confirmed: true,
        identity: null,
      },
      accessExpiresAt: '2026-11-21T12:15:00.000Z',
      sessionExpiresAt: '2026-11-22T11:00:00.000Z',
    });
  });

  it('carries the identity the session signed in with as the `idp` claim, and back as `identity`', async () => {
    const { token } = await sign({
      session: session({ identityIssuer: 'https://idp.example.com', identitySubject: 'sub-7' }),
    });
    const claims: AccessClaims = await verify(token);
    assert.deepEqual(claims.idp, { iss: 'https://idp.example.com', sub: 'sub-7' });
    assert.deepEqual(sessionInfo(claims, NOW + HOUR).user.identity, {
      issuer: 'https://idp.example.com',
      subject: 'sub-7',
    });
    assert.equal(sessionInfo({ ...claims, idp: { iss: 1 } as never }, NOW + HOUR).user.identity, null);
  });
});
