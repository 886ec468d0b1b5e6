// Magic links (F3, docs/magic-link.md): a request answers at once and the rest happens after the answer, so
// neither the body nor the timing says whether the email is known. A link is used once and completes the
// sign-in attempt it was asked for, like any other method (D9).
import {
  type AttemptRecord,
  createMagicLinkToken,
  DeskgateError,
  hasManager,
  isMagicLinkTokenFormat,
  type Store,
  sha256,
  type TenantConfig,
} from '@deskgate/core';
import { paths } from '@deskgate/protocol';
import type { Logger } from 'pino';
import type { MailService } from '../mail/index.ts';
import type { Locale } from '../pages/messages.ts';
import type { AccessRequestService } from './access-requests.ts';
import type { BackgroundWork } from './background.ts';
import type { IdentityService } from './identities.ts';

/** What a link finishes: the popup's attempt, or a first-party sign-in on the API site going on to `returnTo`. */
export type LinkTarget = { attempt: AttemptRecord } | { returnTo: string };

/** What the magic-link flow needs from the mail outbox. */
export type MailQueue = Pick<MailService, 'enqueue'>;

function invalid(): never {
  throw new DeskgateError(
    'magic_link_invalid',
    'This sign-in link is no longer valid: it was used already, replaced by a newer one, or has expired. Ask for a new one.',
  );
}

export class MagicLinkService {
  readonly #store: Store;
  readonly #mail: MailQueue;
  readonly #publicUrl: string;
  readonly #logger: Logger;
  readonly #productName: string;
  readonly #accessRequests: Pick<AccessRequestService, 'request'>;
  readonly #identities: Pick<IdentityService, 'resolve'>;
  /** Work still running after its answer; tests and a draining shutdown wait for it. */
  readonly #background: BackgroundWork;

  constructor(deps: {
    store: Store;
    mail: MailQueue;
    publicUrl: string;
    logger: Logger;
    productName: string;
    /** What an email no user has gets instead of a link: an access request (F3). */
    accessRequests: Pick<AccessRequestService, 'request'>;
    identities: Pick<IdentityService, 'resolve'>;
    background: BackgroundWork;
  }) {
    this.#background = deps.background;
    this.#identities = deps.identities;
    this.#store = deps.store;
    this.#mail = deps.mail;
    this.#publicUrl = deps.publicUrl;
    this.#logger = deps.logger;
    this.#productName = deps.productName;
    this.#accessRequests = deps.accessRequests;
  }

  /**
   * Decides, after the answer, what `email` gets: a link for a known user of the tenant, an access request
   * for an email no user has, nothing for an email several users share. Never throws: a failure is logged
   * (without the email) and the agent can ask again.
   */
  request(tenant: TenantConfig, target: LinkTarget, email: string, locale: Locale, now: number): void {
    this.#background.run(
      () => this.#send(tenant, target, email, locale, now),
      this.#logger,
      'magic link: the request could not be handled',
      { tenant: tenant.code },
    );
  }

  async #send(tenant: TenantConfig, target: LinkTarget, email: string, locale: Locale, now: number) {
    let users = await this.#store.findUsersByEmail(tenant.code, email);
    // A configured approver of a tenant without managers, signing in first-party to approve: the operator
    // named this email, so it becomes a user of its own rather than an access request nobody could decide.
    if (users.length === 0 && 'returnTo' in target) {
      const tenantUsers = await this.#store.listUsers(tenant.code);
      if (!hasManager(tenantUsers) && tenant.magicLink.approverEmails.includes(email)) {
        const profile = { issuer: 'email', subject: email, email, name: null, roles: null, confirmed: true };
        users = [(await this.#identities.resolve(tenant, profile, now)).user];
      }
    }
    // One user with that email is who the link signs in; none gets an access request (F3, D2) instead.
    if (users.length === 0) {
      await this.#accessRequests.request(tenant, email, locale, now);
      this.#logger.info({ tenant: tenant.code, known: false }, 'magic link requested');
      return;
    }
    // An ambiguous email gets nothing; nor does a disabled user (the link would be refused anyway).
    if (users.length !== 1 || users[0]!.disabledAt !== null) {
      this.#logger.info({ tenant: tenant.code, known: false }, 'magic link requested');
      return;
    }
    const token = createMagicLinkToken();
    const ttl = now + tenant.magicLink.ttlSeconds * 1000;
    const expiresAt = 'attempt' in target ? Math.min(ttl, target.attempt.expiresAt) : ttl;
    await this.#store.createMagicLink({
      digest: await sha256(token),
      tenant: tenant.code,
      email,
      attemptId: 'attempt' in target ? target.attempt.id : null,
      returnTo: 'returnTo' in target ? target.returnTo : null,
      userId: users[0]!.id,
      createdAt: now,
      expiresAt,
    });
    // In the fragment: the token reaches no server log; the page's button posts it.
    const link = `${this.#publicUrl}${paths.magicLinkOpen(tenant.code)}?locale=${locale}#token=${token}`;
    await this.#mail.enqueue({
      tenant: tenant.code,
      to: email,
      template: 'magic-link',
      locale,
      params: {
        product: this.#productName,
        tenantName: tenant.displayName,
        link,
        expiresMinutes: Math.max(1, Math.round((expiresAt - now) / 60_000)),
      },
    });
    this.#logger.info({ tenant: tenant.code, known: true, userId: users[0]!.id }, 'magic link requested');
  }

  /** Uses the link up (atomically, on any instance) and returns what it signs in; magic_link_invalid otherwise. */
  async take(tenant: TenantConfig, token: unknown, now: number) {
    if (!isMagicLinkTokenFormat(token)) invalid();
    // Only this tenant's link is taken: a wrong path uses nothing up.
    const link = await this.#store.takeMagicLink(tenant.code, await sha256(token), now);
    if (!link) invalid();
    return link;
  }
}
