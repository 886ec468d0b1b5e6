// DeskgateError: every failure the API reports carries a stable code from the protocol and an HTTP status.
import type { ErrorCode } from '@deskgate/protocol';

const STATUS: Partial<Record<ErrorCode, number>> = {
  bad_request: 400,
  validation_failed: 400,
  body_too_large: 413,
  rate_limited: 429,
  not_found: 404,
  method_not_allowed: 405,
  internal_error: 500,
  store_unavailable: 503,
  metrics_token_invalid: 401,
  tenant_not_found: 404,
  origin_not_allowed: 403,
  csrf_header_required: 403,
  attempt_not_found: 404,
  attempt_expired: 410,
  attempt_verifier_mismatch: 403,
  attempt_proof_invalid: 403,
  attempt_already_redeemed: 409,
  attempt_already_completed: 409,
  attempt_locked: 410,
  confirmation_code_mismatch: 400,
  signin_chooser_required: 403,
  sso_not_configured: 404,
  sso_idp_unreachable: 502,
  token_in_query: 400,
  jwt_malformed: 400,
  jwt_header_invalid: 400,
  jwt_not_configured: 400,
  jwt_key_unknown: 401,
  jwt_signature_invalid: 401,
  jwt_expired: 401,
  jwt_not_yet_valid: 401,
  jwt_claims_invalid: 401,
  jwt_replayed: 401,
  identity_conflict: 409,
  user_not_provisioned: 401,
  signed_user_info_required: 403,
  remote_login_not_configured: 404,
  return_target_invalid: 400,
  api_key_invalid: 401,
  api_key_revoked: 401,
  api_key_expired: 401,
  api_key_disabled: 403,
  exchange_token_invalid: 400,
  email_invalid: 400,
  magic_link_disabled: 403,
  magic_link_invalid: 400,
  access_request_invalid: 400,
  access_request_not_found: 404,
  access_request_decided: 409,
  access_request_expired: 410,
  permission_denied: 403,
  // A sign-in of a disabled user; their session's refresh and read answer it with 401 (the SDK signs out).
  user_disabled: 403,
  // Refused at sign-in: no valid role under require roles, or trial mode (docs/roles.md).
  roles_required: 403,
  role_lookup_failed: 502,
  trial_not_invited: 403,
  trial_seats_full: 403,
  roles_managed_by_idp: 409,
  staff_not_allowed: 403,
};

/** HTTP status for a code: 401 for session/refresh problems, 400 for SSO callback problems. */
export function statusForCode(code: ErrorCode): number {
  const explicit = STATUS[code];
  if (explicit) return explicit;
  if (code.startsWith('session_') || code.startsWith('refresh_')) return 401;
  return 400;
}

export class DeskgateError extends Error {
  override name = 'DeskgateError';
  readonly code: ErrorCode;
  readonly status: number;
  /** Response headers that belong to the error, such as the `Retry-After` of rate_limited. */
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    code: ErrorCode,
    message: string,
    options?: { status?: number; cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options?.status ?? statusForCode(code);
    this.headers = options?.headers ?? {};
  }
}
