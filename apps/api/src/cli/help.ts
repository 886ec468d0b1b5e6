// The CLI's commands as the operator reads them: every command, its flags, arguments and help text, and the
// group and top-level usages. commands.ts parses argv against them.

import { API_KEY_COMMANDS, KEY_COMMAND_HELP, SCIM_TOKEN_COMMANDS } from './help-keys.ts';
import { MASTER_KEY_COMMAND_HELP, MASTER_KEY_COMMANDS, MASTER_KEY_GROUP } from './help-master-key.ts';
import { USER_COMMAND_HELP, USER_COMMANDS } from './help-user.ts';
import { type Option, PROVIDER_OPTIONS, TENANT_FLAGS } from './options.ts';

const EXIT_CODES =
  'Exit codes: 0 done (also for --help), 1 the operation failed (validation, not found, unreadable file,\n' +
  'store), 2 usage mistake (unknown command or option, missing argument). Errors are one line on stderr.';

const ENVIRONMENT =
  'Environment: DATABASE_URL (PostgreSQL) or DESKGATE_DATA_DIR (SQLite, default ./data), DESKGATE_MASTER_KEY,\n' +
  'DESKGATE_PREVIOUS_MASTER_KEY (old keys, during a rotation), LOG_LEVEL (default warn; logs go to stderr).';

const TENANT_COMMANDS = `  tenant list                          list tenants: code, name and origins, tab-separated
  tenant show <code>                   show one tenant as JSON, secrets as "(encrypted)"
  tenant create <code> --name NAME --origin URL [flags]
                                       create a tenant (fails if the code exists)
  tenant create --file FILE            create a tenant from JSON
  tenant set <code> [flags]            change a tenant: name, origins, lifetimes, an OIDC provider
  tenant set [<code>] --file FILE      replace a tenant with JSON (as tenant show prints it)`;

const JWT_COMMANDS = `  jwt-key create <tenant> --profile P  make a platform-JWT secret (shown once)
  jwt-key import <tenant> --profile P --secret-file F
                                       store a secret the platform already has
  jwt-key list <tenant>                list the tenant's platform-JWT keys (never the secrets)
  jwt-key revoke <tenant> <kid>        stop accepting tokens signed with a key
  jwt check <tenant> <token|->         run every check of POST /session/jwt on a token, sign nobody in`;

const ACCESS_REQUEST_COMMANDS = `  access-request list <tenant> [--status S] [--json]
                                       the tenant's access requests, newest first`;

const AUDIT_COMMANDS = `  audit <tenant> [--since WHEN] [--actor ID] [--type T] [--limit N] [--json]
                                       the tenant's audit log, newest first`;

const MAIL_COMMANDS = `  mail list [--failed] [--limit N] [--json]
                                       the mail outbox, newest first (never a message's body)`;

export const TOP_USAGE = `Usage: pnpm deskgate <command>

${TENANT_COMMANDS}
${JWT_COMMANDS}
${API_KEY_COMMANDS}
${SCIM_TOKEN_COMMANDS}
${ACCESS_REQUEST_COMMANDS}
${AUDIT_COMMANDS}
${USER_COMMANDS}
${MAIL_COMMANDS}
${MASTER_KEY_COMMANDS}
  seed <file>                          create or replace the tenants in a seed file
  migrate                              apply database migrations
  help [<command>]                     this help, or a command's (same as <command> --help)

${ENVIRONMENT}
${EXIT_CODES}`;

const PROVIDER_FLAGS = `OIDC provider:
  --provider-id ID              the provider the flags below change (default: the first; create: sso)
  --issuer URL                  issuer (discovery at URL/.well-known/openid-configuration)
  --client-id ID                client id
  --client-secret-env VAR       name of the environment variable holding the client secret, so the
                                secret stays out of shell history
  --scopes "openid email"       scopes, space- or comma-separated
  --role-claim CLAIM            ID-token claim holding the roles (default roles)
  --provider-name NAME          name shown on the sign-in page`;

const LIFETIME_FLAGS = `  --access-ttl SECONDS          access-token lifetime, 60-3600 (default 900)
  --session-ttl SECONDS         session lifetime, 300-2592000 (default 86400)`;

const SECRETS = `In JSON, "clientSecret": "(encrypted)" (as tenant show prints it) keeps the secret stored for the
provider with the same id in the same tenant. Where nothing is stored to keep (a new tenant, a new provider
id, tenant create, a seed file) it is refused: give the secret itself.`;

export interface Command {
  /** `tenant set`, `seed`... */
  name: string;
  options: readonly Option[];
  /** Positional arguments, in order; a trailing `?` marks an optional one. */
  args: readonly string[];
  help: string;
}

export const COMMANDS: Command[] = [
  {
    name: 'tenant list',
    options: [],
    args: [],
    help: `Usage: pnpm deskgate tenant list

Lists tenants on stdout, one a line: code, display name and allowed origins, separated by tabs.`,
  },
  {
    name: 'tenant show',
    options: [],
    args: ['<code>'],
    help: `Usage: pnpm deskgate tenant show <code>

Prints the tenant as JSON on stdout, client secrets as "(encrypted)". Edit it and give it back to
tenant set --file.`,
  },
  {
    name: 'tenant create',
    options: ['file', 'name', 'origin', 'origins', 'access-ttl', 'session-ttl', ...PROVIDER_OPTIONS],
    args: ['<code>?'],
    help: `Usage: pnpm deskgate tenant create <code> --name NAME --origin URL [--origin URL ...] [flags]
       pnpm deskgate tenant create --file FILE

Creates a tenant; fails if the code exists. Prints "created tenant <code>" on stderr and the tenant as JSON
on stdout.

  --name NAME                   display name (required)
  --origin URL                  allowed origin, exact (https://cx.example.com); repeatable
  --origins URL[,URL]           allowed origins, comma-separated; repeatable. --origin or --origins is required
${LIFETIME_FLAGS}
  --file FILE                   the tenant as JSON instead of flags (see docs/operations.md)

${PROVIDER_FLAGS}
  To add a provider, give --issuer, --client-id and --client-secret-env together.

${SECRETS}`,
  },
  {
    name: 'tenant set',
    options: ['file', ...TENANT_FLAGS],
    args: ['<code>?'],
    help: `Usage: pnpm deskgate tenant set <code> [flags]
       pnpm deskgate tenant set [<code>] --file FILE

Changes a tenant. Prints "updated tenant <code>" and one line per change on stderr (such as
"origins: +https://a.example.com -https://b.example.com"), and the tenant as JSON on stdout.

  --name NAME                   display name
  --add-origin URL              add an allowed origin; repeatable
  --remove-origin URL           remove an allowed origin (an error if it is not there); repeatable
  --origins URL[,URL]           replace the allowed origins, comma-separated; repeatable
${LIFETIME_FLAGS}
  --file FILE                   replace the whole tenant with JSON (creating it if the code is new);
                                with <code>, the file must be for that tenant

${PROVIDER_FLAGS}
  A --provider-id the tenant does not have adds a provider: give --issuer, --client-id and
  --client-secret-env with it. The stored secret is kept unless --client-secret-env is given.

${SECRETS}`,
  },
  {
    name: 'jwt-key create',
    options: ['profile', 'preset', 'json'],
    args: ['<tenant>'],
    help: `Usage: pnpm deskgate jwt-key create <tenant> --profile <session|one-time> [--preset NAME] [--json]

Generates a platform-JWT secret (32 random bytes, base64url: the platform signs with this string as its
HS256 key), stores it encrypted and prints its key id and the secret once. The platform sends the key id
as the JWS "kid" header.

  --profile session|one-time    session: signedUserInfo tokens, reusable until exp (Messenger, Tracebuzz);
                                one-time: remote-login tokens with a jti, at most 5 minutes (Deskpro)
  --preset NAME                 the claim mapping of the profile: messenger or tracebuzz (session),
                                deskpro (one-time). Sets it when the profile is new or has another one
  --json                        print {"tenant","profile","kid","secret","alg"} on stdout and nothing else`,
  },
  {
    name: 'jwt-key import',
    options: ['profile', 'secret-file', 'kid', 'allow-weak-secret', 'json'],
    args: ['<tenant>'],
    help: `Usage: pnpm deskgate jwt-key import <tenant> --profile <session|one-time> --secret-file F [--kid K]
       [--allow-weak-secret] [--json]

Stores a secret the platform already signs with: the content of F (one trailing newline dropped), used as
the HMAC key's UTF-8 bytes. A secret shorter than 32 bytes is refused unless --allow-weak-secret is given
(and that is logged).

  --kid K                       the key id the platform sends (default: a new one)`,
  },
  {
    name: 'jwt-key list',
    options: ['json'],
    args: ['<tenant>'],
    help: `Usage: pnpm deskgate jwt-key list <tenant> [--json]

Lists the tenant's platform-JWT keys, one a line: kid, profile, alg, created, revoked or active, weak.
Never the secrets.`,
  },
  {
    name: 'jwt-key revoke',
    options: [],
    args: ['<tenant>', '<kid>'],
    help: `Usage: pnpm deskgate jwt-key revoke <tenant> <kid>

Stops accepting tokens signed with the key at once. Sessions it started go on until they end.`,
  },
  {
    name: 'jwt check',
    options: ['profile', 'json'],
    args: ['<tenant>', '<token>'],
    help: `Usage: pnpm deskgate jwt check <tenant> <token|->

The integrator's "test settings": runs every check POST /t/<tenant>/session/jwt runs on the token (- reads
it from stdin) and prints each as PASS or FAIL with the reason, then the user it would sign in. Signs
nobody in, creates nothing and does not use up a one-time token's jti. Exit code 0 when every check
passed, 1 when one failed.

  --profile session|one-time    the profile for a token without a kid (default session)
  --json                        print {"ok","steps":[{"check","passed","detail"}],"user"} on stdout`,
  },
  ...KEY_COMMAND_HELP,
  {
    name: 'access-request list',
    options: ['status', 'json'],
    args: ['<tenant>'],
    help: `Usage: pnpm deskgate access-request list <tenant> [--status S] [--json]

Lists the tenant's access requests (docs/magic-link.md), newest first, one a line, separated by tabs: id,
email, status, created, expires and who decided (their email, else their user id; - while undecided). Status
is unconfirmed (the requester has not confirmed from their email yet), pending (waiting for a manager),
approved, rejected, or expired (not confirmed or decided within 7 days). A manager decides on the approval
page the notification mail links to.

  --status S                    only unconfirmed, pending, approved or rejected requests (an expired one is
                                none of these)
  --json                        print [{"id","tenant","email","status","locale","createdAt","expiresAt",
                                "confirmedAt","decidedAt","decidedBy","decidedByEmail"}] on stdout`,
  },
  {
    name: 'audit',
    options: ['since', 'actor', 'type', 'limit', 'json'],
    args: ['<tenant>'],
    help: `Usage: pnpm deskgate audit <tenant> [--since WHEN] [--actor ID] [--type T] [--limit N] [--json]

Lists the tenant's audit log (docs/operations.md), newest first, one event a line, separated by tabs: time,
type, outcome (ok or refused), the error code of a refusal, actor (user:<id>, operator, system or
anonymous), sign-in method and subject (the user signed in, the key id, the access request id); - where
none. Never a secret, token or cookie: events do not hold them.

  --since WHEN                  only events from a date or time (2026-11-01) or a duration ago (7d, 12h)
  --actor ID                    only events of this user id, or of operator, system or anonymous
  --type T                      only events of one type: sign_in, access_request_decided, api_key_created,
                                api_key_revoked, jwt_key_created, jwt_key_imported, jwt_key_revoked,
                                user_disabled, user_enabled
  --limit N                     at most N events, 1-1000 (default 100)
  --json                        print [{"id","tenant","at","type","actor":{"kind","id"},"method","outcome",
                                "code","subject","details"}] on stdout`,
  },
  ...USER_COMMAND_HELP,
  ...MASTER_KEY_COMMAND_HELP,
  {
    name: 'mail list',
    options: ['failed', 'limit', 'json'],
    args: [],
    help: `Usage: pnpm deskgate mail list [--failed] [--limit N] [--json]

Lists the mail outbox, newest first, one message a line, separated by tabs: created, id, to, template,
tenant, attempts, state and the last delivery error. State is sent, pending (not sent yet, or waiting for
its next try after a failure) or failed (given up). Never a message's body: it is sealed in the store and
cleared once sent. Log lines name a message by its id.

  --failed                      only messages not sent that failed at least once (given up or retrying)
  --limit N                     at most N messages, 1-1000 (default 100)
  --json                        print [{"id","createdAt","to","template","tenant","subject","attempts",
                                "state","nextAttemptAt","sentAt","lastError"}] on stdout`,
  },
  {
    name: 'seed',
    options: [],
    args: ['<file>'],
    help: `Usage: pnpm deskgate seed <file>

Creates or replaces each tenant of a seed file ({ "tenants": [...] }, each as tenant create --file takes
it). Every tenant is checked before any is stored. Secrets are in plaintext: "(encrypted)" is refused.`,
  },
  {
    name: 'migrate',
    options: [],
    args: [],
    help: `Usage: pnpm deskgate migrate

Applies database migrations (every command, and the API at start, applies them too).`,
  },
];

export const GROUPS: Record<string, string> = {
  '': TOP_USAGE,
  tenant: `Usage: pnpm deskgate tenant <subcommand>

${TENANT_COMMANDS}

pnpm deskgate tenant <subcommand> --help shows its flags.
${EXIT_CODES}`,
  'jwt-key': `Usage: pnpm deskgate jwt-key <subcommand>

${JWT_COMMANDS}

pnpm deskgate jwt-key <subcommand> --help shows its flags.
${EXIT_CODES}`,
  'api-key': `Usage: pnpm deskgate api-key <subcommand>

${API_KEY_COMMANDS}

pnpm deskgate api-key <subcommand> --help shows its flags.
${EXIT_CODES}`,
  'scim-token': `Usage: pnpm deskgate scim-token <subcommand>

${SCIM_TOKEN_COMMANDS}

pnpm deskgate scim-token <subcommand> --help shows its flags.
${EXIT_CODES}`,
  'access-request': `Usage: pnpm deskgate access-request list <tenant> [--status S] [--json]

${ACCESS_REQUEST_COMMANDS}

pnpm deskgate access-request list --help shows its flags.
${EXIT_CODES}`,
  user: `Usage: pnpm deskgate user <subcommand>

${USER_COMMANDS}

pnpm deskgate user <subcommand> --help shows its flags.
${EXIT_CODES}`,
  mail: `Usage: pnpm deskgate mail list [--failed] [--limit N] [--json]

${MAIL_COMMANDS}

pnpm deskgate mail list --help shows its flags.
${EXIT_CODES}`,
  'master-key': `${MASTER_KEY_GROUP}
${EXIT_CODES}`,
  jwt: `Usage: pnpm deskgate jwt check <tenant> <token|->

${JWT_COMMANDS}
${EXIT_CODES}`,
};

export const SUBCOMMANDS: Record<string, string> = {
  tenant: 'list, show, create or set',
  'jwt-key': 'create, import, list or revoke',
  jwt: 'check',
  'api-key': 'create, list or revoke',
  'scim-token': 'create, list or revoke',
  'access-request': 'list',
  user: 'list, show, disable, enable, grant, revoke or grants',
  mail: 'list',
  'master-key': 'generate or rotate',
};
