// Magic links (F3, docs/magic-link.md): a request answers at once and the rest happens after the answer, so
// neither the body nor the timing says whether the email is known. A link is used once and completes the
// sign-in attempt it was asked for, like any other method (D9).
import {
  type AttemptRecord,
  createMagicLinkToken,
  DeskgateError,
  isMagicLinkTokenFormat,
  type Store,
  sha256,
  type TenantConfig,
} from '@deskgate/core';
import { paths } from '@deskgate/protocol';
import type { Logger } from 'pino';
import type { MailService } from '../mail/index.ts';
import type { Locale } from '../pages/messages.ts';

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
  /** Work still running after its answer; tests and a draining shutdown wait for it. */
  readonly #pending = new Set<Promise<void>>();

  constructor(deps: {
    store: Store;
    mail: MailQueue;
    publicUrl: string;
    logger: Logger;
    productName: string;
  }) {
    this.#store = deps.store;
    this.#mail = deps.mail;
    this.#publicUrl = deps.publicUrl;
    this.#logger = deps.logger;
    this.#productName = deps.productName;
  }

  /**
   * Decides, after the answer, what `email` gets: a link for a known user of the tenant, nothing yet for
   * anyone else. Never throws: a failure is logged (without the email) and the agent can ask again.
   */
  request(tenant: TenantConfig, attempt: AttemptRecord, email: string, locale: Locale, now: number): void {
    const work = this.#send(tenant, attempt, email, locale, now).catch((error: unknown) => {
      this.#logger.error({ err: error, tenant: tenant.code }, 'magic link: the request could not be handled');
    });
    this.#pending.add(work);
    work.finally(() => this.#pending.delete(work));
  }

  /** Resolves when the work of every request made so far is done. */
  async idle(): Promise<void> {
    while (this.#pending.size) await Promise.all(this.#pending);
  }

  async #send(tenant: TenantConfig, attempt: AttemptRecord, email: string, locale: Locale, now: number) {
    const users = await this.#store.findUsersByEmail(tenant.code, email);
    // One user with that email is who the link signs in; none (or an ambiguous email) gets no link.
    if (users.length !== 1) {
      this.#logger.info({ tenant: tenant.code, known: false }, 'magic link requested');
      return;
    }
    const token = createMagicLinkToken();
    const expiresAt = Math.min(now + tenant.magicLink.ttlSeconds * 1000, attempt.expiresAt);
    await this.#store.createMagicLink({
      digest: await sha256(token),
      tenant: tenant.code,
      email,
      attemptId: attempt.id,
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
    const link = await this.#store.takeMagicLink(await sha256(token), now);
    if (!link || link.tenant !== tenant.code) invalid();
    return link;
  }
}
