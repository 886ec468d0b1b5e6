// Role claim mapping (F9, D4): a claim that is a string or an array becomes known roles, default agent.
import { DEFAULT_ROLE } from '@deskgate/protocol';
import { knownRoles } from './role-policy.ts';

/** Reads `claim` from ID-token claims; unknown role names are dropped, none left means the default role. */
export function rolesFromClaims(claims: Record<string, unknown>, claim: string): string[] {
  const roles = knownRoles(claims[claim]);
  return roles.length > 0 ? roles : [DEFAULT_ROLE];
}

/** The method whose limits a session keeps: an exchange session's source method, else its own. */
export function grantingMethod(session: { method: string; via: string | null }): string {
  return session.method === 'exchange' && session.via ? session.via : session.method;
}

/**
 * What a session of `method` may claim for its user. Anyone who can read a tenant's API key can claim any
 * agent id (F13), so an API-key session carries no role above agent and is never confirmed (D10), whatever
 * the user holds through other methods.
 */
export function sessionGrants(
  method: string,
  user: { roles: string[]; confirmed: boolean },
): { roles: string[]; confirmed: boolean } {
  if (method === 'api_key') return { roles: [DEFAULT_ROLE], confirmed: false };
  return { roles: user.roles, confirmed: user.confirmed };
}
