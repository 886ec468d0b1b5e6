// The mail outbox: MailService writes a message into the store (its body sealed with the master key) in the
// request that decides to send it; OutboxWorker, on every instance, claims due messages, sends them over SMTP
// and marks them sent (the body cleared) or failed (retried with backoff, given up after maxAttempts).
// Delivery is at least once: a message whose send succeeded but whose "sent" mark did not reach the store is
// sent again once its lease ends. Logs carry the id, template, tenant and the recipient's domain, never the
// body, a link or the full address.
import {
  type DerivedKeys,
  encryptSecret,
  type MailRecord,
  openSecret,
  randomToken,
  type Store,
} from '@deskgate/core';
import type { Logger } from 'pino';
import type { Locale } from '../pages/messages.ts';
import { type MailParams, type MailTemplate, renderMail } from './templates.ts';

export const DEFAULT_MAIL_FROM = 'Deepdesk sign-in <no-reply@deskgate.invalid>';

/** The sealed part of a message. */
interface MailBody {
  text: string;
  html: string;
}

/** The body's place in the store: a body sealed for one message does not open as another's. */
export function sealContext(id: string): string {
  return `mail:${id}`;
}

export async function sealMailBody(keys: DerivedKeys, id: string, body: MailBody): Promise<string> {
  return encryptSecret(keys.secrets, JSON.stringify({ text: body.text, html: body.html }), sealContext(id));
}

/** Throws when the body does not open (another master key, a damaged value) or is not a body. */
export async function openMailBody(keys: DerivedKeys, id: string, sealed: string): Promise<MailBody> {
  const body = JSON.parse(await openSecret(keys, sealed, sealContext(id))) as Partial<MailBody>;
  if (typeof body?.text !== 'string' || typeof body.html !== 'string') throw new TypeError('not a mail body');
  return { text: body.text, html: body.html };
}

/** The part of an address a log may carry. */
export function recipientDomain(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '(none)' : address.slice(at + 1).toLowerCase();
}

/** An error as `lastError` and the logs keep it: addresses cut to their domain, links left out, short. */
export function describeMailError(error: unknown): string {
  const { message, code, responseCode } = (error ?? {}) as {
    message?: unknown;
    code?: unknown;
    responseCode?: unknown;
  };
  const prefix = [code, responseCode].filter((v) => typeof v === 'string' || typeof v === 'number');
  const text = [...prefix, typeof message === 'string' ? message : String(error)]
    .join(' ')
    .replace(/https?:\/\/\S+/gi, '(link)')
    .replace(/[^\s<>"'(),;:]+@([^\s<>"'(),;:]+)/g, '…@$1')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

export interface MailRequest<T extends MailTemplate = MailTemplate> {
  /** The tenant it is for (logs and `mail list`), or null for deployment mail. */
  tenant: string | null;
  to: string;
  template: T;
  locale: Locale;
  params: MailParams[T];
}

export interface MailServiceOptions {
  store: Store;
  keys: DerivedKeys;
  now: () => number;
  logger: Logger;
  /** Called after each enqueue: OutboxWorker.kick, so the mail goes out at once rather than at the next poll. */
  onEnqueued?: () => void;
}

/** Puts mail into the outbox; OutboxWorker delivers it. */
export class MailService {
  readonly #options: MailServiceOptions;
  readonly #pending = new Set<Promise<unknown>>();

  constructor(options: MailServiceOptions) {
    this.#options = options;
  }

  /**
   * Renders the template and stores the message with its body sealed; resolves with its id once stored.
   * Throws (nothing stored) for a template, locale or link renderMail refuses, or when the store fails.
   */
  enqueue<T extends MailTemplate>(request: MailRequest<T>): Promise<string> {
    const done = this.#enqueue(request);
    this.#pending.add(done);
    const forget = () => this.#pending.delete(done);
    done.then(forget, forget);
    return done;
  }

  /** Resolves when every enqueue started so far has settled (for a clean shutdown). */
  async idle(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }

  async #enqueue<T extends MailTemplate>(request: MailRequest<T>): Promise<string> {
    const { store, keys, now, logger, onEnqueued } = this.#options;
    const { subject, text, html } = renderMail(request.template, request.locale, request.params);
    const id = randomToken(16);
    const at = now();
    await store.enqueueMail({
      id,
      tenant: request.tenant,
      to: request.to,
      template: request.template,
      subject,
      bodyEncrypted: await sealMailBody(keys, id, { text, html }),
      createdAt: at,
      attempts: 0,
      nextAttemptAt: at,
      leaseUntil: null,
      sentAt: null,
      lastError: null,
      failed: false,
    });
    logger.info(
      { mail: id, template: request.template, tenant: request.tenant, domain: recipientDomain(request.to) },
      'mail queued',
    );
    onEnqueued?.();
    return id;
  }
}

/** What the worker hands the transport: nodemailer's sendMail takes it as it is. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable across retries, so a receiving server may tell a resent message from a new one. */
  messageId: string;
  headers: Record<string, string>;
}

/** A nodemailer Transporter, or anything with its sendMail (tests). */
export interface MailTransport {
  sendMail(message: OutgoingMail): Promise<unknown>;
}

export interface OutboxWorkerOptions {
  store: Store;
  keys: DerivedKeys;
  transport: MailTransport;
  logger: Logger;
  /** @default Date.now */
  now?: () => number;
  /** The From header (MAIL_FROM). @default DEFAULT_MAIL_FROM */
  from?: string;
  /** How often it looks for due mail when not kicked. @default 1000 */
  intervalMs?: number;
  /** How long a claimed message is this worker's; longer than a send can take. @default 60_000 */
  leaseMs?: number;
  /** Messages claimed (and sent in parallel) per run. @default 10 */
  batch?: number;
  /** Tries before a message is given up. @default 10 */
  maxAttempts?: number;
}

const FIRST_RETRY_MS = 15_000;
const MAX_RETRY_MS = 60 * 60 * 1000;
/** A kick waits this long, so a burst of enqueues (an approver list) goes out in one run. */
const KICK_DELAY_MS = 10;

/** The wait before the next try after `attempts` failed ones (1 → 15 s, 2 → 30 s, 3 → 1 min … at most 1 h). */
export function retryDelay(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);
}

/** The Message-ID's domain: the From address's, or ours. */
function messageIdDomain(from: string): string {
  const domain = /@([^\s>]+)>?\s*$/.exec(from)?.[1];
  return domain && /^[A-Za-z0-9.-]+$/.test(domain) ? domain : 'deskgate.invalid';
}

/** Delivers the outbox: start() polls (and kick() wakes it), stop() waits for the run in progress. */
export class OutboxWorker {
  readonly #store: Store;
  readonly #keys: DerivedKeys;
  readonly #transport: MailTransport;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #from: string;
  readonly #intervalMs: number;
  readonly #leaseMs: number;
  readonly #batch: number;
  readonly #maxAttempts: number;
  #started = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  /** Wall-clock time the timer fires. */
  #dueAt = 0;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(options: OutboxWorkerOptions) {
    this.#store = options.store;
    this.#keys = options.keys;
    this.#transport = options.transport;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#from = options.from ?? DEFAULT_MAIL_FROM;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#batch = options.batch ?? 10;
    this.#maxAttempts = options.maxAttempts ?? 10;
  }

  /** Starts polling; the first run is at once (mail left from before the start goes out). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule(0);
  }

  /** Runs soon (after an enqueue); while a run is in progress, another follows it at once. */
  kick(): void {
    if (!this.#started || this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#schedule(KICK_DELAY_MS);
  }

  /** Stops polling and resolves once the run in progress (if any) is done. Mail not sent stays in the outbox. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Claims the due messages (up to `batch`) and tries each once. */
  async runOnce(): Promise<{ sent: number; failed: number }> {
    const now = this.#now();
    const claimed = await this.#store.claimMail(now, now + this.#leaseMs, this.#batch);
    const results = await Promise.allSettled(claimed.map((mail) => this.#deliver(mail)));
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
    const sent = results.filter((r) => r.status === 'fulfilled' && r.value).length;
    return { sent, failed: claimed.length - sent };
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    // Never later than a run already due sooner.
    if (this.#timer && this.#dueAt <= Date.now() + delayMs) return;
    clearTimeout(this.#timer);
    this.#dueAt = Date.now() + delayMs;
    this.#timer = setTimeout(() => this.#tick(), delayMs);
    this.#timer.unref();
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    this.#again = false;
    let more = false;
    this.#running = this.runOnce()
      .then(
        ({ sent, failed }) => {
          // A full batch: more may be due.
          more = sent + failed >= this.#batch;
        },
        (error: unknown) => this.#logger.error({ err: error }, 'mail outbox run failed'),
      )
      .finally(() => {
        this.#running = undefined;
        this.#schedule(this.#again || more ? 0 : this.#intervalMs);
      });
  }

  /** Tries one claimed message; true when sent. Rejects only when the store fails. */
  async #deliver(mail: MailRecord): Promise<boolean> {
    const fields = {
      mail: mail.id,
      template: mail.template,
      tenant: mail.tenant,
      domain: recipientDomain(mail.to),
    };
    let body: MailBody;
    try {
      if (mail.bodyEncrypted === null) throw new TypeError('no body');
      body = await openMailBody(this.#keys, mail.id, mail.bodyEncrypted);
    } catch {
      await this.#store.markMailFailed(
        mail.id,
        'the body cannot be decrypted (another master key?): given up',
        null,
      );
      this.#logger.error(fields, 'mail given up: its body cannot be decrypted (another master key?)');
      return false;
    }
    try {
      await this.#transport.sendMail({
        from: this.#from,
        to: mail.to,
        subject: mail.subject,
        text: body.text,
        html: body.html,
        messageId: `<${mail.id}@${messageIdDomain(this.#from)}>`,
        // RFC 3834: no out-of-office replies to this.
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    } catch (error) {
      const attempts = mail.attempts + 1;
      const reason = describeMailError(error);
      const next = attempts >= this.#maxAttempts ? null : this.#now() + retryDelay(attempts);
      await this.#store.markMailFailed(mail.id, reason, next);
      if (next === null)
        this.#logger.error({ ...fields, attempts, error: reason }, 'mail given up after too many tries');
      else
        this.#logger.warn(
          { ...fields, attempts, error: reason, retryAt: new Date(next).toISOString() },
          'mail not sent; will retry',
        );
      return false;
    }
    await this.#store.markMailSent(mail.id, this.#now());
    this.#logger.info({ ...fields, attempts: mail.attempts + 1 }, 'mail sent');
    return true;
  }
}
