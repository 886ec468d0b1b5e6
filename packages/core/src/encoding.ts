// Byte and token helpers on Web Crypto: base64url, random tokens, digests, HMAC and constant-time compare.
import type { webcrypto } from 'node:crypto';

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
  return base64urlEncode(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text))));
}

export async function hmacSha256(key: SecretKey, text: string): Promise<string> {
  return base64urlEncode(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(text))));
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

/** A short human-comparable code such as `K7Q-X2M` (no 0/O/1/I/L/U). */
export function confirmationCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  const chars = Array.from(bytes, (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]);
  return `${chars.slice(0, 3).join('')}-${chars.slice(3).join('')}`;
}
