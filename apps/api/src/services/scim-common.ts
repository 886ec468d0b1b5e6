// What the SCIM services share: the answers for a missing resource, a taken name and a stale version, and the
// audit record of a provisioning change (actor: the SCIM token's id; `null` for what follows from one).
import { type AuditEventInput, ScimError, type Store, type TenantConfig } from '@deskgate/core';
import { recordAudit } from './audit.ts';

export function notFound(what: 'User' | 'Group', id: string): never {
  throw new ScimError(404, undefined, `${what} ${id.slice(0, 100)} not found`);
}

export function conflict(detail: string): never {
  throw new ScimError(409, 'uniqueness', detail);
}

/** A failed If-Match: the resource changed since the client read it (RFC 7644 §3.14). */
export function preconditionFailed(): never {
  throw new ScimError(412, undefined, 'The resource changed since it was read (If-Match does not match)');
}

export function scimAudit(
  store: Store,
  tenant: TenantConfig,
  actor: string | null,
  type: AuditEventInput['type'],
  subject: string,
  details: Record<string, string | number | boolean>,
  now: number,
) {
  return recordAudit(
    store,
    tenant.code,
    {
      type,
      actor: actor === null ? { kind: 'system', id: null } : { kind: 'scim', id: actor },
      method: null,
      outcome: 'ok',
      code: null,
      subject,
      details,
    },
    now,
  );
}
