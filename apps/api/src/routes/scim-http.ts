// What the SCIM routes share (routes/scim*.ts): the SCIM error shape for every failure, SCIM JSON in and out,
// If-Match and ETag, the route documentation, and the path schemas.
import { DeskgateError, SCIM_CONTENT_TYPE, ScimError, scimErrorBody } from '@deskgate/core';
import type { Context, MiddlewareHandler } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { TenantPath } from '../schemas/common.ts';

/** A resource's path: the tenant and its id (any other shape is simply not found). */
export const ResourcePath = v.object({
  ...TenantPath.entries,
  id: v.pipe(
    v.string(),
    v.maxLength(200),
    v.description('The resource’s id (a User’s is its deskgate user id)'),
  ),
});
export const NamePath = v.object({ ...TenantPath.entries, name: v.pipe(v.string(), v.maxLength(200)) });

/** A SCIM write's body: a user with its attributes, or a group with up to some thousand members. */
export const SCIM_BODY_LIMIT = 256 * 1024;

/** Refusals of the SCIM token; they count towards scim.failures.ip. */
export const SCIM_TOKEN_FAILURES = ['api_key_invalid', 'api_key_revoked', 'api_key_expired'] as const;

export const AUTH_REALM = 'Bearer realm="deskgate SCIM"';

/** Answers the SCIM sub-app's errors in SCIM's shape (RFC 7644 §3.12), whatever threw them. */
export function scimErrors(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const error = c.error;
    if (!error) return;
    const headers: Record<string, string> = {};
    let scim: ScimError;
    if (error instanceof ScimError) scim = error;
    else if (error instanceof DeskgateError) {
      scim =
        error.code === 'validation_failed'
          ? new ScimError(400, 'invalidValue', error.message)
          : new ScimError(error.status, undefined, error.message);
      Object.assign(headers, error.headers ?? {});
      if (error.status === 401) headers['WWW-Authenticate'] = AUTH_REALM;
    } else return; // a bug: the app's onError answers 500 (logged), with no detail
    c.get('log').info({ status: scim.status, scimType: scim.scimType }, 'scim: refused');
    c.error = undefined;
    c.res = undefined;
    c.res = scimResponse(scimErrorBody(scim), scim.status, headers);
  };
}

function scimResponse(body: object, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'Content-Type': `${SCIM_CONTENT_TYPE}; charset=utf-8`,
      'Cache-Control': 'no-store',
      ...headers,
    },
  });
}

export function scimJson(c: Context<AppEnv>, body: object, status = 200): Response {
  c.header('Content-Type', `${SCIM_CONTENT_TYPE}; charset=utf-8`);
  c.header('Cache-Control', 'no-store');
  return c.body(JSON.stringify(body), status as 200);
}

/** The request's JSON, in SCIM's or plain JSON's media type; anything else 415, unparsable 400 invalidSyntax. */
export async function scimBody(c: Context<AppEnv>): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== SCIM_CONTENT_TYPE && type !== 'application/json')
    throw new ScimError(415, undefined, `Send ${SCIM_CONTENT_TYPE} (or application/json)`);
  try {
    return JSON.parse(await c.req.text());
  } catch {
    throw new ScimError(400, 'invalidSyntax', 'The body is not JSON');
  }
}

/** `If-Match: W/"3"` → 3; absent or `*` → undefined (any version); anything else can match no version. */
export function ifMatch(c: Context<AppEnv>): number | undefined {
  const header = c.req.header('if-match')?.trim();
  if (header === undefined || header === '*') return undefined;
  const version = /^(?:W\/)?"(\d{1,15})"$/.exec(header)?.[1];
  return version === undefined ? -1 : Number(version);
}

export function etag(c: Context<AppEnv>, version: number) {
  c.header('ETag', `W/"${version}"`);
}

/** The OpenAPI description of a SCIM route: its own answers plus those every SCIM route may give. */
export const scimDoc = (operationId: string, summary: string, responses: Record<number, string>) =>
  describeRoute({
    operationId,
    tags: ['scim'],
    summary,
    security: [{ scimToken: [] }],
    responses: Object.fromEntries(
      Object.entries({
        ...responses,
        400: 'SCIM error: invalidValue, invalidSyntax, invalidFilter, invalidPath, noTarget, mutability, tooMany',
        401: 'No, a bad, a revoked or an expired SCIM token (WWW-Authenticate: Bearer)',
        404: 'No such tenant or resource',
        429: 'rate_limited (Retry-After)',
      }).map(([status, description]) => [
        status,
        { description, content: { [SCIM_CONTENT_TYPE]: { schema: { type: 'object' } } } },
      ]),
    ),
  });
