// Sign-in attempts, the SDK side: create one, then redeem it (fast path with proof, or polling).
import {
  ATTEMPT_POLL_INTERVAL_MS,
  attemptProof,
  DeskgateError,
  decideRedeem,
  isChallenge,
  isVerifier,
  newAttempt,
  timingSafeEqual,
  verifierMatches,
} from '@deskgate/core';
import { type CreateAttemptResponse, paths, type RedeemAttemptResponse } from '@deskgate/protocol';
import { type Context, Hono } from 'hono';
import type { AppEnv } from '../deps.ts';
import { setCookies } from '../http/cookies.ts';
import { requireSdkWrite } from '../http/tenant.ts';
import type { Services } from './context.ts';

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  try {
    const body: unknown = await c.req.json();
    if (typeof body === 'object' && body !== null && !Array.isArray(body))
      return body as Record<string, unknown>;
  } catch {
    // fall through to the validation error
  }
  throw new DeskgateError('validation_failed', 'The request body must be a JSON object');
}

export function attemptRoutes({ deps, sessions }: Services) {
  const app = new Hono<AppEnv>();

  app.post('/attempts', requireSdkWrite(), async (c) => {
    const tenant = c.get('tenant');
    const body = await jsonBody(c);
    if (body.challengeMethod !== 'S256')
      throw new DeskgateError('validation_failed', 'challengeMethod must be S256');
    if (!isChallenge(body.challenge)) {
      throw new DeskgateError(
        'validation_failed',
        'challenge must be base64url(SHA-256(verifier)), 43 characters',
      );
    }
    const locale = body.locale === 'nl-NL' || body.locale === 'en-US' ? body.locale : undefined;
    // requireSdkWrite guarantees the Origin header is one of the tenant's exact origins.
    const attempt = newAttempt(tenant.code, c.req.header('origin')!, body.challenge, deps.now());
    await deps.store.createAttempt(attempt);
    const signInUrl = new URL(deps.publicUrl + paths.signIn(tenant.code));
    signInUrl.searchParams.set('attempt', attempt.id);
    if (locale) signInUrl.searchParams.set('locale', locale);
    const response: CreateAttemptResponse = {
      attemptId: attempt.id,
      signInUrl: signInUrl.href,
      confirmationCode: attempt.confirmationCode,
      expiresAt: new Date(attempt.expiresAt).toISOString(),
      pollIntervalMs: ATTEMPT_POLL_INTERVAL_MS,
    };
    c.header('Cache-Control', 'no-store');
    return c.json(response, 201);
  });

  app.post('/attempts/:id/redeem', requireSdkWrite(), async (c) => {
    const tenant = c.get('tenant');
    c.header('Cache-Control', 'no-store');
    const body = await jsonBody(c);
    if (!isVerifier(body.verifier))
      throw new DeskgateError('validation_failed', 'verifier must be 43-128 base64url characters');
    if (body.proof !== undefined && typeof body.proof !== 'string') {
      throw new DeskgateError('validation_failed', 'proof must be a string');
    }
    const attempt = await deps.store.getAttempt(tenant.code, c.req.param('id'));
    // Only the page origin that created the attempt may redeem it.
    if (!attempt || attempt.origin !== c.req.header('origin')) {
      throw new DeskgateError('attempt_not_found', 'No such sign-in attempt');
    }
    if (!(await verifierMatches(attempt, body.verifier))) {
      throw new DeskgateError(
        'attempt_verifier_mismatch',
        'The verifier does not match this sign-in attempt',
      );
    }
    const now = deps.now();
    const proof = typeof body.proof === 'string' ? body.proof : undefined;
    const valid =
      proof !== undefined && timingSafeEqual(proof, await attemptProof(deps.keys.attemptProof, attempt.id));
    const decision = decideRedeem(attempt, { given: proof !== undefined, valid }, now);
    if (decision.outcome === 'error') {
      const messages = {
        attempt_expired: 'This sign-in attempt has expired; start again',
        attempt_already_redeemed: 'This sign-in attempt was already used',
        attempt_proof_invalid: 'The completion proof is not valid for this attempt',
      } as const;
      throw new DeskgateError(decision.code, messages[decision.code]);
    }
    if (decision.outcome === 'respond') return c.json(decision.body);
    // Exactly one redeemer wins, even when the fast path and a poll arrive together.
    if (!(await deps.store.redeemAttempt(attempt.id, now))) {
      throw new DeskgateError('attempt_already_redeemed', 'This sign-in attempt was already used');
    }
    const user = attempt.userId ? await deps.store.getUser(tenant.code, attempt.userId) : undefined;
    if (!user)
      throw new DeskgateError('attempt_not_found', 'The user of this sign-in attempt no longer exists');
    const issued = await sessions.start(tenant, user, attempt.method ?? 'sso', now);
    setCookies(c, issued.cookies);
    const response: RedeemAttemptResponse = { status: 'signed_in', session: issued.session };
    return c.json(response);
  });

  return app;
}
