// The CLI's flags (node:util parseArgs), and which of them change a tenant.
import type { parseArgs } from 'node:util';

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
  failed: { type: 'boolean' },
  limit: { type: 'string' },
  status: { type: 'string' },
  since: { type: 'string' },
  actor: { type: 'string' },
  type: { type: 'string' },
  id: { type: 'string' },
  email: { type: 'string' },
  sub: { type: 'string' },
  role: { type: 'string' },
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
