// Staff SSO (F11, D13; docs/staff-sso.md): the vendor's own people reach any tenant's admin console with their
// company identity from a deployment-level OIDC provider (Google Workspace in production). Pure decisions only:
// who counts as staff (the verified `hd` claim of the staff domain, never the email suffix alone) and what the
// staff's own, narrower permissions allow. No per-tenant staff account is ever created.
import { DeskgateError } from './errors.ts';
import { PERMISSION_AREAS, type PermissionAction, type PermissionArea } from './permissions.ts';

/** What staff may do in a tenant's console by default: look, not change. */
export const DEFAULT_STAFF_PERMISSIONS: readonly string[] = [
  'access_requests:read',
  'users:read',
  'settings:read',
  'audit:read',
];

/** `area:action` entries (or `area:*`), each naming a declared permission; refused otherwise. */
export function parseStaffPermissions(text: string | undefined): string[] {
  if (text === undefined || text.trim() === '') return [...DEFAULT_STAFF_PERMISSIONS];
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [area, action] = entry.split(':');
    const actions = (PERMISSION_AREAS as Record<string, readonly string[] | undefined>)[area ?? ''];
    if (!actions || !action || (action !== '*' && !actions.includes(action)))
      throw new TypeError(
        `DESKGATE_STAFF_PERMISSIONS: "${entry}" is not a permission (area:action, e.g. users:read or audit:*)`,
      );
  }
  return [...new Set(entries)];
}

/** Whether the staff permissions allow `action` on `area`. */
export function staffCan<A extends PermissionArea>(
  permissions: readonly string[],
  area: A,
  action: PermissionAction<A>,
): boolean {
  return permissions.includes(`${area}:${action}`) || permissions.includes(`${area}:*`);
}

/** The staff member an ID token names. */
export interface StaffIdentity {
  subject: string;
  email: string;
  name: string | null;
}

/**
 * The staff member, if the provider's ID token proves it: `hd` (the hosted domain Google Workspace sets for its
 * own accounts, absent for consumer accounts) equals the staff domain, and the email is verified and in that
 * domain. An email suffix alone proves nothing: anyone can register a consumer account with any address.
 */
export function staffFromClaims(claims: Record<string, unknown>, domain: string): StaffIdentity {
  const refuse = (why: string): never => {
    throw new DeskgateError('staff_not_allowed', `This account is not a staff account: ${why}`);
  };
  const wanted = domain.toLowerCase();
  if (typeof claims.hd !== 'string' || claims.hd === '')
    refuse('it belongs to no organisation (no hd claim)');
  if ((claims.hd as string).toLowerCase() !== wanted) refuse('it belongs to another organisation');
  if (claims.email_verified !== true) refuse('its email is not verified');
  const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : '';
  if (!email.endsWith(`@${wanted}`)) refuse('its email is outside the staff domain');
  if (typeof claims.sub !== 'string' || claims.sub === '') refuse('the provider named no subject');
  return {
    subject: claims.sub as string,
    email,
    name: typeof claims.name === 'string' ? claims.name : null,
  };
}

/** Every concrete `area:action` the staff permissions allow (a wildcard spelled out), as the console shows them. */
export function staffPermissionList(permissions: readonly string[]): string[] {
  const list: string[] = [];
  for (const [area, actions] of Object.entries(PERMISSION_AREAS))
    for (const action of actions)
      if (staffCan(permissions, area as PermissionArea, action as never)) list.push(`${area}:${action}`);
  return list.sort();
}
