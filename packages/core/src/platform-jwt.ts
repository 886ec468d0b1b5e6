// Platform-JWT sign-in (F5, F6, F7, D6): the pure checks of a token a platform signed for one of its users.
// No I/O: the API resolves the keys (tenant secrets, a profile's JWKS), burns one-time jti values and stores
// users. Signatures are checked with the algorithm of the key, never one taken from the token: by node:crypto's
// HMAC for a tenant secret, by jose for a JWKS key.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type CryptoKey, compactVerify } from 'jose';
import { DeskgateError } from './errors.ts';
import { isNumber, type MappedIdentity, mapClaims } from './platform-jwt-claims.ts';
import {
  JWKS_ALGORITHMS,
  type JwtProfileConfig,
  type JwtProfileName,
  type PlatformJwtConfig,
  SECRET_ALGORITHMS,
} from './platform-jwt-config.ts';
import { decodeSegment, parseJsonObject, scanTopLevelKeys, strictUtf8 } from './platform-jwt-text.ts';

export const MAX_TOKEN_BYTES = 8192;
export const CLOCK_LEEWAY_SECONDS = 60;
export const MAX_KID_LENGTH = 256;
export const MAX_JTI_LENGTH = 255;

/** A key the API resolved: a tenant secret (Uint8Array, alg HS256/384/512) or a JWKS key (CryptoKey, alg as the JWK says). */
export interface VerificationKey {
  kid: string;
  alg: string;
  profile: JwtProfileName;
  key: Uint8Array | CryptoKey;
}

export interface CheckStep {
  check: string;
  passed: boolean;
  detail: string;
}

export interface VerifiedPlatformJwt {
  /** The kid of the key that verified the token (also for a token without kid); null when that key has none. */
  kid: string | null;
  profile: JwtProfileName;
  payload: Record<string, unknown>;
  identity: MappedIdentity;
  /** The id to burn against replay: set for the one-time profile only (a session token is reusable until exp). */
  jti: string | null;
  /** epoch ms */
  expiresAt: number;
}

export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
}

/**
 * The checks of verifyPlatformJwt, in the order they run (a check that does not apply still reports, as
 * passed). `jwt check` prints each; a failing check is the last one reported.
 */
export const PLATFORM_JWT_CHECKS = [
  'size',
  'format',
  'header',
  'key',
  'algorithm',
  'signature',
  'payload',
  'exp',
  'nbf',
  'iat',
  'lifetime',
  'jti',
  'audience',
  'issuer',
  'typ',
  'preset',
  'identity',
] as const;
export type PlatformJwtCheck = (typeof PLATFORM_JWT_CHECKS)[number];

type FailureCode =
  | 'jwt_malformed'
  | 'jwt_header_invalid'
  | 'jwt_not_configured'
  | 'jwt_key_unknown'
  | 'jwt_signature_invalid'
  | 'jwt_expired'
  | 'jwt_not_yet_valid'
  | 'jwt_claims_invalid';

interface Steps {
  pass(check: PlatformJwtCheck, detail: string): void;
  fail(check: PlatformJwtCheck, code: FailureCode, message: string): never;
}

function steps(onStep?: (step: CheckStep) => void): Steps {
  return {
    pass: (check, detail) => onStep?.({ check, passed: true, detail }),
    fail: (check, code, message) => {
      onStep?.({ check, passed: false, detail: message });
      throw new DeskgateError(code, message);
    },
  };
}

const utf8 = new TextEncoder();

/** Header members that point at keys elsewhere: never followed, and refused rather than ignored. */
const KEY_REFERENCES = ['jku', 'x5u', 'jwk', 'x5c'];

interface Inspected {
  header: JwtHeader;
  payload: Uint8Array;
}

/** size, format and header: everything that can be known without a key. */
function inspect(token: string, s: Steps): Inspected {
  if (typeof token !== 'string') s.fail('size', 'jwt_malformed', 'The token is not a string');
  // A UTF-8 byte per UTF-16 unit at least: a longer string is too large without counting.
  const bytes = token.length > MAX_TOKEN_BYTES ? token.length : utf8.encode(token).length;
  if (bytes > MAX_TOKEN_BYTES)
    s.fail('size', 'jwt_malformed', `The token is larger than ${MAX_TOKEN_BYTES} bytes`);
  s.pass('size', `${bytes} bytes, at most ${MAX_TOKEN_BYTES}`);

  if (token.trimStart().startsWith('{'))
    s.fail('format', 'jwt_malformed', 'JWS JSON serialization is not accepted: send the compact form');
  const parts = token.split('.');
  if (parts.length !== 3)
    s.fail('format', 'jwt_malformed', 'The token is not three base64url parts separated by dots');
  const [rawHeader, rawPayload, rawSignature] = parts as [string, string, string];
  const header = rawHeader === '' ? undefined : decodeSegment(rawHeader);
  const payload = decodeSegment(rawPayload);
  const signature = decodeSegment(rawSignature);
  if (!header) s.fail('format', 'jwt_malformed', 'The token header is not base64url');
  if (!payload) s.fail('format', 'jwt_malformed', 'The token payload is not base64url');
  if (!signature) s.fail('format', 'jwt_malformed', 'The token signature is not base64url');
  s.pass('format', 'compact serialization, three base64url parts');

  const h = parseJsonObject(header);
  if (!h) s.fail('header', 'jwt_malformed', 'The token header is not a JSON object');
  const names = scanTopLevelKeys(strictUtf8.decode(header));
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined)
    s.fail('header', 'jwt_header_invalid', 'The token header repeats a member name');
  const alg = h.alg;
  if (alg === undefined || alg === '' || (typeof alg === 'string' && alg.toLowerCase() === 'none'))
    s.fail('header', 'jwt_signature_invalid', 'The token is not signed (alg missing or "none")');
  if (typeof alg !== 'string') s.fail('header', 'jwt_header_invalid', 'The token header alg is not a string');
  if (Object.hasOwn(h, 'crit'))
    s.fail('header', 'jwt_header_invalid', 'The token header has crit: no JWS extension is supported');
  if (Object.hasOwn(h, 'b64'))
    s.fail('header', 'jwt_header_invalid', 'The token header has b64: unencoded payloads are not accepted');
  const reference = KEY_REFERENCES.find((name) => Object.hasOwn(h, name));
  if (reference !== undefined)
    s.fail(
      'header',
      'jwt_header_invalid',
      `The token header has ${reference}: keys are never taken from a token`,
    );
  const { kid, typ } = h;
  if (kid !== undefined && (typeof kid !== 'string' || kid === '' || kid.length > MAX_KID_LENGTH))
    s.fail(
      'header',
      'jwt_header_invalid',
      `The token header kid is not a string of 1 to ${MAX_KID_LENGTH} characters`,
    );
  if (typ !== undefined && typeof typ !== 'string')
    s.fail('header', 'jwt_header_invalid', 'The token header typ is not a string');
  const result: JwtHeader = { alg };
  if (kid !== undefined) result.kid = kid;
  if (typ !== undefined) result.typ = typ;
  // Token content is shown only when it looks like an algorithm name (operators read these details).
  const shown = /^[A-Za-z0-9+-]{1,16}$/.test(alg) ? alg : '(unrecognised)';
  s.pass('header', kid === undefined ? `alg ${shown}, no kid` : `alg ${shown}, with kid`);
  return { header: result, payload };
}

/** Structural checks only (size, compact form, header JSON): what the API needs to pick keys (kid, alg). */
export function readJwtHeader(token: string): JwtHeader {
  return inspect(token, steps()).header;
}

export interface PlatformJwtContext {
  tenant: string;
  /** The profile used for a token without `kid` (the endpoint's own: 'session' for /session/jwt, 'one-time' for remote login). */
  defaultProfile: JwtProfileName;
  config: PlatformJwtConfig;
  /** Active keys only. */
  keys: VerificationKey[];
  /** epoch ms */
  now: number;
  /** `jwt check` prints every step, passed or failed. */
  onStep?: (step: CheckStep) => void;
}

export interface VerifiedPlatformJwtSignature {
  header: JwtHeader;
  /** The payload bytes the signature covers, not yet parsed. */
  payload: Uint8Array;
  key: VerificationKey;
  profile: JwtProfileName;
  profileConfig: JwtProfileConfig;
}

/**
 * The first half of verifyPlatformJwt: size, format, header, key selection, algorithm and signature, without
 * reading the payload. Exported for tests on JWS vectors whose payload is not a claims set.
 */
export async function verifyPlatformJwtSignature(
  token: string,
  ctx: Pick<PlatformJwtContext, 'defaultProfile' | 'config' | 'keys' | 'onStep'>,
): Promise<VerifiedPlatformJwtSignature> {
  const s: Steps = steps(ctx.onStep);
  const { header, payload } = inspect(token, s);

  let key: VerificationKey;
  if (header.kid !== undefined) {
    const matches = ctx.keys.filter((k) => k.kid === header.kid);
    if (matches.length !== 1)
      s.fail(
        'key',
        'jwt_key_unknown',
        matches.length === 0 ? "No active key has the token's kid" : "Several keys have the token's kid",
      );
    key = matches[0]!;
  } else {
    if (!ctx.config.profiles[ctx.defaultProfile])
      s.fail(
        'key',
        'jwt_not_configured',
        `The ${ctx.defaultProfile} profile is not configured for this tenant`,
      );
    const candidates = ctx.keys.filter((k) => k.profile === ctx.defaultProfile);
    if (candidates.length !== 1)
      s.fail(
        'key',
        'jwt_key_unknown',
        `The token has no kid, and the ${ctx.defaultProfile} profile has ${candidates.length === 0 ? 'no' : 'several'} active keys`,
      );
    key = candidates[0]!;
  }
  const profileConfig = ctx.config.profiles[key.profile];
  if (!profileConfig)
    s.fail('key', 'jwt_not_configured', `The ${key.profile} profile is not configured for this tenant`);
  s.pass('key', `key ${key.kid || '(no kid)'} of the ${key.profile} profile`);

  if (header.alg !== key.alg)
    s.fail(
      'algorithm',
      'jwt_signature_invalid',
      `The token's alg is not ${key.alg}, the algorithm of its key`,
    );
  if (key.key instanceof Uint8Array) {
    if (!SECRET_ALGORITHMS.includes(key.alg))
      s.fail('algorithm', 'jwt_signature_invalid', `A secret verifies ${SECRET_ALGORITHMS.join('/')} only`);
    if (profileConfig.jwksUri !== undefined)
      s.fail(
        'algorithm',
        'jwt_signature_invalid',
        `The ${key.profile} profile verifies with its JWKS, not secrets`,
      );
  } else {
    if (profileConfig.jwksUri === undefined)
      s.fail(
        'algorithm',
        'jwt_signature_invalid',
        `The ${key.profile} profile verifies with secrets, not a JWKS`,
      );
    const allowed = profileConfig.algorithms ?? JWKS_ALGORITHMS;
    if (!allowed.includes(key.alg))
      s.fail('algorithm', 'jwt_signature_invalid', `The ${key.profile} profile does not allow ${key.alg}`);
  }
  s.pass('algorithm', key.alg);

  const valid =
    key.key instanceof Uint8Array
      ? verifyHmac(token, key.alg, key.key)
      : await compactVerify(token, key.key, { algorithms: [key.alg] }).then(
          () => true,
          () => false,
        );
  if (!valid) s.fail('signature', 'jwt_signature_invalid', 'The token signature does not verify');
  s.pass('signature', `verified with ${key.alg}`);
  return { header, payload, key, profile: key.profile, profileConfig };
}

/**
 * HS256/384/512 over a token inspect() has already found well-formed, with node:crypto: jose imports the secret
 * into WebCrypto and verifies on the thread pool at every call, some tenth of a platform-JWT sign-in
 * (BENCHMARKS.md).
 */
function verifyHmac(token: string, alg: string, secret: Uint8Array): boolean {
  const dot = token.lastIndexOf('.');
  const expected = createHmac(`sha${alg.slice('HS'.length)}`, secret)
    .update(token.slice(0, dot))
    .digest();
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** `JWT`, `jwt` and `application/jwt` are one media type (RFC 7515 section 4.1.9). */
function mediaType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/** Verifies a platform-signed JWT and maps its user; every refusal is a DeskgateError with a jwt_* code. */
export async function verifyPlatformJwt(
  token: string,
  ctx: PlatformJwtContext,
): Promise<VerifiedPlatformJwt> {
  const s: Steps = steps(ctx.onStep);
  const {
    header,
    payload: bytes,
    key,
    profile,
    profileConfig: p,
  } = await verifyPlatformJwtSignature(token, ctx);

  const payload = parseJsonObject(bytes);
  if (!payload) s.fail('payload', 'jwt_malformed', 'The token payload is not a JSON object');
  s.pass('payload', 'a JSON object');

  const now = ctx.now / 1000;
  const { exp, nbf, iat } = payload;
  if (exp === undefined) s.fail('exp', 'jwt_claims_invalid', 'The token has no exp');
  if (!isNumber(exp)) s.fail('exp', 'jwt_claims_invalid', 'The token exp is not a number');
  if (exp + CLOCK_LEEWAY_SECONDS <= now) s.fail('exp', 'jwt_expired', 'The token has expired');
  // An exp past Date's range (about year 275760) has no ISO form, and toISOString would throw: a 500 for a
  // signed token (found by apps/api/src/fuzz.test.ts). The lifetime check below still refuses it.
  const expires = new Date(exp * 1000);
  s.pass('exp', `expires ${Number.isNaN(expires.getTime()) ? `at ${exp} s` : expires.toISOString()}`);

  if (nbf !== undefined && !isNumber(nbf))
    s.fail('nbf', 'jwt_claims_invalid', 'The token nbf is not a number');
  if (nbf !== undefined && nbf > now + CLOCK_LEEWAY_SECONDS)
    s.fail('nbf', 'jwt_not_yet_valid', 'The token is not valid yet (nbf)');
  s.pass('nbf', nbf === undefined ? 'absent' : 'reached');

  if (iat === undefined && profile === 'one-time')
    s.fail('iat', 'jwt_claims_invalid', 'A one-time token needs iat');
  if (iat !== undefined && !isNumber(iat))
    s.fail('iat', 'jwt_claims_invalid', 'The token iat is not a number');
  if (iat !== undefined && iat > now + CLOCK_LEEWAY_SECONDS)
    s.fail('iat', 'jwt_not_yet_valid', 'The token was issued in the future (iat)');
  s.pass('iat', iat === undefined ? 'absent' : 'in the past');

  const lifetime = exp - (iat ?? now);
  if (lifetime > p.maxLifetimeSeconds)
    s.fail(
      'lifetime',
      'jwt_claims_invalid',
      `The token lives ${Math.ceil(lifetime)} s, longer than the ${p.maxLifetimeSeconds} s the ${profile} profile allows`,
    );
  s.pass('lifetime', `at most ${p.maxLifetimeSeconds} s`);

  let jti: string | null = null;
  if (profile === 'one-time') {
    const value = payload.jti;
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_JTI_LENGTH)
      s.fail(
        'jti',
        'jwt_claims_invalid',
        `A one-time token needs a jti of 1 to ${MAX_JTI_LENGTH} characters`,
      );
    jti = value;
    s.pass('jti', 'present (one-time)');
  } else {
    s.pass('jti', 'not required (session tokens are reusable until exp)');
  }

  if (p.audience) {
    const aud = payload.aud;
    const values = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!values.some((v) => typeof v === 'string' && p.audience!.includes(v)))
      s.fail('audience', 'jwt_claims_invalid', 'The token aud does not name an audience of this profile');
    s.pass('audience', 'matches');
  } else s.pass('audience', 'not configured');

  if (p.issuer !== undefined) {
    if (payload.iss !== p.issuer)
      s.fail('issuer', 'jwt_claims_invalid', 'The token iss is not the configured issuer');
    s.pass('issuer', 'matches');
  } else s.pass('issuer', 'not configured');

  if (p.typ !== undefined) {
    if (header.typ === undefined || mediaType(header.typ) !== mediaType(p.typ))
      s.fail('typ', 'jwt_claims_invalid', `The token header typ is not ${p.typ}`);
    s.pass('typ', 'matches');
  } else s.pass('typ', 'not configured');

  if (p.preset === 'tracebuzz') {
    if (payload.type !== 'access') s.fail('preset', 'jwt_claims_invalid', 'The token type is not "access"');
    const identity = payload.identity;
    const account =
      typeof identity === 'object' && identity !== null && !Array.isArray(identity)
        ? (identity as Record<string, unknown>).account
        : undefined;
    if (account !== (p.account ?? ctx.tenant))
      s.fail('preset', 'jwt_claims_invalid', 'The token identity.account is not the account of this tenant');
    s.pass('preset', 'tracebuzz: type and account match');
  } else s.pass('preset', `${p.preset}: no extra checks`);

  let identity: MappedIdentity;
  try {
    identity = mapClaims(payload, p.claims);
  } catch (error) {
    if (error instanceof DeskgateError) s.fail('identity', 'jwt_claims_invalid', error.message);
    throw error;
  }
  s.pass('identity', identity.id !== null ? 'user id present' : 'user email present');

  return { kid: key.kid || null, profile, payload, identity, jti, expiresAt: exp * 1000 };
}

export type { MappedIdentity } from './platform-jwt-claims.ts';
export { scanTopLevelKeys } from './platform-jwt-text.ts';
