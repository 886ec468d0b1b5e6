// Platform-JWT profiles with `jwksUri`: tokens signed with the platform's private keys are verified with the
// public keys of its JWKS, which the API fetches from a real HTTP server on loopback (counting requests),
// caches per instance, refetches for a new kid at most once per cooldown, and keeps through outages.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { paths } from '@deskgate/protocol';
import { type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { JWKS_MAX_BYTES, JWKS_REFETCH_COOLDOWN_MS, JWKS_TTL_MS } from './services/jwks.ts';
import { JwtKeyService } from './services/jwt-keys.ts';
import { createHarness, errorCode, type Harness, Jar, TENANT } from './test/harness.ts';

interface PlatformKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function platformKey(kid: string, alg: string): Promise<PlatformKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, jwk };
}

/** The platform's JWKS endpoint: serves `body` (a JWK Set unless replaced), counts requests, can go down. */
const platform = {
  body: { keys: [] as unknown[] } as unknown,
  raw: undefined as string | undefined,
  requests: 0,
  down: false,
};
let server: Server;
let jwksUri: string;

let rsa: PlatformKey;
let ec: PlatformKey;
let ed: PlatformKey;
let stranger: PlatformKey;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    platform.requests++;
    if (platform.down) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(platform.raw ?? JSON.stringify(platform.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  [rsa, ec, ed, stranger] = await Promise.all([
    platformKey('rsa-1', 'RS256'),
    platformKey('ec-1', 'ES256'),
    platformKey('ed-1', 'EdDSA'),
    platformKey('stranger', 'RS256'),
  ]);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A fresh API instance (so a fresh JWKS cache) whose session profile verifies with the platform's JWKS. */
async function start(keys: PlatformKey[], profile: Record<string, unknown> = {}): Promise<Harness> {
  platform.body = { keys: keys.map((k) => k.jwk) };
  platform.raw = undefined;
  platform.requests = 0;
  platform.down = false;
  h = await createHarness({
    tenant: { platformJwt: { profiles: { session: { preset: 'messenger', jwksUri, ...profile } } } },
  });
  return h;
}

const seconds = () => Math.floor(h!.now() / 1000);

function mint(key: PlatformKey, options: { kid?: string; signer?: PlatformKey } = {}) {
  return new SignJWT({ deskpro_id: `u-${key.kid}`, email: `${key.kid}@example.com`, iat: seconds() })
    .setExpirationTime(seconds() + 600)
    .setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid, typ: 'JWT' })
    .sign((options.signer ?? key).privateKey);
}

let ip = 0;
/** Each call from its own address, so the failure limits of one test never touch another. */
function post(token: string) {
  return h!.sdk(paths.sessionJwt(TENANT), {
    body: { token },
    jar: new Jar(),
    ip: `198.19.${Math.floor(++ip / 250)}.${(ip % 250) + 1}`,
  });
}

async function accepted(token: string, why: string) {
  const response = await post(token);
  assert.equal(response.status, 200, `${why}: ${await response.clone().text()}`);
}

async function refused(token: string, code: string, why: string) {
  const response = await post(token);
  assert.equal(response.status, 401, `${why}: ${await response.clone().text()}`);
  assert.equal(await errorCode(response), code, why);
  assert.deepEqual(response.headers.getSetCookie(), [], `${why}: no cookie`);
}

describe('POST /t/{tenant}/session/jwt with a JWKS profile', () => {
  it('accepts RS256, ES256 and EdDSA tokens, fetching the JWKS once', async () => {
    await start([rsa, ec, ed]);
    for (const key of [rsa, ec, ed]) await accepted(await mint(key), key.alg);
    await accepted(await mint(rsa), 'again');
    assert.equal(platform.requests, 1);
  });

  it('refuses a token signed by a key that is not in the JWKS', async () => {
    await start([rsa, ec, ed]);
    await refused(await mint(stranger), 'jwt_key_unknown', 'its own kid, not published');
    await refused(await mint(stranger, { kid: rsa.kid }), 'jwt_signature_invalid', 'a published kid');
  });

  it('refuses HS256 keyed with the RSA public key (algorithm confusion): jwt_signature_invalid', async () => {
    await start([rsa]);
    const pem = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
    const jwkBytes = new TextEncoder().encode(JSON.stringify(rsa.jwk));
    for (const [why, secret] of [
      ['PEM', pem],
      ['JWK', jwkBytes],
    ] as const) {
      const token = await new SignJWT({ deskpro_id: 'confused', exp: seconds() + 600 })
        .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
        .sign(secret);
      await refused(token, 'jwt_signature_invalid', why);
    }
  });

  it('does not use the tenant’s secrets for a JWKS profile', async () => {
    await start([rsa]);
    const secret = await new JwtKeyService(h!.store, h!.deps.keys, h!.now).create(TENANT, 'session');
    const token = await new SignJWT({ deskpro_id: 'hmac', exp: seconds() + 600 })
      .setProtectedHeader({ alg: 'HS256', kid: secret.kid })
      .sign(new TextEncoder().encode(secret.secret));
    await refused(token, 'jwt_key_unknown', 'secret of a JWKS profile');
    await accepted(await mint(rsa), 'the JWKS key still works');
  });

  it('only takes keys of the profile’s algorithms', async () => {
    await start([rsa, ec], { algorithms: ['ES256'] });
    await accepted(await mint(ec), 'ES256');
    await refused(await mint(rsa), 'jwt_key_unknown', 'RS256 is not allowed');
  });

  it('key rotation: a new kid is fetched once; unknown kids within the cooldown fetch nothing', async () => {
    await start([rsa]);
    await accepted(await mint(rsa), 'before rotation');
    assert.equal(platform.requests, 1);

    h!.advance(JWKS_REFETCH_COOLDOWN_MS + 1000);
    const rotated = await platformKey('rsa-2', 'RS256');
    platform.body = { keys: [rsa.jwk, rotated.jwk] };
    await accepted(await mint(rotated), 'the new kid');
    assert.equal(platform.requests, 2, 'one refetch for the new kid');
    await accepted(await mint(rotated), 'the new kid again');
    assert.equal(platform.requests, 2, 'cached since');

    for (const kid of ['nope-1', 'nope-2', 'nope-3'])
      await refused(await mint(stranger, { kid }), 'jwt_key_unknown', kid);
    assert.equal(platform.requests, 2, 'garbage kids within the cooldown fetch nothing');

    // A key the platform publishes within the cooldown is picked up once it has passed.
    const third = await platformKey('rsa-3', 'RS256');
    platform.body = { keys: [rotated.jwk, third.jwk] };
    await refused(await mint(third), 'jwt_key_unknown', 'within the cooldown');
    assert.equal(platform.requests, 2);
    h!.advance(JWKS_REFETCH_COOLDOWN_MS);
    await accepted(await mint(third), 'after the cooldown');
    assert.equal(platform.requests, 3);
    await refused(await mint(rsa), 'jwt_key_unknown', 'the withdrawn key, refetched just now');
    assert.equal(platform.requests, 3);
  });

  it('refetches when the TTL has run out, without a new kid', async () => {
    await start([rsa]);
    await accepted(await mint(rsa), 'first');
    h!.advance(JWKS_TTL_MS - 1000);
    await accepted(await mint(rsa), 'within the TTL');
    assert.equal(platform.requests, 1);
    h!.advance(2000);
    await accepted(await mint(rsa), 'after the TTL');
    assert.equal(platform.requests, 2);
  });

  it('ignores an unparseable key while the others work', async () => {
    await start([rsa, ed]);
    platform.body = {
      keys: [
        { kty: 'EC', kid: 'broken', alg: 'ES256', crv: 'P-256', x: 'AAAA', y: 'AAAA' },
        { kty: 'RSA', kid: 'no-modulus', alg: 'RS256', e: 'AQAB' },
        'not a key',
        { ...ec.jwk, d: 'AAAA' },
        rsa.jwk,
        ed.jwk,
      ],
    };
    await accepted(await mint(rsa), 'RS256');
    await accepted(await mint(ed), 'EdDSA');
    await refused(await mint(ec), 'jwt_key_unknown', 'the key with private material was skipped');
    await refused(
      await mint(ec, { kid: 'broken' }),
      'jwt_key_unknown',
      'the point off the curve was skipped',
    );
    await refused(
      await mint(rsa, { kid: 'no-modulus' }),
      'jwt_key_unknown',
      'the RSA key without n was skipped',
    );
    assert.ok(h!.logs.some((line) => line.includes('JWKS keys skipped') && line.includes('broken')));
  });

  it('keeps the last good set while the JWKS server is down, and logs a warning', async () => {
    await start([rsa]);
    await accepted(await mint(rsa), 'first');
    platform.down = true;
    h!.advance(JWKS_TTL_MS + 1000);
    await accepted(await mint(rsa), 'stale but kept');
    assert.equal(platform.requests, 2, 'one attempt');
    assert.ok(h!.logs.some((line) => line.includes('JWKS fetch failed') && line.includes('"level":40')));
    await accepted(await mint(rsa), 'within the cooldown');
    await refused(await mint(stranger), 'jwt_key_unknown', 'unknown kid while down');
    assert.equal(platform.requests, 2, 'no retry within the cooldown');

    h!.advance(JWKS_REFETCH_COOLDOWN_MS);
    platform.down = false;
    await accepted(await mint(rsa), 'back up');
    assert.equal(platform.requests, 3, 'retried after the cooldown');
  });

  it('refuses every token while no good JWKS was ever fetched (down, not a JWK Set, too large)', async () => {
    await start([rsa]);
    platform.down = true;
    await refused(await mint(rsa), 'jwt_key_unknown', 'down');
    for (const [why, raw] of [
      ['not JSON', '<html>'],
      ['not a JWK Set', JSON.stringify({ keys: 'none' })],
      ['too large', JSON.stringify({ keys: [rsa.jwk], padding: 'x'.repeat(JWKS_MAX_BYTES) })],
    ] as const) {
      platform.down = false;
      platform.raw = raw;
      h!.advance(JWKS_REFETCH_COOLDOWN_MS);
      const before = platform.requests;
      await refused(await mint(rsa), 'jwt_key_unknown', why);
      assert.equal(platform.requests, before + 1, why);
    }
    platform.raw = undefined;
    h!.advance(JWKS_REFETCH_COOLDOWN_MS);
    await accepted(await mint(rsa), 'a good document at last');
    const failures = h!.logs.filter((line) => line.includes('JWKS fetch failed'));
    assert.equal(failures.length, 4);
    assert.ok(failures.some((line) => line.includes(`larger than ${JWKS_MAX_BYTES} bytes`)));
  });
});
