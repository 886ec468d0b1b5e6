// The console's settings area: the tenant's name, allowed origins, session lifetimes and trial mode; each SSO
// provider's settings with a write-only client secret (never returned, empty keeps it); and the platform-JWT
// tester (every check of POST /session/jwt on a pasted token, signing nobody in, as the CLI's `jwt check`).
// Changes are validated as the tenant's whole configuration and audited by the names of what changed.

import type { CheckStep } from '@deskgate/core';
import { DeskgateError, type TenantConfig } from '@deskgate/core';
import { Hono } from 'hono';
import * as v from 'valibot';
import { changedSettings } from '../cli/tenant-input.ts';
import type { AppEnv } from '../deps.ts';
import { requirePermission } from '../http/permission.ts';
import { jsonBody, params } from '../http/validation.ts';
import { TenantPath } from '../schemas/common.ts';
import { consoleAudit, consoleDoc, requireConsoleWrite, WRITE_ERRORS } from './admin-http.ts';
import type { Services } from './context.ts';

const ProviderPath = v.object({ ...TenantPath.entries, id: v.pipe(v.string(), v.maxLength(40)) });
const Settings = v.object({
  displayName: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(200))),
  allowedOrigins: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(300))), v.maxLength(100))),
  sessions: v.optional(
    v.object({ accessTtlSeconds: v.optional(v.number()), sessionTtlSeconds: v.optional(v.number()) }),
  ),
  trial: v.optional(
    v.object({
      enabled: v.optional(v.boolean()),
      seats: v.optional(v.number()),
      invitedEmails: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(254))), v.maxLength(10_000))),
    }),
  ),
});
const ProviderSettings = v.object({
  displayName: v.optional(v.pipe(v.string(), v.maxLength(100))),
  issuer: v.optional(v.pipe(v.string(), v.maxLength(500))),
  clientId: v.optional(v.pipe(v.string(), v.maxLength(500))),
  clientSecret: v.optional(
    v.pipe(v.string(), v.maxLength(2000), v.description('Write-only; empty keeps it')),
  ),
  scopes: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(100))), v.maxLength(30))),
  roleClaim: v.optional(v.pipe(v.string(), v.maxLength(100))),
  roleIam: v.optional(v.boolean()),
  requireRoles: v.optional(v.boolean()),
});
const JwtCheck = v.object({
  token: v.pipe(v.string(), v.maxLength(16 * 1024)),
  profile: v.optional(v.picklist(['session', 'one-time'])),
});

/** The settings as the console shows them: never a secret. */
function settingsView(t: TenantConfig) {
  return {
    displayName: t.displayName,
    allowedOrigins: t.allowedOrigins,
    sessions: t.sessions,
    trial: t.trial,
    oidc: t.oidc.map((p) => ({
      id: p.id,
      displayName: p.displayName,
      issuer: p.issuer,
      clientId: p.clientId,
      scopes: p.scopes,
      roleClaim: p.roleClaim,
      roleIam: p.roleIam,
      requireRoles: p.requireRoles,
    })),
  };
}

export function adminSettingsRoutes({ deps, staff, sessions, tenants, platformJwt }: Services) {
  const app = new Hono<AppEnv>();
  const write = requireConsoleWrite(new URL(deps.publicUrl).origin);

  /** Saves the changed tenant (validated whole by TenantService) and audits what changed, by name. */
  async function save(c: Parameters<typeof consoleAudit>[1], before: TenantConfig, next: TenantConfig) {
    const saved = await tenants.save(next, 'put');
    const settings = changedSettings(before, saved);
    if (settings)
      await consoleAudit(deps, c, {
        type: 'tenant_changed',
        subject: saved.code,
        details: { settings },
      });
    return saved;
  }

  app.get(
    '/settings',
    consoleDoc('adminSettings', 'The tenant’s settings (never a secret)'),
    params(TenantPath),
    requirePermission(sessions, deps.now, 'settings', 'read', { staff }),
    (c) => c.json(settingsView(c.get('tenant'))),
  );

  app.put(
    '/settings',
    consoleDoc(
      'adminChangeSettings',
      'Change the name, allowed origins, session lifetimes or trial mode',
      WRITE_ERRORS,
    ),
    params(TenantPath),
    write,
    requirePermission(sessions, deps.now, 'settings', 'write', { staff }),
    jsonBody(Settings),
    async (c) => {
      const before = c.get('tenant');
      const body = c.req.valid('json');
      const next = {
        ...before,
        ...(body.displayName !== undefined && { displayName: body.displayName }),
        ...(body.allowedOrigins !== undefined && { allowedOrigins: body.allowedOrigins }),
        sessions: { ...before.sessions, ...body.sessions },
        trial: { ...before.trial, ...body.trial },
      };
      return c.json(settingsView(await save(c, before, next)));
    },
  );

  app.put(
    '/settings/oidc/:id',
    consoleDoc(
      'adminChangeProvider',
      'Change an SSO provider; the client secret is write-only (empty keeps it)',
      [...WRITE_ERRORS, 'not_found'],
    ),
    params(ProviderPath),
    write,
    requirePermission(sessions, deps.now, 'settings', 'write', { staff }),
    jsonBody(ProviderSettings),
    async (c) => {
      const before = c.get('tenant');
      const id = c.req.valid('param').id;
      const current = before.oidc.find((p) => p.id === id);
      if (!current) throw new DeskgateError('not_found', 'There is no such SSO provider');
      const { clientSecret, ...rest } = c.req.valid('json');
      const changed = {
        ...current,
        ...rest,
        ...(clientSecret ? { clientSecret, clientSecretEncrypted: undefined } : {}),
      };
      if (!clientSecret) delete (changed as { clientSecret?: string }).clientSecret;
      const next = { ...before, oidc: before.oidc.map((p) => (p.id === id ? changed : p)) };
      return c.json(settingsView(await save(c, before, next as TenantConfig)));
    },
  );

  app.post(
    '/jwt-check',
    consoleDoc(
      'adminJwtCheck',
      'Every check of POST /session/jwt on a token, signing nobody in and using up no jti',
      [...WRITE_ERRORS],
    ),
    params(TenantPath),
    write,
    requirePermission(sessions, deps.now, 'settings', 'read', { staff }),
    jsonBody(JwtCheck, 20 * 1024),
    async (c) => {
      const tenant = c.get('tenant');
      const { token, profile = 'session' } = c.req.valid('json');
      const steps: CheckStep[] = [];
      let user: { id: string; email: string | null; name: string | null; roles: string[] } | null = null;
      let action: string | null = null;
      try {
        const verified = await platformJwt.verify(tenant, token.trim(), profile, deps.now(), (s) =>
          steps.push(s),
        );
        const decision = await platformJwt.preview(tenant, verified, deps.now());
        ({ action } = decision);
        const { id, email, name, roles } = decision.user;
        user = { id, email, name, roles };
      } catch (error) {
        if (!(error instanceof DeskgateError)) throw error;
        if (!steps.some((s) => !s.passed))
          steps.push({ check: error.code, passed: false, detail: error.message });
      }
      return c.json({
        ok: steps.every((s) => s.passed) && user !== null,
        steps: steps.map((s) => ({ name: s.check, ok: s.passed, detail: s.detail })),
        user,
        action,
      });
    },
  );

  return app;
}
