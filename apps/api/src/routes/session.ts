// GET /session, POST /refresh, POST /logout: the SDK's view of the session cookies.
import { DeskgateError } from '@deskgate/core';
import { COOKIE_ACCESS, COOKIE_REFRESH } from '@deskgate/protocol';
import { Hono } from 'hono';
import type { AppEnv } from '../deps.ts';
import { readCookie, setCookies } from '../http/cookies.ts';
import { requireSdkWrite } from '../http/tenant.ts';
import type { Services } from './context.ts';

export function sessionRoutes({ deps, sessions }: Services) {
  const app = new Hono<AppEnv>();

  app.get('/session', async (c) => {
    c.header('Cache-Control', 'no-store');
    const info = await sessions.read(c.get('tenant'), readCookie(c, COOKIE_ACCESS), deps.now());
    return c.json(info);
  });

  app.post('/refresh', requireSdkWrite(), async (c) => {
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
  });

  app.post('/logout', requireSdkWrite(), async (c) => {
    const tenant = c.get('tenant');
    await sessions.logout(
      tenant,
      { access: readCookie(c, COOKIE_ACCESS), refresh: readCookie(c, COOKIE_REFRESH) },
      deps.now(),
    );
    setCookies(c, sessions.cleared(tenant));
    return c.body(null, 204);
  });

  return app;
}
