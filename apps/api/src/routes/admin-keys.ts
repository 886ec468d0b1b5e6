// The console's keys area: API keys, SCIM tokens and platform-JWT secrets. Listed without their secrets; made
// with the secret in that one answer only (never stored in clear, never logged); revoked. Rotating is making a
// new one, handing it over, then revoking the old. Every change audited with the manager as actor.
import { DeskgateError } from '@deskgate/core';
import { type Context, Hono } from 'hono';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { requirePermission } from '../http/permission.ts';
import { jsonBody, params } from '../http/validation.ts';
import { TenantPath } from '../schemas/common.ts';
import type { ApiKeyService } from '../services/api-keys.ts';
import { consoleAudit, consoleDoc, iso, requireConsoleWrite, WRITE_ERRORS } from './admin-http.ts';
import type { Services } from './context.ts';

const KeyPath = v.object({ ...TenantPath.entries, kid: v.pipe(v.string(), v.maxLength(64)) });
const Expiry = v.optional(v.nullable(v.pipe(v.string(), v.isoTimestamp('must be an ISO 8601 time'))));
const NewApiKey = v.object({
  expiresAt: Expiry,
  allowedOrigins: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(300))), v.maxLength(50))),
});
const NewScimToken = v.object({ expiresAt: Expiry });
/** What either key kind's creation takes (an API key's origins; a SCIM token has none). */
type KeyRequest = { expiresAt?: string | null; allowedOrigins?: string[] };
const NewJwtKey = v.object({ profile: v.picklist(['session', 'one-time'], 'must be session or one-time') });

/** A key as the console shows it: never the key or its digest. */
function keyView(key: {
  kid: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  allowedOrigins: string[];
}) {
  return {
    kid: key.kid,
    createdAt: iso(key.createdAt),
    expiresAt: iso(key.expiresAt),
    revokedAt: iso(key.revokedAt),
    allowedOrigins: key.allowedOrigins,
  };
}

export function adminKeyRoutes({ deps, staff, sessions, apiKeys, scimTokens, jwtKeys }: Services) {
  const app = new Hono<AppEnv>();
  const write = requireConsoleWrite(new URL(deps.publicUrl).origin);
  const read = () => requirePermission(sessions, deps.now, 'settings', 'read', { staff });
  const change = () => requirePermission(sessions, deps.now, 'settings', 'write', { staff });

  const expiry = (value: string | null | undefined) => {
    const at = value ? Date.parse(value) : null;
    if (at !== null && at <= deps.now())
      throw new DeskgateError('validation_failed', 'expiresAt: must be in the future');
    return at;
  };

  /** list, create and revoke of one kind of tenant key (API keys, SCIM tokens): the same routes. */
  function tenantKeys(
    path: string,
    service: ApiKeyService,
    names: {
      one: string;
      created: 'api_key_created' | 'scim_token_created';
      revoked: 'api_key_revoked' | 'scim_token_revoked';
    },
    create: (c: Context<AppEnv>, body: KeyRequest) => { expiresAt: number | null; allowedOrigins: string[] },
    schema: typeof NewApiKey | typeof NewScimToken,
  ) {
    app.get(
      path,
      consoleDoc(`adminList${names.one}s`, `The tenant’s ${names.one}s (never the secrets)`),
      params(TenantPath),
      read(),
      async (c) => c.json({ keys: (await service.list(c.get('tenant').code)).map(keyView) }),
    );
    app.post(
      path,
      consoleDoc(
        `adminCreate${names.one}`,
        `Make a ${names.one}: its secret is in this answer and nowhere else`,
        WRITE_ERRORS,
      ),
      params(TenantPath),
      write,
      change(),
      jsonBody(schema),
      async (c) => {
        const options = create(c, c.req.valid('json') as KeyRequest);
        const created = await service.create(c.get('tenant').code, options);
        await consoleAudit(deps, c, {
          type: names.created,
          subject: created.kid,
          details: {
            origins: options.allowedOrigins.length,
            ...(options.expiresAt !== null && { expiresAt: new Date(options.expiresAt).toISOString() }),
          },
        });
        return c.json({ ...keyView(created), key: created.key });
      },
    );
    app.delete(
      `${path}/:kid`,
      consoleDoc(`adminRevoke${names.one}`, `Stop accepting a ${names.one} at once`, [
        ...WRITE_ERRORS,
        'not_found',
      ]),
      params(KeyPath),
      write,
      change(),
      jsonBody(v.object({})),
      async (c) => {
        const kid = c.req.valid('param').kid;
        if (!(await service.revoke(c.get('tenant').code, kid)))
          throw new DeskgateError('not_found', `There is no active ${names.one} with this id`);
        await consoleAudit(deps, c, { type: names.revoked, subject: kid, details: {} });
        return c.json({ kid, revoked: true });
      },
    );
  }

  tenantKeys(
    '/api-keys',
    apiKeys,
    { one: 'ApiKey', created: 'api_key_created', revoked: 'api_key_revoked' },
    (c, body) => {
      const origins = body.allowedOrigins ?? [];
      for (const o of origins)
        if (!c.get('tenant').allowedOrigins.includes(o))
          throw new DeskgateError('validation_failed', 'allowedOrigins: must be origins the tenant allows');
      return { expiresAt: expiry(body.expiresAt), allowedOrigins: origins };
    },
    NewApiKey,
  );
  tenantKeys(
    '/scim-tokens',
    scimTokens,
    { one: 'ScimToken', created: 'scim_token_created', revoked: 'scim_token_revoked' },
    (_c, body) => ({ expiresAt: expiry(body.expiresAt), allowedOrigins: [] }),
    NewScimToken,
  );

  app.get(
    '/jwt-keys',
    consoleDoc('adminListJwtKeys', 'The tenant’s platform-JWT secrets (never the secrets)'),
    params(TenantPath),
    read(),
    async (c) =>
      c.json({
        keys: (await jwtKeys.list(c.get('tenant').code)).map((k) => ({
          kid: k.kid,
          profile: k.profile,
          createdAt: iso(k.createdAt),
          revokedAt: iso(k.revokedAt),
        })),
      }),
  );
  app.post(
    '/jwt-keys',
    consoleDoc(
      'adminCreateJwtKey',
      'Make a platform-JWT secret for a profile: shown in this answer only',
      WRITE_ERRORS,
    ),
    params(TenantPath),
    write,
    change(),
    jsonBody(NewJwtKey),
    async (c) => {
      const created = await jwtKeys.create(c.get('tenant').code, c.req.valid('json').profile);
      await consoleAudit(deps, c, {
        type: 'jwt_key_created',
        subject: created.kid,
        details: { profile: created.profile },
      });
      return c.json({ kid: created.kid, profile: created.profile, secret: created.secret });
    },
  );
  app.delete(
    '/jwt-keys/:kid',
    consoleDoc('adminRevokeJwtKey', 'Stop accepting tokens signed with a secret', [
      ...WRITE_ERRORS,
      'not_found',
    ]),
    params(KeyPath),
    write,
    change(),
    jsonBody(v.object({})),
    async (c) => {
      const kid = c.req.valid('param').kid;
      if (!(await jwtKeys.revoke(c.get('tenant').code, kid)))
        throw new DeskgateError('not_found', 'There is no active platform-JWT secret with this id');
      await consoleAudit(deps, c, { type: 'jwt_key_revoked', subject: kid, details: {} });
      return c.json({ kid, revoked: true });
    },
  );

  return app;
}
