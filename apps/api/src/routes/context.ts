// What the route modules share: services built once per app.

import type { Deps } from '../deps.ts';
import type { RateLimits } from '../http/rate-limit.ts';
import type { AccessRequestService } from '../services/access-requests.ts';
import type { ApiKeyService } from '../services/api-keys.ts';
import type { AuditService } from '../services/audit.ts';
import type { ExchangeService } from '../services/exchange.ts';
import type { IdentityService } from '../services/identities.ts';
import type { JwtKeyService } from '../services/jwt-keys.ts';
import type { KeyRing } from '../services/keyring.ts';
import type { MagicLinkService } from '../services/magic-links.ts';
import type { Metrics } from '../services/metrics.ts';
import type { OidcService } from '../services/oidc.ts';
import type { PlatformJwtService } from '../services/platform-jwt.ts';
import type { SessionService } from '../services/sessions.ts';
import type { StaffService } from '../services/staff.ts';
import type { TenantService } from '../services/tenants.ts';

export interface Services {
  deps: Deps;
  tenants: TenantService;
  sessions: SessionService;
  identities: IdentityService;
  apiKeys: ApiKeyService;
  /** The tenant's SCIM tokens (an ApiKeyService of purpose 'scim': dgs_…). */
  scimTokens: ApiKeyService;
  exchange: ExchangeService;
  magicLinks: MagicLinkService;
  accessRequests: AccessRequestService;
  /** The audit log: record(tenant, event) for events the routes decide (docs/operations.md). */
  audit: AuditService;
  jwtKeys: JwtKeyService;
  platformJwt: PlatformJwtService;
  keyring: KeyRing;
  oidc: OidcService;
  /** Shown on hosted pages. */
  productName: string;
  limits: RateLimits;
  /** The app's Prometheus metrics (GET /metrics). */
  metrics: Metrics;
  /** Staff SSO, when the deployment sets it up (DESKGATE_STAFF_*): its provider and staff sessions. */
  staff?: StaffService;
}
