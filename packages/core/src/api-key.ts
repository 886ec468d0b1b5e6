// Tenant API keys (docs/api-key.md): `dgk_<kid>_<secret><checksum>`. The prefix makes a leaked key easy for
// secret scanners to find; the kid is public and names the key; the checksum lets a mistyped or made-up key
// be refused without a database lookup. Only a digest of the whole key is stored.

export const API_KEY_PREFIX = 'dgk_';
/** The same format for a tenant's SCIM bearer tokens (docs/provisioning.md): `dgs_<kid>_<secret><checksum>`. */
export const SCIM_TOKEN_PREFIX = 'dgs_';
export type KeyPrefix = typeof API_KEY_PREFIX | typeof SCIM_TOKEN_PREFIX;
const KID_LENGTH = 12;
/** 32 base62 characters: about 190 random bits. */
const SECRET_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
/** The pattern to give secret scanners (and the one parseApiKey checks before the checksum). */
export const API_KEY_PATTERN = /^dgk_([a-z0-9]{12})_([A-Za-z0-9]{32})([A-Za-z0-9]{6})$/;
export const SCIM_TOKEN_PATTERN = /^dgs_([a-z0-9]{12})_([A-Za-z0-9]{32})([A-Za-z0-9]{6})$/;
const PATTERNS: Record<KeyPrefix, RegExp> = { dgk_: API_KEY_PATTERN, dgs_: SCIM_TOKEN_PATTERN };
/** A key id alone (CLI arguments, logs). */
export const API_KEY_ID_PATTERN = /^[a-z0-9]{12}$/;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Uniform characters of `alphabet` (rejection sampling, so no character is likelier than another). */
function randomChars(length: number, alphabet: string): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

let CRC_TABLE: Uint32Array | undefined;

/** CRC-32 (IEEE) of the UTF-8 bytes: a checksum against typos, not a secret. */
export function crc32(text: string): number {
  CRC_TABLE ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const byte of new TextEncoder().encode(text)) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function checksum(body: string): string {
  let n = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/** A new key (or, with `dgs_`, SCIM token) and its id. Show the key once; store sha256(key). */
export function generateApiKey(prefix: KeyPrefix = API_KEY_PREFIX): { key: string; kid: string } {
  const kid = randomChars(KID_LENGTH, KID_ALPHABET);
  const body = `${prefix}${kid}_${randomChars(SECRET_LENGTH, BASE62)}`;
  return { key: body + checksum(body), kid };
}

/** The kid of a well-formed key with a valid checksum; undefined for anything else (no lookup needed). */
export function parseApiKey(text: unknown, prefix: KeyPrefix = API_KEY_PREFIX): { kid: string } | undefined {
  if (typeof text !== 'string') return undefined;
  const match = PATTERNS[prefix].exec(text);
  if (!match) return undefined;
  const body = text.slice(0, text.length - CHECKSUM_LENGTH);
  return checksum(body) === match[3] ? { kid: match[1]! } : undefined;
}

export const API_KEY_LENGTHS = { kid: KID_LENGTH, secret: SECRET_LENGTH, checksum: CHECKSUM_LENGTH };
