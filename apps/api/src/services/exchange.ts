// Exchange tokens for outbound links (F8): minted for a signed-in session, redeemed once by the landing page
// on the API's site, where they start a first-party session of the same user. docs/outbound-links.md
import {
  createExchangeToken,
  DeskgateError,
  type ExchangeTokenRecord,
  grantingMethod,
  isExchangeTokenFormat,
  outboundTargets,
  resolveOutboundTarget,
  type SessionRecord,
  type Store,
  sha256,
  type TenantConfig,
  type UserRecord,
} from '@deskgate/core';
import { type ExchangeLink, paths } from '@deskgate/protocol';
import type { Issued, SessionService } from './sessions.ts';

/** One message for every refusal, so the landing page tells nobody whether a token ever existed. */
function invalid(): never {
  throw new DeskgateError(
    'exchange_token_invalid',
    'This link is no longer valid: it was used already, has expired, or is incomplete. Open it again from your agent desktop.',
  );
}

const live = (session: SessionRecord | undefined, tenant: string, now: number): session is SessionRecord =>
  !!session && session.tenant === tenant && session.revokedAt === null && session.expiresAt > now;

export interface Exchange {
  token: ExchangeTokenRecord;
  /** The session that minted it: the new one belongs to its user and keeps its limits. */
  source: SessionRecord;
}

export class ExchangeService {
  readonly #store: Store;
  readonly #sessions: SessionService;
  readonly #publicUrl: string;

  constructor(deps: { store: Store; sessions: SessionService; publicUrl: string }) {
    this.#store = deps.store;
    this.#sessions = deps.sessions;
    this.#publicUrl = deps.publicUrl;
  }

  /** A single-use link to the landing page for `source`'s user, going on to the validated `redirect`. */
  async mint(
    tenant: TenantConfig,
    source: SessionRecord,
    redirect: unknown,
    now: number,
  ): Promise<ExchangeLink> {
    const target = resolveOutboundTarget(redirect, {
      origin: new URL(this.#publicUrl).origin,
      targets: outboundTargets(tenant),
    });
    const token = createExchangeToken();
    const expiresAt = Math.min(now + tenant.outboundLinks.ttlSeconds * 1000, source.expiresAt);
    await this.#store.createExchangeToken({
      digest: await sha256(token),
      tenant: tenant.code,
      sessionId: source.id,
      target,
      createdAt: now,
      expiresAt,
    });
    // The fragment never reaches a server: not ours (logs), not the target's, not a Referer.
    return { url: `${this.#publicUrl}${paths.exchange(tenant.code)}#token=${token}`, expiresAt };
  }

  /** Reads a token without using it up, so the landing page can ask before switching users. */
  async peek(tenant: TenantConfig, token: unknown, now: number): Promise<Exchange> {
    // A session token, an API key or garbage is refused without a lookup.
    if (!isExchangeTokenFormat(token)) invalid();
    const record = await this.#store.getExchangeToken(await sha256(token), now);
    if (!record || record.tenant !== tenant.code) invalid();
    const source = await this.#store.getSession(record.sessionId);
    if (!live(source, tenant.code, now)) invalid();
    return { token: record, source };
  }

  /** Uses the token up (atomically: of concurrent redemptions on any instance exactly one gets it). */
  async take(tenant: TenantConfig, token: unknown, now: number): Promise<Exchange> {
    if (!isExchangeTokenFormat(token)) invalid();
    // Only this tenant's token is taken: a wrong path uses nothing up.
    const record = await this.#store.takeExchangeToken(tenant.code, await sha256(token), now);
    if (!record) invalid();
    // Checked after taking it: a source signed out in the meantime leaves nothing usable behind.
    const source = await this.#store.getSession(record.sessionId);
    if (!live(source, tenant.code, now)) invalid();
    return { token: record, source };
  }

  /** A new session of the source's user, method `exchange`, with the source's limits and no longer than it. */
  async start(
    tenant: TenantConfig,
    { source }: Exchange,
    now: number,
  ): Promise<Issued & { user: UserRecord }> {
    const user = await this.#store.getUser(tenant.code, source.userId);
    if (!user) invalid();
    const issued = await this.#sessions.start(
      tenant,
      user,
      'exchange',
      now,
      { via: grantingMethod(source), notAfter: source.expiresAt },
      // The source session's identity: the same person, signed in the same way.
      source.identityIssuer && source.identitySubject
        ? { issuer: source.identityIssuer, subject: source.identitySubject }
        : null,
    );
    return { ...issued, user };
  }
}
