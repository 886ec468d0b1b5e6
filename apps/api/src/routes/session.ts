// GET /session, GET /refresh/status, POST /refresh, POST /refresh/logout: the SDK's view of the session cookies.
import { DeskgateError } from '@deskgate/core';
import { type Context, Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { EMPTY_BODY_LIMIT, limitBody } from '../http/body-limit.ts';
import { readSessionCookies, setSessionCookies } from '../http/cookies.ts';
import { requireSdkWrite } from '../http/tenant.ts';
import { errorResponses, SDK_WRITE, SDK_WRITE_ERRORS, TENANT_ERRORS } from '../schemas/common.ts';
import { SessionInfo, SessionStatus } from '../schemas/session.ts';
import type { Services } from './context.ts';

const session = { 'application/json': { schema: resolver(SessionInfo) } };

export function sessionRoutes({ deps, sessions, limits }: Services) {
  const app = new Hono<AppEnv>();

  app.get(
    '/session',
    describeRoute({
      operationId: 'getSession',
      tags: ['session'],
      summary: 'The current session, from the access cookie',
      security: [{ accessCookie: [] }],
      responses: {
        200: { description: 'Signed in', content: session },
        ...errorResponses(
          [
            ...TENANT_ERRORS,
            'rate_limited',
            'session_missing',
            'session_invalid',
            'session_expired',
            'session_revoked',
            'user_disabled',
          ],
          { status: { user_disabled: 401 } },
        ),
      },
    }),
    // An expired access token is the normal way to learn it is time to refresh: only garbage counts.
    limits.failures('session.failures.ip', 'ip', ['session_invalid']),
    async (c) => {
      c.header('Cache-Control', 'no-store');
      const info = await sessions.read(c.get('tenant'), readSessionCookies(c).access, deps.now());
      return c.json(info);
    },
  );

  app.get(
    '/refresh/status',
    describeRoute({
      operationId: 'getSessionStatus',
      tags: ['session'],
      summary:
        "The SDK's probe: the session if the access cookie holds one, and whether a refresh is worth trying",
      description:
        'Answers 200 whether or not the agent is signed in, so a signed-out page load logs no failed request. ' +
        "It sits under the refresh cookie's path so that it can tell whether that cookie was sent; it never " +
        'reads, rotates or checks the refresh token itself.',
      security: [{ accessCookie: [] }, { refreshCookie: [] }],
      responses: {
        200: {
          description: 'Signed in, or not',
          content: { 'application/json': { schema: resolver(SessionStatus) } },
        },
        ...errorResponses([...TENANT_ERRORS, 'rate_limited']),
      },
    }),
    // Garbage counts as it does on GET /session, although the answer is a 200.
    limits.failures('session.failures.ip', 'ip', ['session_invalid']),
    async (c) => {
      c.header('Cache-Control', 'no-store');
      const cookies = readSessionCookies(c);
      const session = await sessions
        .read(c.get('tenant'), cookies.access, deps.now())
        // Any 401 (missing, expired, revoked, garbage) means the same thing here: no usable access cookie.
        .catch((error: unknown) => {
          // signed_user_info_required: a session of another method, which this tenant no longer takes.
          if (!(error instanceof DeskgateError)) throw error;
          if (error.status !== 401 && error.code !== 'signed_user_info_required') throw error;
          c.set('failure', error.code);
          return null;
        });
      return c.json({
        session,
        refreshable: cookies.refresh !== undefined,
        ...(c.get('tenant').platformJwt.requireSignedUserInfo && { signedUserInfoRequired: true as const }),
      });
    },
  );

  app.post(
    '/refresh',
    describeRoute({
      operationId: 'refreshSession',
      tags: ['session'],
      summary: 'Rotate the refresh cookie and issue a new access cookie',
      security: [{ refreshCookie: [], originAllowed: [] }],
      responses: {
        200: { description: 'New cookies set', content: session },
        ...errorResponses(
          [
            ...SDK_WRITE_ERRORS,
            'body_too_large',
            'rate_limited',
            'refresh_missing',
            'refresh_invalid',
            'refresh_expired',
            'refresh_reused',
            'session_revoked',
            'user_disabled',
          ],
          { status: { user_disabled: 401 } },
        ),
      },
    }),
    requireSdkWrite(),
    // Unknown or malformed tokens are guesses; an ended session or a replay is not (and revokes anyway).
    limits.failures('refresh.failures.ip', 'ip', ['refresh_invalid']),
    limitBody(EMPTY_BODY_LIMIT),
    async (c) => {
      c.header('Cache-Control', 'no-store');
      const tenant = c.get('tenant');
      try {
        const issued = await sessions.refresh(tenant, readSessionCookies(c).refresh, deps.now());
        setSessionCookies(c, tenant.code, issued.cookies);
        return c.json(issued.session);
      } catch (error) {
        // A refresh that fails for good leaves no stale cookies behind.
        if (error instanceof DeskgateError && error.status === 401)
          setSessionCookies(c, tenant.code, sessions.cleared(tenant));
        throw error;
      }
    },
  );

  const logout = (deprecated: boolean) =>
    describeRoute({
      operationId: deprecated ? 'logoutLegacy' : 'logout',
      tags: ['session'],
      summary: deprecated
        ? 'The earlier logout path: only the access cookie reaches it; use /refresh/logout'
        : 'End the session server-side and clear both cookies (both reach this path)',
      deprecated,
      security: SDK_WRITE,
      responses: {
        204: { description: 'The session was ended' },
        200: {
          description: 'No session could be identified from the cookies sent: nothing was revoked',
          content: { 'application/json': { schema: resolver(LogoutNothing) } },
        },
        ...errorResponses([...SDK_WRITE_ERRORS, 'body_too_large']),
      },
    });
  const logoutHandler = async (c: Context<AppEnv>) => {
    const tenant = c.get('tenant');
    const revoked = await sessions.logout(tenant, readSessionCookies(c), deps.now());
    setSessionCookies(c, tenant.code, sessions.cleared(tenant));
    if (!revoked) {
      c.header('Cache-Control', 'no-store');
      return c.json({ revoked: false }, 200);
    }
    return c.body(null, 204);
  };
  app.post('/refresh/logout', logout(false), requireSdkWrite(), limitBody(EMPTY_BODY_LIMIT), logoutHandler);
  app.post('/logout', logout(true), requireSdkWrite(), limitBody(EMPTY_BODY_LIMIT), logoutHandler);

  return app;
}

const LogoutNothing = v.object({ revoked: v.literal(false) });

/** The paths of this module the SDK calls cross-origin: app.ts gives them CORS (sdkCors) before the tenant. */
export const SESSION_SDK_PATHS = ['/session', '/refresh/status', '/refresh', '/refresh/logout', '/logout'];
