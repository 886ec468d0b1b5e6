// The audit log (docs/audit-log.md): records events in the store, after auditSafe checked that
// nothing in them looks like a secret. Sign-ins are recorded by SessionService.start (every method starts its
// session there); refused sign-ins by one middleware on the sign-in routes (SIGN_IN_ROUTES), with the error
// code only, never the token, key or cookie presented.
import {
  type AuditEventInput,
  type AuditEventRecord,
  auditFieldsSafe,
  auditSafe,
  DeskgateError,
  randomToken,
  type Store,
} from '@deskgate/core';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from '../deps.ts';
import type { Metrics } from './metrics.ts';

export const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_AUDIT_RETENTION_DAYS = 365;

/** DESKGATE_AUDIT_RETENTION_DAYS: how many days events are kept (1-36500, default 365); throws on a bad value. */
export function auditRetentionDays(env: Record<string, string | undefined>): number {
  const text = env.DESKGATE_AUDIT_RETENTION_DAYS?.trim() || String(DEFAULT_AUDIT_RETENTION_DAYS);
  const days = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(days >= 1 && days <= 36_500))
    throw new TypeError('DESKGATE_AUDIT_RETENTION_DAYS must be a number of days from 1 to 36500');
  return days;
}

/** The record of one event, checked: a detail or field that looks like a secret throws. */
export function auditRecord(tenant: string, event: AuditEventInput, at: number): AuditEventRecord {
  auditFieldsSafe(event);
  return { ...event, id: randomToken(16), tenant, at, details: auditSafe(event.details) };
}

/** Stores one event, checked first: a detail or field that looks like a secret throws, and nothing is stored. */
export async function recordAudit(
  store: Store,
  tenant: string,
  event: AuditEventInput,
  at: number,
): Promise<AuditEventRecord> {
  const record = auditRecord(tenant, event, at);
  await store.appendAudit(record);
  return record;
}

/** What an operator did with the CLI (a key created or revoked): actor operator, the key id as subject. */
export function operatorEvent(
  type: AuditEventInput['type'],
  subject: string,
  details: AuditEventInput['details'] = {},
): AuditEventInput {
  return {
    type,
    actor: { kind: 'operator', id: null },
    method: null,
    outcome: 'ok',
    code: null,
    subject,
    details,
  };
}

/**
 * An access request's decision (approved or rejected), by the approver. For AccessRequestService.decide, once
 * the store accepted the decision.
 */
export function auditAccessRequestDecision(
  store: Store,
  tenant: string,
  requestId: string,
  decision: 'approved' | 'rejected',
  actor: AuditEventInput['actor'],
  now: number,
): Promise<AuditEventRecord> {
  return recordAudit(
    store,
    tenant,
    {
      type: 'access_request_decided',
      actor,
      method: null,
      outcome: 'ok',
      code: null,
      subject: requestId,
      details: { decision },
    },
    now,
  );
}

/**
 * The sign-in endpoints whose refusals are recorded: where a browser or platform presents a credential.
 * `app` names the sub-app of app.ts they sit in: 'auth' (/t/{tenant}/auth) or 'platform' (/t/{tenant}).
 */
export const SIGN_IN_ROUTES = [
  { app: 'platform', verb: 'POST', path: '/session/jwt', method: 'jwt' },
  { app: 'platform', verb: 'POST', path: '/session/api-key', method: 'api_key' },
  { app: 'auth', verb: 'GET', path: '/remote-login/callback/:state', method: 'jwt' },
  { app: 'auth', verb: 'GET', path: '/sso/callback', method: 'sso' },
  { app: 'auth', verb: 'POST', path: '/magic-link/open', method: 'magic_link' },
  { app: 'auth', verb: 'POST', path: '/exchange', method: 'exchange' },
] as const;

export class AuditService {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #logger: Logger | undefined;
  readonly #metrics: Metrics | undefined;

  constructor(deps: { store: Store; now: () => number; logger?: Logger; metrics?: Metrics }) {
    this.#store = deps.store;
    this.#now = deps.now;
    this.#logger = deps.logger;
    this.#metrics = deps.metrics;
  }

  /** Stores one event of `tenant` at `at` (default now); throws when it looks like it holds a secret. */
  record(tenant: string, event: AuditEventInput, at = this.#now()): Promise<AuditEventRecord> {
    return recordAudit(this.#store, tenant, event, at);
  }

  /**
   * The event of a successful sign-in: the user, the method, and the session it started. The caller stores it
   * with the session it names (Store.createSession), so that neither exists without the other, then calls
   * signedIn.
   */
  signIn(
    tenant: string,
    userId: string,
    method: string,
    details: Record<string, string>,
    at: number,
  ): AuditEventRecord {
    return auditRecord(
      tenant,
      {
        type: 'sign_in',
        actor: { kind: 'user', id: userId },
        method,
        outcome: 'ok',
        code: null,
        subject: userId,
        details,
      },
      at,
    );
  }

  /** Counts a sign-in whose session and event were stored. */
  signedIn(method: string): void {
    this.#metrics?.signIn(method, null);
  }

  /**
   * Middleware for a sign-in route: after it, a refusal (a DeskgateError, or a failure answered without one)
   * becomes a refused sign_in event with the error code, actor anonymous (rate_limited excepted). A store
   * failure here is logged and does not change the answer.
   */
  refusedSignIns(method: string): MiddlewareHandler<AppEnv> {
    return async (c, next) => {
      await next();
      const code = c.error instanceof DeskgateError ? c.error.code : c.get('failure');
      const tenant = c.get('tenant');
      if (code) this.#metrics?.signIn(method, code);
      // A request the rate limiter turned away never reached the credential check; recording each would let a
      // flood write one row per request. The request log has them.
      if (!code || !tenant || code === 'rate_limited') return;
      try {
        await this.record(tenant.code, {
          type: 'sign_in',
          actor: { kind: 'anonymous', id: null },
          method,
          outcome: 'refused',
          code,
          subject: null,
          details: {},
        });
      } catch (error) {
        (c.get('log') ?? this.#logger)?.error(
          { err: { name: (error as Error).name, message: (error as Error).message } },
          'audit: recording a refused sign-in failed',
        );
      }
    };
  }
}
