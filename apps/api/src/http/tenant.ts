// Loads the tenant named in /t/{tenant}/... (404 tenant_not_found); the SDK endpoints' CORS and CSRF checks.
import { DeskgateError, isAllowedOrigin } from '@deskgate/core';
import { SDK_HEADER, TENANT_CODE_PATTERN } from '@deskgate/protocol';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps.ts';
import type { TenantService } from '../services/tenants.ts';
import { isSameOriginRequest } from './navigation.ts';

const CORS_MAX_AGE_SECONDS = 600;

export function loadTenant(tenants: TenantService): MiddlewareHandler<AppEnv> {
  return async function loadTenant(c, next) {
    const code = c.req.param('tenant') ?? '';
    const tenant = TENANT_CODE_PATTERN.test(code) ? await tenants.get(code) : undefined;
    if (!tenant) throw new DeskgateError('tenant_not_found', 'No such tenant');
    c.set('tenant', tenant);
    await next();
  };
}

/**
 * CORS for the SDK's credentialed JSON endpoints, and only for them: hosted pages (the completion page
 * carries the proof) must never be readable by another origin. Only the tenant's exact origins are
 * echoed, never `*`. A disallowed Origin is refused outright (403 origin_not_allowed, logged with the code).
 */
export function sdkCors(selfOrigin: string): MiddlewareHandler<AppEnv> {
  return async function sdkCors(c, next) {
    const origin = c.req.header('origin');
    c.header('Vary', 'Origin', { append: true });
    // Same-origin requests (the reference viewer trying an endpoint) need no CORS.
    if (origin === undefined || isSameOriginRequest(c, selfOrigin)) return next();
    if (!isAllowedOrigin(c.get('tenant'), origin)) {
      throw new DeskgateError('origin_not_allowed', 'This origin is not allowed to use this tenant');
    }
    c.header('Access-Control-Allow-Origin', origin);
    c.header('Access-Control-Allow-Credentials', 'true');
    // The SDK backs off by it on 429; browsers hide it from other origins unless exposed.
    c.header('Access-Control-Expose-Headers', 'Retry-After');
    if (c.req.method === 'OPTIONS') {
      c.header('Access-Control-Allow-Methods', 'GET, POST');
      c.header('Access-Control-Allow-Headers', `content-type, ${SDK_HEADER}`);
      c.header('Access-Control-Max-Age', String(CORS_MAX_AGE_SECONDS));
      return c.body(null, 204);
    }
    return next();
  };
}

/**
 * SameSite=None cookies give no CSRF protection, so every SDK write must come from an allowed Origin and
 * be JSON or carry the SDK header: both force a CORS preflight that only allowed origins pass.
 */
export function requireSdkWrite(): MiddlewareHandler<AppEnv> {
  return async function requireSdkWrite(c, next) {
    const origin = c.req.header('origin');
    if (!isAllowedOrigin(c.get('tenant'), origin)) {
      throw new DeskgateError(
        'origin_not_allowed',
        'Requests that change a session must come from an allowed origin',
      );
    }
    const json =
      (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
    if (!json && c.req.header(SDK_HEADER) === undefined) {
      throw new DeskgateError('csrf_header_required', `Send JSON or the ${SDK_HEADER} header`);
    }
    await next();
  };
}
