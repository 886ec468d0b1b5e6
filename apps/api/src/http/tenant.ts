// Loads the tenant named in /t/{tenant}/... (404 tenant_not_found); the SDK endpoints' CORS and CSRF checks.
import { DeskgateError, isAllowedOrigin, type TenantConfig } from '@deskgate/core';
import { SDK_HEADER, TENANT_CODE_PATTERN } from '@deskgate/protocol';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps.ts';
import type { TenantService } from '../services/tenants.ts';
import { originGuard } from './csrf.ts';
import { isSameOriginRequest } from './navigation.ts';

const CORS_MAX_AGE_SECONDS = 600;

function findTenant(tenants: TenantService, code: string) {
  return TENANT_CODE_PATTERN.test(code) ? tenants.get(code) : Promise.resolve(undefined);
}

export function loadTenant(tenants: TenantService): MiddlewareHandler<AppEnv> {
  return async function loadTenant(c, next) {
    const code = c.req.param('tenant') ?? '';
    // The SDK's CORS check (which runs first on its paths) may have loaded it already.
    const tenant = c.get('tenant')?.code === code ? c.get('tenant') : await findTenant(tenants, code);
    if (!tenant) throw new DeskgateError('tenant_not_found', 'No such tenant');
    c.set('tenant', tenant);
    await next();
  };
}

/** An Origin header worth echoing: a serialized http(s) origin (not `null`, not garbage). */
function isSerializedOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return /^https?:$/.test(url.protocol) && url.origin === origin;
  } catch {
    return false;
  }
}

/**
 * CORS for the SDK's credentialed JSON endpoints, and only for them: hosted pages (the completion page
 * carries the proof) must never be readable by another origin. Only the tenant's exact origins are
 * granted, never `*`. It runs before loadTenant, so that a refusal can be read by the page it refuses.
 */
export function sdkCors(tenants: TenantService, selfOrigin: string): MiddlewareHandler<AppEnv> {
  return async function sdkCors(c, next) {
    const origin = c.req.header('origin');
    c.header('Vary', 'Origin', { append: true });
    // Same-origin requests (the reference viewer trying an endpoint) need no CORS.
    if (origin === undefined || isSameOriginRequest(c, selfOrigin)) return next();
    const code = c.req.param('tenant') ?? '';
    const tenant = await findTenant(tenants, code);
    if (!tenant || !isAllowedOrigin(tenant, origin)) throw await refusal(c, tenants, code, tenant, origin);
    c.set('tenant', tenant);
    c.header('Access-Control-Allow-Origin', origin);
    c.header('Access-Control-Allow-Credentials', 'true');
    // The SDK backs off by it on 429; browsers hide it from other origins unless exposed.
    c.header('Access-Control-Expose-Headers', 'Retry-After');
    if (c.req.method === 'OPTIONS') {
      c.header('Access-Control-Allow-Methods', 'GET, POST');
      // authorization: the API key of POST /session/api-key.
      c.header('Access-Control-Allow-Headers', `authorization, content-type, ${SDK_HEADER}`);
      c.header('Access-Control-Max-Age', String(CORS_MAX_AGE_SECONDS));
      return c.body(null, 204);
    }
    return next();
  };
}

/**
 * The answer to a foreign origin the tenant does not allow, or a tenant that does not exist. The integrator
 * must be able to read it (else the SDK sees only "Failed to fetch"), so a simple request's refusal carries
 * CORS headers: it is a fixed error body and sets no cookie. A preflight's refusal does not, so nothing
 * that needs one is ever sent. Which tenants exist is told only to origins some tenant allows (integrators,
 * fixing a typo in a tenant code); any other origin gets the same answer for an unknown tenant and for a
 * tenant that does not allow it. The log names the origin and what was wrong, for the operator.
 */
async function refusal(
  c: Context<AppEnv>,
  tenants: TenantService,
  code: string,
  tenant: TenantConfig | undefined,
  origin: string,
): Promise<DeskgateError> {
  const echo = isSerializedOrigin(origin);
  c.get('log').warn(
    { origin: echo ? origin : '(malformed)', tenant: TENANT_CODE_PATTERN.test(code) ? code : '(malformed)' },
    tenant ? 'origin not allowed for this tenant' : 'no such tenant (cross-origin request)',
  );
  const headers =
    echo && c.req.method !== 'OPTIONS'
      ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' }
      : undefined;
  const named = TENANT_CODE_PATTERN.test(code) ? `"${code}"` : 'this code';
  if (!tenant && echo && (await tenants.isAllowedAnywhere(origin))) {
    return new DeskgateError('tenant_not_found', `There is no tenant ${named}`, { headers });
  }
  const who = echo ? `The origin ${origin}` : 'This origin';
  return new DeskgateError(
    'origin_not_allowed',
    `${who} may not use tenant ${named}: it is not one of the tenant's allowed origins, or there is no such tenant`,
    { headers },
  );
}

/**
 * SameSite=None cookies give no CSRF protection, so every SDK write must come from an allowed Origin and
 * be JSON or carry the SDK header: both force a CORS preflight that only allowed origins pass.
 */
export function requireSdkWrite() {
  return originGuard('sdk', async function requireSdkWrite(c, next) {
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
  });
}
