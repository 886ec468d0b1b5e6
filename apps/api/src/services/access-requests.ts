// Access requests (F3, D2, docs/magic-link.md): an email no user of the tenant has, asking for a magic link,
// gets a confirm link instead; confirming sends the request to the tenant's approvers; one of them approves
// (the user is created as agent) or rejects it, once. Requests expire after 7 days. Logs carry ids, never an
// email or a token.
import {
  ACCESS_REQUEST_TTL_SECONDS,
  type AccessRequestRecord,
  type AuditEventInput,
  approverAddresses,
  canApprove,
  createAccessRequestToken,
  DeskgateError,
  isAccessRequestTokenFormat,
  randomToken,
  type Store,
  sha256,
  type TenantConfig,
  type UserRecord,
} from '@deskgate/core';
import { paths } from '@deskgate/protocol';
import type { Logger } from 'pino';
import type { MailService } from '../mail/index.ts';
import { type Locale, pickLocale } from '../pages/messages.ts';
import { auditAccessRequestDecision } from './audit.ts';
import type { IdentityService } from './identities.ts';

/** What access requests need from the mail outbox. */
export type AccessRequestMail = Pick<MailService, 'enqueue'>;

/** The issuer of the identity an approved request creates: the email is its subject (as for magic links). */
export const EMAIL_ISSUER = 'email';

/** Request ids are ours (randomToken(16)); anything else in the path is simply not found. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

export type Decision = 'approve' | 'reject';

/** What a press of the confirm button did. */
export type ConfirmOutcome =
  /** This press confirmed it: `notified` approvers got a mail (0: nobody can approve it yet). */
  | { outcome: 'confirmed'; request: AccessRequestRecord; notified: number }
  /** Confirmed before (a second press, another tab): nobody is notified again. */
  | { outcome: 'waiting'; request: AccessRequestRecord }
  /** An approver already decided it. */
  | { outcome: 'decided'; request: AccessRequestRecord };

/** The signed-in approver, as their session grants them (an API-key session is never one). */
export interface Approver {
  user: UserRecord;
  /** The tenant's users (for the approval page: who decided). */
  users: UserRecord[];
}

function invalid(): never {
  throw new DeskgateError(
    'access_request_invalid',
    'This confirm link is no longer valid: a newer request for the same email replaced it, or it is incomplete. Ask for access again from the sign-in window.',
  );
}

function expired(): never {
  throw new DeskgateError(
    'access_request_expired',
    'This request for access has expired (requests stay open for 7 days). Ask for access again from the sign-in window.',
  );
}

function notFound(): never {
  throw new DeskgateError('access_request_not_found', 'There is no such request for access');
}

function decided(): never {
  throw new DeskgateError('access_request_decided', 'This request for access was already decided');
}

/** Whether a request still waiting (unconfirmed or pending) is past its end. */
export function isExpired(request: AccessRequestRecord, now: number): boolean {
  return (request.status === 'unconfirmed' || request.status === 'pending') && request.expiresAt <= now;
}

export class AccessRequestService {
  readonly #store: Store;
  readonly #mail: AccessRequestMail;
  readonly #identities: IdentityService;
  readonly #publicUrl: string;
  readonly #logger: Logger;
  readonly #productName: string;

  constructor(deps: {
    store: Store;
    mail: AccessRequestMail;
    identities: IdentityService;
    publicUrl: string;
    logger: Logger;
    productName: string;
  }) {
    this.#store = deps.store;
    this.#mail = deps.mail;
    this.#identities = deps.identities;
    this.#publicUrl = deps.publicUrl;
    this.#logger = deps.logger;
    this.#productName = deps.productName;
  }

  /**
   * For an email no user of the tenant has (MagicLinkService, after its answer): mails a confirm link, unless a
   * request of that email already waits for an approver. A newer request replaces an unconfirmed older one.
   */
  async request(tenant: TenantConfig, email: string, locale: Locale, now: number): Promise<void> {
    const waiting = (await this.#store.listAccessRequests(tenant.code, 'pending')).find(
      (r) => r.email === email && r.expiresAt > now,
    );
    if (waiting) {
      this.#logger.info({ tenant: tenant.code, accessRequest: waiting.id }, 'access request already pending');
      return;
    }
    const token = createAccessRequestToken();
    const request: AccessRequestRecord = {
      id: randomToken(16),
      tenant: tenant.code,
      email,
      status: 'unconfirmed',
      confirmDigest: await sha256(token),
      locale,
      createdAt: now,
      expiresAt: now + ACCESS_REQUEST_TTL_SECONDS * 1000,
      confirmedAt: null,
      decidedAt: null,
      decidedBy: null,
    };
    await this.#store.createAccessRequest(request);
    // In the fragment: the token reaches no server log; the page's button posts it.
    const link = `${this.#publicUrl}${paths.accessRequestConfirm(tenant.code)}?locale=${locale}#token=${token}`;
    await this.#mail.enqueue({
      tenant: tenant.code,
      to: email,
      template: 'access-request-confirm',
      locale,
      params: { product: this.#productName, tenantName: tenant.displayName, link },
    });
    this.#logger.info({ tenant: tenant.code, accessRequest: request.id }, 'access request asked');
  }

  /**
   * The confirm button: unconfirmed -> pending once, then the approvers are mailed. A second press (or a
   * concurrent one) notifies nobody again. access_request_invalid for an unknown, replaced or malformed token
   * (or another tenant's), access_request_expired past its 7 days.
   */
  async confirm(tenant: TenantConfig, token: unknown, now: number): Promise<ConfirmOutcome> {
    if (!isAccessRequestTokenFormat(token)) invalid();
    const digest = await sha256(token);
    const request = await this.#store.findAccessRequestByConfirmDigest(digest);
    if (!request || request.tenant !== tenant.code) invalid();
    if (isExpired(request, now)) expired();
    if (request.status === 'unconfirmed') {
      if (await this.#store.confirmAccessRequest(request.id, now)) {
        const confirmed: AccessRequestRecord = { ...request, status: 'pending', confirmedAt: now };
        this.#logger.info({ tenant: tenant.code, accessRequest: request.id }, 'access request confirmed');
        return { outcome: 'confirmed', request: confirmed, notified: await this.#notify(tenant, confirmed) };
      }
      // Lost a race: another press confirmed it, a newer request replaced it, or it just expired.
      const current = await this.#store.findAccessRequestByConfirmDigest(digest);
      if (!current) invalid();
      if (isExpired(current, now)) expired();
      return this.#settled(current);
    }
    return this.#settled(request);
  }

  #settled(request: AccessRequestRecord): ConfirmOutcome {
    return request.status === 'approved' || request.status === 'rejected'
      ? { outcome: 'decided', request }
      : { outcome: 'waiting', request };
  }

  /** Mails every approver a link to the approval page; returns how many. Nobody: a warning, the request stays. */
  async #notify(tenant: TenantConfig, request: AccessRequestRecord): Promise<number> {
    const to = approverAddresses(tenant, await this.#store.listUsers(tenant.code));
    if (!to.length) {
      this.#logger.warn(
        { tenant: tenant.code, accessRequest: request.id },
        'access request confirmed but nobody can approve it: the tenant has no manager with an email and no magicLink.approverEmails',
      );
      return 0;
    }
    const link = `${this.#publicUrl}${paths.accessRequest(tenant.code, request.id)}`;
    for (const address of to)
      await this.#mail.enqueue({
        tenant: tenant.code,
        to: address,
        template: 'access-request-notify',
        // The approver's language is unknown: the requester's, who is of the same organisation.
        locale: pickLocale(request.locale, undefined),
        params: {
          product: this.#productName,
          tenantName: tenant.displayName,
          requester: request.email,
          link,
        },
      });
    this.#logger.info(
      { tenant: tenant.code, accessRequest: request.id, approvers: to.length },
      'access request sent to approvers',
    );
    return to.length;
  }

  /**
   * The signed-in approver (after the route's permission check, http/permission.ts) and the tenant's users, for
   * the approval page (who decided). Judged again on the tenant's users: permission_denied when the user may
   * not approve (D2: a manager, or while the tenant has none, one of its approver emails).
   */
  async approver(tenant: TenantConfig, principal: { user: UserRecord }): Promise<Approver> {
    const users = await this.#store.listUsers(tenant.code);
    if (!canApprove(tenant, principal.user, users))
      throw new DeskgateError(
        'permission_denied',
        `Only the managers of ${tenant.displayName} can approve or reject requests for access`,
      );
    return { user: principal.user, users };
  }

  /**
   * Whether `user` (as their session grants them) may approve although no role says so: the tenant has no
   * manager yet and their confirmed email is one of `magicLink.approverEmails` (D2).
   */
  async isBootstrapApprover(tenant: TenantConfig, user: UserRecord): Promise<boolean> {
    if (!tenant.magicLink.approverEmails.length) return false;
    return canApprove(tenant, user, await this.#store.listUsers(tenant.code));
  }

  /** A request as its approval page shows it: not found when unknown, another tenant's or not confirmed yet. */
  async get(tenant: TenantConfig, id: string): Promise<AccessRequestRecord> {
    const request = REQUEST_ID_PATTERN.test(id)
      ? await this.#store.getAccessRequest(tenant.code, id)
      : undefined;
    if (!request || request.status === 'unconfirmed') notFound();
    return request;
  }

  /**
   * Approves or rejects a pending request, once (of concurrent decisions one wins; the others get
   * access_request_decided). Approving creates the user as agent, confirmed (an approver vouched), and mails the
   * requester to sign in again; rejecting mails a neutral notice.
   */
  async decide(
    tenant: TenantConfig,
    id: string,
    decision: Decision,
    approver: UserRecord,
    now: number,
    /** Who the audit log names: the approver as a user, unless a staff member decided (staff SSO). */
    actor: AuditEventInput['actor'] = { kind: 'user', id: approver.id },
  ): Promise<AccessRequestRecord> {
    const request = await this.get(tenant, id);
    if (request.status !== 'pending') decided();
    if (isExpired(request, now)) expired();
    const profile = {
      issuer: EMAIL_ISSUER,
      subject: request.email,
      email: request.email,
      name: null,
      roles: null,
      confirmed: true,
    };
    // Refused before anything is stored when the email is ambiguous (identity_conflict): the request stays.
    if (decision === 'approve')
      await this.#identities.preview(tenant, profile, now, { linkByEmail: true, automatic: false });
    const status = decision === 'approve' ? 'approved' : 'rejected';
    if (!(await this.#store.decideAccessRequest(request.id, status, approver.id, now))) {
      const after = await this.get(tenant, id);
      if (after.status === 'approved' || after.status === 'rejected') decided();
      expired();
    }
    await auditAccessRequestDecision(this.#store, tenant.code, request.id, status, actor, now);
    const locale = pickLocale(request.locale, undefined);
    const params = { product: this.#productName, tenantName: tenant.displayName };
    let userId: string | undefined;
    if (decision === 'approve') {
      // Links to a user who got this email meanwhile (another method) rather than making a second one.
      // A manager's decision: trial mode (automatic creation only) does not apply.
      userId = (await this.#identities.resolve(tenant, profile, now, { linkByEmail: true, automatic: false }))
        .user.id;
      await this.#mail.enqueue({
        tenant: tenant.code,
        to: request.email,
        template: 'access-request-approved',
        locale,
        params,
      });
    } else {
      await this.#mail.enqueue({
        tenant: tenant.code,
        to: request.email,
        template: 'access-request-rejected',
        locale,
        params,
      });
    }
    this.#logger.info(
      { tenant: tenant.code, accessRequest: request.id, decision: status, approver: approver.id, userId },
      'access request decided',
    );
    return { ...request, status, decidedAt: now, decidedBy: approver.id };
  }
}
