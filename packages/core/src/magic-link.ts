// Magic links (F3, docs/magic-link.md): the token's format, and the one way an email is normalised, so the
// same person is the same email whatever they typed.
import { randomToken } from './encoding.ts';

/** A public prefix, so a leaked link token is recognisable (secret scanners, the log scan). */
export const MAGIC_LINK_TOKEN_PREFIX = 'dgm_';
/** `dgm_` and 256 random bits in base64url. */
export const MAGIC_LINK_TOKEN_PATTERN = /^dgm_[A-Za-z0-9_-]{43}$/;

export const MAGIC_LINK_TTL_SECONDS = 600;
/** Long enough to reach a mailbox, short enough that an old mail is useless. */
export const MAGIC_LINK_TTL_RANGE = [60, 3600] as const;

export function createMagicLinkToken(): string {
  return MAGIC_LINK_TOKEN_PREFIX + randomToken(32);
}

export function isMagicLinkTokenFormat(value: unknown): value is string {
  return typeof value === 'string' && MAGIC_LINK_TOKEN_PATTERN.test(value);
}

/** RFC 5321's limit on a forward path, which is what a mail server accepts. */
export const MAX_EMAIL_LENGTH = 254;

/**
 * The email as deskgate stores and compares it, or undefined when it is not one: Unicode NFKC (full-width
 * and compatibility forms fold to their plain letters), surrounding whitespace dropped, lower case, and an
 * internationalised domain in its ASCII (punycode) form. One `@`, a dotted domain, no spaces or controls.
 */
export function normalizeEmail(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 4 * MAX_EMAIL_LENGTH) return undefined;
  const email = input.normalize('NFKC').trim().toLowerCase();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\s\u0000-\u001f\u007f<>()[\]\\,;:"]/.test(email)) return undefined;
  const at = email.indexOf('@');
  if (at < 1 || at !== email.lastIndexOf('@')) return undefined;
  const local = email.slice(0, at);
  let domain: string;
  try {
    domain = new URL(`http://${email.slice(at + 1)}/`).hostname;
  } catch {
    return undefined;
  }
  if (local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..'))
    return undefined;
  if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(domain))
    return undefined;
  const normalized = `${local}@${domain}`;
  return normalized.length <= MAX_EMAIL_LENGTH ? normalized : undefined;
}
