// Response headers of every hosted page: strict CSP, no referrer, and no COOP so the opener link survives.
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps.ts';
import { PAGE_CSP } from './render.ts';

export function setPageHeaders(c: Context, csp = PAGE_CSP): void {
  c.header('Content-Security-Policy', csp);
  c.header('Referrer-Policy', 'no-referrer');
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Cache-Control', 'no-store');
  c.header('Cross-Origin-Opener-Policy', 'unsafe-none');
}

/** Set after the handler, so error pages from onError carry them too. */
export function pageHeaders(csp = PAGE_CSP): MiddlewareHandler<AppEnv> {
  return async function pageHeaders(c, next) {
    await next();
    setPageHeaders(c, csp);
  };
}
