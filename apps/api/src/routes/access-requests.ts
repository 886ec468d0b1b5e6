// Access requests (F3, D2; docs/magic-link.md). The requester's confirm link lands on a page whose button
// confirms (a GET changes nothing, so mail scanners confirm nothing); the approvers' mail links to the approval
// page, first-party on this site, which needs the approver's own session and decides only by a same-origin POST.
import { DeskgateError } from '@deskgate/core';
import { paths } from '@deskgate/protocol';
import { Hono, type MiddlewareHandler } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { pageLocale } from '../http/locale.ts';
import { requireSameOrigin, toFirstPartySignIn } from '../http/navigation.ts';
import { requirePermission } from '../http/permission.ts';
import { loadTenant } from '../http/tenant.ts';
import { formBody, params, query } from '../http/validation.ts';
import {
  ACCESS_REQUEST_PAGE_ERRORS,
  accessRequestErrorPage,
  approvalPage,
  confirmedPage,
  confirmPage,
  userLabel,
} from '../pages/access-requests.ts';
import { pageHeaders } from '../pages/headers.ts';
import { errorResponses, htmlPage, PageLocale, TENANT_ERRORS, TenantPath } from '../schemas/common.ts';
import { isExpired } from '../services/access-requests.ts';
import type { Services } from './context.ts';

const LocaleQuery = v.object({ locale: PageLocale });
const ConfirmForm = v.object({
  token: v.pipe(v.string(), v.maxLength(4096), v.description('The token from the link’s fragment')),
});
const DecisionForm = v.object({
  decision: v.pipe(
    v.picklist(['approve', 'reject'], 'must be approve or reject'),
    v.description('The button pressed'),
  ),
});
const RequestPath = v.object({
  ...TenantPath.entries,
  // Any other shape is simply not found (404), not a validation error.
  id: v.pipe(
    v.string(),
    v.maxLength(200),
    v.description('The access request’s id, from the approver’s mail'),
  ),
});

/**
 * Answers the access-request errors with this feature's own page, in the page's language (other errors and
 * non-browser clients get the app's usual answer; the app's onError has logged it already). Placed before the
 * failure limits, so a failure answered so still counts.
 */
function explainErrors(productName: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const error = c.error;
    if (!(error instanceof DeskgateError) || !ACCESS_REQUEST_PAGE_ERRORS.has(error.code)) return;
    if (!(c.req.header('accept') ?? '').includes('text/html')) return;
    const tenant = c.get('tenant');
    const locale = c.get('locale') ?? pageLocale(c);
    c.error = undefined;
    c.res = undefined;
    c.res = c.html(
      accessRequestErrorPage(
        { locale, product: productName, tenant: tenant.displayName },
        error.code,
        error.message,
      ),
      error.status as 400,
    );
  };
}

/** Under /t/:tenant/auth (app.ts loads the tenant): the requester's confirm link and its button. */
export function accessRequestConfirmRoutes({ deps, accessRequests, limits, productName }: Services) {
  const app = new Hono<AppEnv>();
  const page = pageHeaders();
  const origin = new URL(deps.publicUrl).origin;

  app.get(
    '/access-request/confirm',
    describeRoute({
      operationId: 'accessRequestConfirmPage',
      tags: ['magic links', 'hosted pages'],
      summary:
        'Where an access-request email’s link lands: a page with one button; the token stays in the fragment',
      description:
        'Changes nothing and sets no cookie: a mail scanner that fetches the link (HEAD, GET, even running the page’s script) confirms nothing. The page’s script copies the token from the fragment into the form; the button posts it.',
      responses: {
        200: htmlPage('The confirm button'),
        ...errorResponses([...TENANT_ERRORS, 'rate_limited'], { html: true }),
      },
    }),
    page,
    limits.requests('pages.ip', 'ip'),
    query(LocaleQuery),
    (c) => {
      const tenant = c.get('tenant');
      const locale = pageLocale(c);
      const action = `${paths.accessRequestConfirm(tenant.code)}?locale=${locale}`;
      return c.html(confirmPage({ locale, product: productName, tenant: tenant.displayName }, action));
    },
  );

  app.post(
    '/access-request/confirm',
    describeRoute({
      operationId: 'confirmAccessRequest',
      tags: ['magic links', 'hosted pages'],
      summary:
        'The confirm page’s button (same-origin form only): confirms the request once and sends it to the approvers',
      description:
        'The approvers are the tenant’s managers, or its `magicLink.approverEmails` while it has none; each gets a mail linking to the approval page. A request confirmed before answers that it waits for a manager, and notifies nobody again.',
      responses: {
        200: htmlPage(
          'Sent to the approvers (or: nobody can approve it yet; already confirmed; already decided)',
        ),
        ...errorResponses(
          [
            ...TENANT_ERRORS,
            'validation_failed',
            'body_too_large',
            'rate_limited',
            'access_request_invalid',
            'access_request_expired',
          ],
          { html: true },
        ),
      },
    }),
    page,
    explainErrors(productName),
    requireSameOrigin(origin, 'Confirm the request from the page its link opens'),
    limits.requests('pages.ip', 'ip'),
    limits.failures('access.confirm.failures.ip', 'ip', ['access_request_invalid']),
    query(LocaleQuery),
    formBody(ConfirmForm),
    async (c) => {
      const tenant = c.get('tenant');
      const locale = pageLocale(c);
      const result = await accessRequests.confirm(tenant, c.req.valid('form').token, deps.now());
      const state = result.outcome === 'confirmed' ? (result.notified ? 'sent' : 'nobody') : result.outcome;
      return c.html(
        confirmedPage({ locale, product: productName, tenant: tenant.displayName }, state, result.request),
      );
    },
  );

  return app;
}

/** Mounted at /t/:tenant; loads the tenant itself. The approval page of one request, and its decision. */
export function accessRequestRoutes({
  deps,
  tenants,
  sessions,
  accessRequests,
  limits,
  productName,
}: Services) {
  const app = new Hono<AppEnv>();
  const origin = new URL(deps.publicUrl).origin;
  const path = '/access-requests/:id';

  /**
   * The permission to read or decide requests (F9): a manager, or while the tenant has none one of its approver
   * emails (D2). Without a session: a 303 to the first-party sign-in that comes back here; signed in without
   * the permission: the 403 permission_denied page naming who is signed in.
   */
  const approverOnly = (action: 'read' | 'decide') =>
    requirePermission(sessions, deps.now, 'access_requests', action, {
      alsoAllowed: (tenant, user) => accessRequests.isBootstrapApprover(tenant, user),
      unauthenticated: (c, error) => {
        const tenant = c.get('tenant');
        c.get('log').info({ tenant: tenant.code, code: error.code }, 'access request: not signed in');
        return toFirstPartySignIn(c, paths.accessRequest(tenant.code, c.req.param('id') ?? ''));
      },
      forbidden: (c, error, { info }) => {
        const tenant = c.get('tenant');
        const who = userLabel(info.user, info.user.id);
        const p = { locale: pageLocale(c), product: productName, tenant: tenant.displayName };
        return c.html(accessRequestErrorPage(p, error.code, error.message, who), 403);
      },
    });

  // Both methods: the page's headers and the tenant, before what each route declares.
  app.use(path, pageHeaders(), loadTenant(tenants));

  app.get(
    path,
    describeRoute({
      operationId: 'accessRequestPage',
      tags: ['magic links', 'hosted pages'],
      summary: 'The approval page of an access request (approvers only, with their own session)',
      description:
        'What the approvers’ mail links to. Needs the access cookie of a manager of the tenant (or, while it has none, of a user whose email is one of `magicLink.approverEmails`); without a session it redirects (303) to the first-party sign-in `/t/{tenant}/signin?return=…`, which comes back here. Shows who asks, when, and the status; a pending request has two buttons (approve, reject) that post here. Sets no cookie.',
      security: [{ accessCookie: [] }],
      responses: {
        200: htmlPage('The request: pending with the two buttons, or decided (who, when)'),
        303: { description: 'Not signed in: to the first-party sign-in, coming back here' },
        ...errorResponses(
          [
            'tenant_not_found',
            'rate_limited',
            'permission_denied',
            'access_request_not_found',
            'access_request_expired',
          ],
          { html: true },
        ),
      },
    }),
    params(RequestPath),
    explainErrors(productName),
    limits.requests('pages.ip', 'ip'),
    query(LocaleQuery),
    approverOnly('read'),
    async (c) => {
      const tenant = c.get('tenant');
      const locale = pageLocale(c);
      const approver = await accessRequests.approver(tenant, c.get('principal')!);
      const request = await accessRequests.get(tenant, c.req.valid('param').id);
      if (isExpired(request, deps.now()))
        throw new DeskgateError('access_request_expired', 'This request for access has expired');
      c.get('log').info(
        { tenant: tenant.code, accessRequest: request.id, userId: approver.user.id },
        'access request viewed',
      );
      return c.html(
        approvalPage({ locale, product: productName, tenant: tenant.displayName }, request, {
          approver: approver.user,
          users: approver.users,
          action: `${paths.accessRequest(tenant.code, request.id)}?locale=${locale}`,
        }),
      );
    },
  );

  app.post(
    path,
    describeRoute({
      operationId: 'decideAccessRequest',
      tags: ['magic links', 'hosted pages'],
      summary: 'The approval page’s buttons (same-origin form only): approve or reject the request, once',
      description:
        'The same session and permission checks as the page. `decision=approve` creates the user as agent (confirmed: an approver vouched) and mails the requester to sign in again, now by link at once; `decision=reject` mails a neutral notice. A request is decided once: a second decision, or the loser of two at once, gets 409 access_request_decided. Answers with the decided page.',
      security: [{ accessCookie: [] }],
      responses: {
        200: htmlPage('Decided: what was decided, by whom, and what the requester was told'),
        303: { description: 'Not signed in: to the first-party sign-in, coming back to the page' },
        ...errorResponses(
          [
            ...TENANT_ERRORS,
            'validation_failed',
            'body_too_large',
            'rate_limited',
            'permission_denied',
            'access_request_not_found',
            'access_request_decided',
            'access_request_expired',
            'identity_conflict',
          ],
          { html: true },
        ),
      },
    }),
    params(RequestPath),
    explainErrors(productName),
    requireSameOrigin(origin, 'Decide from the approval page'),
    limits.requests('pages.ip', 'ip'),
    query(LocaleQuery),
    approverOnly('decide'),
    formBody(DecisionForm),
    async (c) => {
      const tenant = c.get('tenant');
      const locale = pageLocale(c);
      const approver = await accessRequests.approver(tenant, c.get('principal')!);
      const decided = await accessRequests.decide(
        tenant,
        c.req.valid('param').id,
        c.req.valid('form').decision,
        approver.user,
        deps.now(),
      );
      return c.html(
        approvalPage({ locale, product: productName, tenant: tenant.displayName }, decided, {
          approver: approver.user,
          users: approver.users,
          action: `${paths.accessRequest(tenant.code, decided.id)}?locale=${locale}`,
          justDecided: true,
        }),
      );
    },
  );

  return app;
}
