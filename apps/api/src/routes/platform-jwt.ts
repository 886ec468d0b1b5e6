// POST /t/{tenant}/session/jwt: a platform vouches for the agent with a signed JWT (signedUserInfo, F5/F7);
// the same session cookies as SSO, no click. docs/platform-jwt.md
import { DeskgateError, MAX_TOKEN_BYTES } from '@deskgate/core';
import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { setSessionCookies } from '../http/cookies.ts';
import { requireSdkWrite } from '../http/tenant.ts';
import { jsonBody } from '../http/validation.ts';
import { errorResponses, SDK_WRITE, SDK_WRITE_ERRORS } from '../schemas/common.ts';
import { SessionInfo } from '../schemas/session.ts';
import type { Services } from './context.ts';

/** The JSON around the token: `{"token":"…"}` plus a little slack for whitespace. */
const BODY_LIMIT = MAX_TOKEN_BYTES + 256;

const JwtBody = v.object({
  token: v.pipe(v.string(), v.minLength(1), v.description('The platform-signed JWT (compact JWS)')),
});

/** Every refusal that means a bad token; they count towards the jwt.failures limits. */
export const JWT_FAILURES = [
  'jwt_malformed',
  'jwt_header_invalid',
  'jwt_key_unknown',
  'jwt_signature_invalid',
  'jwt_expired',
  'jwt_not_yet_valid',
  'jwt_claims_invalid',
  'jwt_replayed',
  'body_too_large',
] as const;

export function platformJwtRoutes({ deps, platformJwt, limits }: Services) {
  const app = new Hono<AppEnv>();

  app.post(
    '/session/jwt',
    describeRoute({
      operationId: 'signInWithPlatformJwt',
      tags: ['platform-jwt'],
      summary: 'Exchange a platform-signed JWT for the session cookies',
      description:
        'The token is verified with the tenant keys of its profile (kid header), its claims are checked and ' +
        'mapped, the user is found by platform id or email (created on first use unless the tenant forbids ' +
        'it), and the session cookies are set as after SSO. A token is never taken from the query string.',
      security: SDK_WRITE,
      responses: {
        200: {
          description: 'Signed in; cookies set',
          content: { 'application/json': { schema: resolver(SessionInfo) } },
        },
        ...errorResponses([
          ...SDK_WRITE_ERRORS,
          'validation_failed',
          'rate_limited',
          'token_in_query',
          ...JWT_FAILURES,
          'jwt_not_configured',
          'identity_conflict',
          'user_not_provisioned',
          'user_disabled',
          'trial_not_invited',
          'trial_seats_full',
        ]),
      },
    }),
    async (c, next) => {
      // A token in a URL ends up in logs, history and Referer headers: refuse it before anything else.
      const query = new URL(c.req.url).searchParams;
      if (query.has('token') || query.has('jwt'))
        throw new DeskgateError('token_in_query', 'Send the token in the JSON body, never in the URL');
      await next();
    },
    requireSdkWrite(),
    limits.failures('jwt.failures.ip', 'ip', JWT_FAILURES),
    limits.failures('jwt.failures.tenant', 'tenant', JWT_FAILURES),
    jsonBody(JwtBody, BODY_LIMIT),
    async (c) => {
      c.header('Cache-Control', 'no-store');
      const tenant = c.get('tenant');
      const now = deps.now();
      const { token } = c.req.valid('json');
      const signedIn = await platformJwt.signIn(tenant, token, 'session', now);
      c.get('log').info(
        { tenant: tenant.code, userId: signedIn.user.id, action: signedIn.action, kid: signedIn.kid },
        'platform jwt sign-in',
      );
      setSessionCookies(c, tenant.code, signedIn.issued.cookies);
      return c.json(signedIn.issued.session);
    },
  );

  return app;
}

/** The paths of this module the SDK calls cross-origin: app.ts gives them CORS (sdkCors) before the tenant. */
export const PLATFORM_JWT_SDK_PATHS = ['/session/jwt'];
