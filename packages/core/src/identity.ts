// Identity resolution (D3, D12): decide create, link or update for a verified external identity, before any
// I/O. Every sign-in method calls it (through the API's IdentityService).

import { DEFAULT_ROLE } from '@deskgate/protocol';
import { DeskgateError } from './errors.ts';
import type { UserRecord } from './store.ts';

export interface VerifiedProfile {
  /** Identity key: (tenant, issuer, subject). */
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
  /** The roles the source grants; null keeps the user's (a new user gets the default role). */
  roles: string[] | null;
  /** Whether the source vouches for the user (an IdP or a signed token does). */
  confirmed: boolean;
}

export type IdentityDecision =
  | { action: 'create'; user: UserRecord }
  /** An existing user found by email: link the identity to it (and store the refreshed profile). */
  | { action: 'link'; user: UserRecord }
  /** The stored user changed; `previousRoles` is what they held before (role sync is audited). */
  | { action: 'update'; user: UserRecord; previousRoles: string[] }
  | { action: 'unchanged'; user: UserRecord };

export interface ResolveOptions {
  /**
   * The tenant's users with the profile's email, when the method identifies users by email as well as by
   * its own id (platform JWT, F7). Left out, email plays no part (SSO: D3 links by email only for trusted
   * providers).
   */
  byEmail?: UserRecord[];
  /** Whether an unknown user may be created (on-demand provisioning). @default true */
  allowCreate?: boolean;
}

/**
 * Given the user already linked to the identity (if any), returns what to store. With `byEmail`, an email
 * that names another user than the identity does is refused (identity_conflict, D12), as is an email shared
 * by several users with no identity to choose between them.
 */
export function resolveIdentity(
  tenant: string,
  existing: UserRecord | undefined,
  profile: VerifiedProfile,
  now: number,
  newId: () => string,
  options: ResolveOptions = {},
): IdentityDecision {
  const byEmail = options.byEmail ?? [];
  if (existing && byEmail.length && !byEmail.some((user) => user.id === existing.id)) {
    throw new DeskgateError(
      'identity_conflict',
      'The user id and the email in the token name different users; nobody was signed in',
    );
  }
  if (!existing && byEmail.length > 1) {
    throw new DeskgateError(
      'identity_conflict',
      'Several users have this email and the token names none of them by id; nobody was signed in',
    );
  }
  const linked = existing ?? byEmail[0];
  if (!linked) {
    if (options.allowCreate === false) {
      throw new DeskgateError(
        'user_not_provisioned',
        'This user does not exist yet and this tenant does not create users on first sign-in',
      );
    }
    return {
      action: 'create',
      user: {
        id: newId(),
        tenant,
        email: profile.email,
        name: profile.name,
        roles: profile.roles ?? [DEFAULT_ROLE],
        confirmed: profile.confirmed,
        createdAt: now,
        updatedAt: now,
        disabledAt: null,
      },
    };
  }
  // The profile is refreshed on every sign-in; an absent email or name keeps what we had.
  const next: UserRecord = {
    ...linked,
    email: profile.email ?? linked.email,
    name: profile.name ?? linked.name,
    roles: profile.roles ?? linked.roles,
    confirmed: linked.confirmed || profile.confirmed,
  };
  const changed =
    next.email !== linked.email ||
    next.name !== linked.name ||
    next.confirmed !== linked.confirmed ||
    next.roles.join(' ') !== linked.roles.join(' ');
  if (!existing) return { action: 'link', user: changed ? { ...next, updatedAt: now } : linked };
  return changed
    ? { action: 'update', user: { ...next, updatedAt: now }, previousRoles: existing.roles }
    : { action: 'unchanged', user: existing };
}
