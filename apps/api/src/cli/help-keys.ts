// The help of the tenant-key commands: API keys (docs/api-key.md) and SCIM tokens (docs/provisioning.md), the
// same format family, made, listed and revoked the same way.
import type { Command } from './help.ts';

export const API_KEY_COMMANDS = `  api-key create <tenant> [--expires WHEN] [--origin URL] [--json]
                                       make a tenant API key (shown once)
  api-key list <tenant>                list the tenant's API keys (never the keys)
  api-key revoke <tenant> <kid>        stop accepting an API key`;

export const SCIM_TOKEN_COMMANDS = `  scim-token create <tenant> [--expires WHEN] [--json]
                                       make a SCIM token for provisioning (shown once)
  scim-token list <tenant>             list the tenant's SCIM tokens (never the tokens)
  scim-token revoke <tenant> <kid>     stop accepting a SCIM token`;

export const KEY_COMMAND_HELP: Command[] = [
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
    name: 'scim-token create',
    options: ['expires', 'json'],
    args: ['<tenant>'],
    help: `Usage: pnpm deskgate scim-token create <tenant> [--expires WHEN] [--json]

Makes a SCIM bearer token for the tenant's identity provider or platform (docs/provisioning.md) and prints it
once (only its digest is stored). Whoever holds it can create, change and delete the tenant's users and groups:
give it to the provisioning connection only.

  --expires WHEN                an ISO 8601 date or time, or a duration from now: 365d
  --json                        print {"tenant","kid","key","expiresAt","allowedOrigins"} on stdout and
                                nothing else`,
  },
  {
    name: 'scim-token list',
    options: ['json'],
    args: ['<tenant>'],
    help: `Usage: pnpm deskgate scim-token list <tenant> [--json]

Lists the tenant's SCIM tokens, one a line: kid, created, expires or "no expiry", active, expired or revoked.
Never the tokens.`,
  },
  {
    name: 'scim-token revoke',
    options: [],
    args: ['<tenant>', '<kid>'],
    help: `Usage: pnpm deskgate scim-token revoke <tenant> <kid>

Stops accepting the token at once.`,
  },
];
