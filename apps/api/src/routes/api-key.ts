// POST /t/{tenant}/session/api-key: the fallback for platforms with neither OAuth2 nor JWT (LiveEngage,
// Genesys WDE). Weak by nature: whoever reads the key can claim any agent id (F13), so these sessions are
// agent-only and unconfirmed (sessionGrants in core). docs/api-key.md
import { DeskgateError } from '@deskgate/core';
import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { bearerKey } from '../http/bearer.ts';
import { setSessionCookies } from '../http/cookies.ts';
import { requireSdkWrite } from '../http/tenant.ts';
import { jsonBody } from '../http/validation.ts';
import { errorResponses, SDK_WRITE_ERRORS } from '../schemas/common.ts';
import { SessionInfo } from '../schemas/session.ts';
import type { Services } from './context.ts';

const ApiKeyBody = v.object({
  agentId: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1),
    v.maxLength(255),
    v.description("The platform's agent id"),
  ),
  agentName: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1),
    v.maxLength(255),
    v.description("The agent's name"),
  ),
  email: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.toLowerCase(),
      v.maxLength(254),
      v.email(),
      v.description("The agent's email"),
    ),
  ),
});

/** Refusals that mean a wrong key; they count towards the apikey.failures limits (a key in the URL is refused before them). */
export const API_KEY_FAILURES = ['api_key_invalid', 'api_key_revoked', 'api_key_expired'] as const;

export function apiKeyRoutes({ deps, apiKeys, identities, sessions, limits }: Services) {
  const app = new Hono<AppEnv>();

  app.post(
    '/session/api-key',
    describeRoute({
      operationId: 'signInWithApiKey',
      tags: ['api-key'],
      summary: 'Exchange a tenant API key and an agent id for session cookies (agent role, unconfirmed)',
      description:
        'The key goes in `Authorization: Bearer dgk_…`, never in the URL. Anyone who can read the key can claim any agent id: sessions from API keys never carry a role above agent and are unconfirmed. A tenant can turn the method off (`apiKeys.enabled: false`).',
      security: [{ originAllowed: [] }],
      responses: {
        200: {
          description: 'Signed in; cookies set',
          content: { 'application/json': { schema: resolver(SessionInfo) } },
        },
        ...errorResponses([
          ...SDK_WRITE_ERRORS,
          'validation_failed',
          'body_too_large',
          'rate_limited',
          'token_in_query',
          ...API_KEY_FAILURES,
          'api_key_disabled',
          'user_disabled',
          'user_not_provisioned',
          'trial_not_invited',
          'trial_seats_full',
        ]),
      },
    }),
    async (c, next) => {
      // A key in a URL ends up in logs, history and Referer headers: refuse it before anything else.
      const query = new URL(c.req.url).searchParams;
      if (['key', 'apiKey', 'api_key', 'token'].some((name) => query.has(name)))
        throw new DeskgateError(
          'token_in_query',
          'Send the API key in the Authorization header, never in the URL',
        );
      if (!c.get('tenant').apiKeys.enabled)
        throw new DeskgateError('api_key_disabled', 'This tenant does not take API keys');
      await next();
    },
    requireSdkWrite(),
    limits.failures('apikey.failures.ip', 'ip', API_KEY_FAILURES),
    limits.failures('apikey.failures.key', 'apiKey', API_KEY_FAILURES),
    jsonBody(ApiKeyBody),
    async (c) => {
      c.header('Cache-Control', 'no-store');
      const tenant = c.get('tenant');
      const now = deps.now();
      const key = await apiKeys.authenticate(
        tenant.code,
        bearerKey(c.req.header('authorization')),
        c.req.header('origin'),
        now,
      );
      const { agentId, agentName, email } = c.req.valid('json');
      // Never linked by email: a key holder could otherwise claim another method's user.
      const decision = await identities.resolve(
        tenant,
        {
          issuer: 'platform:api-key',
          subject: agentId,
          email: email ?? null,
          name: agentName,
          roles: null,
          confirmed: false,
        },
        now,
        // A tenant that provisions upfront (docs/provisioning.md) refuses ids nobody provisioned.
        { allowCreate: tenant.platformJwt.allowUserCreation },
      );
      const issued = await sessions.start(tenant, decision.user, 'api_key', now, null, decision.identity);
      c.get('log').info(
        { tenant: tenant.code, userId: decision.user.id, action: decision.action, apiKey: key.kid },
        'api key sign-in',
      );
      setSessionCookies(c, tenant.code, issued.cookies);
      return c.json(issued.session);
    },
  );

  return app;
}

/** The paths of this module the SDK calls cross-origin: app.ts gives them CORS (sdkCors) before the tenant. */
export const API_KEY_SDK_PATHS = ['/session/api-key'];
