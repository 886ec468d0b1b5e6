// Permissions (F9): granted to roles only, declared once here (role -> area -> actions, `*` for all actions of
// an area), and checked through `can` by every protected route. The declaration is its own provisioning: it
// lives in code, so every instance holds the same, and a change ships with the code that needs it.
import { DEFAULT_ROLE, ROLES, type Role } from '@deskgate/protocol';

/** What can be protected, and what can be done to each. */
export const PERMISSION_AREAS = {
  /** Agent assist in the CX page: suggestions, search. */
  assist: ['use'],
  /** The agent's own personal collection of replies. */
  collection: ['read', 'write'],
  /** The team's shared texts and suggestions. */
  texts: ['read', 'write'],
  /** The assistants (automations) of the tenant. */
  assistants: ['read', 'write'],
  /** Access requests of unknown emails (D2). */
  access_requests: ['read', 'decide'],
  /** The tenant's users: their roles, sign-in methods, disabling. */
  users: ['read', 'write'],
  /** API keys, platform-JWT keys, SSO settings. */
  settings: ['read', 'write'],
  /** The audit log. */
  audit: ['read'],
} as const;

export type PermissionArea = keyof typeof PERMISSION_AREAS;
export type PermissionAction<A extends PermissionArea = PermissionArea> =
  (typeof PERMISSION_AREAS)[A][number];

type Grants = { [A in PermissionArea]?: readonly (PermissionAction<A> | '*')[] };

const AGENT: Grants = { assist: ['use'], collection: ['*'], texts: ['read'] };

/**
 * Who may do what (F9): the agent the basics; the editor also the team's texts; the assistant editor also the
 * assistants; the manager everything the editor has, plus access requests, users, settings and the audit log.
 */
export const ROLE_PERMISSIONS: Record<Role, Grants> = {
  'deepdesk.agent': AGENT,
  'deepdesk.editor': { ...AGENT, texts: ['*'] },
  'deepdesk.assistant_editor': { ...AGENT, assistants: ['*'] },
  'deepdesk.manager': {
    ...AGENT,
    texts: ['*'],
    access_requests: ['*'],
    users: ['*'],
    settings: ['*'],
    audit: ['*'],
  },
};

/** Whether any of `roles` grants `action` on `area`; unknown roles grant nothing. */
export function can<A extends PermissionArea>(
  roles: readonly string[],
  area: A,
  action: PermissionAction<A>,
): boolean {
  return roles.some((role) => {
    const actions = (ROLE_PERMISSIONS as Record<string, Grants | undefined>)[role]?.[area] as
      | readonly string[]
      | undefined;
    return actions !== undefined && (actions.includes('*') || actions.includes(action));
  });
}

/** Every `area:action` the roles grant, sorted: what the docs' table and the session show. */
export function permissionsOf(roles: readonly string[]): string[] {
  const granted = new Set<string>();
  for (const [area, actions] of Object.entries(PERMISSION_AREAS))
    for (const action of actions)
      if (can(roles, area as PermissionArea, action as never)) granted.add(`${area}:${action}`);
  return [...granted].sort();
}

/** The roles in the order of the docs: the default first. */
export const ROLES_IN_ORDER: readonly Role[] = [
  DEFAULT_ROLE,
  ...ROLES.filter((role) => role !== DEFAULT_ROLE),
];
