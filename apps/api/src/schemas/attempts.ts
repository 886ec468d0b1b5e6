// Sign-in attempts on the wire: what the SDK sends to create and redeem one, and what it gets back.
import { isChallenge, isVerifier } from '@deskgate/core';
import type {
  CreateAttemptRequest as ProtocolCreateAttemptRequest,
  CreateAttemptResponse as ProtocolCreateAttemptResponse,
  RedeemAttemptRequest as ProtocolRedeemAttemptRequest,
  RedeemAttemptResponse as ProtocolRedeemAttemptResponse,
} from '@deskgate/protocol';
import * as v from 'valibot';
import { Locale } from './common.ts';
import type { Assert, Same } from './same.ts';
import { SessionInfo } from './session.ts';

// The patterns live in core (isChallenge, isVerifier); the lengths are repeated only for the document.
const CHALLENGE_EXPECTED = 'must be base64url(SHA-256(verifier)), 43 characters';
const VERIFIER_EXPECTED = 'must be 43-128 base64url characters';

export const CreateAttemptRequest = v.pipe(
  v.object({
    challenge: v.pipe(
      v.string(CHALLENGE_EXPECTED),
      v.length(43),
      v.check<string>(isChallenge),
      v.description('base64url(SHA-256(verifier)); the verifier stays in the SDK'),
    ),
    challengeMethod: v.literal('S256', 'must be S256'),
    locale: v.optional(
      v.pipe(Locale, v.description("The popup's language (else the browser's Accept-Language decides)")),
    ),
  }),
  v.metadata({ ref: 'CreateAttemptRequest' }),
);

export const CreateAttemptResponse = v.pipe(
  v.object({
    attemptId: v.string(),
    signInUrl: v.pipe(v.string(), v.url(), v.description('Where the SDK points the popup it opened')),
    confirmationCode: v.pipe(
      v.string(),
      v.description('Shown in the overlay, and on the completion page when it must be confirmed'),
      v.metadata({ examples: ['K7Q-X2M'] }),
    ),
    expiresAt: v.pipe(v.string(), v.isoTimestamp()),
    pollIntervalMs: v.pipe(v.number(), v.integer()),
  }),
  v.metadata({ ref: 'CreateAttemptResponse' }),
);

export const RedeemAttemptRequest = v.pipe(
  v.object({
    verifier: v.pipe(
      v.string(VERIFIER_EXPECTED),
      v.minLength(43),
      v.maxLength(128),
      v.check<string>(isVerifier),
    ),
    proof: v.optional(
      v.pipe(
        v.string('must be a string'),
        v.description('The one-time proof the completion page posted to the verified opener'),
      ),
    ),
  }),
  v.metadata({ ref: 'RedeemAttemptRequest' }),
);

export const RedeemAttemptResponse = v.pipe(
  v.variant('status', [
    v.object({ status: v.literal('pending') }),
    v.object({ status: v.literal('confirmation_required'), confirmationCode: v.string() }),
    v.object({ status: v.literal('signed_in'), session: SessionInfo }),
  ]),
  v.metadata({ ref: 'RedeemAttemptResponse' }),
);

export type MatchesProtocol = [
  Assert<Same<v.InferOutput<typeof CreateAttemptRequest>, ProtocolCreateAttemptRequest>>,
  Assert<Same<v.InferOutput<typeof CreateAttemptResponse>, ProtocolCreateAttemptResponse>>,
  Assert<Same<v.InferOutput<typeof RedeemAttemptRequest>, ProtocolRedeemAttemptRequest>>,
  Assert<Same<v.InferOutput<typeof RedeemAttemptResponse>, ProtocolRedeemAttemptResponse>>,
];
