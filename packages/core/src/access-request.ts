// Access requests (F3, D2, docs/magic-link.md): the confirm link's token format, how long a request lives, and
// who may approve one. No I/O: the API's AccessRequestService stores and mails.
import { randomToken } from './encoding.ts';
import { normalizeEmail } from './magic-link.ts';
import { can } from './permissions.ts';
import type { TenantConfig } from './tenant.ts';

/** Who approves access requests: whoever holds a role granting this (F9: the manager). */
const mayDecide = (user: { roles: readonly string[] }) => can(user.roles, 'access_requests', 'decide');

/** A public prefix, so a leaked confirm token is recognisable (secret scanners, the log scan). */
export const ACCESS_REQUEST_TOKEN_PREFIX = 'dgr_';
/** `dgr_` and 256 random bits in base64url. */
export const ACCESS_REQUEST_TOKEN_PATTERN = /^dgr_[A-Za-z0-9_-]{43}$/;

/** A request, confirmed or not, expires 7 days after it was asked for (D2). */
export const ACCESS_REQUEST_TTL_SECONDS = 7 * 24 * 60 * 60;

export function createAccessRequestToken(): string {
  return ACCESS_REQUEST_TOKEN_PREFIX + randomToken(32);
}

export function isAccessRequestTokenFormat(value: unknown): value is string {
  return typeof value === 'string' && ACCESS_REQUEST_TOKEN_PATTERN.test(value);
}

/** What the approval rules read of a user. */
export interface ApproverCandidate {
  email: string | null;
  roles: readonly string[];
  /** Whether a sign-in method vouched for the user (never for an API-key session, D10). */
  confirmed: boolean;
}

/** Whether any of the tenant's users may decide access requests (a manager): while none does, the approver emails approve. */
export function hasManager(tenantUsers: readonly ApproverCandidate[]): boolean {
  return tenantUsers.some(mayDecide);
}

/**
 * Whether `user` may approve or reject the tenant's access requests (D2): they hold the manager role, or the
 * tenant has no manager at all and their email (normalised) is one of `magicLink.approverEmails` and a sign-in
 * method vouched for them (confirmed). Pass the user as their session grants it (`sessionGrants`: an API-key
 * session is agent and unconfirmed, D10, since anyone with the key can claim any user), not as stored.
 */
export function canApprove(
  tenant: Pick<TenantConfig, 'magicLink'>,
  user: ApproverCandidate,
  tenantUsers: readonly ApproverCandidate[],
): boolean {
  if (mayDecide(user)) return true;
  if (hasManager(tenantUsers)) return false;
  const email = normalizeEmail(user.email);
  return user.confirmed && email !== undefined && approverEmails(tenant).includes(email);
}

/**
 * Whom a confirmed request is sent to: the email of every user holding the manager role, or, while the tenant
 * has none, its configured approver emails; normalised, each once. Empty when nobody can approve.
 */
export function approverAddresses(
  tenant: Pick<TenantConfig, 'magicLink'>,
  tenantUsers: readonly ApproverCandidate[],
): string[] {
  if (!hasManager(tenantUsers)) return approverEmails(tenant);
  const emails = tenantUsers
    .filter(mayDecide)
    .map((user) => normalizeEmail(user.email))
    .filter((email): email is string => email !== undefined);
  return [...new Set(emails)];
}

function approverEmails(tenant: Pick<TenantConfig, 'magicLink'>): string[] {
  const emails = tenant.magicLink.approverEmails
    .map((email) => normalizeEmail(email))
    .filter((email): email is string => email !== undefined);
  return [...new Set(emails)];
}
