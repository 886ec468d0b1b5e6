// createApp(deps): the whole HTTP API as a Hono app, with no listening socket (the node entry adds that).
import { DeskgateError, defaultRateLimits, StoreUnavailableError } from '@deskgate/core';
import { Hono } from 'hono';
import type { AppEnv, Deps } from './deps.ts';
import { notFound, onError, storeUnavailable } from './http/errors.ts';
import { rateLimits } from './http/rate-limit.ts';
import { requestLog } from './http/request-log.ts';
import { loadTenant, sdkCors } from './http/tenant.ts';
import { params } from './http/validation.ts';
import { MailService } from './mail/index.ts';
import { setPageHeaders } from './pages/headers.ts';
import { pickLocale } from './pages/messages.ts';
import { errorPage } from './pages/render.ts';
import { aboutMeRoutes } from './routes/about-me.ts';
import { accessRequestConfirmRoutes, accessRequestRoutes } from './routes/access-requests.ts';
import { adminApiRoutes } from './routes/admin.ts';
import { adminConsoleRoutes } from './routes/admin-console.ts';
import { API_KEY_SDK_PATHS, apiKeyRoutes } from './routes/api-key.ts';
import { ATTEMPT_SDK_PATHS, attemptRoutes } from './routes/attempts.ts';
import { collectionRoutes } from './routes/collection.ts';
import { completeRoutes } from './routes/complete.ts';
import type { Services } from './routes/context.ts';
import { EXCHANGE_SDK_PATHS, exchangeRoutes } from './routes/exchange.ts';
import { firstPartyRoutes } from './routes/first-party.ts';
import { magicLinkRoutes } from './routes/magic-link.ts';
import { openApiRoutes } from './routes/openapi.ts';
import { operationsRoutes } from './routes/operations.ts';
import { PLATFORM_JWT_SDK_PATHS, platformJwtRoutes } from './routes/platform-jwt.ts';
import { publicRoutes } from './routes/public.ts';
import { referenceRoutes } from './routes/reference.ts';
import { remoteLoginRoutes } from './routes/remote-login.ts';
import { scimRoutes } from './routes/scim.ts';
import { SESSION_SDK_PATHS, sessionRoutes } from './routes/session.ts';
import { signInRoutes } from './routes/signin.ts';
import { signOutRoutes } from './routes/signout.ts';
import { staffRoutes } from './routes/staff.ts';
import { TenantPath } from './schemas/common.ts';
import { AccessRequestService } from './services/access-requests.ts';
import { ApiKeyService } from './services/api-keys.ts';
import { AuditService, SIGN_IN_ROUTES } from './services/audit.ts';
import { BackgroundWork } from './services/background.ts';
import { ExchangeService } from './services/exchange.ts';
import { IdentityService } from './services/identities.ts';
import { JwtKeyService } from './services/jwt-keys.ts';
import { KeyRing } from './services/keyring.ts';
import { MagicLinkService } from './services/magic-links.ts';
import { Metrics } from './services/metrics.ts';
import { OidcService } from './services/oidc.ts';
import { PlatformJwtService } from './services/platform-jwt.ts';
import { RateLimiter } from './services/rate-limiter.ts';
import { SessionService } from './services/sessions.ts';
import { StaffService } from './services/staff.ts';
import { TenantService } from './services/tenants.ts';

export interface AppOptions {
  /** Product name on hosted pages. @default 'Deepdesk' */
  productName?: string;
}

export function createApp(deps: Deps, options?: AppOptions) {
  if (!/^https?:\/\/[^/]+$/.test(deps.publicUrl)) {
    throw new TypeError(
      'publicUrl must be an origin such as https://auth.example.com, without a trailing slash',
    );
  }
  const metrics = deps.metrics ?? new Metrics({ store: deps.store });
  const tenants = new TenantService(deps.store, deps.keys, deps.now);
  const keyring = new KeyRing(deps.store, deps.keys);
  const audit = new AuditService({ store: deps.store, now: deps.now, logger: deps.logger, metrics });
  const sessions = new SessionService({
    store: deps.store,
    keys: deps.keys,
    keyring,
    issuer: deps.publicUrl,
    audit,
    metrics,
  });
  // Trial mode turns an uninvited sign-in away with an access request for the managers (D1): the magic-link
  // issue's workflow, so the person confirms their email before any manager is asked.
  const identities = new IdentityService(deps.store, {
    trialRefused: async (tenant, email, now) => {
      try {
        await accessRequests.request(tenant, email, pickLocale(undefined, undefined), now);
      } catch (error) {
        deps.logger.error(
          { tenant: tenant.code, err: { name: (error as Error).name, message: (error as Error).message } },
          'trial: asking for access failed',
        );
      }
    },
  });
  const jwtKeys = new JwtKeyService(deps.store, deps.keys, deps.now, {
    fetch: deps.fetch,
    logger: deps.logger,
  });
  const mail = new MailService({
    store: deps.store,
    keys: deps.keys,
    now: deps.now,
    logger: deps.logger,
    onEnqueued: deps.onMailEnqueued,
  });
  const accessRequests = new AccessRequestService({
    store: deps.store,
    mail,
    identities,
    publicUrl: deps.publicUrl,
    logger: deps.logger,
    productName: options?.productName ?? 'Deepdesk',
  });
  const staff = deps.staff && new StaffService(deps.staff, keyring, deps.publicUrl);
  const services: Services = {
    staff,
    deps,
    tenants,
    keyring,
    sessions,
    identities,
    apiKeys: new ApiKeyService(deps.store, deps.now),
    scimTokens: new ApiKeyService(deps.store, deps.now, 'scim'),
    exchange: new ExchangeService({ store: deps.store, sessions, publicUrl: deps.publicUrl }),
    magicLinks: new MagicLinkService({
      store: deps.store,
      mail,
      publicUrl: deps.publicUrl,
      logger: deps.logger,
      productName: options?.productName ?? 'Deepdesk',
      accessRequests,
      identities,
      background: deps.background ?? new BackgroundWork(),
    }),
    accessRequests,
    audit,
    jwtKeys,
    platformJwt: new PlatformJwtService({ store: deps.store, keys: jwtKeys, identities, sessions }),
    oidc: new OidcService({ tenants, fetch: deps.fetch }),
    productName: options?.productName ?? 'Deepdesk',
    metrics,
    limits: rateLimits(
      new RateLimiter({
        store: deps.store,
        settings: deps.rateLimits ?? defaultRateLimits(),
        now: deps.now,
        metrics,
      }),
      deps.trustedProxyHops ?? 0,
    ),
  };

  const app = new Hono<AppEnv>();
  app.use(requestLog(deps.logger, metrics));
  app.onError((raised, c) => {
    const error = raised instanceof StoreUnavailableError ? storeUnavailable() : raised;
    // Browser navigations (the popup) get a page; the SDK and API clients get the JSON error body.
    const accept = c.req.header('accept') ?? '';
    if (error instanceof DeskgateError && accept.includes('text/html')) {
      const locale = c.get('locale') ?? pickLocale(c.req.query('locale'), c.req.header('accept-language'));
      c.get('log').info({ code: error.code, status: error.status }, 'request failed');
      setPageHeaders(c);
      return c.html(
        errorPage(locale, services.productName, error.code, error.message),
        error.status as 400,
        error.headers,
      );
    }
    return onError(error, c);
  });
  app.notFound(notFound);

  app.route('/', operationsRoutes(services));
  app.route('/', publicRoutes(services));
  app.route('/', openApiRoutes(app, services));
  app.route('/', referenceRoutes(services));

  const tenant = new Hono<AppEnv>();
  // The tenant comes before anything a route declares (its CORS, rate limits, checks, then validators).
  // The SDK's CORS first, so that its refusal of an unknown tenant or a foreign origin is readable.
  const cors = sdkCors(tenants, new URL(deps.publicUrl).origin);
  for (const path of [...SESSION_SDK_PATHS, ...ATTEMPT_SDK_PATHS, ...EXCHANGE_SDK_PATHS])
    tenant.use(path, cors);
  tenant.use(loadTenant(tenants), params(TenantPath));
  // Refused sign-ins are audited (their error code only) on the routes that take a credential.
  for (const route of SIGN_IN_ROUTES.filter((r) => r.app === 'auth'))
    tenant.on(route.verb, route.path, audit.refusedSignIns(route.method));
  tenant.route('/', sessionRoutes(services));
  tenant.route('/', attemptRoutes(services));
  tenant.route('/', signInRoutes(services));
  tenant.route('/', completeRoutes(services));
  tenant.route('/', remoteLoginRoutes(services));
  tenant.route('/', signOutRoutes(services));
  tenant.route('/', exchangeRoutes(services));
  tenant.route('/', magicLinkRoutes(services));
  tenant.route('/', accessRequestConfirmRoutes(services));
  app.route('/t/:tenant/auth', tenant);
  // POST /t/{tenant}/session/jwt and /session/api-key sit outside /auth, where platforms post them (F5).
  const platform = new Hono<AppEnv>();
  // Only on its own paths: a catch-all here would run again for every /t/{tenant}/auth request.
  for (const path of [...PLATFORM_JWT_SDK_PATHS, ...API_KEY_SDK_PATHS])
    platform.use(path, cors, loadTenant(tenants), params(TenantPath));
  for (const route of SIGN_IN_ROUTES.filter((r) => r.app === 'platform'))
    platform.on(route.verb, route.path, audit.refusedSignIns(route.method));
  platform.route('/', platformJwtRoutes(services));
  platform.route('/', apiKeyRoutes(services));
  app.route('/t/:tenant', platform);
  // The personal collection (a first-party page an outbound link opens); it loads the tenant itself.
  app.route('/t/:tenant', collectionRoutes(services));
  // First-party sign-in on this site (the approval page, later the admin console); it loads the tenant itself.
  app.route('/t/:tenant', firstPartyRoutes(services));
  // The signed-in user's own page (their subject, roles and permissions); it loads the tenant itself.
  app.route('/t/:tenant', aboutMeRoutes(services));
  // The approval page of an access request (first-party, approvers only); it loads the tenant itself.
  app.route('/t/:tenant', accessRequestRoutes(services));
  // Staff SSO: the start under the tenant, the deployment's one callback.
  app.route('/', staffRoutes(services, staff));
  // The admin console's page and its built files (/t/{tenant}/admin, /admin/assets/*); it loads the tenant.
  app.route('/', adminConsoleRoutes(services));
  // The admin console's JSON API (first-party, the access cookie, same-origin JSON writes); it loads the tenant.
  app.route('/t/:tenant/admin/api', adminApiRoutes(services));
  // SCIM provisioning (a SCIM token only: no cookie, no CORS); it loads the tenant itself.
  app.route('/t/:tenant/scim/v2', scimRoutes(services));
  // Unknown tenants under /t/ also answer tenant_not_found, not a bare 404.
  app.all('/t/:tenant/*', loadTenant(tenants), notFound);

  return app;
}

export type App = ReturnType<typeof createApp>;
