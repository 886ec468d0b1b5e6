// Compact ES256 JWS with node:crypto, for the access token: the one token signed and verified on every sign-in,
// refresh and session read. jose goes through WebCrypto, whose every call is a job on the thread pool; signing
// here takes about a quarter of that time (BENCHMARKS.md). Parsing is strict: three base64url segments, a JSON
// object header naming ES256 and no `crit`, a 64-byte signature. Claims are the caller's to check.
import { KeyObject, sign, verify, type webcrypto } from 'node:crypto';

export type Es256Key = KeyObject | webcrypto.CryptoKey;

const SEGMENT = /^[A-Za-z0-9_-]+$/;
const SIGNATURE_BYTES = 64;

function keyObject(key: Es256Key): KeyObject {
  return key instanceof KeyObject ? key : KeyObject.from(key as webcrypto.CryptoKey);
}

// node:crypto is fastest given the KeyObject alone: the options form ({ key, dsaEncoding: 'ieee-p1363' }) takes
// a slower path through its key preparation that costs as much again as the ECDSA signature itself. So the
// signature travels in ECDSA's own DER form and is converted here to and from JWS's fixed r || s.
const COORDINATE_BYTES = 32;

/** JWS's r || s from the DER ECDSA-Sig-Value crypto.sign writes: SEQUENCE { INTEGER r, INTEGER s }. */
export function derToRaw(der: Uint8Array): Buffer {
  // For P-256 the sequence is at most 72 bytes, so every length is one byte.
  if (der[0] !== 0x30 || der[1] !== der.length - 2) throw new Error('not a DER ECDSA signature');
  const raw = Buffer.alloc(SIGNATURE_BYTES);
  let offset = 2;
  for (const end of [COORDINATE_BYTES, SIGNATURE_BYTES]) {
    const length = der[offset + 1] ?? 0;
    if (
      der[offset] !== 0x02 ||
      length === 0 ||
      length > COORDINATE_BYTES + 1 ||
      offset + 2 + length > der.length
    )
      throw new Error('not a DER ECDSA signature');
    // A DER integer has no leading zero bytes beyond one that keeps it positive: strip that one, pad back to 32.
    const value = der.subarray(offset + 2 + Math.max(0, length - COORDINATE_BYTES), offset + 2 + length);
    raw.set(value, end - value.length);
    offset += 2 + length;
  }
  if (offset !== der.length) throw new Error('not a DER ECDSA signature');
  return raw;
}

/** The DER form crypto.verify takes, from JWS's 64-byte r || s (any values: the verification judges them). */
export function rawToDer(raw: Uint8Array): Buffer {
  const integers = [raw.subarray(0, COORDINATE_BYTES), raw.subarray(COORDINATE_BYTES)].map((bytes) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const value = bytes.subarray(start);
    // A set high bit would read as negative: DER puts a zero byte before it.
    const pad = (value[0] ?? 0) & 0x80 ? 1 : 0;
    return { value, pad, length: value.length + pad };
  });
  const body = integers.reduce((sum, i) => sum + 2 + i.length, 0);
  const der = Buffer.alloc(2 + body);
  der[0] = 0x30;
  der[1] = body;
  let offset = 2;
  for (const { value, pad, length } of integers) {
    der[offset] = 0x02;
    der[offset + 1] = length;
    der.set(value, offset + 2 + pad);
    offset += 2 + length;
  }
  return der;
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
  const signature = derToRaw(sign('sha256', Buffer.from(input), keyObject(key)));
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
    valid = verify('sha256', Buffer.from(`${rawHeader}.${rawPayload}`), keyObject(key), rawToDer(signature));
  } catch {
    // A key of another kind (RSA, an HMAC secret) verifies nothing.
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'signature' };
  const payload = decodeObject(rawPayload);
  return payload ? { ok: true, header, payload } : { ok: false, reason: 'malformed' };
}
