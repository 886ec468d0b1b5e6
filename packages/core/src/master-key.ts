// The deployment master key and the purpose-bound keys derived from it with HKDF.
import { base64urlDecode, base64urlEncode, type SecretKey } from './encoding.ts';

export const MASTER_KEY_BYTES = 32;

export interface DerivedKeys {
  /** AES-256-GCM for secrets that must be read back (client secrets, signing keys). */
  secrets: SecretKey;
  /** HMAC for deriving a refresh token's successor from the token itself. */
  refreshSuccessor: SecretKey;
  /** HMAC for the one-time proof the completion page hands the verified opener. */
  attemptProof: SecretKey;
}

/** Parses DESKGATE_MASTER_KEY (base64url of 32 random bytes); misuse throws TypeError at startup. */
export function parseMasterKey(text: string): Uint8Array {
  const bytes = base64urlDecode(text.trim());
  if (bytes.length !== MASTER_KEY_BYTES || base64urlEncode(bytes) !== text.trim()) {
    throw new TypeError('The master key must be base64url of exactly 32 random bytes');
  }
  return bytes;
}

export function generateMasterKey(): string {
  return base64urlEncode(crypto.getRandomValues(new Uint8Array(MASTER_KEY_BYTES)));
}

function hkdf(master: SecretKey, info: string, kind: 'HMAC' | 'AES-GCM'): Promise<SecretKey> {
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode(info) },
    master,
    kind === 'HMAC' ? { name: 'HMAC', hash: 'SHA-256', length: 256 } : { name: 'AES-GCM', length: 256 },
    false,
    kind === 'HMAC' ? ['sign', 'verify'] : ['encrypt', 'decrypt'],
  );
}

export async function deriveKeys(masterKey: Uint8Array): Promise<DerivedKeys> {
  const master = await crypto.subtle.importKey('raw', masterKey, 'HKDF', false, ['deriveKey']);
  return {
    secrets: await hkdf(master, 'deskgate/v1/secrets-at-rest', 'AES-GCM'),
    refreshSuccessor: await hkdf(master, 'deskgate/v1/refresh-successor', 'HMAC'),
    attemptProof: await hkdf(master, 'deskgate/v1/attempt-proof', 'HMAC'),
  };
}

const PREFIX = 'enc.v1.';

/** Encrypts a secret for storage: `enc.v1.<iv>.<ciphertext+tag>`; `context` binds it to its place. */
export async function encryptSecret(key: SecretKey, plaintext: string, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new TextEncoder().encode(plaintext);
  const additionalData = new TextEncoder().encode(context);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, data),
  );
  return `${PREFIX}${base64urlEncode(iv)}.${base64urlEncode(sealed)}`;
}

export function isEncryptedSecret(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

export async function decryptSecret(key: SecretKey, sealed: string, context: string): Promise<string> {
  if (!isEncryptedSecret(sealed)) throw new TypeError('Not an encrypted secret');
  const [iv, data] = sealed.slice(PREFIX.length).split('.');
  if (!iv || !data) throw new TypeError('Malformed encrypted secret');
  const additionalData = new TextEncoder().encode(context);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: base64urlDecode(iv), additionalData },
      key,
      base64urlDecode(data),
    );
    return new TextDecoder().decode(plain);
  } catch {
    // A wrong master key or a moved ciphertext; never echo the value.
    throw new TypeError(`Cannot decrypt the secret stored for ${context}: wrong master key?`);
  }
}
