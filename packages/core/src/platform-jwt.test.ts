import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import { describe, it } from 'vitest';
import { DeskgateError } from './errors.ts';
import {
  type CheckStep,
  CLOCK_LEEWAY_SECONDS,
  MAX_TOKEN_BYTES,
  PLATFORM_JWT_CHECKS,
  type PlatformJwtContext,
  readJwtHeader,
  scanTopLevelKeys,
  type VerificationKey,
  verifyPlatformJwt,
  verifyPlatformJwtSignature,
} from './platform-jwt.ts';
import { mapClaims, readJsonPointer, rolesFromGroups } from './platform-jwt-claims.ts';
import {
  type ClaimMapping,
  JWT_PRESET_MAPPINGS,
  type JwtProfileConfig,
  type PlatformJwtConfig,
  parsePlatformJwtConfig,
} from './platform-jwt-config.ts';
import { importJwksKeys } from './platform-jwt-jwks.ts';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const NOW_S = NOW / 1000;
const TENANT = 'acme';
const RUNS = { numRuns: 200 };

const SESSION_SECRET_TEXT = 'session-secret-0123456789abcdefghij';
const SESSION_SECRET = new TextEncoder().encode(SESSION_SECRET_TEXT);
const ONE_TIME_SECRET = new TextEncoder().encode('one-time-secret-0123456789abcdefgh');
const SESSION_KEY: VerificationKey = { kid: 's-1', alg: 'HS256', profile: 'session', key: SESSION_SECRET };
const ONE_TIME_KEY: VerificationKey = { kid: 'o-1', alg: 'HS256', profile: 'one-time', key: ONE_TIME_SECRET };

const CONFIG: PlatformJwtConfig = parsePlatformJwtConfig(
  {
    profiles: {
      session: { claims: { id: '/sub', email: '/email', name: '/name', groups: '/groups' } },
      'one-time': { preset: 'deskpro' },
    },
  },
  'tenant.platformJwt',
);

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const HASH: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

/** A compact JWS over the exact header and payload text given (objects are JSON.stringify'd), HMAC-signed. */
function hmacToken(header: unknown, payload: unknown, secret: Uint8Array = SESSION_SECRET, alg = 'HS256') {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(HASH[alg] ?? 'sha256', secret)
    .update(input)
    .digest('base64url')}`;
}

const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'user-42',
  email: 'Agent@Example.com',
  name: 'Ada Agent',
  iat: NOW_S - 10,
  exp: NOW_S + 600,
  ...extra,
});
const sessionToken = (extra: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
  hmacToken({ alg: 'HS256', typ: 'JWT', kid: 's-1', ...header }, claims(extra));
const oneTimeClaims = (extra: Record<string, unknown> = {}) => ({
  id: 1234,
  email: 'agent@example.com',
  first_name: 'Ada',
  last_name: 'Agent',
  jti: 'jti-0001',
  iat: NOW_S - 5,
  exp: NOW_S + 240,
  ...extra,
});
const oneTimeToken = (extra: Record<string, unknown> = {}) =>
  hmacToken({ alg: 'HS256', kid: 'o-1' }, oneTimeClaims(extra), ONE_TIME_SECRET);

function ctx(overrides: Partial<PlatformJwtContext> = {}): PlatformJwtContext {
  return {
    tenant: TENANT,
    defaultProfile: 'session',
    config: CONFIG,
    keys: [SESSION_KEY, ONE_TIME_KEY],
    now: NOW,
    ...overrides,
  };
}

function withProfile(name: 'session' | 'one-time', changes: Partial<JwtProfileConfig>): PlatformJwtConfig {
  const profile = CONFIG.profiles[name]!;
  return { ...CONFIG, profiles: { ...CONFIG.profiles, [name]: { ...profile, ...changes } } };
}

/** Asserts the DeskgateError code, and that the message repeats neither the token's parts nor a secret. */
async function refuses(token: string, context: PlatformJwtContext, code: string, check?: string) {
  const steps: CheckStep[] = [];
  const onStep = (step: CheckStep) => {
    steps.push(step);
    context.onStep?.(step);
  };
  await assert.rejects(verifyPlatformJwt(token, { ...context, onStep }), (e: unknown) => {
    assert.ok(e instanceof DeskgateError, `expected a DeskgateError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const part of token.split('.')) if (part.length > 8) assert.ok(!e.message.includes(part), e.message);
    assert.ok(!e.message.includes(SESSION_SECRET_TEXT));
    if (check !== undefined) assert.equal(steps.at(-1)?.check, check);
    return true;
  });
}

describe('verifyPlatformJwt: the F5 Tracebuzz vector', () => {
  // requirements.md F5: header, payload and secret as given; the signature must come out as documented.
  const header = '{"alg":"HS256","typ":"JWT"}';
  const payload =
    '{"iat":1620658801,"exp":1620687601,"identity":{"account":"<platform>","user_id":"1234",' +
    '"user_name":"John Doe","user_email":"john.doe@platform.com"},"type":"access"}';
  const secret = new TextEncoder().encode('your-256-bit-secret');
  const token = `${b64(header)}.${b64(payload)}.nYuvVHaOI2TirhbTFvCX-086i7ZNM9f_f7YK5SL51P4`;
  const config = parsePlatformJwtConfig(
    { profiles: { session: { preset: 'tracebuzz', account: '<platform>' } } },
    'tenant.platformJwt',
  );
  const context = (now: number) =>
    ctx({ config, now, keys: [{ kid: 'tracebuzz', alg: 'HS256', profile: 'session', key: secret }] });

  it('rebuilds to the documented signature', () => {
    assert.equal(hmacToken(header, payload, secret), token);
  });

  it('verifies inside its window (no kid: the one session key) and maps the user', async () => {
    const verified = await verifyPlatformJwt(token, context((1620658801 + 3600) * 1000));
    assert.deepEqual(verified.identity, {
      id: '1234',
      email: 'john.doe@platform.com',
      name: 'John Doe',
      groups: [],
    });
    assert.equal(verified.profile, 'session');
    assert.equal(verified.kid, 'tracebuzz');
    assert.equal(verified.jti, null);
    assert.equal(verified.expiresAt, 1620687601 * 1000);
  });

  it('is jwt_expired after exp and the leeway', async () => {
    await refuses(token, context((1620687601 + CLOCK_LEEWAY_SECONDS) * 1000), 'jwt_expired');
    await verifyPlatformJwt(token, context((1620687601 + CLOCK_LEEWAY_SECONDS - 1) * 1000));
  });

  it('is refused for another account (the tenant code by default)', async () => {
    const byTenant = parsePlatformJwtConfig(
      { profiles: { session: { preset: 'tracebuzz' } } },
      'tenant.platformJwt',
    );
    const now = (1620658801 + 60) * 1000;
    await refuses(token, { ...context(now), config: byTenant }, 'jwt_claims_invalid');
  });
});

describe('verifyPlatformJwt: accepted tokens', () => {
  it('a session token with kid: identity mapped, email normalised, no jti to burn', async () => {
    const verified = await verifyPlatformJwt(sessionToken({ groups: ['3', 4], jti: 'x' }), ctx());
    assert.deepEqual(verified.identity, {
      id: 'user-42',
      email: 'agent@example.com',
      name: 'Ada Agent',
      groups: ['3', '4'],
    });
    assert.equal(verified.kid, 's-1');
    assert.equal(verified.jti, null);
    assert.equal(verified.expiresAt, (NOW_S + 600) * 1000);
  });

  it('a one-time (Deskpro remote login) token: numeric id, first and last name, jti', async () => {
    const verified = await verifyPlatformJwt(oneTimeToken(), ctx({ defaultProfile: 'one-time' }));
    assert.equal(verified.profile, 'one-time');
    assert.equal(verified.jti, 'jti-0001');
    assert.deepEqual(verified.identity, {
      id: '1234',
      email: 'agent@example.com',
      name: 'Ada Agent',
      groups: [],
    });
  });

  it("a kid picks the key's profile, whatever the endpoint's default", async () => {
    const verified = await verifyPlatformJwt(oneTimeToken(), ctx({ defaultProfile: 'session' }));
    assert.equal(verified.profile, 'one-time');
  });

  it('no kid: the single key of the default profile', async () => {
    const token = hmacToken({ alg: 'HS256' }, claims());
    assert.equal((await verifyPlatformJwt(token, ctx())).kid, 's-1');
  });

  it('exp, nbf and iat within the clock leeway', async () => {
    const skew = CLOCK_LEEWAY_SECONDS - 1;
    await verifyPlatformJwt(sessionToken({ exp: NOW_S - skew, iat: NOW_S - 100 }), ctx());
    await verifyPlatformJwt(sessionToken({ nbf: NOW_S + skew, iat: NOW_S + skew }), ctx());
  });

  it('HS384 and HS512 secrets', async () => {
    for (const alg of ['HS384', 'HS512']) {
      const key: VerificationKey = { kid: `k-${alg}`, alg, profile: 'session', key: SESSION_SECRET };
      const token = hmacToken({ alg, kid: key.kid }, claims(), SESSION_SECRET, alg);
      assert.equal((await verifyPlatformJwt(token, ctx({ keys: [key] }))).kid, key.kid);
    }
  });

  it('configured audience (one of an array), issuer and typ (case-insensitive)', async () => {
    const config = withProfile('session', {
      audience: ['other', 'deskgate'],
      issuer: 'https://platform.example.com',
      typ: 'jwt',
    });
    const token = sessionToken(
      { aud: ['deskgate', 'x'], iss: 'https://platform.example.com' },
      { typ: 'JWT' },
    );
    await verifyPlatformJwt(token, ctx({ config }));
    const single = sessionToken(
      { aud: 'other', iss: 'https://platform.example.com' },
      { typ: 'application/JWT' },
    );
    await verifyPlatformJwt(single, ctx({ config }));
  });
});

describe('verifyPlatformJwt: every refusal', () => {
  describe('structure', () => {
    it('larger than MAX_TOKEN_BYTES (UTF-8 bytes), also in readJwtHeader', async () => {
      const big = sessionToken({ pad: 'x'.repeat(MAX_TOKEN_BYTES) });
      await refuses(big, ctx(), 'jwt_malformed');
      assert.throws(() => readJwtHeader(big), { code: 'jwt_malformed' });
      // 3000 three-byte characters: 3000 UTF-16 units but 9000 bytes, refused at the size check.
      const steps: CheckStep[] = [];
      await refuses('€'.repeat(3000), ctx({ onStep: (step) => steps.push(step) }), 'jwt_malformed');
      assert.deepEqual(steps.at(-1), {
        check: 'size',
        passed: false,
        detail: `The token is larger than ${MAX_TOKEN_BYTES} bytes`,
      });
    });
    it('JWS JSON serialization', async () => {
      const [h, p, sig] = sessionToken().split('.');
      await refuses(JSON.stringify({ protected: h, payload: p, signature: sig }), ctx(), 'jwt_malformed');
    });
    it('not three parts', async () => {
      const token = sessionToken();
      await refuses(token.split('.').slice(0, 2).join('.'), ctx(), 'jwt_malformed');
      await refuses(`${token}.`, ctx(), 'jwt_malformed');
      await refuses('', ctx(), 'jwt_malformed');
    });
    it('a part that is not canonical base64url', async () => {
      const [h, p, sig] = sessionToken().split('.') as [string, string, string];
      await refuses(`${h}.${p}.${sig}=`, ctx(), 'jwt_malformed');
      await refuses(`${h}.${p}+.${sig}`, ctx(), 'jwt_malformed');
      await refuses(`${h} .${p}.${sig}`, ctx(), 'jwt_malformed');
      // "AB" decodes to one byte but has non-zero unused bits: not the canonical encoding of that byte.
      await refuses(`${h}.AB.${sig}`, ctx(), 'jwt_malformed');
    });
    it('a header that is not a JSON object', async () => {
      await refuses(hmacToken('not json', claims()), ctx(), 'jwt_malformed');
      await refuses(hmacToken('["HS256"]', claims()), ctx(), 'jwt_malformed');
      await refuses(hmacToken('"HS256"', claims()), ctx(), 'jwt_malformed');
    });
    it('a payload that is not a JSON object (array, string, number, null), after a valid signature', async () => {
      for (const payload of ['[1,2]', '"sub"', '42', 'null', 'not json']) {
        await refuses(hmacToken({ alg: 'HS256', kid: 's-1' }, payload), ctx(), 'jwt_malformed');
      }
    });
  });

  describe('header', () => {
    it('a repeated member name', async () => {
      const dup = '{"alg":"none","kid":"s-1","alg":"HS256"}';
      await refuses(hmacToken(dup, claims()), ctx(), 'jwt_header_invalid');
    });
    it('a repeated member name hidden by an escape', async () => {
      const dup = '{"alg":"HS256","kid":"s-1","\\u006bid":"o-1"}';
      await refuses(hmacToken(dup, claims()), ctx(), 'jwt_header_invalid');
    });
    it('alg missing', () => refuses(hmacToken({ kid: 's-1' }, claims()), ctx(), 'jwt_signature_invalid'));
    it('alg "none" in any case', async () => {
      for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
        await refuses(`${b64({ alg, kid: 's-1' })}.${b64(claims())}.`, ctx(), 'jwt_signature_invalid');
      }
    });
    it('crit', () =>
      refuses(sessionToken({}, { crit: ['exp'], exp: NOW_S + 600 }), ctx(), 'jwt_header_invalid'));
    it('b64', () => refuses(sessionToken({}, { b64: true }), ctx(), 'jwt_header_invalid'));
    for (const member of ['jku', 'x5u', 'jwk', 'x5c']) {
      it(member, () =>
        refuses(sessionToken({}, { [member]: 'https://evil.example/key' }), ctx(), 'jwt_header_invalid'),
      );
    }
    it('kid not a string', () => refuses(sessionToken({}, { kid: 1 }), ctx(), 'jwt_header_invalid'));
    it('kid longer than 256', () =>
      refuses(sessionToken({}, { kid: 'k'.repeat(257) }), ctx(), 'jwt_header_invalid'));
    it('readJwtHeader gives alg, kid and typ of a well-formed token', () => {
      assert.deepEqual(readJwtHeader(sessionToken()), { alg: 'HS256', kid: 's-1', typ: 'JWT' });
      assert.deepEqual(readJwtHeader(hmacToken({ alg: 'HS512' }, claims())), { alg: 'HS512' });
    });
  });

  describe('key selection and algorithm', () => {
    it('an unknown kid', () => refuses(sessionToken({}, { kid: 's-2' }), ctx(), 'jwt_key_unknown'));
    it('no kid and two keys of the default profile', () => {
      const second = { ...SESSION_KEY, kid: 's-2' };
      return refuses(
        hmacToken({ alg: 'HS256' }, claims()),
        ctx({ keys: [SESSION_KEY, second] }),
        'jwt_key_unknown',
      );
    });
    it('no kid and no key of the default profile', () =>
      refuses(hmacToken({ alg: 'HS256' }, claims()), ctx({ keys: [ONE_TIME_KEY] }), 'jwt_key_unknown'));
    it("the key's profile is not configured", () => {
      const config = { ...CONFIG, profiles: { session: CONFIG.profiles.session! } };
      return refuses(oneTimeToken(), ctx({ config }), 'jwt_not_configured');
    });
    it('no kid and the default profile is not configured', () => {
      const config = { ...CONFIG, profiles: { session: CONFIG.profiles.session! } };
      const token = hmacToken({ alg: 'HS256' }, oneTimeClaims(), ONE_TIME_SECRET);
      return refuses(token, ctx({ config, defaultProfile: 'one-time' }), 'jwt_not_configured');
    });
    it("alg other than the key's (HS384 token, HS256 key)", () => {
      const token = hmacToken({ alg: 'HS384', kid: 's-1' }, claims(), SESSION_SECRET, 'HS384');
      return refuses(token, ctx(), 'jwt_signature_invalid', 'algorithm');
    });
    it('a wrong signature', async () => {
      const token = hmacToken({ alg: 'HS256', kid: 's-1' }, claims(), ONE_TIME_SECRET);
      await refuses(token, ctx(), 'jwt_signature_invalid', 'signature');
      const [h, p] = sessionToken().split('.');
      await refuses(`${h}.${p}.`, ctx(), 'jwt_signature_invalid');
      // The right MAC cut short or run on: a prefix match is no match.
      const mac = Buffer.from(sessionToken().split('.')[2]!, 'base64url');
      for (const bytes of [mac.subarray(0, 16), mac.subarray(0, 31), Buffer.concat([mac, mac])])
        await refuses(
          `${h}.${p}.${bytes.toString('base64url')}`,
          ctx(),
          'jwt_signature_invalid',
          'signature',
        );
    });
  });

  describe('claims', () => {
    it('exp missing', () => refuses(sessionToken({ exp: undefined }), ctx(), 'jwt_claims_invalid'));
    it('exp not a number', () =>
      refuses(sessionToken({ exp: String(NOW_S + 60) }), ctx(), 'jwt_claims_invalid'));
    it('expired', () => refuses(sessionToken({ exp: NOW_S - CLOCK_LEEWAY_SECONDS }), ctx(), 'jwt_expired'));
    it('nbf in the future', () =>
      refuses(sessionToken({ nbf: NOW_S + CLOCK_LEEWAY_SECONDS + 1 }), ctx(), 'jwt_not_yet_valid'));
    it('nbf not a number', () => refuses(sessionToken({ nbf: 'now' }), ctx(), 'jwt_claims_invalid'));
    it('iat in the future', () =>
      refuses(sessionToken({ iat: NOW_S + CLOCK_LEEWAY_SECONDS + 1 }), ctx(), 'jwt_not_yet_valid'));
    it('iat not a number', () => refuses(sessionToken({ iat: null }), ctx(), 'jwt_claims_invalid'));
    it('iat missing on a one-time token', () =>
      refuses(oneTimeToken({ iat: undefined }), ctx(), 'jwt_claims_invalid'));
    it('a lifetime beyond the profile maximum, from iat', () =>
      refuses(sessionToken({ iat: NOW_S - 10, exp: NOW_S - 10 + 86401 }), ctx(), 'jwt_claims_invalid'));
    it('a lifetime beyond the profile maximum, from now without iat', () =>
      refuses(sessionToken({ iat: undefined, exp: NOW_S + 86401 }), ctx(), 'jwt_claims_invalid'));
    it('a one-time token living longer than five minutes', () =>
      refuses(oneTimeToken({ iat: NOW_S, exp: NOW_S + 301 }), ctx(), 'jwt_claims_invalid'));
    it('jti missing on a one-time token', () =>
      refuses(oneTimeToken({ jti: undefined }), ctx(), 'jwt_claims_invalid'));
    it('jti empty, too long or not a string', async () => {
      for (const jti of ['', 'j'.repeat(256), 42])
        await refuses(oneTimeToken({ jti }), ctx(), 'jwt_claims_invalid');
    });
    it('audience not matching, or absent', async () => {
      const config = withProfile('session', { audience: ['deskgate'] });
      await refuses(sessionToken({ aud: 'someone-else' }), ctx({ config }), 'jwt_claims_invalid');
      await refuses(sessionToken({ aud: [7] }), ctx({ config }), 'jwt_claims_invalid');
      await refuses(sessionToken(), ctx({ config }), 'jwt_claims_invalid');
    });
    it('issuer not matching', () => {
      const config = withProfile('session', { issuer: 'https://platform.example.com' });
      return refuses(
        sessionToken({ iss: 'https://evil.example.com' }),
        ctx({ config }),
        'jwt_claims_invalid',
      );
    });
    it('typ not matching, or absent', async () => {
      const config = withProfile('session', { typ: 'JWT' });
      await refuses(sessionToken({}, { typ: 'at+jwt' }), ctx({ config }), 'jwt_claims_invalid');
      await refuses(sessionToken({}, { typ: undefined }), ctx({ config }), 'jwt_claims_invalid');
    });
    it('tracebuzz: type other than "access"', () => {
      const config = parsePlatformJwtConfig({ profiles: { session: { preset: 'tracebuzz' } } }, 'p');
      const token = sessionToken({ identity: { account: TENANT, user_id: '1' }, type: 'refresh' });
      return refuses(token, ctx({ config }), 'jwt_claims_invalid');
    });
    it('tracebuzz: identity.account other than the account', () => {
      const config = parsePlatformJwtConfig({ profiles: { session: { preset: 'tracebuzz' } } }, 'p');
      const token = sessionToken({ identity: { account: 'other', user_id: '1' }, type: 'access' });
      return refuses(token, ctx({ config }), 'jwt_claims_invalid');
    });
    it('a mapped claim of the wrong type', () =>
      refuses(sessionToken({ email: ['a@b.c'] }), ctx(), 'jwt_claims_invalid'));
    it('neither id nor email', () =>
      refuses(sessionToken({ sub: undefined, email: undefined }), ctx(), 'jwt_claims_invalid'));
  });
});

// Generated once for the file: one key pair per JWKS algorithm, published as a JWK Set.
const JWKS_CONFIG = withProfile('session', { jwksUri: 'https://platform.example.com/jwks.json' });
const pairs = await Promise.all(
  ['RS256', 'PS256', 'ES256', 'EdDSA'].map(async (alg) => ({
    alg,
    ...(await generateKeyPair(alg, { extractable: true })),
  })),
);
const jwks = {
  keys: await Promise.all(
    pairs.map(async ({ alg, publicKey }) => ({
      ...(await exportJWK(publicKey)),
      alg,
      kid: `jwks-${alg}`,
      use: 'sig',
    })),
  ),
};
const { keys, skipped } = await importJwksKeys(jwks, 'session');
const sign = (alg: string, privateKey: CryptoKey, header: Record<string, unknown> = {}) =>
  new SignJWT(claims()).setProtectedHeader({ alg, kid: `jwks-${alg}`, ...header }).sign(privateKey);

describe('asymmetric keys from a JWKS', () => {
  it('imports every key of the four algorithms', () => {
    assert.deepEqual(skipped, []);
    assert.deepEqual(
      keys.map((k) => [k.kid, k.alg, k.profile]),
      pairs.map(({ alg }) => [`jwks-${alg}`, alg, 'session']),
    );
  });

  for (const { alg, privateKey } of pairs) {
    it(`verifies ${alg}`, async () => {
      const verified = await verifyPlatformJwt(
        await sign(alg, privateKey),
        ctx({ config: JWKS_CONFIG, keys }),
      );
      assert.equal(verified.kid, `jwks-${alg}`);
      assert.equal(verified.identity.id, 'user-42');
    });
  }

  it('an algorithm the profile does not allow', async () => {
    const config = withProfile('session', {
      jwksUri: 'https://platform.example.com/jwks.json',
      algorithms: ['ES256'],
    });
    const { alg, privateKey } = pairs[0]!;
    await refuses(await sign(alg, privateKey), ctx({ config, keys }), 'jwt_signature_invalid', 'algorithm');
  });

  it('an HS256 token naming an RS256 key (the key confusion attack)', async () => {
    const rsa = jwks.keys[0]!;
    const token = hmacToken(
      { alg: 'HS256', kid: 'jwks-RS256' },
      claims(),
      new TextEncoder().encode(JSON.stringify(rsa)),
    );
    await refuses(token, ctx({ config: JWKS_CONFIG, keys }), 'jwt_signature_invalid', 'algorithm');
  });

  it('an RS256 token naming an HS256 secret', async () => {
    const { privateKey } = pairs[0]!;
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', kid: 's-1' })
      .sign(privateKey);
    await refuses(token, ctx(), 'jwt_signature_invalid', 'algorithm');
  });

  it('a secret on a JWKS profile, a JWKS key on a secrets profile', async () => {
    await refuses(sessionToken(), ctx({ config: JWKS_CONFIG }), 'jwt_signature_invalid', 'algorithm');
    const { alg, privateKey } = pairs[2]!;
    await refuses(await sign(alg, privateKey), ctx({ keys }), 'jwt_signature_invalid', 'algorithm');
  });

  it('skips keys that must not verify, saying why', async () => {
    const [rsa, , ec] = jwks.keys as unknown as [Record<string, unknown>, unknown, Record<string, unknown>];
    const result = await importJwksKeys(
      {
        keys: [
          { ...rsa, kid: 'enc', use: 'enc' },
          { ...rsa, kid: 'ops', key_ops: ['encrypt'] },
          { ...rsa, kid: 'no-alg', alg: undefined },
          { ...rsa, kid: 'rs512', alg: 'RS512' },
          { ...ec, kid: 'wrong-kty', alg: 'RS256' },
          { ...ec, kid: 'private', d: 'AAAA' },
          { kty: 'oct', k: 'c2VjcmV0', alg: 'HS256', kid: 'oct' },
          'not a key',
        ],
      },
      'session',
    );
    assert.deepEqual(result.keys, []);
    assert.deepEqual(
      result.skipped.map((s) => s.kid),
      ['enc', 'ops', 'no-alg', 'rs512', 'wrong-kty', 'private', 'oct', null],
    );
    assert.deepEqual((await importJwksKeys([], 'session')).skipped, [{ kid: null, reason: 'not a JWK Set' }]);
  });
});

describe('Wycheproof JSON Web Signature vectors', () => {
  interface Vector {
    tcId: number;
    comment: string;
    jws: string;
    result: 'valid' | 'invalid';
  }
  interface Group {
    comment: string;
    public?: Record<string, unknown>;
    private?: Record<string, unknown>;
    tests: Vector[];
  }
  const file = JSON.parse(
    readFileSync(new URL('./fixtures/wycheproof/json_web_signature_test.json', import.meta.url), 'utf8'),
  ) as { numberOfTests: number; testGroups: Group[] };
  const SUPPORTED = ['HS256', 'HS384', 'HS512', 'RS256', 'PS256', 'ES256', 'EdDSA'];
  /** Vectors whose verdict we deliberately do not share, and why. */
  const DEVIATIONS: Record<number, { ours: 'valid' | 'invalid'; code?: string; why: string }> = {
    346: {
      ours: 'invalid',
      code: 'jwt_signature_invalid',
      why: 'RFC 7520 figure 20 is PS384 under a JWK that says PS256: alg must equal the key alg',
    },
    350: { ours: 'invalid', code: 'jwt_signature_invalid', why: 'as 346' },
    367: {
      ours: 'valid',
      why: 'byte-identical to tcId 357 (valid): the padding its comment names is absent',
    },
    370: {
      ours: 'valid',
      why: 'byte-identical to tcId 357 (valid): the padding its comment names is absent',
    },
    372: {
      ours: 'invalid',
      code: 'jwt_malformed',
      why: '"?" in the header is not base64url; the MAC covers the text without it, not the JWS signing input',
    },
    373: { ours: 'invalid', code: 'jwt_malformed', why: 'as 372, in the payload' },
  };
  const decode = (text: unknown) => new Uint8Array(Buffer.from(String(text), 'base64url'));

  it('has every vector of the file', () => {
    assert.equal(
      file.testGroups.reduce((n, g) => n + g.tests.length, 0),
      file.numberOfTests,
    );
    const valid357 = file.testGroups.flatMap((g) => g.tests).find((t) => t.tcId === 357)!;
    for (const id of [367, 370]) {
      assert.equal(file.testGroups.flatMap((g) => g.tests).find((t) => t.tcId === id)!.jws, valid357.jws);
    }
  });

  for (const [index, group] of file.testGroups.entries()) {
    const jwk = group.private?.kty === 'oct' ? group.private : group.public;
    const alg = typeof jwk?.alg === 'string' ? jwk.alg : '(none)';
    const supported = SUPPORTED.includes(alg);
    const title = `group ${index} ${group.comment} (${alg}, ${group.tests.length} vectors)${supported ? '' : ': unsupported, all refused'}`;
    it(title, async () => {
      let keys: VerificationKey[];
      let config: PlatformJwtConfig;
      if (jwk?.kty === 'oct') {
        keys = [{ kid: String(jwk.kid), alg, profile: 'session', key: decode(jwk.k) }];
        config = CONFIG;
      } else {
        config = withProfile('session', { jwksUri: 'https://platform.example.com/jwks.json' });
        if (supported || alg === '(none)') {
          // As the API would: importJwksKeys skips keys without alg, for encryption, or not for verify.
          ({ keys } = await importJwksKeys({ keys: [jwk] }, 'session'));
        } else {
          // importJwksKeys would skip it; imported by hand, the algorithm step must refuse it. ("ES521" of the
          // RFC 7520 groups is no JOSE name: jose cannot import it, and without a key every vector is refused.)
          const key = (await importJWK(jwk as never, alg).catch(() => undefined)) as CryptoKey | undefined;
          keys = key ? [{ kid: String(jwk?.kid), alg, profile: 'session', key }] : [];
        }
      }
      const mismatches: string[] = [];
      for (const vector of group.tests) {
        const deviation = supported ? DEVIATIONS[vector.tcId] : undefined;
        const expected = !supported ? 'invalid' : (deviation?.ours ?? vector.result);
        const steps: CheckStep[] = [];
        const context = { tenant: TENANT, defaultProfile: 'session' as const, config, keys, now: NOW };
        let verdict: string;
        try {
          await verifyPlatformJwtSignature(vector.jws, { ...context, onStep: (step) => steps.push(step) });
          verdict = 'valid';
          // The payloads are not claims sets: the full check gets past the signature and stops at the payload.
          await assert.rejects(verifyPlatformJwt(vector.jws, context), { code: 'jwt_malformed' });
        } catch (error) {
          assert.ok(error instanceof DeskgateError, `tcId ${vector.tcId}: ${String(error)}`);
          assert.match(error.code, /^jwt_/);
          if (deviation?.code) assert.equal(error.code, deviation.code, `tcId ${vector.tcId}`);
          assert.equal(steps.at(-1)?.passed, false);
          verdict = 'invalid';
        }
        if (verdict !== expected) mismatches.push(`tcId ${vector.tcId} ${vector.comment}: ${verdict}`);
      }
      assert.deepEqual(mismatches, []);
    });
  }
});

describe('onStep', () => {
  it('reports every check in order, all passed, for an accepted token', async () => {
    const steps: CheckStep[] = [];
    await verifyPlatformJwt(sessionToken(), ctx({ onStep: (step) => steps.push(step) }));
    assert.deepEqual(
      steps.map((s) => s.check),
      PLATFORM_JWT_CHECKS,
    );
    assert.ok(steps.every((s) => s.passed && s.detail.length > 0));
  });

  it('stops at the failing check, reported last with passed false and the error message', async () => {
    const cases: [string, PlatformJwtContext, string][] = [
      [sessionToken({ exp: NOW_S - 3600, iat: NOW_S - 7200 }), ctx(), 'exp'],
      [sessionToken({}, { kid: 'nope' }), ctx(), 'key'],
      ['a.b', ctx(), 'format'],
      [sessionToken({ sub: 7.5, email: 12 }), ctx(), 'identity'],
    ];
    for (const [token, context, failing] of cases) {
      const steps: CheckStep[] = [];
      const error = await verifyPlatformJwt(token, { ...context, onStep: (s) => steps.push(s) }).catch(
        (e) => e,
      );
      assert.ok(error instanceof DeskgateError);
      const index = PLATFORM_JWT_CHECKS.indexOf(failing as never);
      assert.deepEqual(
        steps.map((s) => s.check),
        PLATFORM_JWT_CHECKS.slice(0, index + 1),
      );
      assert.ok(steps.slice(0, -1).every((s) => s.passed));
      assert.deepEqual(steps.at(-1), { check: failing, passed: false, detail: error.message });
    }
  });
});

describe('mapClaims', () => {
  const messenger = JWT_PRESET_MAPPINGS.messenger.claims;

  it('resolves RFC 6901 pointers, with ~0 and ~1 escapes and array indexes', () => {
    const doc = { 'a/b': { 'm~n': ['x', { id: 'deep' }] } };
    assert.equal(readJsonPointer(doc, '/a~1b/m~0n/1/id'), 'deep');
    assert.equal(readJsonPointer(doc, '/a~1b/m~0n/01'), undefined);
    assert.equal(readJsonPointer(doc, '/a~1b/m~0n/-'), undefined);
    assert.equal(readJsonPointer({}, '/constructor'), undefined);
    assert.equal(mapClaims(doc, { id: '/a~1b/m~0n/1/id' }).id, 'deep');
  });

  it('Messenger upfront (id only) and on-demand (email, names, groups) payloads', () => {
    assert.deepEqual(mapClaims({ deskpro_id: '42' }, messenger), {
      id: '42',
      email: null,
      name: null,
      groups: [],
    });
    assert.deepEqual(
      mapClaims(
        {
          email: ' John.Smith@Example.COM ',
          first_name: 'John',
          last_name: 'Smith',
          usergroup_ids: ['3', 4, '3'],
        },
        messenger,
      ),
      { id: null, email: 'john.smith@example.com', name: 'John Smith', groups: ['3', '4'] },
    );
  });

  it('ids: numbers become strings, an empty string is absent, null is absent', () => {
    assert.equal(mapClaims({ deskpro_id: 42, email: 'a@b.c' }, messenger).id, '42');
    assert.equal(mapClaims({ deskpro_id: '', email: 'a@b.c' }, messenger).id, null);
    assert.equal(mapClaims({ deskpro_id: null, email: 'a@b.c' }, messenger).id, null);
  });

  it('emails: NFC and lower case; the first of emails[] when email is absent', () => {
    assert.equal(
      mapClaims({ email: 'Ame\u0301lie@Example.com' }, messenger).email,
      'am\u00e9lie@example.com',
    );
    assert.equal(mapClaims({ emails: ['First@x.io', 'second@x.io'] }, messenger).email, 'first@x.io');
    assert.equal(mapClaims({ email: 'main@x.io', emails: ['other@x.io'] }, messenger).email, 'main@x.io');
  });

  it('name, else first and last name', () => {
    assert.equal(mapClaims({ deskpro_id: '1', name: ' Ada ', first_name: 'X' }, messenger).name, 'Ada');
    assert.equal(mapClaims({ deskpro_id: '1', last_name: 'Lovelace' }, messenger).name, 'Lovelace');
  });

  it('refuses wrong types and bad emails, naming the pointer', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ deskpro_id: true }, '/deskpro_id'],
      [{ deskpro_id: { id: 1 } }, '/deskpro_id'],
      [{ deskpro_id: 'x'.repeat(256) }, '/deskpro_id'],
      [{ email: 42 }, '/email'],
      [{ email: 'no-at-sign' }, '/email'],
      [{ email: 'two@at@signs' }, '/email'],
      [{ email: 'with space@x.io' }, '/email'],
      [{ email: '@x.io' }, '/email'],
      [{ email: 'a@' }, '/email'],
      [{ email: `${'a'.repeat(250)}@x.io` }, '/email'],
      [{ emails: 'a@b.c' }, '/emails'],
      [{ emails: ['a@b.c', 3] }, '/emails'],
      [{ emails: ['not an email'] }, '/emails'],
      [{ deskpro_id: '1', name: ['A'] }, '/name'],
      [{ deskpro_id: '1', first_name: 1 }, '/first_name'],
      [{ deskpro_id: '1', usergroup_ids: '3' }, '/usergroup_ids'],
      [{ deskpro_id: '1', usergroup_ids: [{}] }, '/usergroup_ids'],
    ];
    for (const [payload, pointer] of cases) {
      assert.throws(
        () => mapClaims(payload, messenger),
        (e: unknown) =>
          e instanceof DeskgateError && e.code === 'jwt_claims_invalid' && e.message.includes(pointer),
        JSON.stringify(payload),
      );
    }
  });

  it('refuses a payload that names no user', () => {
    assert.throws(() => mapClaims({ name: 'Ada' }, messenger), { code: 'jwt_claims_invalid' });
    assert.throws(() => mapClaims({ email: '  ' }, messenger), { code: 'jwt_claims_invalid' });
  });

  const mappings: ClaimMapping[] = [
    messenger,
    JWT_PRESET_MAPPINGS.tracebuzz.claims,
    JWT_PRESET_MAPPINGS.deskpro.claims,
    { id: '/0', email: '/a/0', groups: '/a' },
  ];
  const anyValue = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });
  const field = fc.oneof(
    anyValue,
    fc.emailAddress(),
    fc.string(),
    fc.integer(),
    fc.array(fc.oneof(fc.string(), fc.integer(), fc.emailAddress())),
  );
  const payloads = fc.oneof(
    fc.dictionary(fc.string(), anyValue),
    fc.record(
      {
        deskpro_id: field,
        id: field,
        email: field,
        emails: field,
        name: field,
        first_name: field,
        last_name: field,
        usergroup_ids: field,
        identity: fc.oneof(
          anyValue,
          fc.record({ user_id: field, user_email: field, user_name: field }, { requiredKeys: [] }),
        ),
      },
      { requiredKeys: [] },
    ),
  );

  it('property: any JSON object maps or throws jwt_claims_invalid, and what it maps is well-typed', () => {
    fc.assert(
      fc.property(payloads, fc.constantFrom(...mappings), (payload, mapping) => {
        let identity: ReturnType<typeof mapClaims>;
        try {
          // Through JSON, as a token payload arrives.
          identity = mapClaims(JSON.parse(JSON.stringify(payload)), mapping);
        } catch (error) {
          assert.ok(error instanceof DeskgateError, String(error));
          assert.equal(error.code, 'jwt_claims_invalid');
          return;
        }
        const { id, email, name, groups } = identity;
        assert.ok(id !== null || email !== null);
        assert.ok(id === null || (typeof id === 'string' && id.length > 0 && id.length <= 255));
        if (email !== null) {
          assert.equal(typeof email, 'string');
          assert.equal(email, email.trim().normalize('NFC').toLowerCase().normalize('NFC'));
          assert.equal(email.split('@').length, 2);
          assert.ok(!/\s/.test(email) && email.length <= 254);
        }
        assert.ok(name === null || (typeof name === 'string' && name.length > 0 && name === name.trim()));
        assert.ok(Array.isArray(groups) && groups.every((g) => typeof g === 'string'));
        assert.equal(new Set(groups).size, groups.length);
      }),
      RUNS,
    );
  });

  it('property: an id placed at any pointer comes back as its string', () => {
    const segment = fc.string({ unit: 'binary', maxLength: 6 });
    const idValue = fc.oneof(
      fc.string({ minLength: 1, maxLength: 127, unit: 'binary' }),
      fc.maxSafeInteger(),
    );
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), idValue, (path, id) => {
        // Object.fromEntries makes own members even of "__proto__", as JSON.parse does.
        const payload = path.reduceRight<unknown>((inner, key) => Object.fromEntries([[key, inner]]), id);
        const pointer = path.map((k) => `/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
        const mapped = mapClaims(JSON.parse(JSON.stringify(payload)), { id: pointer });
        assert.equal(mapped.id, String(id));
      }),
      RUNS,
    );
  });
});

describe('scanTopLevelKeys (duplicate header members)', () => {
  const escapeKey = (key: string, escapes: boolean[]) =>
    `"${[...key]
      .map((c, i) =>
        escapes[i % escapes.length]
          ? c
              .split('')
              .map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`)
              .join('')
          : JSON.stringify(c).slice(1, -1),
      )
      .join('')}"`;
  const space = fc.constantFrom('', ' ', '\n', '\t ', '\r\n  ');
  // A small alphabet of names, so that repeats are common; values nest objects with the same names.
  const key = fc.oneof(
    fc.constantFrom('alg', 'kid', 'typ', 'crit', ''),
    fc.string({ unit: 'binary', maxLength: 4 }),
  );
  const value = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });
  const entries = fc.array(
    fc.tuple(key, value, fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }), space, space),
    {
      maxLength: 8,
    },
  );
  const render = (list: [string, unknown, boolean[], string, string][]) =>
    `{${list.map(([k, v, esc, s1, s2]) => `${s1}${escapeKey(k, esc)}${s2}:${s1}${JSON.stringify(v)}${s2}`).join(',')}}`;

  it('property: finds the generated names, in order with repeats, decoded', () => {
    fc.assert(
      fc.property(entries, (list) => {
        const text = render(list);
        JSON.parse(text); // well-formed JSON, as the scanner requires
        assert.deepEqual(
          scanTopLevelKeys(text),
          list.map(([k]) => k),
        );
      }),
      RUNS,
    );
  });

  it('property: agrees with JSON.parse when the names are distinct', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), value), (object) => {
        const text = JSON.stringify(object, null, 1);
        const sorted = (keys: string[]) => [...keys].sort();
        assert.deepEqual(sorted(scanTopLevelKeys(text)), sorted(Object.keys(JSON.parse(text))));
      }),
      RUNS,
    );
  });

  it('ignores names inside nested values and strings', () => {
    assert.deepEqual(scanTopLevelKeys('{"a":{"a":1,"b":[{"a":2}]},"s":"\\"a\\":{","b":[1,"}"]}'), [
      'a',
      's',
      'b',
    ]);
  });
});

describe('rolesFromGroups', () => {
  const mapping = {
    '3': ['deepdesk.manager'],
    '4': ['deepdesk.editor', 'deepdesk.agent'],
    '5': ['deepdesk.manager'],
  };

  it('is the union of the mapped roles, in ROLES order', () => {
    assert.deepEqual(rolesFromGroups(['3', '4', '5', '9'], mapping, ['deepdesk.agent']), [
      'deepdesk.agent',
      'deepdesk.editor',
      'deepdesk.manager',
    ]);
  });

  it('falls back when no group is mapped, and never reads inherited members', () => {
    assert.deepEqual(rolesFromGroups([], mapping, ['deepdesk.agent']), ['deepdesk.agent']);
    assert.deepEqual(rolesFromGroups(['constructor', '__proto__', 'toString'], mapping, []), []);
  });
});
