// Refresh tokens (D5, D7): opaque, stored as digests, rotated on every use with reuse detection.
import { type HmacKey, hmacSha256, randomToken } from './encoding.ts';
import type { RefreshTokenRecord, SessionRecord } from './store.ts';

/** Parallel tabs refreshing the same token within this window get the same successor. */
export const REFRESH_GRACE_MS = 10_000;

const PREFIX = 'rt1.';

export function createRefreshToken(): string {
  return `${PREFIX}${randomToken(32)}`;
}

export function isRefreshTokenFormat(token: string): boolean {
  return token.startsWith(PREFIX) && /^[A-Za-z0-9_-]{43}$/.test(token.slice(PREFIX.length));
}

/**
 * The successor is derived from the presented token with a server key, so a replay inside the grace
 * window can be answered with the same successor without ever storing a token in plaintext.
 */
export async function successorRefreshToken(key: HmacKey, token: string): Promise<string> {
  return `${PREFIX}${await hmacSha256(key, `successor:${token}`)}`;
}

export type RefreshDecision =
  | { outcome: 'rotate' }
  | { outcome: 'reject'; code: 'refresh_invalid' | 'refresh_expired' | 'session_revoked' }
  | { outcome: 'grace' }
  | { outcome: 'reuse' };

/** Decides what a presented refresh token may do, given what the store holds about it. */
export function decideRefresh(
  tenant: string,
  record: RefreshTokenRecord | undefined,
  session: SessionRecord | undefined,
  now: number,
): RefreshDecision {
  if (!record || !session || session.tenant !== tenant) return { outcome: 'reject', code: 'refresh_invalid' };
  if (session.revokedAt !== null) return { outcome: 'reject', code: 'session_revoked' };
  if (now >= session.expiresAt || now >= record.expiresAt)
    return { outcome: 'reject', code: 'refresh_expired' };
  if (record.usedAt === null) return { outcome: 'rotate' };
  return now - record.usedAt <= REFRESH_GRACE_MS ? { outcome: 'grace' } : { outcome: 'reuse' };
}
