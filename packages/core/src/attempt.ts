// Sign-in attempts (the handoff in architecture.md): creation, verifier check, proof, redeem decision.
import type { RedeemAttemptResponse } from '@deskgate/protocol';
import {
  confirmationCode,
  type HmacKey,
  hmacSha256,
  randomToken,
  sha256,
  timingSafeEqual,
} from './encoding.ts';
import { MAX_CONFIRM_FAILURES } from './rate-limit.ts';
import type { AttemptRecord } from './store.ts';

export const ATTEMPT_TTL_SECONDS = 10 * 60;
export const ATTEMPT_POLL_INTERVAL_MS = 1500;
const CHALLENGE_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const VERIFIER_PATTERN = /^[A-Za-z0-9_-]{43,128}$/;

export function isChallenge(value: unknown): value is string {
  return typeof value === 'string' && CHALLENGE_PATTERN.test(value);
}

export function isVerifier(value: unknown): value is string {
  return typeof value === 'string' && VERIFIER_PATTERN.test(value);
}

export function newAttempt(
  tenant: string,
  origin: string,
  challenge: string,
  now: number,
  locale: string | null = null,
): AttemptRecord {
  return {
    id: randomToken(16),
    tenant,
    challenge,
    origin,
    confirmationCode: confirmationCode(),
    createdAt: now,
    expiresAt: now + ATTEMPT_TTL_SECONDS * 1000,
    bindingDigest: null,
    userId: null,
    method: null,
    completedAt: null,
    confirmedAt: null,
    redeemedAt: null,
    confirmFailures: 0,
    locale,
    identityIssuer: null,
    identitySubject: null,
  };
}

export async function verifierMatches(attempt: AttemptRecord, verifier: string): Promise<boolean> {
  return timingSafeEqual(await sha256(verifier), attempt.challenge);
}

/** The proof only the completion page knows; posting it to the verified opener releases the attempt. */
export function attemptProof(key: HmacKey, attemptId: string): Promise<string> {
  return hmacSha256(key, `attempt-proof:${attemptId}`);
}

export type RedeemDecision =
  | { outcome: 'respond'; body: RedeemAttemptResponse }
  | {
      outcome: 'error';
      code: 'attempt_expired' | 'attempt_already_redeemed' | 'attempt_proof_invalid' | 'attempt_locked';
    }
  | { outcome: 'redeem' };

/**
 * After the verifier matched: a completion is released with a valid proof (fast path) or once the
 * agent confirmed the code on the completion page (fallback); otherwise the SDK keeps polling.
 */
export function decideRedeem(
  attempt: AttemptRecord,
  proof: { given: boolean; valid: boolean },
  now: number,
): RedeemDecision {
  if (attempt.redeemedAt !== null) return { outcome: 'error', code: 'attempt_already_redeemed' };
  if (now >= attempt.expiresAt) return { outcome: 'error', code: 'attempt_expired' };
  if (isAttemptLocked(attempt)) return { outcome: 'error', code: 'attempt_locked' };
  if (attempt.completedAt === null) return { outcome: 'respond', body: { status: 'pending' } };
  if (proof.given && !proof.valid) return { outcome: 'error', code: 'attempt_proof_invalid' };
  if (proof.valid || attempt.confirmedAt !== null) return { outcome: 'redeem' };
  return {
    outcome: 'respond',
    body: { status: 'confirmation_required', confirmationCode: attempt.confirmationCode },
  };
}

/** Burnt by too many wrong confirmation codes: nothing can release it any more. */
export function isAttemptLocked(attempt: AttemptRecord): boolean {
  return attempt.confirmFailures >= MAX_CONFIRM_FAILURES;
}
