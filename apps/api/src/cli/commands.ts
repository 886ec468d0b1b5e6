// The CLI's commands, their flags and help texts, and the parsing of argv into one command (usage mistakes
// become UsageError, exit code 2).
import { parseArgs } from 'node:util';

export const OPTIONS = {
  file: { type: 'string' },
  name: { type: 'string' },
  origin: { type: 'string', multiple: true },
  origins: { type: 'string', multiple: true },
  'add-origin': { type: 'string', multiple: true },
  'remove-origin': { type: 'string', multiple: true },
  issuer: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret-env': { type: 'string' },
  scopes: { type: 'string' },
  'role-claim': { type: 'string' },
  'provider-id': { type: 'string' },
  'provider-name': { type: 'string' },
  'access-ttl': { type: 'string' },
  'session-ttl': { type: 'string' },
  profile: { type: 'string' },
  preset: { type: 'string' },
  json: { type: 'boolean' },
  'secret-file': { type: 'string' },
  kid: { type: 'string' },
  'allow-weak-secret': { type: 'boolean' },
  expires: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type Option = keyof typeof OPTIONS;
export type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

/** Flags that change the OIDC provider (the one named by --provider-id). */
export const PROVIDER_OPTIONS = [
  'provider-id',
  'provider-name',
  'issuer',
  'client-id',
  'client-secret-env',
  'scopes',
  'role-claim',
] as const satisfies Option[];

/** Every flag that changes a tenant, i.e. all but --file and --help (tenant set takes them all). */
export const TENANT_FLAGS = [
  'name',
  'origin',
  'origins',
  'add-origin',
  'remove-origin',
  'access-ttl',
  'session-ttl',
  ...PROVIDER_OPTIONS,
] as const;

/** A usage mistake: one line on stderr pointing to the help of `command`, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The command whose help the error points to ('' for the top-level help). */
  readonly command: string;
  constructor(message: string, command = '') {
    super(message);
    this.command = command;
  }
}

/** The operation could not be done (unreadable file, nothing to remove...): one line on stderr, exit 1. */
export class CliFailure extends Error {
  override name = 'CliFailure';
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const EXIT_CODES =
  'Exit codes: 0 done (also for --help), 1 the operation failed (validation, not found, unreadable file,\n' +
  'store), 2 usage mistake (unknown command or option, missing argument). Errors are one line on stderr.';

const ENVIRONMENT =
  'Environment: DATABASE_URL (PostgreSQL) or DESKGATE_DATA_DIR (SQLite, default ./data), DESKGATE_MASTER_KEY,\n' +
  'LOG_LEVEL (default warn; log lines go to stderr).';

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

const API_KEY_COMMANDS = `  api-key create <tenant> [--expires WHEN] [--origin URL] [--json]
                                       make a tenant API key (shown once)
  api-key list <tenant>                list the tenant's API keys (never the keys)
  api-key revoke <tenant> <kid>        stop accepting an API key`;

const TOP_USAGE = `Usage: pnpm deskgate <command>

${TENANT_COMMANDS}
${JWT_COMMANDS}
${API_KEY_COMMANDS}
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

interface Command {
  /** `tenant set`, `seed`... */
  name: string;
  options: readonly Option[];
  /** Positional arguments, in order; a trailing `?` marks an optional one. */
  args: readonly string[];
  help: string;
}

const COMMANDS: Command[] = [
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
  {
    name: 'api-key create',
    options: ['expires', 'origin', 'json'],
    args: ['<tenant>'],
    help: `Usage: pnpm deskgate api-key create <tenant> [--expires WHEN] [--origin URL ...] [--json]

Makes a tenant API key and prints it once (only its digest is stored). Anyone who can read the key can sign
in as any agent of the tenant, with the agent role only: see docs/api-key.md before handing one out.

  --expires WHEN                an ISO 8601 date or time (2027-01-31, 2027-01-31T12:00:00Z), or a duration
                                from now: 90d, 12h
  --origin URL                  the only origin(s) that may use it (repeatable); default: any of the
                                tenant's allowed origins
  --json                        print {"tenant","kid","key","expiresAt","allowedOrigins"} on stdout and
                                nothing else`,
  },
  {
    name: 'api-key list',
    options: ['json'],
    args: ['<tenant>'],
    help: `Usage: pnpm deskgate api-key list <tenant> [--json]

Lists the tenant's API keys, one a line: kid, created, expires or "no expiry", active, expired or revoked,
and the origins it is limited to. Never the keys.`,
  },
  {
    name: 'api-key revoke',
    options: [],
    args: ['<tenant>', '<kid>'],
    help: `Usage: pnpm deskgate api-key revoke <tenant> <kid>

Stops accepting the key at once. Sessions it started go on until they end.`,
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

const GROUPS: Record<string, string> = {
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
  jwt: `Usage: pnpm deskgate jwt check <tenant> <token|->

${JWT_COMMANDS}
${EXIT_CODES}`,
};

const SUBCOMMANDS: Record<string, string> = {
  tenant: 'list, show, create or set',
  'jwt-key': 'create, import, list or revoke',
  jwt: 'check',
  'api-key': 'create, list or revoke',
};

export type Parsed =
  | { kind: 'help'; text: string; exitCode: number }
  | { kind: 'run'; command: string; args: string[]; values: Values };

/** Where the hint of a usage error points: `pnpm deskgate tenant set --help`. */
export function helpHint(command: string): string {
  return `see pnpm deskgate ${command ? `${command} ` : ''}--help`;
}

/** The command (or group) the positionals start with, and the remaining positionals. */
function resolve(positionals: string[]): { name: string; command?: Command; rest: string[] } {
  const [first = '', second] = positionals;
  if (first in GROUPS && first !== '') {
    if (second === undefined) return { name: first, rest: [] };
    const command = COMMANDS.find((c) => c.name === `${first} ${second}`);
    if (!command) throw new UsageError(`unknown command "${first} ${second}"`, first);
    return { name: command.name, command, rest: positionals.slice(2) };
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) throw new UsageError(`unknown command "${first}"`);
  return { name: command.name, command, rest: positionals.slice(1) };
}

/** The command an argv names as far as it can be told, for the hint of an error found before. */
function commandOf(argv: string[]): string {
  try {
    const { positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: false,
    });
    const words = positionals[0] === 'help' ? positionals.slice(1) : positionals;
    return words.length ? resolve(words).name : '';
  } catch {
    return '';
  }
}

function parseStrict(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    const flag = /'(-[^' ,]+)/.exec(message)?.[1];
    const long = /--[a-z-]+/.exec(message)?.[0] ?? flag;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      throw new UsageError(`unknown option ${flag}`, commandOf(argv));
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const what = message.includes('does not take') ? 'takes no value' : 'needs a value';
      throw new UsageError(`option ${long} ${what}`, commandOf(argv));
    }
    throw error;
  }
}

/** Parses argv into the command to run or the help to print; throws UsageError for a usage mistake. */
export function parseCommandLine(argv: string[]): Parsed {
  const { values, positionals } = parseStrict(argv);
  if (positionals[0] === 'help') {
    const words = positionals.slice(1);
    const { name, command, rest } = words.length ? resolve(words) : { name: '', rest: [] };
    if (rest.length) throw new UsageError(`help: unexpected argument "${rest[0]}"`, name);
    return { kind: 'help', text: command?.help ?? GROUPS[name]!, exitCode: EXIT.ok };
  }
  if (positionals.length === 0) {
    if (values.help) return { kind: 'help', text: TOP_USAGE, exitCode: EXIT.ok };
    if (Object.keys(values).length) throw new UsageError('missing command');
    return { kind: 'help', text: TOP_USAGE, exitCode: EXIT.usage };
  }
  const { name, command, rest } = resolve(positionals);
  if (values.help) return { kind: 'help', text: command?.help ?? GROUPS[name]!, exitCode: EXIT.ok };
  if (!command) throw new UsageError(`${name}: missing subcommand (${SUBCOMMANDS[name] ?? ''})`, name);
  for (const [key, value] of Object.entries(values)) {
    if (!command.options.includes(key as Option))
      throw new UsageError(`${name}: unknown option --${key}`, name);
    const given = Array.isArray(value) ? value : [value];
    if (given.some((v) => typeof v === 'string' && v.trim() === ''))
      throw new UsageError(`option --${key} needs a value`, name);
  }
  const required = command.args.filter((a) => !a.endsWith('?'));
  if (rest.length < required.length) throw new UsageError(`${name}: missing ${required[rest.length]}`, name);
  if (rest.length > command.args.length)
    throw new UsageError(`${name}: unexpected argument "${rest[command.args.length]}"`, name);
  return { kind: 'run', command: name, args: rest, values };
}
