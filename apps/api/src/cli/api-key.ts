// `api-key create|list|revoke`: tenant API keys (docs/api-key.md); `scim-token create|list|revoke`: tenant SCIM
// tokens (docs/provisioning.md), the same format family, made, listed and revoked the same way.
import { API_KEY_ID_PATTERN, DeskgateError, parseOrigin } from '@deskgate/core';
import type { Runtime } from '../runtime.ts';
import { ApiKeyService } from '../services/api-keys.ts';
import { operatorEvent, recordAudit } from '../services/audit.ts';
import type { TenantService } from '../services/tenants.ts';
import { CliFailure, UsageError, type Values } from './commands.ts';

const DURATION = /^(\d{1,5})([dh])$/;

/** `--expires`: an ISO 8601 date or time, or a duration from now (90d, 12h); in the future. */
export function parseExpires(value: string, now: number, command = 'api-key create'): number {
  const duration = DURATION.exec(value);
  const at = duration
    ? now + Number(duration[1]) * (duration[2] === 'd' ? 86_400_000 : 3_600_000)
    : /^\d{4}-\d{2}-\d{2}/.test(value)
      ? Date.parse(value)
      : Number.NaN;
  if (!Number.isFinite(at))
    throw new UsageError(
      `${command}: --expires takes a date (2027-01-31), a time or 90d/12h, not "${value}"`,
      command,
    );
  if (at <= now) throw new UsageError(`${command}: --expires is in the past`, command);
  return at;
}

/** What differs between the two kinds of tenant key. */
const KINDS = {
  'api-key': {
    purpose: 'sdk',
    noun: 'API key',
    created: 'api_key_created',
    revoked: 'api_key_revoked',
  },
  'scim-token': {
    purpose: 'scim',
    noun: 'SCIM token',
    created: 'scim_token_created',
    revoked: 'scim_token_revoked',
  },
} as const;

export async function runApiKey(
  command: string,
  args: string[],
  values: Values,
  runtime: Runtime,
  tenants: TenantService,
  io: { out(text: string): void; note(text: string): void },
): Promise<number> {
  const [code = ''] = args;
  const [group = '', action = ''] = command.split(' ');
  const kind = KINDS[group as keyof typeof KINDS];
  const now = Date.now();
  const expiresAt = values.expires === undefined ? null : parseExpires(values.expires, now, command);
  const tenant = await tenants.get(code);
  if (!tenant) throw new DeskgateError('tenant_not_found', `No tenant "${code}"`);
  const keys = new ApiKeyService(runtime.store, () => now, kind.purpose);
  if (action === 'create') {
    const allowedOrigins = (values.origin ?? []).map((origin, i) => parseOrigin(origin, `--origin[${i}]`));
    const created = await keys.create(code, { expiresAt, allowedOrigins });
    const details: Record<string, string | number> = { origins: allowedOrigins.length };
    if (created.expiresAt !== null) details.expiresAt = new Date(created.expiresAt).toISOString();
    await recordAudit(runtime.store, code, operatorEvent(kind.created, created.kid, details), now);
    if (kind.purpose === 'sdk' && !tenant.apiKeys.enabled)
      io.note(`note: tenant ${code} has API keys turned off (apiKeys.enabled)`);
    const expires = created.expiresAt === null ? null : new Date(created.expiresAt).toISOString();
    if (values.json)
      io.out(
        JSON.stringify({
          tenant: code,
          kid: created.kid,
          key: created.key,
          expiresAt: expires,
          allowedOrigins,
        }),
      );
    else {
      io.note(`created ${kind.noun} ${created.kid} for tenant ${code}; it is shown only now:`);
      io.out(created.key);
    }
    return 0;
  }
  if (action === 'list') {
    const list = await keys.list(code);
    if (values.json) io.out(JSON.stringify(list));
    else
      for (const key of list) {
        const state =
          key.revokedAt !== null
            ? `revoked ${new Date(key.revokedAt).toISOString()}`
            : key.expiresAt !== null && key.expiresAt <= now
              ? 'expired'
              : 'active';
        const expires = key.expiresAt === null ? 'no expiry' : new Date(key.expiresAt).toISOString();
        io.out(
          [key.kid, new Date(key.createdAt).toISOString(), expires, state, key.allowedOrigins.join(' ')]
            .join('\t')
            .trimEnd(),
        );
      }
    return 0;
  }
  const kid = args[1]!;
  if (!API_KEY_ID_PATTERN.test(kid)) throw new UsageError(`${command}: "${kid}" is not a key id`, command);
  if (!(await keys.revoke(code, kid)))
    throw new CliFailure(`tenant ${code} has no active ${kind.noun} "${kid}"`);
  await recordAudit(runtime.store, code, operatorEvent(kind.revoked, kid), now);
  io.note(`revoked ${kind.noun} ${kid} of tenant ${code}`);
  return 0;
}
