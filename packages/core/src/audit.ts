// The audit log (docs/audit-log.md): which events there are, and the guard that keeps secrets out
// of an event's details. The store only appends and lists events; retention purges the old ones.

import { ACCESS_REQUEST_TOKEN_PREFIX } from './access-request.ts';
import { API_KEY_PREFIX, SCIM_TOKEN_PREFIX } from './api-key.ts';
import { MAGIC_LINK_TOKEN_PREFIX } from './magic-link.ts';
import { EXCHANGE_TOKEN_PREFIX } from './outbound.ts';
import { isRefreshTokenFormat } from './refresh-token.ts';
import type { AuditEventRecord } from './store.ts';

/** Every event type the application writes; staff access and mail given up come with those features. */
export const AUDIT_EVENT_TYPES = [
  'sign_in',
  'access_request_decided',
  'api_key_created',
  'api_key_revoked',
  'jwt_key_created',
  'jwt_key_imported',
  'jwt_key_revoked',
  'user_disabled',
  'user_enabled',
  /** `tenant create|set`: its settings (by name; a client secret only as replaced), never their values. */
  'tenant_created',
  'tenant_changed',
  /** A role granted or revoked by hand (`user grant|revoke`), at once or waiting for a first sign-in. */
  'role_granted',
  'role_revoked',
  /** A pending grant applied at its subject's or email's first sign-in. */
  'grant_applied',
  /** Role-based IAM: the roles the IdP or platform gives differ from the stored ones. */
  'roles_synced',
  /** The platform role lookup failed or timed out (the sign-in fell back or was refused). */
  'role_lookup_failed',
  /** SCIM provisioning (docs/provisioning.md), actor the SCIM token's id; tokens made and revoked by the CLI. */
  'scim_user_created',
  'scim_user_adopted',
  'scim_user_replaced',
  'scim_user_patched',
  'scim_user_deleted',
  'scim_group_created',
  'scim_group_changed',
  'scim_group_deleted',
  'scim_token_created',
  'scim_token_revoked',
  /** A staff member signed in to the tenant's console (staff SSO). */
  'staff_signed_in',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/**
 * `scim`: a SCIM bearer token, its key id as the actor id (docs/provisioning.md); `staff`: a staff member of
 * the vendor (staff SSO), their email as the actor id (docs/staff-sso.md).
 */
export const AUDIT_ACTOR_KINDS = ['user', 'operator', 'system', 'anonymous', 'scim', 'staff'] as const;

export type AuditDetails = AuditEventRecord['details'];

/** An event as a caller gives it: the id, tenant and time are added when it is recorded. */
export type AuditEventInput = Omit<AuditEventRecord, 'id' | 'tenant' | 'at' | 'type'> & {
  type: AuditEventType;
};

/** A detail key: a short identifier, so nothing can be smuggled in through the keys either. */
const DETAIL_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_DETAIL_LENGTH = 500;
const MAX_DETAILS = 32;

const TOKEN_PREFIXES = [
  API_KEY_PREFIX,
  SCIM_TOKEN_PREFIX,
  EXCHANGE_TOKEN_PREFIX,
  MAGIC_LINK_TOKEN_PREFIX,
  ACCESS_REQUEST_TOKEN_PREFIX,
];
/** A JWT (or any JWS/JWE): base64url of a JSON object, `eyJ…`, followed by a dot. */
const JWT_SHAPED = /eyJ[A-Za-z0-9_-]*\./;
/** 40 or more base64url characters in a row: a secret, a token or a digest (ids are shorter: a UUID is 36). */
const LONG_BASE64URL = /[A-Za-z0-9_-]{40,}/;

/** Why a string must not go into the audit log, or undefined when it may. */
export function secretLikeReason(value: string): string | undefined {
  if (TOKEN_PREFIXES.some((prefix) => value.includes(prefix))) return 'a deskgate token prefix';
  if (JWT_SHAPED.test(value)) return 'a JWT';
  if ([...value.matchAll(/rt1\.[A-Za-z0-9_-]+/g)].some(([match]) => isRefreshTokenFormat(match)))
    return 'a refresh token';
  if (LONG_BASE64URL.test(value)) return 'a long base64url run';
  return undefined;
}

/**
 * Returns `details` unchanged when every value may be stored; throws a TypeError naming the key (never the
 * value) when one looks like a secret (a deskgate token, a JWT, a refresh token, a long base64url run), is
 * not a string, finite number or boolean, or is too long.
 */
export function auditSafe(details: Record<string, unknown>): AuditDetails {
  const entries = Object.entries(details);
  if (entries.length > MAX_DETAILS) throw new TypeError(`audit details: more than ${MAX_DETAILS} entries`);
  for (const [key, value] of entries) {
    if (!DETAIL_KEY.test(key)) throw new TypeError('audit details: a key is not a short identifier');
    if (typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new TypeError(`audit details.${key}: not a finite number`);
      continue;
    }
    if (typeof value !== 'string')
      throw new TypeError(`audit details.${key}: not a string, number or boolean`);
    if (value.length > MAX_DETAIL_LENGTH)
      throw new TypeError(`audit details.${key}: longer than ${MAX_DETAIL_LENGTH} characters`);
    const reason = secretLikeReason(value);
    if (reason) throw new TypeError(`audit details.${key}: looks like a secret (${reason})`);
  }
  return details as AuditDetails;
}

/** The fields besides details that hold free text; the recorder checks them the same way. */
export function auditFieldsSafe(
  event: Pick<AuditEventRecord, 'subject' | 'code' | 'method'> & { actor: { id: string | null } },
): void {
  for (const [name, value] of Object.entries({
    subject: event.subject,
    code: event.code,
    method: event.method,
    actor: event.actor.id,
  })) {
    if (value === null) continue;
    if (value.length > MAX_DETAIL_LENGTH) throw new TypeError(`audit ${name}: too long`);
    const reason = secretLikeReason(value);
    if (reason) throw new TypeError(`audit ${name}: looks like a secret (${reason})`);
  }
}
