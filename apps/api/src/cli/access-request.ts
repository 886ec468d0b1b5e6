// `access-request list`: a tenant's access requests (docs/magic-link.md), newest first, until the admin
// console lists them. Waiting requests past their 7 days show as expired.
import { type AccessRequestRecord, DeskgateError } from '@deskgate/core';
import type { Runtime } from '../runtime.ts';
import type { TenantService } from '../services/tenants.ts';
import { UsageError, type Values } from './commands.ts';

export const ACCESS_REQUEST_STATUSES = ['unconfirmed', 'pending', 'approved', 'rejected'] as const;

/** The status as the list shows it: a request still waiting (unconfirmed, pending) past its end is expired. */
export function accessRequestState(request: AccessRequestRecord, now: number): string {
  const waiting = request.status === 'unconfirmed' || request.status === 'pending';
  return waiting && request.expiresAt <= now ? 'expired' : request.status;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function runAccessRequest(
  args: string[],
  values: Values,
  runtime: Runtime,
  tenants: TenantService,
  io: { out(text: string): void; note(text: string): void },
): Promise<number> {
  const [code = ''] = args;
  const status = values.status;
  if (status !== undefined && !(ACCESS_REQUEST_STATUSES as readonly string[]).includes(status))
    throw new UsageError(
      `access-request list: --status takes ${ACCESS_REQUEST_STATUSES.join(', ')}, not "${status}"`,
      'access-request list',
    );
  const tenant = await tenants.get(code);
  if (!tenant) throw new DeskgateError('tenant_not_found', `No tenant "${code}"`);
  const now = Date.now();
  const filter = status as AccessRequestRecord['status'] | undefined;
  // Asked for those still waiting, an expired one is not: it can no longer be confirmed or decided.
  const list = (await runtime.store.listAccessRequests(code, filter)).filter(
    (request) => filter === undefined || accessRequestState(request, now) === filter,
  );
  const users = new Map((await runtime.store.listUsers(code)).map((user) => [user.id, user]));
  const decider = (id: string | null) => (id === null ? null : (users.get(id)?.email ?? null));
  if (values.json) {
    io.out(
      JSON.stringify(
        list.map((r) => ({
          id: r.id,
          tenant: r.tenant,
          email: r.email,
          status: accessRequestState(r, now),
          locale: r.locale,
          createdAt: iso(r.createdAt),
          expiresAt: iso(r.expiresAt),
          confirmedAt: iso(r.confirmedAt),
          decidedAt: iso(r.decidedAt),
          decidedBy: r.decidedBy,
          decidedByEmail: decider(r.decidedBy),
        })),
      ),
    );
    return 0;
  }
  for (const r of list)
    io.out(
      [
        r.id,
        r.email,
        accessRequestState(r, now),
        iso(r.createdAt),
        iso(r.expiresAt),
        r.decidedBy === null ? '-' : (decider(r.decidedBy) ?? r.decidedBy),
      ].join('\t'),
    );
  return 0;
}
