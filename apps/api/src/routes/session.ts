// GET /session, POST /refresh, POST /logout: the SDK's view of the session cookies.
import { DeskgateError } from '@deskgate/core';
import { COOKIE_ACCESS, COOKIE_REFRESH } from '@deskgate/protocol';
import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import type { AppEnv } from '../deps.ts';
import { readCookie, setCookies } from '../http/cookies.ts';
import { requireSdkWrite } from '../http/tenant.ts';
import { errorResponses, SDK_WRITE, SDK_WRITE_ERRORS, TENANT_ERRORS } from '../schemas/common.ts';
import { SessionInfo } from '../schemas/session.ts';
import type { Services } from './context.ts';

const session = { 'application/json': { schema: resolver(SessionInfo) } };

export function sessionRoutes({ deps, sessions }: Services) {
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
        ...errorResponses([
          ...TENANT_ERRORS,
          'session_missing',
          'session_invalid',
          'session_expired',
          'session_revoked',
        ]),
      },
    }),
    async (c) => {
      c.header('Cache-Control', 'no-store');
      const info = await sessions.read(c.get('tenant'), readCookie(c, COOKIE_ACCESS), deps.now());
      return c.json(info);
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
        ...errorResponses([
          ...SDK_WRITE_ERRORS,
          'refresh_missing',
          'refresh_invalid',
          'refresh_expired',
          'refresh_reused',
          'session_revoked',
        ]),
      },
    }),
    requireSdkWrite(),
    async (c) => {
      c.header('Cache-Control', 'no-store');
      const tenant = c.get('tenant');
      try {
        const issued = await sessions.refresh(tenant, readCookie(c, COOKIE_REFRESH), deps.now());
        setCookies(c, issued.cookies);
        return c.json(issued.session);
      } catch (error) {
        // A refresh that fails for good leaves no stale cookies behind.
        if (error instanceof DeskgateError && error.status === 401) setCookies(c, sessions.cleared(tenant));
        throw error;
      }
    },
  );

  app.post(
    '/logout',
    describeRoute({
      operationId: 'logout',
      tags: ['session'],
      summary: 'End the session server-side and clear both cookies',
      security: SDK_WRITE,
      responses: { 204: { description: 'Signed out' }, ...errorResponses(SDK_WRITE_ERRORS) },
    }),
    requireSdkWrite(),
    async (c) => {
      const tenant = c.get('tenant');
      await sessions.logout(
        tenant,
        { access: readCookie(c, COOKIE_ACCESS), refresh: readCookie(c, COOKIE_REFRESH) },
        deps.now(),
      );
      setCookies(c, sessions.cleared(tenant));
      return c.body(null, 204);
    },
  );

  return app;
}
