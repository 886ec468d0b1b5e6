// The deployment master key and the purpose-bound keys derived from it with HKDF.
import { createSecretKey, hkdfSync } from 'node:crypto';
import { base64urlDecode, base64urlEncode, type HmacKey, type SecretKey } from './encoding.ts';

export const MASTER_KEY_BYTES = 32;

export interface DerivedKeys {
  /** AES-256-GCM for secrets that must be read back (client secrets, signing keys). */
  secrets: SecretKey;
  /** HMAC for deriving a refresh token's successor from the token itself. */
  refreshSuccessor: HmacKey;
  /** HMAC for the one-time proof the completion page hands the verified opener. */
  attemptProof: HmacKey;
  /**
   * The keys of previous master keys (DESKGATE_PREVIOUS_MASTER_KEY), newest first; empty but during a rotation.
   * Read-only: secrets sealed with them still open and their attempt proofs still count, but nothing is
   * sealed or signed with them.
   */
  previous: readonly PreviousKeys[];
}

/** What a previous master key is still good for: opening secrets and checking attempt proofs. */
export type PreviousKeys = Pick<DerivedKeys, 'secrets' | 'attemptProof'>;

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

/**
 * The HMAC keys as node:crypto KeyObjects: HKDF-SHA-256 with an empty salt, 32 bytes, the same key a Web Crypto
 * deriveKey would make (so tokens and proofs made before stay valid), used on every refresh without a
 * thread-pool job.
 */
function hmacKey(master: Uint8Array, info: string): HmacKey {
  return createSecretKey(Buffer.from(hkdfSync('sha256', master, new Uint8Array(0), info, 32)));
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

/**
 * The keys of `masterKey`, the one everything is sealed and signed with, and the read-only keys of `previous`
 * master keys (a rotation in progress; a copy of the current key among them is left out).
 */
export async function deriveKeys(
  masterKey: Uint8Array,
  previous: readonly Uint8Array[] = [],
): Promise<DerivedKeys> {
  const master = await crypto.subtle.importKey('raw', masterKey, 'HKDF', false, ['deriveKey']);
  const older: PreviousKeys[] = [];
  const seen = new Set([base64urlEncode(masterKey)]);
  for (const bytes of previous) {
    if (seen.has(base64urlEncode(bytes))) continue;
    seen.add(base64urlEncode(bytes));
    const key = await crypto.subtle.importKey('raw', bytes, 'HKDF', false, ['deriveKey']);
    older.push({
      secrets: await hkdf(key, 'deskgate/v1/secrets-at-rest', 'AES-GCM'),
      attemptProof: hmacKey(bytes, 'deskgate/v1/attempt-proof'),
    });
  }
  return {
    secrets: await hkdf(master, 'deskgate/v1/secrets-at-rest', 'AES-GCM'),
    refreshSuccessor: hmacKey(masterKey, 'deskgate/v1/refresh-successor'),
    attemptProof: hmacKey(masterKey, 'deskgate/v1/attempt-proof'),
    previous: older,
  };
}

/** The HMAC keys an attempt proof may have been made with: the current one first, then the previous ones. */
export function attemptProofKeys(keys: Pick<DerivedKeys, 'attemptProof' | 'previous'>): HmacKey[] {
  return [keys.attemptProof, ...keys.previous.map((p) => p.attemptProof)];
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

/**
 * Opens a sealed secret with the current key or, failing that, with each previous one (AES-GCM's tag tells a
 * wrong key reliably), and says whether the current key opened it. Throws the TypeError of decryptSecret when
 * none does.
 */
export async function openSecretWithKey(
  keys: Pick<DerivedKeys, 'secrets' | 'previous'>,
  sealed: string,
  context: string,
): Promise<{ plaintext: string; current: boolean }> {
  try {
    return { plaintext: await decryptSecret(keys.secrets, sealed, context), current: true };
  } catch (error) {
    // A malformed value fails the same way under every key; only a wrong key is worth another try.
    if (!isEncryptedSecret(sealed)) throw error;
    for (const previous of keys.previous) {
      try {
        return { plaintext: await decryptSecret(previous.secrets, sealed, context), current: false };
      } catch {}
    }
    throw error;
  }
}

/** Opens a secret sealed with the current master key or a previous one (a rotation in progress). */
export async function openSecret(
  keys: Pick<DerivedKeys, 'secrets' | 'previous'>,
  sealed: string,
  context: string,
): Promise<string> {
  return (await openSecretWithKey(keys, sealed, context)).plaintext;
}
