// The people who can sign in at the dev IdP: the demo's agent and manager, or whatever a test brings.

export interface DevAccount {
  /** Stable, opaque subject identifier, as a real IdP would issue (never the email). */
  sub: string;
  email: string;
  password: string;
  name: string;
  roles: string[];
  /** More ID-token claims, over the ones above; null leaves a claim out (a test's `role_name`, no `roles`). */
  claims?: Record<string, unknown>;
}

export const DEMO_ACCOUNTS: readonly DevAccount[] = Object.freeze([
  {
    sub: '6f1c2a4e-0d3b-4f6a-9c1e-a9e7d0a10001',
    email: 'agent@demo.test',
    password: 'agent',
    name: 'Ada Agent',
    roles: ['deepdesk.agent'],
  },
  {
    sub: '6f1c2a4e-0d3b-4f6a-9c1e-a9e7d0a10002',
    email: 'manager@demo.test',
    password: 'manager',
    name: 'Max Manager',
    roles: ['deepdesk.manager'],
  },
]);

/**
 * The demo's staff member of the vendor (staff SSO, docs/staff-sso.md): a Google Workspace-like account of the
 * staff domain, with the `hd` claim that proves it.
 */
export const DEMO_STAFF_ACCOUNT: DevAccount = Object.freeze({
  sub: '6f1c2a4e-0d3b-4f6a-9c1e-a9e7d0a10099',
  email: 'staff@vendor.test',
  password: 'staff',
  name: 'Sam Staff',
  roles: [],
  claims: { hd: 'vendor.test' },
});
