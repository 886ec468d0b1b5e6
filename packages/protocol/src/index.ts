// The wire contract shared by the SDK and the API: paths, headers, message shapes and error codes.
// No dependencies and no runtime logic beyond tiny path builders, so the SDK pays a few bytes for it.

export const PROTOCOL_VERSION = 1;

/** Header the SDK sends on every write; a non-simple header forces a CORS preflight (CSRF defence). */
export const SDK_HEADER = 'x-deskgate-sdk';

/** Tenant codes: lowercase letters and digits, three or more (F12). */
export const TENANT_CODE_PATTERN = /^[a-z0-9]{3,}$/;

/**
 * Session cookie names. `__Secure-` makes browsers refuse them unless set with `Secure` from a secure
 * origin, so a network attacker on plain HTTP cannot plant one. The documented names are the part after
 * the prefix; the unprefixed legacy names are still read (and then cleared) for one session lifetime.
 */
export const COOKIE_ACCESS = '__Secure-access_token_cookie';
export const COOKIE_REFRESH = '__Secure-refresh_token_cookie';
export const LEGACY_COOKIE_ACCESS = 'access_token_cookie';
export const LEGACY_COOKIE_REFRESH = 'refresh_token_cookie';

export * as paths from './paths.ts';

export const ERROR_CODES = [
  'bad_request',
  'validation_failed',
  'body_too_large',
  'rate_limited',
  'not_found',
  'method_not_allowed',
  'internal_error',
  // The database is unreachable (503, Retry-After): docs/operations.md
  'store_unavailable',
  // GET /metrics without the metrics token (DESKGATE_METRICS_TOKEN): docs/operations.md
  'metrics_token_invalid',
  'tenant_not_found',
  'origin_not_allowed',
  'csrf_header_required',
  'session_missing',
  'session_invalid',
  'session_expired',
  'session_revoked',
  'refresh_missing',
  'refresh_invalid',
  'refresh_expired',
  'refresh_reused',
  'attempt_not_found',
  'attempt_expired',
  'attempt_verifier_mismatch',
  'attempt_already_redeemed',
  'attempt_already_completed',
  'attempt_proof_invalid',
  'attempt_locked',
  'confirmation_code_mismatch',
  'signin_chooser_required',
  'sso_not_configured',
  'sso_browser_mismatch',
  'sso_state_mismatch',
  'sso_response_invalid',
  'sso_nonce_mismatch',
  'sso_idp_error',
  'sso_id_token_invalid',
  'sso_idp_unreachable',
  // Platform JWT (POST /session/jwt, remote login): docs/platform-jwt.md
  'token_in_query',
  'jwt_malformed',
  'jwt_header_invalid',
  'jwt_not_configured',
  'jwt_key_unknown',
  'jwt_signature_invalid',
  'jwt_expired',
  'jwt_not_yet_valid',
  'jwt_claims_invalid',
  'jwt_replayed',
  'identity_conflict',
  'user_not_provisioned',
  'signed_user_info_required',
  'remote_login_not_configured',
  'return_target_invalid',
  // API keys (POST /session/api-key): docs/api-key.md
  'api_key_invalid',
  'api_key_revoked',
  'api_key_expired',
  'api_key_disabled',
  // Exchange tokens (outbound links): docs/outbound-links.md
  'exchange_token_invalid',
  // Magic links: docs/magic-link.md
  'email_invalid',
  'magic_link_disabled',
  'magic_link_invalid',
  'access_request_invalid',
  'access_request_not_found',
  'access_request_decided',
  'access_request_expired',
  'permission_denied',
  // Disabled users (`user disable`): docs/operations.md
  'user_disabled',
  // Roles, role-based IAM and trial mode: docs/roles.md
  'roles_required',
  'role_lookup_failed',
  'trial_not_invited',
  'trial_seats_full',
  // The admin console: docs/admin-console.md
  'roles_managed_by_idp',
  // Staff SSO: docs/staff-sso.md
  'staff_not_allowed',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export const ROLES = [
  'deepdesk.agent',
  'deepdesk.editor',
  'deepdesk.manager',
  'deepdesk.assistant_editor',
] as const;
export type Role = (typeof ROLES)[number];
export const DEFAULT_ROLE: Role = 'deepdesk.agent';

export interface SessionUser {
  id: string;
  email: string | null;
  name: string | null;
  roles: string[];
  /** True when an identity provider or a signed platform token vouched for this user (F7). */
  confirmed: boolean;
  /**
   * Who the user signed in as in this session: the identity provider's issuer and the user's subject there
   * (`sub`; for a platform JWT the platform user id, for an email link `email` and the address). A manager
   * grants roles by it (`user grant --sub`, F10). Null when unknown.
   */
  identity: { issuer: string; subject: string } | null;
}

/** POST /t/{tenant}/auth/exchange-token: where to open the outbound window. */
export interface ExchangeLink {
  /** The landing page on the API site, with the single-use token in the fragment (`#token=…`). */
  url: string;
  /** When the token expires, epoch milliseconds. */
  expiresAt: number;
}

/** GET /t/{tenant}/auth/session, and the `session` of a successful redeem or refresh. */
export interface SessionInfo {
  tenant: string;
  user: SessionUser;
  /** ISO 8601: when the access cookie expires (the SDK refreshes after that). */
  accessExpiresAt: string;
  /** ISO 8601: absolute end of the session; after it the agent signs in again. */
  sessionExpiresAt: string;
}

/** GET /t/{tenant}/auth/refresh/status: the SDK's first question on a page load. */
export interface SessionStatus {
  /** The session of a valid access cookie, else null. */
  session: SessionInfo | null;
  /** Whether a refresh cookie was sent: only then is POST refresh worth trying (it may still fail). */
  refreshable: boolean;
  /**
   * The tenant takes sessions only from platform JWTs (`signedUserInfo`): an SDK without a token offers no
   * sign-in. Present only when true.
   */
  signedUserInfoRequired?: true;
}

/** POST /t/{tenant}/auth/attempts */
export interface CreateAttemptRequest {
  /** base64url(SHA-256(verifier)); the verifier stays in the SDK's memory. */
  challenge: string;
  challengeMethod: 'S256';
  /** The popup's pages speak this language (else the browser's Accept-Language decides). */
  locale?: 'en-US' | 'nl-NL';
}

export interface CreateAttemptResponse {
  attemptId: string;
  /** Where the SDK points the popup it opened. */
  signInUrl: string;
  /**
   * Short code shown in the overlay when the sign-in must be confirmed: the agent types it on the
   * completion page, which never shows it (only the SDK that started the attempt knows it).
   */
  confirmationCode: string;
  expiresAt: string;
  pollIntervalMs: number;
}

/** POST /t/{tenant}/auth/attempts/{id}/redeem: the SDK's fast path (with proof) and its poll (without). */
export interface RedeemAttemptRequest {
  verifier: string;
  /** The one-time proof the completion page posted to the verified opener. */
  proof?: string;
}

export type RedeemAttemptResponse =
  | { status: 'pending' }
  | { status: 'confirmation_required'; confirmationCode: string }
  | { status: 'signed_in'; session: SessionInfo };

export const MESSAGE_ATTEMPT_COMPLETE = 'deskgate:attempt-complete';

/** postMessage from the completion page to window.opener, targetOrigin = the attempt's origin. */
export interface AttemptCompleteMessage {
  type: typeof MESSAGE_ATTEMPT_COMPLETE;
  v: typeof PROTOCOL_VERSION;
  attemptId: string;
  proof: string;
}

export function isAttemptCompleteMessage(data: unknown): data is AttemptCompleteMessage {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as Record<string, unknown>;
  return (
    m.type === MESSAGE_ATTEMPT_COMPLETE &&
    m.v === PROTOCOL_VERSION &&
    typeof m.attemptId === 'string' &&
    typeof m.proof === 'string'
  );
}
