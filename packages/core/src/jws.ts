// Compact ES256 JWS with node:crypto, for the access token: the one token signed and verified on every sign-in,
// refresh and session read. jose goes through WebCrypto, whose every call is a job on the thread pool; signing
// here takes about 60% of that time (BENCHMARKS.md). Parsing is strict: three base64url segments, a JSON object
// header naming ES256 and no `crit`, a 64-byte signature. Claims are the caller's to check.
import { KeyObject, sign, verify, type webcrypto } from 'node:crypto';

export type Es256Key = KeyObject | webcrypto.CryptoKey;

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const SIGNATURE_BYTES = 64;

function keyObject(key: Es256Key): KeyObject {
  return key instanceof KeyObject ? key : KeyObject.from(key as webcrypto.CryptoKey);
}

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function decodeObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `header.payload.signature`, the header given `alg: ES256` first. */
export function signEs256(header: Record<string, unknown>, payload: object, key: Es256Key): string {
  const input = `${encode({ alg: 'ES256', ...header })}.${encode(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: keyObject(key), dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export type Es256Result =
  | { ok: true; header: Record<string, unknown>; payload: Record<string, unknown> }
  | { ok: false; reason: 'malformed' | 'unknown_key' | 'signature' };

/**
 * Parses `token` and checks its signature with the key `getKey` finds for its header (undefined: unknown).
 * Never throws for a bad token; the reason says which check failed.
 */
export async function verifyEs256(
  token: string,
  getKey: (header: Record<string, unknown>) => Promise<Es256Key | undefined>,
): Promise<Es256Result> {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => SEGMENT.test(part)))
    return { ok: false, reason: 'malformed' };
  const [rawHeader, rawPayload, rawSignature] = parts as [string, string, string];
  const header = decodeObject(rawHeader);
  if (!header || header.alg !== 'ES256' || 'crit' in header || header.b64 === false)
    return { ok: false, reason: 'malformed' };
  const signature = Buffer.from(rawSignature, 'base64url');
  if (signature.length !== SIGNATURE_BYTES) return { ok: false, reason: 'malformed' };
  const key = await getKey(header);
  if (!key) return { ok: false, reason: 'unknown_key' };
  let valid: boolean;
  try {
    valid = verify(
      'sha256',
      Buffer.from(`${rawHeader}.${rawPayload}`),
      { key: keyObject(key), dsaEncoding: 'ieee-p1363' },
      signature,
    );
  } catch {
    // A key of another kind (RSA, an HMAC secret) verifies nothing.
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'signature' };
  const payload = decodeObject(rawPayload);
  return payload ? { ok: true, header, payload } : { ok: false, reason: 'malformed' };
}
