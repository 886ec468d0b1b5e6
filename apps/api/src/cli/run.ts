// The operator CLI's commands on a store: runCli(argv, io) returns the exit code. cli.ts runs it on the process.
import { readFile } from 'node:fs/promises';
import { DeskgateError, parseTenantConfig, redactTenant, type TenantConfig } from '@deskgate/core';
import { applySeedFile, createLogger, createRuntime, type Runtime, seedJwtKeys } from '../runtime.ts';
import { operatorEvent, recordAudit } from '../services/audit.ts';
import { TenantService } from '../services/tenants.ts';
import { runAccessRequest } from './access-request.ts';
import { runApiKey } from './api-key.ts';
import { runAudit } from './audit.ts';
import { CliFailure, EXIT, helpHint, parseCommandLine, UsageError, type Values } from './commands.ts';
import { runJwt } from './jwt.ts';
import { runMail } from './mail.ts';
import { runMasterKey } from './master-key.ts';
import {
  changedSettings,
  checkTenantFlags,
  describeChanges,
  keepStoredSecrets,
  tenantFromFlags,
} from './tenant-input.ts';
import { runUser } from './user.ts';

export interface CliIo {
  env: Record<string, string | undefined>;
  /** All of stdin (`jwt check <tenant> -`). @default nothing */
  stdin?: () => Promise<string>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'no such file',
};

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new CliFailure(`cannot read ${file}: ${FILE_ERRORS[code ?? ''] ?? message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliFailure(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The secrets a file gives as ciphertext must open for this tenant and provider with this master key. */
async function checkSealedSecrets(tenants: TenantService, config: TenantConfig): Promise<void> {
  for (const [i, provider] of config.oidc.entries()) {
    if (provider.clientSecret !== undefined || !provider.clientSecretEncrypted) continue;
    try {
      await tenants.clientSecret(config, provider);
    } catch {
      throw new DeskgateError(
        'validation_failed',
        `tenant.oidc[${i}].clientSecretEncrypted: not a secret of tenant ${config.code}, provider "${provider.id}" under this master key; give clientSecret instead`,
      );
    }
  }
}

/** `tenant create` and `tenant set`: the tenant to save, from a file or from flags on the stored one. */
async function tenantInput(
  command: 'tenant create' | 'tenant set',
  code: string | undefined,
  values: Values,
  tenants: TenantService,
  env: CliIo['env'],
): Promise<{ input: TenantConfig | Record<string, unknown>; stored?: TenantConfig }> {
  if (values.file === undefined) {
    const stored = command === 'tenant set' ? await tenants.get(code!) : undefined;
    if (command === 'tenant set' && !stored)
      throw new DeskgateError('tenant_not_found', `No tenant "${code}"`);
    return { input: tenantFromFlags(code!, values, env, stored), stored };
  }
  const raw = await readJson(values.file);
  const fileCode = (raw as { code?: unknown } | null)?.code;
  if (code !== undefined && typeof fileCode === 'string' && fileCode !== code)
    throw new UsageError(`${command}: the file is for tenant "${fileCode}", not "${code}"`, command);
  const config = parseTenantConfig(raw);
  await checkSealedSecrets(tenants, config);
  const stored = command === 'tenant set' ? await tenants.get(config.code) : undefined;
  keepStoredSecrets(
    config,
    stored,
    command === 'tenant create'
      ? 'a new tenant has no stored secret to keep'
      : `there is no tenant "${config.code}" to keep it from`,
  );
  return { input: config, stored };
}

/** `seed <file>`: checks every tenant first, so a mistake in one stores none. */
async function seed(runtime: Runtime, tenants: TenantService, file: string): Promise<string[]> {
  const seedFile = (await readJson(file)) as { tenants?: unknown } | null;
  if (!Array.isArray(seedFile?.tenants)) throw new CliFailure(`${file}: expected { "tenants": [...] }`);
  for (const [i, input] of seedFile.tenants.entries()) {
    seedJwtKeys(input, `tenants[${i}]`);
    const config = parseTenantConfig(input);
    await checkSealedSecrets(tenants, config);
    keepStoredSecrets(config, undefined, 'a seed file keeps none');
  }
  return applySeedFile(runtime, file);
}

async function run(command: string, args: string[], values: Values, io: CliIo): Promise<number> {
  const out = (text: string) => io.stdout.write(`${text}\n`);
  const note = (text: string) => io.stderr.write(`${text}\n`);
  if (command === 'tenant create' || command === 'tenant set') checkTenantFlags(command, args[0], values);
  // Its own store and keys: generate needs neither, rotate the new key besides the runtime's.
  if (command.startsWith('master-key ')) return runMasterKey(command, { env: io.env, out, note });
  const runtime = await createRuntime(io.env, createLogger(io.env.LOG_LEVEL ?? 'warn', 2));
  try {
    const tenants = new TenantService(runtime.store, runtime.keys, Date.now);
    if (command === 'migrate') {
      out('migrations applied');
    } else if (command === 'seed') {
      out(`seeded tenants: ${(await seed(runtime, tenants, args[0]!)).join(', ')}`);
    } else if (command === 'tenant list') {
      for (const t of await tenants.list()) out(`${t.code}\t${t.displayName}\t${t.allowedOrigins.join(' ')}`);
    } else if (command === 'tenant show') {
      const tenant = await tenants.get(args[0]!);
      if (!tenant) throw new DeskgateError('tenant_not_found', `No tenant "${args[0]}"`);
      out(JSON.stringify(redactTenant(tenant), null, 2));
    } else if (command.startsWith('api-key') || command.startsWith('scim-token')) {
      return await runApiKey(command, args, values, runtime, tenants, { out, note });
    } else if (command === 'access-request list') {
      return await runAccessRequest(args, values, runtime, tenants, { out, note });
    } else if (command === 'audit') {
      return await runAudit(args, values, runtime, tenants, { out, note });
    } else if (command.startsWith('user ')) {
      return await runUser(command, args, values, runtime, tenants, { out, note });
    } else if (command === 'mail list') {
      return await runMail(values, runtime, { out, note });
    } else if (command.startsWith('jwt')) {
      return await runJwt(command, args, values, runtime, tenants, {
        out,
        note,
        stdin: io.stdin ?? (() => Promise.resolve('')),
      });
    } else if (command === 'tenant create' || command === 'tenant set') {
      const { input, stored } = await tenantInput(command, args[0], values, tenants, io.env);
      const saved = await tenants.save(input, command === 'tenant create' ? 'create' : 'put');
      note(`${stored ? 'updated' : 'created'} tenant ${saved.code}`);
      if (stored) for (const line of describeChanges(stored, saved)) note(line);
      // Audited by the names of what changed (a client secret: that it was replaced), never the values.
      const settings = stored ? changedSettings(stored, saved) : '';
      if (!stored || settings)
        await recordAudit(
          runtime.store,
          saved.code,
          operatorEvent(stored ? 'tenant_changed' : 'tenant_created', saved.code, {
            ...(settings && { settings }),
          }),
          Date.now(),
        );
      out(JSON.stringify(redactTenant(saved), null, 2));
    }
    return EXIT.ok;
  } finally {
    await runtime.store.close();
  }
}

/** Runs one command line; every error becomes one line on stderr and the exit code (0, 1 or 2). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const parsed = parseCommandLine(argv);
    if (parsed.kind === 'help') {
      (parsed.exitCode === EXIT.ok ? io.stdout : io.stderr).write(`${parsed.text}\n`);
      return parsed.exitCode;
    }
    return await run(parsed.command, parsed.args, parsed.values, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`deskgate: ${error.message}; ${helpHint(error.command)}\n`);
      return EXIT.usage;
    }
    if (error instanceof DeskgateError) {
      io.stderr.write(`deskgate: ${error.code}: ${error.message}\n`);
      return EXIT.failed;
    }
    // CliFailure, and TypeError: what the runtime throws for a bad configuration (master key, DATABASE_URL).
    if (error instanceof CliFailure || error instanceof TypeError) {
      io.stderr.write(`deskgate: ${error.message}\n`);
      return EXIT.failed;
    }
    // Anything else (the database unreachable, a bug): one line, the stack only when asked for.
    const debug = ['debug', 'trace'].includes(io.env.LOG_LEVEL ?? '');
    const message = error instanceof Error ? describe(error) : String(error);
    io.stderr.write(
      debug && error instanceof Error
        ? `deskgate: ${message}\n${error.stack}\n`
        : `deskgate: ${message} (LOG_LEVEL=debug shows the stack trace)\n`,
    );
    return EXIT.failed;
  }
}

/** An error's message, with the first inner error of an AggregateError (connection attempts) and its code. */
function describe(error: Error): string {
  const inner = error instanceof AggregateError && !error.message ? error.errors[0] : undefined;
  const { message, code } = (inner ?? error) as NodeJS.ErrnoException;
  return code && !message.includes(code) ? `${code}: ${message}` : message || error.name;
}
