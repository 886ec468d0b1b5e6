// Tenant input for the CLI: flags on top of the stored tenant, origin edits, the "(encrypted)" placeholder of
// `tenant show` resolved to the stored secret, and the changes a save made, for the operator.
import { DeskgateError, type OidcProviderConfig, REDACTED_SECRET, type TenantConfig } from '@deskgate/core';
import { CliFailure, PROVIDER_OPTIONS, TENANT_FLAGS, UsageError, type Values } from './commands.ts';

/** Usage checks that need no store: flags that go together or exclude each other, number formats. */
export function checkTenantFlags(
  command: 'tenant create' | 'tenant set',
  code: string | undefined,
  values: Values,
) {
  const given = TENANT_FLAGS.filter((flag) => values[flag] !== undefined);
  if (values.file !== undefined) {
    if (given.length)
      throw new UsageError(`${command}: --file cannot be combined with --${given[0]}`, command);
    return;
  }
  if (code === undefined) throw new UsageError(`${command}: missing <code> or --file`, command);
  for (const flag of ['access-ttl', 'session-ttl'] as const) {
    const value = values[flag];
    if (value !== undefined && !/^\d+$/.test(value))
      throw new UsageError(`${command}: --${flag} must be a whole number of seconds`, command);
  }
  if (command === 'tenant create') {
    if (values.name === undefined) throw new UsageError(`${command}: --name is required`, command);
    if (values.origin === undefined && values.origins === undefined)
      throw new UsageError(`${command}: --origin or --origins is required`, command);
    const provider = PROVIDER_OPTIONS.some((flag) => values[flag] !== undefined);
    if (provider && !(values.issuer && values['client-id'] && values['client-secret-env'])) {
      throw new UsageError(
        `${command}: a provider needs --issuer, --client-id and --client-secret-env together`,
        command,
      );
    }
    return;
  }
  if (values.origin !== undefined) {
    throw new UsageError(
      `${command}: --origin is ambiguous; use --add-origin URL, --remove-origin URL or --origins URL[,URL] (replaces the list)`,
      command,
    );
  }
  if (values.origins !== undefined && (values['add-origin'] || values['remove-origin'])) {
    throw new UsageError(
      `${command}: --origins replaces the list; it cannot be combined with --add-origin or --remove-origin`,
      command,
    );
  }
  const both = values['add-origin']?.find((o) => values['remove-origin']?.includes(o));
  if (both) throw new UsageError(`${command}: ${both} is both added and removed`, command);
}

const list = (values: string[] | undefined) =>
  (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

/** The origins after the origin flags: --origins replaces, --add-origin and --remove-origin edit. */
function editOrigins(code: string, current: string[], values: Values): string[] {
  if (values.origin || values.origins) return [...new Set([...list(values.origin), ...list(values.origins)])];
  const removed = list(values['remove-origin']);
  const missing = removed.find((origin) => !current.includes(origin));
  if (missing) {
    throw new CliFailure(
      `tenant ${code} has no origin ${missing} (its origins: ${current.join(', ') || 'none'})`,
    );
  }
  const kept = current.filter((origin) => !removed.includes(origin));
  return [...kept, ...list(values['add-origin']).filter((origin) => !kept.includes(origin))];
}

/** The provider flags applied to the provider named by --provider-id (default the first), or a new one. */
function editProviders(
  code: string,
  providers: OidcProviderConfig[],
  values: Values,
  env: Record<string, string | undefined>,
): OidcProviderConfig[] {
  if (!PROVIDER_OPTIONS.some((flag) => values[flag] !== undefined)) return providers;
  const id = values['provider-id'] ?? providers[0]?.id ?? 'sso';
  const index = providers.findIndex((p) => p.id === id);
  if (index === -1 && !(values.issuer && values['client-id'] && values['client-secret-env'])) {
    throw new CliFailure(
      `tenant ${code} has no provider "${id}"; to add it give --issuer, --client-id and --client-secret-env`,
    );
  }
  const provider: Record<string, unknown> = index === -1 ? { id } : { ...providers[index] };
  if (values['provider-name'] !== undefined) provider.displayName = values['provider-name'];
  if (values.issuer !== undefined) provider.issuer = values.issuer;
  if (values['client-id'] !== undefined) provider.clientId = values['client-id'];
  if (values.scopes !== undefined) provider.scopes = values.scopes.split(/[\s,]+/).filter(Boolean);
  if (values['role-claim'] !== undefined) provider.roleClaim = values['role-claim'];
  const secretVar = values['client-secret-env'];
  if (secretVar !== undefined) {
    const secret = env[secretVar];
    if (!secret)
      throw new DeskgateError('validation_failed', `--client-secret-env: $${secretVar} is not set`);
    provider.clientSecret = secret;
    delete provider.clientSecretEncrypted;
  }
  const edited = provider as unknown as OidcProviderConfig;
  return index === -1 ? [...providers, edited] : providers.map((p, i) => (i === index ? edited : p));
}

/** Tenant input from flags on top of `stored` (for `tenant set`; undefined for `tenant create`). */
export function tenantFromFlags(
  code: string,
  values: Values,
  env: Record<string, string | undefined>,
  stored?: TenantConfig,
): Record<string, unknown> {
  const input: Record<string, unknown> = { ...stored, code };
  if (values.name !== undefined) input.displayName = values.name;
  input.allowedOrigins = editOrigins(code, stored?.allowedOrigins ?? [], values);
  const sessions: Record<string, number> = { ...stored?.sessions };
  if (values['access-ttl'] !== undefined) sessions.accessTtlSeconds = Number(values['access-ttl']);
  if (values['session-ttl'] !== undefined) sessions.sessionTtlSeconds = Number(values['session-ttl']);
  input.sessions = sessions;
  input.oidc = editProviders(code, stored?.oidc ?? [], values, env);
  return input;
}

/**
 * Replaces each `"clientSecret": "(encrypted)"` with the secret stored for the provider of the same id in
 * `stored` (the same tenant: the ciphertext is bound to tenant and provider id). Throws where there is none,
 * and for a placeholder left anywhere else, so a placeholder is never stored as a value.
 */
export function keepStoredSecrets(config: TenantConfig, stored: TenantConfig | undefined, why: string): void {
  config.oidc.forEach((provider, i) => {
    if (provider.clientSecret !== REDACTED_SECRET) return;
    const kept = stored?.oidc.find((p) => p.id === provider.id)?.clientSecretEncrypted;
    if (!kept) {
      const reason = stored
        ? `tenant ${stored.code} has no stored secret for provider "${provider.id}"`
        : why;
      throw placeholderError(`tenant.oidc[${i}].clientSecret`, reason);
    }
    delete provider.clientSecret;
    provider.clientSecretEncrypted = kept;
  });
  const left = placeholderPath(config, 'tenant');
  if (left) throw placeholderError(left, 'only client secrets can be kept');
}

function placeholderError(path: string, reason: string): DeskgateError {
  return new DeskgateError(
    'validation_failed',
    `${path}: "${REDACTED_SECRET}" is the placeholder for a stored secret, and ${reason}; give the secret itself`,
  );
}

/** The path of the first placeholder in a parsed tenant, if any. */
function placeholderPath(value: unknown, path: string): string | undefined {
  if (value === REDACTED_SECRET) return path;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = placeholderPath(child, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

const show = (value: unknown) => JSON.stringify(value);

/** One line per change from `before` to `after` (both as stored), for the operator. */
/**
 * The names of the settings that changed (`displayName origins oidc[sso].clientSecret`…), never their values:
 * what the audit log records of a tenant change, from the CLI or the console. Empty when nothing changed.
 */
export function changedSettings(before: TenantConfig, after: TenantConfig): string {
  const named = describeChanges(before, after).filter((line) => line.includes(':'));
  return [...new Set(named.map((line) => line.slice(0, line.indexOf(':'))))].join(' ').slice(0, 500);
}

export function describeChanges(before: TenantConfig, after: TenantConfig): string[] {
  const lines: string[] = [];
  if (before.displayName !== after.displayName)
    lines.push(`displayName: ${show(before.displayName)} -> ${show(after.displayName)}`);
  const added = after.allowedOrigins.filter((o) => !before.allowedOrigins.includes(o));
  const removed = before.allowedOrigins.filter((o) => !after.allowedOrigins.includes(o));
  if (added.length || removed.length)
    lines.push(`origins: ${[...added.map((o) => `+${o}`), ...removed.map((o) => `-${o}`)].join(' ')}`);
  for (const key of ['accessTtlSeconds', 'sessionTtlSeconds'] as const) {
    if (before.sessions[key] !== after.sessions[key])
      lines.push(`sessions.${key}: ${before.sessions[key]} -> ${after.sessions[key]}`);
  }
  for (const provider of before.oidc) {
    if (!after.oidc.some((p) => p.id === provider.id)) lines.push(`oidc[${provider.id}]: removed`);
  }
  for (const provider of after.oidc) {
    const old = before.oidc.find((p) => p.id === provider.id);
    if (!old) {
      lines.push(`oidc[${provider.id}]: added`);
      continue;
    }
    const keys = new Set([...Object.keys(old), ...Object.keys(provider)]);
    for (const key of keys) {
      if (key === 'clientSecret' || key === 'clientSecretEncrypted') continue;
      const [a, b] = [old[key as keyof OidcProviderConfig], provider[key as keyof OidcProviderConfig]];
      if (show(a) !== show(b)) lines.push(`oidc[${provider.id}].${key}: ${show(a)} -> ${show(b)}`);
    }
    if (old.clientSecretEncrypted !== provider.clientSecretEncrypted)
      lines.push(`oidc[${provider.id}].clientSecret: replaced`);
  }
  // platformJwt: one line per top-level setting that changed (profiles by name), so a file edit says what it did.
  const [jwtBefore, jwtAfter] = [before.platformJwt, after.platformJwt] as unknown as Record<
    string,
    unknown
  >[];
  for (const key of new Set([...Object.keys(jwtBefore ?? {}), ...Object.keys(jwtAfter ?? {})])) {
    if (key === 'profiles') {
      const [pb, pa] = [before.platformJwt.profiles, after.platformJwt.profiles] as Record<string, unknown>[];
      for (const name of new Set([...Object.keys(pb ?? {}), ...Object.keys(pa ?? {})]))
        if (show(pb?.[name]) !== show(pa?.[name]))
          lines.push(
            `platformJwt.profiles.${name}: ${pb?.[name] ? (pa?.[name] ? 'changed' : 'removed') : 'added'}`,
          );
    } else if (show(jwtBefore?.[key]) !== show(jwtAfter?.[key]))
      lines.push(`platformJwt.${key}: ${show(jwtBefore?.[key])} -> ${show(jwtAfter?.[key])}`);
  }
  const both = (id: string) => before.oidc.some((p) => p.id === id) && after.oidc.some((p) => p.id === id);
  const order = (t: TenantConfig) => t.oidc.map((p) => p.id).filter(both);
  if (show(order(before)) !== show(order(after)))
    lines.push(`oidc order: ${order(before).join(', ')} -> ${order(after).join(', ')}`);
  return lines.length ? lines : ['no changes'];
}
