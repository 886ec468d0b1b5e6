// The help of the `user` commands (docs/roles.md, docs/operations.md): a tenant's users, disabling them, and
// granting roles by hand, before or after the first sign-in.
import type { Command } from './help.ts';

export const USER_COMMANDS = `  user list <tenant> [--json]          the tenant's users, oldest first
  user show <tenant> <user>            one user (by user id or email) with their identities, as JSON
  user disable <tenant> <user>         refuse the user's sign-ins by every method and end their sessions
  user enable <tenant> <user>          let a disabled user sign in again
  user grant <tenant> (--id ID | --email E | --sub S [--provider-id P | --issuer URL]) --role R
                                       give a role, at once or at that identity's first sign-in
  user revoke <tenant> (--id ID | --email E | --sub S [--provider-id P | --issuer URL]) --role R
                                       take a role away (or a grant still waiting)
  user grants <tenant> [--json]        the grants waiting for a first sign-in`;

const TARGET = `  --id ID                       the user by their user id (user list shows it)
  --email EMAIL                 the user with this email (ignoring case); nobody yet: waits for the first
                                sign-in that brings this email from a source that vouches for it (SSO,
                                platform JWT; not an API key)
  --sub SUBJECT                 the user with this provider subject (the ID token's sub, shown to each user on
                                their "about me" page); nobody yet: waits for that subject's first sign-in
  --provider-id P               with --sub: the tenant's OIDC provider whose subject it is (the only one when
                                the tenant has one)
  --issuer URL                  with --sub: the issuer itself (a platform-JWT profile's, for instance)
  --role ROLE                   deepdesk.agent, deepdesk.editor, deepdesk.manager or deepdesk.assistant_editor`;

export const USER_COMMAND_HELP: Command[] = [
  {
    name: 'user list',
    options: ['json'],
    args: ['<tenant>'],
    help: `Usage: pnpm deskgate user list <tenant> [--json]

Lists the tenant's users, oldest first, one a line, separated by tabs: user id, email, name (- where none),
roles (comma-separated), active or disabled <time>, and created.

  --json                        print [{"id","tenant","email","name","roles","confirmed","createdAt",
                                "updatedAt","disabledAt"}] on stdout`,
  },
  {
    name: 'user show',
    options: [],
    args: ['<tenant>', '<user>'],
    help: `Usage: pnpm deskgate user show <tenant> <user id | email>

Prints one user as JSON: {"id","tenant","email","name","roles","confirmed","createdAt","updatedAt",
"disabledAt","identities":[{"issuer","subject","createdAt"}]}. An email matches ignoring case; when several
users have it, give the user id. The identities' subjects are what \`user grant --sub\` takes.`,
  },
  {
    name: 'user disable',
    options: [],
    args: ['<tenant>', '<user>'],
    help: `Usage: pnpm deskgate user disable <tenant> <user id | email>

Disables a user: every sign-in method refuses them (user_disabled), and each of their sessions ends at its
next refresh or session check (401 user_disabled), at the latest when its access token expires
(accessTtlSeconds). Recorded in the audit log (user_disabled). Disabling a disabled user changes nothing.`,
  },
  {
    name: 'user enable',
    options: [],
    args: ['<tenant>', '<user>'],
    help: `Usage: pnpm deskgate user enable <tenant> <user id | email>

Lets a disabled user sign in again; the sessions disabling ended stay ended. Recorded in the audit log
(user_enabled). Enabling an active user changes nothing.`,
  },
  {
    name: 'user grant',
    options: ['id', 'email', 'sub', 'provider-id', 'issuer', 'role'],
    args: ['<tenant>'],
    help: `Usage: pnpm deskgate user grant <tenant> (--id ID | --email E | --sub S [--provider-id P]) --role R

Gives a user a role. When nobody has signed in as that email or subject yet, the grant waits and is applied at
their first sign-in: this is how the first manager is set by hand. Recorded in the audit log (role_granted;
grant_applied when a waiting grant is taken). With role-based IAM on for a provider, its sign-ins re-sync the
roles from the IdP, replacing grants. Granting a role the user has changes nothing.

${TARGET}`,
  },
  {
    name: 'user revoke',
    options: ['id', 'email', 'sub', 'provider-id', 'issuer', 'role'],
    args: ['<tenant>'],
    help: `Usage: pnpm deskgate user revoke <tenant> (--id ID | --email E | --sub S [--provider-id P]) --role R

Takes a role away from a user (who keeps deepdesk.agent when no role is left), or deletes a grant still waiting
for a first sign-in. Their live sessions carry the old roles in the access token until it is refreshed, at
the latest accessTtlSeconds; the server's permission checks use the stored roles at once. Recorded in the audit
log (role_revoked).

${TARGET}`,
  },
  {
    name: 'user grants',
    options: ['json'],
    args: ['<tenant>'],
    help: `Usage: pnpm deskgate user grants <tenant> [--json]

Lists the grants waiting for a first sign-in, oldest first, one a line, separated by tabs: kind (subject or
email), issuer (- for email), subject or email, role, created.

  --json                        print [{"kind","issuer","value","role","createdAt"}] on stdout`,
  },
];
