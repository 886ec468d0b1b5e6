// Staff SSO (docs/staff-sso.md): `GET /t/{tenant}/staff/signin` sends a staff member to the deployment's staff
// provider (this browser bound to the sign-in), `GET /staff/callback` (the one redirect URI to register)
// checks the ID token as any SSO callback does, then that it names staff (the verified `hd` of the staff
// domain), sets the staff cookie and goes on to the tenant's console. Staff access is audited in that tenant.
import {
  BINDING_COOKIE,
  bindingCookie,
  DeskgateError,
  randomToken,
  type StaffIdentity,
  sha256,
  staffFromClaims,
} from '@deskgate/core';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { requireBinding } from '../http/binding.ts';
import { readCookie, setCookies } from '../http/cookies.ts';
import { loadTenant } from '../http/tenant.ts';
import { params, query } from '../http/validation.ts';
import { pageHeaders } from '../pages/headers.ts';
import { errorResponses, TenantPath } from '../schemas/common.ts';
import { recordAudit } from '../services/audit.ts';
import { STAFF_COOKIE, type StaffService } from '../services/staff.ts';
import type { Services } from './context.ts';

/** A staff sign-in has 10 minutes to come back from the provider. */
const STAFF_TRANSACTION_MS = 10 * 60 * 1000;
const CallbackQuery = v.object({
  state: v.optional(v.pipe(v.string(), v.maxLength(512))),
  code: v.optional(v.pipe(v.string(), v.maxLength(4096))),
  iss: v.optional(v.pipe(v.string(), v.maxLength(2048))),
  error: v.optional(v.pipe(v.string(), v.maxLength(256))),
  error_description: v.optional(v.pipe(v.string(), v.maxLength(2048))),
});

export const STAFF_CALLBACK_PATH = '/staff/callback';

function notConfigured(): never {
  throw new DeskgateError('sso_not_configured', 'Staff sign-in is not set up on this deployment');
}

/** Mounted at /: the start is under the tenant (where the console is), the callback is the deployment's. */
export function staffRoutes({ deps, tenants, oidc, limits }: Services, staff: StaffService | undefined) {
  const app = new Hono<AppEnv>();
  const redirectUri = deps.publicUrl + STAFF_CALLBACK_PATH;

  app.get(
    '/t/:tenant/staff/signin',
    describeRoute({
      operationId: 'staffSignIn',
      tags: ['staff', 'hosted pages'],
      summary: 'Staff sign-in to this tenant’s console: to the deployment’s staff provider',
      responses: {
        302: { description: 'To the staff provider' },
        ...errorResponses(['tenant_not_found', 'rate_limited', 'sso_not_configured', 'sso_idp_unreachable'], {
          html: true,
        }),
      },
    }),
    pageHeaders(),
    loadTenant(tenants),
    params(TenantPath),
    limits.requests('methods.start.ip', 'ip'),
    async (c) => {
      if (!staff) notConfigured();
      const tenant = c.get('tenant');
      const now = deps.now();
      // This browser, and only it, may finish the sign-in it starts (as the tenant's own SSO binds its popup).
      const binding = readCookie(c, BINDING_COOKIE) ?? randomToken(32);
      setCookies(c, [bindingCookie(binding, STAFF_TRANSACTION_MS / 1000)]);
      const request = await oidc.authorizationRequest(staff.provider(), redirectUri);
      await deps.store.createSsoTransaction({
        stateDigest: await sha256(request.state),
        tenant: tenant.code,
        attemptId: null,
        returnTo: staff.consolePath(tenant),
        providerId: 'staff',
        nonce: request.nonce,
        codeVerifier: request.codeVerifier,
        bindingDigest: await sha256(binding),
        createdAt: now,
        expiresAt: now + STAFF_TRANSACTION_MS,
      });
      return c.redirect(request.url, 302);
    },
  );

  app.get(
    STAFF_CALLBACK_PATH,
    describeRoute({
      operationId: 'staffCallback',
      tags: ['staff', 'hosted pages'],
      summary: 'The staff provider’s redirect URI: checks the ID token and that it names staff (hd)',
      responses: {
        303: { description: 'Signed in as staff: on to the tenant’s console' },
        ...errorResponses(
          [
            'rate_limited',
            'sso_not_configured',
            'sso_state_mismatch',
            'sso_browser_mismatch',
            'sso_idp_error',
            'sso_response_invalid',
            'sso_nonce_mismatch',
            'sso_id_token_invalid',
            'sso_idp_unreachable',
            'staff_not_allowed',
          ],
          { html: true },
        ),
      },
    }),
    pageHeaders(),
    limits.requests('pages.ip', 'ip'),
    query(CallbackQuery),
    async (c) => {
      if (!staff) notConfigured();
      const { state } = c.req.valid('query');
      const tx = state ? await deps.store.takeSsoTransaction(await sha256(state)) : undefined;
      const tenant = tx && tx.providerId === 'staff' ? await tenants.get(tx.tenant) : undefined;
      if (!tx || !tenant || tx.returnTo === null)
        throw new DeskgateError(
          'sso_state_mismatch',
          'This sign-in response does not belong to a staff sign-in',
        );
      await requireBinding(c, tx.bindingDigest);
      const now = deps.now();
      if (now >= tx.expiresAt)
        throw new DeskgateError('sso_state_mismatch', 'This staff sign-in took too long');
      let claims: Record<string, unknown> = {};
      await oidc.callback(tenant, staff.provider(), {
        currentUrl: new URL(c.req.url),
        redirectUri,
        state: state!,
        nonce: tx.nonce,
        codeVerifier: tx.codeVerifier,
        onClaims: (validated) => {
          claims = validated;
        },
      });
      let member: StaffIdentity;
      try {
        member = staffFromClaims(claims, staff.settings.domain);
      } catch (error) {
        c.get('log').warn({ tenant: tenant.code, reason: (error as Error).message }, 'staff sign-in refused');
        throw error;
      }
      const { token, maxAgeSeconds } = await staff.sign(member, now);
      c.header(
        'Set-Cookie',
        `${STAFF_COOKIE}=${token}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Lax`,
        { append: true },
      );
      await recordAudit(
        deps.store,
        tenant.code,
        {
          type: 'staff_signed_in',
          actor: { kind: 'staff', id: member.email },
          method: 'staff_sso',
          outcome: 'ok',
          code: null,
          subject: null,
          details: { provider: 'staff' },
        },
        now,
      );
      c.get('log').info({ tenant: tenant.code }, 'staff sign-in');
      return c.redirect(tx.returnTo, 303);
    },
  );

  return app;
}
