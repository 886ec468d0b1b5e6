// Operator CLI: `pnpm deskgate tenant create|list|show|set`, `pnpm deskgate seed FILE`, `pnpm deskgate migrate`.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DeskgateError, redactTenant } from '@deskgate/core';
import { applySeedFile, createLogger, createRuntime } from './runtime.ts';
import { TenantService } from './services/tenants.ts';

const USAGE = `Usage: pnpm deskgate <command>

  tenant list                                  list tenants
  tenant show <code>                           show one tenant (secrets redacted)
  tenant create --file tenant.json             create a tenant from JSON (fails if the code exists)
  tenant create <code> --name NAME --origin URL [--origin URL ...]
                [--issuer URL --client-id ID --client-secret-env VAR] [--scopes "openid email"]
                [--role-claim roles] [--provider-id sso] [--provider-name NAME]
  tenant set <code> [--name NAME] [--origin URL ...] [--access-ttl SECONDS] [--session-ttl SECONDS]
                [--issuer URL --client-id ID --client-secret-env VAR ...]
  tenant set --file tenant.json                replace a tenant from JSON
  seed <file>                                  create or replace the tenants in a seed file
  migrate                                      apply database migrations

Environment: DATABASE_URL (PostgreSQL) or DESKGATE_DATA_DIR (SQLite, default ./data), DESKGATE_MASTER_KEY.
Client secrets are read from an environment variable (--client-secret-env) so they stay out of shell history.`;

const OPTIONS = {
  file: { type: 'string' },
  name: { type: 'string' },
  origin: { type: 'string', multiple: true },
  issuer: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret-env': { type: 'string' },
  scopes: { type: 'string' },
  'role-claim': { type: 'string' },
  'provider-id': { type: 'string' },
  'provider-name': { type: 'string' },
  'access-ttl': { type: 'string' },
  'session-ttl': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Builds tenant input from flags on top of `base` (the stored tenant for `set`). */
function tenantFromFlags(
  code: string,
  values: Values,
  base: Record<string, unknown> = {},
): Record<string, unknown> {
  const input: Record<string, unknown> = { ...base, code };
  if (values.name) input.displayName = values.name;
  if (values.origin) input.allowedOrigins = values.origin;
  const sessions = { ...(base.sessions as object) } as Record<string, number>;
  if (values['access-ttl']) sessions.accessTtlSeconds = Number(values['access-ttl']);
  if (values['session-ttl']) sessions.sessionTtlSeconds = Number(values['session-ttl']);
  input.sessions = sessions;
  if (values.issuer || values['client-id'] || values['client-secret-env']) {
    const existing = (base.oidc as Record<string, unknown>[] | undefined)?.[0] ?? {};
    const provider: Record<string, unknown> = { ...existing };
    if (values['provider-id']) provider.id = values['provider-id'];
    if (values['provider-name']) provider.displayName = values['provider-name'];
    if (values.issuer) provider.issuer = values.issuer;
    if (values['client-id']) provider.clientId = values['client-id'];
    if (values.scopes) provider.scopes = values.scopes.split(/[\s,]+/).filter(Boolean);
    if (values['role-claim']) provider.roleClaim = values['role-claim'];
    const secretVar = values['client-secret-env'];
    if (secretVar) {
      const secret = process.env[secretVar];
      if (!secret)
        throw new DeskgateError('validation_failed', `--client-secret-env: $${secretVar} is not set`);
      provider.clientSecret = secret;
      delete provider.clientSecretEncrypted;
    }
    input.oidc = [provider, ...((base.oidc as unknown[] | undefined)?.slice(1) ?? [])];
  }
  return input;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [command, sub, code] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const runtime = await createRuntime(process.env, createLogger(process.env.LOG_LEVEL ?? 'warn', 2));
  const tenants = new TenantService(runtime.store, runtime.keys, Date.now);
  const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));
  try {
    if (command === 'migrate') {
      console.log('migrations applied');
    } else if (command === 'seed' && sub) {
      console.log(`seeded tenants: ${(await applySeedFile(runtime, sub)).join(', ')}`);
    } else if (command === 'tenant' && sub === 'list') {
      for (const t of await tenants.list())
        console.log(`${t.code}\t${t.displayName}\t${t.allowedOrigins.join(' ')}`);
    } else if (command === 'tenant' && sub === 'show' && code) {
      const tenant = await tenants.get(code);
      if (!tenant) throw new DeskgateError('tenant_not_found', `No tenant "${code}"`);
      print(redactTenant(tenant));
    } else if (command === 'tenant' && (sub === 'create' || sub === 'set')) {
      let input: unknown;
      if (values.file) {
        input = JSON.parse(await readFile(values.file, 'utf8'));
      } else if (code) {
        const existing = sub === 'set' ? await tenants.get(code) : undefined;
        if (sub === 'set' && !existing) throw new DeskgateError('tenant_not_found', `No tenant "${code}"`);
        input = tenantFromFlags(code, values, existing as Record<string, unknown> | undefined);
      } else {
        console.error(USAGE);
        return 2;
      }
      const saved = await tenants.save(input, sub === 'create' ? 'create' : 'put');
      console.log(`${sub === 'create' ? 'created' : 'updated'} tenant ${saved.code}`);
      print(redactTenant(saved));
    } else {
      console.error(USAGE);
      return 2;
    }
    return 0;
  } catch (error) {
    if (error instanceof DeskgateError || error instanceof TypeError || error instanceof SyntaxError) {
      console.error(`error: ${error instanceof DeskgateError ? `${error.code}: ` : ''}${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await runtime.store.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
