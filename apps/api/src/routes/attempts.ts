// Sign-in attempts, the SDK side: create one, then redeem it (fast path with proof, or polling).
import {
  ATTEMPT_POLL_INTERVAL_MS,
  attemptProof,
  attemptProofKeys,
  DeskgateError,
  decideRedeem,
  newAttempt,
  timingSafeEqual,
  verifierMatches,
} from '@deskgate/core';
import { type CreateAttemptResponse, paths, type RedeemAttemptResponse } from '@deskgate/protocol';
import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { setSessionCookies } from '../http/cookies.ts';
import { requireSdkWrite } from '../http/tenant.ts';
import { jsonBody, params } from '../http/validation.ts';
import * as schemas from '../schemas/attempts.ts';
import { errorResponses, SDK_WRITE, SDK_WRITE_ERRORS } from '../schemas/common.ts';
import type { Services } from './context.ts';

const AttemptPath = v.object({
  id: v.pipe(v.string('must be an attempt id'), v.description('attemptId from creating the attempt')),
});

const json = (schema: v.GenericSchema) => ({ 'application/json': { schema: resolver(schema) } });

export function attemptRoutes({ deps, sessions, limits }: Services) {
  const app = new Hono<AppEnv>();

  app.post(
    '/attempts',
    describeRoute({
      operationId: 'createAttempt',
      tags: ['attempts'],
      summary: 'Create a sign-in attempt (the SDK keeps the verifier)',
      security: SDK_WRITE,
      responses: {
        201: { description: 'Created', content: json(schemas.CreateAttemptResponse) },
        ...errorResponses([
          'validation_failed',
          'body_too_large',
          'rate_limited',
          'signed_user_info_required',
          ...SDK_WRITE_ERRORS,
        ]),
      },
    }),
    requireSdkWrite(),
    async (c, next) => {
      // Sign-in through the popup is off where only the platform may vouch for agents (F7).
      if (c.get('tenant').platformJwt.requireSignedUserInfo)
        throw new DeskgateError(
          'signed_user_info_required',
          'This tenant signs agents in only with a platform-signed token (signedUserInfo)',
        );
      await next();
    },
    limits.requests('attempts.create.ip', 'ip'),
    limits.requests('attempts.create.tenant', 'tenant'),
    jsonBody(schemas.CreateAttemptRequest),
    async (c) => {
      const tenant = c.get('tenant');
      const body = c.req.valid('json');
      const locale = body.locale;
      // requireSdkWrite guarantees the Origin header is one of the tenant's exact origins.
      const attempt = newAttempt(
        tenant.code,
        c.req.header('origin')!,
        body.challenge,
        deps.now(),
        locale ?? null,
      );
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
    },
  );

  app.post(
    '/attempts/:id/redeem',
    describeRoute({
      operationId: 'redeemAttempt',
      tags: ['attempts'],
      summary: 'Redeem a completed attempt: with the proof from the opener, or after confirmation (polling)',
      security: SDK_WRITE,
      responses: {
        200: {
          description: 'Status, or signed in (cookies set)',
          content: json(schemas.RedeemAttemptResponse),
        },
        ...errorResponses([
          'validation_failed',
          'body_too_large',
          'rate_limited',
          ...SDK_WRITE_ERRORS,
          'attempt_not_found',
          'attempt_verifier_mismatch',
          'attempt_proof_invalid',
          'attempt_already_redeemed',
          'attempt_expired',
          'attempt_locked',
          'user_disabled',
        ]),
      },
    }),
    requireSdkWrite(),
    limits.failures('attempts.redeem.failures.ip', 'ip', [
      'attempt_not_found',
      'attempt_verifier_mismatch',
      'attempt_proof_invalid',
      'validation_failed',
    ]),
    limits.requests('attempts.redeem.attempt', 'attempt'),
    params(AttemptPath),
    jsonBody(schemas.RedeemAttemptRequest),
    async (c) => {
      const tenant = c.get('tenant');
      c.header('Cache-Control', 'no-store');
      const body = c.req.valid('json');
      const attempt = await deps.store.getAttempt(tenant.code, c.req.valid('param').id);
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
      const proof = body.proof;
      // A proof made with a previous master key counts too: sign-ins in flight while instances roll over.
      let valid = false;
      if (proof !== undefined)
        for (const key of attemptProofKeys(deps.keys))
          if (timingSafeEqual(proof, await attemptProof(key, attempt.id))) valid = true;
      const decision = decideRedeem(attempt, { given: proof !== undefined, valid }, now);
      if (decision.outcome === 'error') {
        const messages = {
          attempt_expired: 'This sign-in attempt has expired; start again',
          attempt_already_redeemed: 'This sign-in attempt was already used',
          attempt_proof_invalid: 'The completion proof is not valid for this attempt',
          attempt_locked: 'Too many wrong confirmation codes were typed; start again',
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
      const identity =
        attempt.identityIssuer && attempt.identitySubject
          ? { issuer: attempt.identityIssuer, subject: attempt.identitySubject }
          : null;
      const issued = await sessions.start(tenant, user, attempt.method ?? 'sso', now, null, identity);
      setSessionCookies(c, tenant.code, issued.cookies);
      const response: RedeemAttemptResponse = { status: 'signed_in', session: issued.session };
      return c.json(response);
    },
  );

  return app;
}

/** The paths of this module the SDK calls cross-origin: app.ts gives them CORS (sdkCors) before the tenant. */
export const ATTEMPT_SDK_PATHS = ['/attempts', '/attempts/:id/redeem'];
