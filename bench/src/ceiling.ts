// The ceiling: the cryptographic work of each request done in this process, with no HTTP and no store, on one
// core: verify the token presented where there is one, digest a bearer secret where one is looked up, and
// sign the new access token. Measured twice: with jose over WebCrypto (what the API used first) and with
// node:crypto given the KeyObject itself, the signature converted between DER and JWS's r || s (the fastest
// this machine offers; see packages/core/src/jws.ts); the second is the ceiling ratios use.
import { createHash, createHmac, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { derToRaw, rawToDer } from '@deskgate/core';
import { jwtVerify, SignJWT } from 'jose';

const b64 = (value: object | Buffer) =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

/** A compact ES256 JWS over `payload` with node:crypto (r || s, as JWS wants). */
function signEs256(key: KeyObject, payload: object): string {
  const input = `${b64({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })}.${b64(payload)}`;
  return `${input}.${derToRaw(sign('sha256', Buffer.from(input), key)).toString('base64url')}`;
}

function verifyEs256(key: KeyObject, token: string): boolean {
  const dot = token.lastIndexOf('.');
  return verify(
    'sha256',
    Buffer.from(token.slice(0, dot)),
    key,
    rawToDer(Buffer.from(token.slice(dot + 1), 'base64url')),
  );
}

function verifyHs256(secret: Buffer, token: string): boolean {
  const dot = token.lastIndexOf('.');
  return (
    createHmac('sha256', secret).update(token.slice(0, dot)).digest('base64url') === token.slice(dot + 1)
  );
}

const digest = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * Runs `op` for about `ms` milliseconds in three rounds and returns the best round's operations per second:
 * a ceiling is what the core can do, and a round that another process interrupted says less about that.
 */
async function rate(op: () => unknown, ms: number): Promise<number> {
  for (let i = 0; i < 200; i++) await op(); // warm-up: JIT, key caches
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < ms / 3) {
      for (let i = 0; i < 50; i++) await op();
      n += 50;
    }
    best = Math.max(best, Math.round((n * 1000) / (performance.now() - start)));
  }
  return best;
}

export type Work = 'session' | 'refresh' | 'jwt' | 'apikey' | 'exchange-mint' | 'exchange-redeem';

/** What each request must do cryptographically, nothing else. */
export const WORK: Record<Work, string> = {
  session: 'verify ES256',
  refresh: 'digest + sign ES256',
  jwt: 'verify HS256 + sign ES256',
  apikey: 'digest + sign ES256',
  'exchange-mint': 'verify ES256 + digest',
  'exchange-redeem': 'digest + sign ES256',
};

export interface Ceiling {
  /** Operations per second with node:crypto and KeyObjects. */
  node: Record<Work, number>;
  /** The same with jose over WebCrypto. */
  jose: Record<Work, number>;
}

export async function measureCeiling(ms: number): Promise<Ceiling> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const webPrivate = await crypto.subtle.importKey(
    'jwk',
    privateKey.export({ format: 'jwk' }),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  const webPublic = await crypto.subtle.importKey(
    'jwk',
    publicKey.export({ format: 'jwk' }),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['verify'],
  );
  const hmacSecret = Buffer.from('a-platform-secret-of-32-bytes-ok');
  const claims = () => {
    const iat = Math.floor(Date.now() / 1000);
    return {
      iss: 'https://auth.bench.test',
      aud: 'https://auth.bench.test/t/bench',
      sub: '6f1c2a70-5b1e-4d3b-9b61-0c3c7b8d9e10',
      sid: 'Yk3nq4l9m2Zt8pQx',
      tenant: 'bench',
      email: 'agent@bench.test',
      name: 'Bench Agent',
      roles: ['deepdesk.agent'],
      confirmed: true,
      iat,
      exp: iat + 900,
    };
  };
  const accessToken = signEs256(privateKey, claims());
  const platformInput = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ deskpro_id: 'agent-1', iat: 1, exp: 9e9 })}`;
  const platformJwt = `${platformInput}.${createHmac('sha256', hmacSecret).update(platformInput).digest('base64url')}`;
  const bearer = 'dgk_9dufc5t3kyqh_NaZdXENrkaaX0VutGETmyPUFV1Ccxjlc1ixyip';

  const joseSign = () =>
    new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' }).sign(webPrivate);
  const joseVerify = () => jwtVerify(accessToken, webPublic, { algorithms: ['ES256'] });
  const joseHs = () => jwtVerify(platformJwt, hmacSecret, { algorithms: ['HS256'] });

  const node: Record<Work, () => unknown> = {
    session: () => verifyEs256(publicKey, accessToken),
    refresh: () => [digest(bearer), signEs256(privateKey, claims())],
    jwt: () => [verifyHs256(hmacSecret, platformJwt), signEs256(privateKey, claims())],
    apikey: () => [digest(bearer), signEs256(privateKey, claims())],
    'exchange-mint': () => [verifyEs256(publicKey, accessToken), digest(bearer)],
    'exchange-redeem': () => [digest(bearer), signEs256(privateKey, claims())],
  };
  const jose: Record<Work, () => Promise<unknown>> = {
    session: joseVerify,
    refresh: () => {
      digest(bearer);
      return joseSign();
    },
    jwt: async () => {
      await joseHs();
      return joseSign();
    },
    apikey: () => {
      digest(bearer);
      return joseSign();
    },
    'exchange-mint': async () => {
      await joseVerify();
      return digest(bearer);
    },
    'exchange-redeem': () => {
      digest(bearer);
      return joseSign();
    },
  };
  const out: Ceiling = { node: {} as Ceiling['node'], jose: {} as Ceiling['jose'] };
  for (const work of Object.keys(WORK) as Work[]) {
    out.node[work] = await rate(node[work], ms);
    out.jose[work] = await rate(jose[work], ms);
  }
  return out;
}
