// Byte and token helpers: base64url, random tokens, digests and HMAC (node:crypto), constant-time compare.
import { createHash, createHmac, type KeyObject, type webcrypto } from 'node:crypto';

/** A Web Crypto key (named here because core is compiled without the DOM library). */
export type SecretKey = webcrypto.CryptoKey;

export function base64urlEncode(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function base64urlDecode(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

/** A random opaque token of `bytes` bytes (default 32 = 256 bits), base64url. */
export function randomToken(bytes = 32): string {
  return base64urlEncode(crypto.getRandomValues(new Uint8Array(bytes)));
}

const encoder = new TextEncoder();

/** base64url(SHA-256(text)): how opaque tokens are stored and how S256 challenges are formed. */
export async function sha256(text: string): Promise<string> {
  // node:crypto, not WebCrypto: a digest is on every request's path, and a WebCrypto digest is a thread-pool job
  // costing some 20 times as much (BENCHMARKS.md).
  return createHash('sha256').update(text).digest('base64url');
}

/** A key for HMAC: node:crypto's secret KeyObject (master-key.ts derives them). */
export type HmacKey = KeyObject;

/** base64url(HMAC-SHA-256(key, text)), with node:crypto for the same reason as sha256. */
export async function hmacSha256(key: HmacKey, text: string): Promise<string> {
  return createHmac('sha256', key).update(text).digest('base64url');
}

/** Compares two strings without leaking where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const ab = encoder.encode(a);
  const bb = encoder.encode(b);
  let diff = ab.length ^ bb.length;
  for (let i = 0; i < Math.max(ab.length, bb.length); i++) diff |= (ab[i] ?? 0) ^ (bb[i] ?? 0);
  return diff === 0;
}

const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
/** The largest multiple of the alphabet's size that fits in a byte: bytes at or above it are redrawn. */
const CODE_BYTE_LIMIT = 256 - (256 % CODE_ALPHABET.length);

/**
 * A short human-typable code such as `K7Q-X2M` (no 0/O/1/I/L/U): 30^6, about 29 bits. Each character is
 * drawn by rejection sampling (`byte % 30` alone would favour the first 16 characters).
 */
export function confirmationCode(
  randomBytes: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n)),
): string {
  const chars: string[] = [];
  while (chars.length < 6) {
    for (const byte of randomBytes(6 - chars.length)) {
      if (byte < CODE_BYTE_LIMIT && chars.length < 6) chars.push(CODE_ALPHABET[byte % CODE_ALPHABET.length]!);
    }
  }
  return `${chars.slice(0, 3).join('')}-${chars.slice(3).join('')}`;
}

/** The code as typed by a person: case, spaces and dashes do not matter. Empty when it cannot be one. */
export function normalizeConfirmationCode(typed: string): string {
  const compact = typed.toUpperCase().replace(/[\s-]/g, '');
  return /^[A-Z0-9]{6}$/.test(compact) ? `${compact.slice(0, 3)}-${compact.slice(3)}` : '';
}
