// `audit <tenant>`: the tenant's audit log (docs/audit-log.md), newest first, with filters.
import { AUDIT_EVENT_TYPES, type AuditEventRecord, DeskgateError } from '@deskgate/core';
import type { Runtime } from '../runtime.ts';
import type { TenantService } from '../services/tenants.ts';
import { UsageError, type Values } from './commands.ts';

const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;
const DURATION = /^(\d{1,5})([dh])$/;

/** `--since`: an ISO 8601 date or time, or a duration back from now (7d, 12h). */
export function parseSince(value: string, now: number): number {
  const duration = DURATION.exec(value);
  const at = duration
    ? now - Number(duration[1]) * (duration[2] === 'd' ? 86_400_000 : 3_600_000)
    : /^\d{4}-\d{2}-\d{2}/.test(value)
      ? Date.parse(value)
      : Number.NaN;
  if (!Number.isFinite(at))
    throw new UsageError(
      `audit: --since takes a date (2026-11-01), a time or 7d/12h, not "${value}"`,
      'audit',
    );
  return at;
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  const limit = /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT))
    throw new UsageError(`audit: --limit takes a number from 1 to ${MAX_LIMIT}, not "${value}"`, 'audit');
  return limit;
}

const actorOf = (e: AuditEventRecord) =>
  e.actor.id === null ? e.actor.kind : `${e.actor.kind}:${e.actor.id}`;

export async function runAudit(
  args: string[],
  values: Values,
  runtime: Runtime,
  tenants: TenantService,
  io: { out(text: string): void; note(text: string): void },
): Promise<number> {
  const [code = ''] = args;
  const since = values.since === undefined ? undefined : parseSince(values.since, Date.now());
  const limit = parseLimit(values.limit);
  const type = values.type;
  if (type !== undefined && !(AUDIT_EVENT_TYPES as readonly string[]).includes(type))
    throw new UsageError(`audit: --type takes ${AUDIT_EVENT_TYPES.join(', ')}, not "${type}"`, 'audit');
  if (!(await tenants.get(code))) throw new DeskgateError('tenant_not_found', `No tenant "${code}"`);
  const list = await runtime.store.listAudit(code, { since, actor: values.actor, type, limit });
  if (values.json) {
    io.out(JSON.stringify(list.map((e) => ({ ...e, at: new Date(e.at).toISOString() }))));
    return 0;
  }
  for (const e of list)
    io.out(
      [
        new Date(e.at).toISOString(),
        e.type,
        e.outcome,
        e.code ?? '-',
        actorOf(e),
        e.method ?? '-',
        e.subject ?? '-',
      ].join('\t'),
    );
  return 0;
}
