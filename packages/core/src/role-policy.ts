// Where a user's roles come from at sign-in (F9, D4) and who may be created automatically (trial mode, D1):
// pure decisions over the tenant's settings, taken before anything is stored.
import { DEFAULT_ROLE, ROLES } from '@deskgate/protocol';
import { DeskgateError } from './errors.ts';
import { normalizeEmail } from './magic-link.ts';

const KNOWN: ReadonlySet<string> = new Set(ROLES);

/** A provider's role settings (docs/roles.md, "Role-based IAM"). */
export interface RolePolicy {
  /** On: roles come from the IdP (the `roleClaim`, or the platform role lookup) at every sign-in. Off: grants. */
  roleIam: boolean;
  /** Under role-based IAM: a sign-in that brings no valid role is refused (roles_required). */
  requireRoles: boolean;
}

/** The known roles in a claim that is a string (space or comma separated) or an array; unknown ones dropped. */
export function knownRoles(raw: unknown): string[] {
  const values = typeof raw === 'string' ? raw.split(/[\s,]+/) : Array.isArray(raw) ? raw : [];
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && KNOWN.has(v)))].sort();
}

/**
 * The roles a sign-in stores, given the known roles the IdP brought (`null`: it could not say, e.g. the role
 * lookup failed). Role-based IAM off: null, so a known user keeps theirs and a new one is an agent. On: what
 * the IdP says, re-synced every time; nothing valid means the default role, or roles_required under require
 * roles (refused before any user or cookie exists). A failed lookup never grants a role.
 */
export function rolesForSignIn(policy: RolePolicy, found: readonly string[] | null): string[] | null {
  if (!policy.roleIam) return null;
  if (found && found.length > 0) return [...found];
  if (policy.requireRoles)
    throw new DeskgateError(
      'roles_required',
      found === null
        ? 'Your roles could not be looked up, and this organisation requires a role to sign in. Try again in a moment, or ask your manager.'
        : 'Your account has no role for this product, and this organisation requires one to sign in. Ask your manager to give you a role.',
    );
  return [DEFAULT_ROLE];
}

/** Trial mode (D1): automatic user creation only for invited emails, up to a number of seats. */
export interface TrialConfig {
  enabled: boolean;
  /** Users (not disabled) the tenant may have while on trial. */
  seats: number;
  /** Normalised emails that may be created automatically (besides the approved access requests). */
  invitedEmails: string[];
}

export const TRIAL_SEATS_DEFAULT = 10;
const TRIAL_SEATS_MAX = 100_000;

export function parseTrialConfig(input: unknown, path: string): TrialConfig {
  if (input === undefined) return { enabled: false, seats: TRIAL_SEATS_DEFAULT, invitedEmails: [] };
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw invalid(path, 'must be an object');
  const o = input as Record<string, unknown>;
  const unknown = Object.keys(o).find((key) => !['enabled', 'seats', 'invitedEmails'].includes(key));
  if (unknown) throw invalid(`${path}.${unknown}`, 'is not a known setting');
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean')
    throw invalid(`${path}.enabled`, 'must be true or false');
  const seats = o.seats ?? TRIAL_SEATS_DEFAULT;
  if (typeof seats !== 'number' || !Number.isInteger(seats) || seats < 1 || seats > TRIAL_SEATS_MAX)
    throw invalid(`${path}.seats`, `must be an integer between 1 and ${TRIAL_SEATS_MAX}`);
  const invited = o.invitedEmails ?? [];
  if (!Array.isArray(invited)) throw invalid(`${path}.invitedEmails`, 'must be an array of emails');
  return {
    enabled: o.enabled ?? false,
    seats,
    invitedEmails: [
      ...new Set(
        invited.map((value, i) => {
          const email = normalizeEmail(value);
          if (!email) throw invalid(`${path}.invitedEmails[${i}]`, 'must be an email');
          return email;
        }),
      ),
    ],
  };
}

/**
 * Whether trial mode lets a sign-in create a new user: off, always; on, only an invited email (in the
 * settings, or whose access request a manager approved) while a seat is free. Throws trial_not_invited or
 * trial_seats_full, which the sign-in answers with a page and an access request for the managers.
 */
export function assertTrialAllows(
  trial: TrialConfig,
  request: { email: string | null; activeUsers: number; approvedEmails: readonly string[] },
): void {
  if (!trial.enabled) return;
  const email = request.email === null ? null : normalizeEmail(request.email);
  if (!email || !(trial.invitedEmails.includes(email) || request.approvedEmails.includes(email)))
    throw new DeskgateError(
      'trial_not_invited',
      'This organisation is trying the product out, and only invited people can start using it. A request for access was sent to your email, if we know it; your manager decides.',
    );
  if (request.activeUsers >= trial.seats)
    throw new DeskgateError(
      'trial_seats_full',
      'This organisation is trying the product out, and all its seats are taken. A request for access was sent to your email; your manager decides.',
    );
}

function invalid(path: string, message: string): DeskgateError {
  return new DeskgateError('validation_failed', `${path}: ${message}`);
}

/** `roles` with `role` added, in ROLES order; a role that is not a deskgate role is refused. */
export function withRole(roles: readonly string[], role: string): string[] {
  assertRole(role);
  return ROLES.filter((r) => r === role || roles.includes(r));
}

/** `roles` without `role`; nobody is left with no role (the default role remains). */
export function withoutRole(roles: readonly string[], role: string): string[] {
  assertRole(role);
  const left = ROLES.filter((r) => r !== role && roles.includes(r));
  return left.length ? left : [DEFAULT_ROLE];
}

export function assertRole(role: string): void {
  if (!KNOWN.has(role))
    throw new DeskgateError(
      'validation_failed',
      `"${role}" is not a role; the roles are ${ROLES.join(', ')}`,
    );
}
