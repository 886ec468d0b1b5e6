// Role claim mapping (F9, D4): a claim that is a string or an array becomes known roles, default agent.
import { DEFAULT_ROLE, ROLES } from '@deskgate/protocol';

const KNOWN: ReadonlySet<string> = new Set(ROLES);

/** Reads `claim` from ID-token claims; unknown role names are dropped, none left means the default role. */
export function rolesFromClaims(claims: Record<string, unknown>, claim: string): string[] {
  const raw = claims[claim];
  const values = typeof raw === 'string' ? raw.split(/[\s,]+/) : Array.isArray(raw) ? raw : [];
  const roles = [...new Set(values.filter((v): v is string => typeof v === 'string' && KNOWN.has(v)))];
  return roles.length > 0 ? roles.sort() : [DEFAULT_ROLE];
}
