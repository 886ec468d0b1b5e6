// What createApp needs from the outside world; the node entry builds it, tests build their own.

import type { DerivedKeys, RateLimitSettings, Store, TenantConfig } from '@deskgate/core';
import type { ErrorCode } from '@deskgate/protocol';
import type { Logger } from 'pino';
import type { Principal } from './http/permission.ts';
import type { Locale } from './pages/messages.ts';
import type { BackgroundWork } from './services/background.ts';
import type { Metrics } from './services/metrics.ts';
import type { StaffSettings } from './services/staff.ts';

export interface SdkAssets {
  loader: { body: string; etag: string };
  /** Content-hashed file name -> contents. */
  chunks: Map<string, { body: string; etag: string }>;
}

/** The built admin console (apps/admin/dist): its content-hashed script and stylesheet. */
export interface AdminAssets {
  /** The file names the console's page loads. */
  script: string;
  style: string;
  /** Content-hashed file name -> contents. */
  files: Map<string, { body: string; etag: string; contentType: string }>;
}

/** The API reference viewer's files (swagger-ui-dist), by file name. */
export type ReferenceAssets = Map<string, { body: string | Uint8Array<ArrayBuffer>; contentType: string }>;

export interface Deps {
  store: Store;
  keys: DerivedKeys;
  /** Public base URL of this API, e.g. https://auth.example.com (no trailing slash). */
  publicUrl: string;
  /** Epoch milliseconds; tests move it instead of sleeping. */
  now: () => number;
  logger: Logger;
  /** Outbound fetch for the IdP (discovery, token, JWKS). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Built SDK files; without them /sdk/* answers 404. */
  sdk?: SdkAssets;
  /** The built admin console; without it /t/{tenant}/admin and /admin/assets/* answer 404. */
  admin?: AdminAssets;
  /** The API reference viewer; without it /reference and its files answer 404. */
  reference?: ReferenceAssets;
  /** Rate limits (DESKGATE_RATE_LIMITS). @default defaultRateLimits() */
  rateLimits?: RateLimitSettings;
  /**
   * How many proxies in front of the API append to `X-Forwarded-For` (DESKGATE_TRUSTED_PROXY_HOPS); the
   * client address is the entry that many places from the right. @default 0: the socket's peer address
   */
  trustedProxyHops?: number;
  /**
   * Where work that outlives its request runs (a magic-link request's mail); serve.ts waits for it before it
   * exits. @default one of the app's own
   */
  background?: BackgroundWork;
  /** Called after a mail is put in the outbox: the runtime's outbox worker sends it soon, not at its next poll. */
  onMailEnqueued?: () => void;
  /** Staff SSO (DESKGATE_STAFF_*, docs/staff-sso.md); without it staff sign-in answers sso_not_configured. */
  staff?: StaffSettings;
  /** Where the app counts (GET /metrics, or the metrics port serve.ts opens). @default one of the app's own */
  metrics?: Metrics;
  /**
   * DESKGATE_METRICS_TOKEN: GET /metrics on the API's own port answers a request bearing this token. Without
   * it /metrics answers 404 there (serve.ts may serve it on DESKGATE_METRICS_PORT instead).
   */
  metricsToken?: string;
  /** True once a shutdown began: /readyz answers 503 so the load balancer stops sending new requests. */
  draining?: () => boolean;
}

export interface AppEnv {
  /** What @hono/node-server passes along; tests pass the same shape to `app.request`. */
  Bindings: { incoming?: { socket?: { remoteAddress?: string } } };
  Variables: {
    requestId: string;
    log: Logger;
    tenant: TenantConfig;
    /** The hosted page's language once a route knows it (see http/locale.ts); error pages use it. */
    locale?: Locale;
    /** A failure the route answered without an error response (a probe's 200), for failure rate limits. */
    failure?: ErrorCode;
    /** The signed-in user of a protected route (http/permission.ts). */
    principal?: Principal;
    /** The id of the SCIM token a SCIM request presented (routes/scim.ts): the actor of what it changes. */
    scimToken?: string;
  };
}
