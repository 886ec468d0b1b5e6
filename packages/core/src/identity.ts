// Identity resolution (D3): decide create or update for a verified external identity, before any I/O.
import type { UserRecord } from './store.ts';

export interface VerifiedProfile {
  /** Identity key: (tenant, issuer, subject). */
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
  roles: string[];
  /** Whether the source vouches for the user (an IdP or a signed token does). */
  confirmed: boolean;
}

export type IdentityDecision =
  | { action: 'create'; user: UserRecord }
  | { action: 'update'; user: UserRecord }
  | { action: 'unchanged'; user: UserRecord };

/** Given the user already linked to the identity (if any), returns what to store. */
export function resolveIdentity(
  tenant: string,
  existing: UserRecord | undefined,
  profile: VerifiedProfile,
  now: number,
  newId: () => string,
): IdentityDecision {
  if (!existing) {
    return {
      action: 'create',
      user: {
        id: newId(),
        tenant,
        email: profile.email,
        name: profile.name,
        roles: profile.roles,
        confirmed: profile.confirmed,
        createdAt: now,
        updatedAt: now,
      },
    };
  }
  // The profile is refreshed on every sign-in; an absent email or name keeps what we had.
  const next: UserRecord = {
    ...existing,
    email: profile.email ?? existing.email,
    name: profile.name ?? existing.name,
    roles: profile.roles,
    confirmed: existing.confirmed || profile.confirmed,
  };
  const changed =
    next.email !== existing.email ||
    next.name !== existing.name ||
    next.confirmed !== existing.confirmed ||
    next.roles.join(' ') !== existing.roles.join(' ');
  return changed
    ? { action: 'update', user: { ...next, updatedAt: now } }
    : { action: 'unchanged', user: existing };
}
