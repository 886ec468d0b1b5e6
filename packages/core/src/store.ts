// The storage port: what the API needs persisted, as plain records. Adapters live in @deskgate/store and
// must pass its conformance suite. Times are epoch milliseconds; JSON-ish fields are already parsed.
import type { ScimStore } from './scim-store.ts';
import type {
  AccessRequestRecord,
  ApiKeyRecord,
  AttemptRecord,
  AuditEventRecord,
  AuditQuery,
  ExchangeTokenRecord,
  IdentityRecord,
  JwtKeyRecord,
  MagicLinkRecord,
  MailRecord,
  PendingGrantRecord,
  RefreshTokenRecord,
  SealedSecretRecord,
  SessionRecord,
  SigningKeyRecord,
  SsoTransactionRecord,
  TenantRecord,
  UserRecord,
} from './store-records.ts';

export type * from './store-records.ts';

export type RotateResult = 'rotated' | 'already_used' | 'not_found';

export interface Store extends ScimStore {
  /** Create or upgrade the schema; safe to call on every start and from several instances. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /**
   * Reads the applied schema version (a round trip, so it also proves the store is reachable) beside the
   * newest this build knows; /readyz is ready when they are equal.
   */
  schemaStatus(): Promise<{ applied: number; latest: number }>;
  /** Counters of the store's own, for /metrics: its errors by kind and, for a pool, its connections. */
  stats(): StoreStats;

  /** Insert; rejects with StoreConflictError when the code exists. */
  createTenant(tenant: TenantRecord): Promise<void>;
  /** Insert or replace by code (seed files, `tenant set`). */
  putTenant(tenant: TenantRecord): Promise<void>;
  getTenant(code: string): Promise<TenantRecord | undefined>;
  listTenants(): Promise<TenantRecord[]>;

  getUser(tenant: string, id: string): Promise<UserRecord | undefined>;
  findUserByIdentity(tenant: string, issuer: string, subject: string): Promise<UserRecord | undefined>;
  /** Insert user and identity together (one transaction); StoreConflictError when the identity exists. */
  createUserWithIdentity(user: UserRecord, identity: IdentityRecord): Promise<void>;
  /** Replace email, name, roles, confirmed, updatedAt of an existing user. */
  updateUser(user: UserRecord): Promise<void>;
  /** The tenant's users whose email equals `email` ignoring case (emails are stored as given). */
  findUsersByEmail(tenant: string, email: string): Promise<UserRecord[]>;
  /** Links one more identity to an existing user; StoreConflictError when that identity exists. */
  createIdentity(identity: IdentityRecord): Promise<void>;
  /**
   * Sets disabledAt (a time disables, null enables); returns whether this call changed it (false for an
   * unknown user or one already in that state). updateUser leaves it as it is.
   */
  setUserDisabled(tenant: string, id: string, disabledAt: number | null): Promise<boolean>;
  /** The identities linked to a user, oldest first (the "about me" page, `user show`). */
  listIdentities(tenant: string, userId: string): Promise<IdentityRecord[]>;

  /** Insert unless the same grant (tenant, kind, issuer, value, role) waits already; returns whether it did. */
  addPendingGrant(grant: PendingGrantRecord): Promise<boolean>;
  /** Delete that one grant; returns whether it was there. */
  removePendingGrant(grant: Omit<PendingGrantRecord, 'createdAt'>): Promise<boolean>;
  /** The tenant's waiting grants, oldest first. */
  listPendingGrants(tenant: string): Promise<PendingGrantRecord[]>;
  /**
   * Deletes and returns the grants waiting for this identity: kind subject with this issuer and subject, and
   * kind email with this email (compared lowercase; none when email is null). Of two concurrent takes, each
   * grant goes to one.
   */
  takePendingGrants(
    tenant: string,
    identity: { issuer: string; subject: string; email: string | null },
  ): Promise<PendingGrantRecord[]>;

  /** Insert; StoreConflictError when the tenant already has a key with this kid (revoked or not). */
  createJwtKey(key: JwtKeyRecord): Promise<void>;
  /** All keys of the tenant, revoked ones too, oldest first (then by kid). */
  listJwtKeys(tenant: string): Promise<JwtKeyRecord[]>;
  /** Sets revokedAt when not yet revoked; returns whether this call revoked it. */
  revokeJwtKey(tenant: string, kid: string, now: number): Promise<boolean>;

  /** Insert; StoreConflictError when the kid exists (in any tenant). */
  createApiKey(key: ApiKeyRecord): Promise<void>;
  /** By kid, whatever the tenant (the caller checks the tenant). */
  getApiKey(kid: string): Promise<ApiKeyRecord | undefined>;
  /** The tenant's keys, revoked and expired ones too, oldest first (then by kid). */
  listApiKeys(tenant: string): Promise<ApiKeyRecord[]>;
  /** Sets revokedAt when the tenant has this key and it is not revoked yet; whether this call did it. */
  revokeApiKey(tenant: string, kid: string, now: number): Promise<boolean>;

  createExchangeToken(token: ExchangeTokenRecord): Promise<void>;
  /**
   * Returns and deletes the tenant's token in one step, so of concurrent callers (on any instance) exactly one
   * gets it; undefined when unknown, used, another tenant's (left as it is) or expired at `now` (an expired one
   * is deleted too).
   */
  takeExchangeToken(tenant: string, digest: string, now: number): Promise<ExchangeTokenRecord | undefined>;
  /** Reads the token without using it up (the landing page asks before switching users); undefined when unknown or expired at `now`. */
  getExchangeToken(digest: string, now: number): Promise<ExchangeTokenRecord | undefined>;

  /**
   * Records a token id (a JWT's `jti`) of the tenant as used until `expiresAt`. True when this call recorded
   * it; false when it is recorded already and not expired at `now` (a replay). Atomic across instances: of
   * concurrent calls with one id exactly one gets true. An expired record counts as absent.
   */
  useTokenId(tenant: string, tokenId: string, expiresAt: number, now: number): Promise<boolean>;

  /**
   * Insert the session, its first refresh token and, when given, the audit event of the sign-in that started
   * it, in one transaction: all of them or none.
   */
  createSession(session: SessionRecord, refresh: RefreshTokenRecord, audit?: AuditEventRecord): Promise<void>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  /** Sets revokedAt/revokeReason when not yet revoked; returns whether this call revoked it. */
  revokeSession(id: string, reason: string, now: number): Promise<boolean>;

  getRefreshToken(digest: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Atomically: mark `digest` used at `now` if it is unused, and insert `successor`.
   * 'already_used' when it was used before (nothing inserted), 'not_found' when unknown.
   */
  rotateRefreshToken(digest: string, successor: RefreshTokenRecord, now: number): Promise<RotateResult>;
  /** Insert unless a token with this digest exists (grace-window replays hand out the same successor). */
  ensureRefreshToken(token: RefreshTokenRecord): Promise<void>;

  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /** Insert; returns false (and inserts nothing) when the generation exists. */
  insertSigningKey(key: SigningKeyRecord): Promise<boolean>;
  deleteSigningKey(kid: string): Promise<void>;

  /**
   * Every value sealed with the master key (`master-key rotate`): signing keys' private keys, JWT keys' secrets,
   * tenants' configurations (their OIDC client secrets), and the bodies of mail not sent yet.
   */
  listSealedSecrets(): Promise<SealedSecretRecord[]>;
  /**
   * Compare-and-swap: writes `value` where `record` lives if the column still holds `record.value`. Returns
   * false, changing nothing, when the row is gone or was changed meanwhile (read it again).
   */
  replaceSealedSecret(record: SealedSecretRecord, value: string): Promise<boolean>;

  createAttempt(attempt: AttemptRecord): Promise<void>;
  getAttempt(tenant: string, id: string): Promise<AttemptRecord | undefined>;
  /** Records the binding of the browser that opened the sign-in page; only while pending and unbound. */
  bindAttempt(id: string, bindingDigest: string): Promise<boolean>;
  /** Sets userId/method/completedAt only if not completed yet; returns whether this call did it. */
  completeAttempt(
    id: string,
    userId: string,
    method: string,
    now: number,
    identity?: { issuer: string; subject: string },
  ): Promise<boolean>;
  /** Sets confirmedAt only if completed and not confirmed; returns whether this call did it. */
  confirmAttempt(id: string, now: number): Promise<boolean>;
  /** Sets redeemedAt only if completed and not redeemed: exactly one concurrent caller gets true. */
  redeemAttempt(id: string, now: number): Promise<boolean>;

  /** Adds one wrong confirmation entry and returns the new total (0 for an unknown attempt). */
  failAttemptConfirmation(id: string): Promise<number>;

  createSsoTransaction(tx: SsoTransactionRecord): Promise<void>;
  /** Returns and deletes the transaction in one step: any retrieval burns it. */
  takeSsoTransaction(stateDigest: string): Promise<SsoTransactionRecord | undefined>;

  /** Every user of the tenant, oldest first (approvers are found among them by role). */
  listUsers(tenant: string): Promise<UserRecord[]>;

  /** Stores a request and deletes the tenant's older unconfirmed requests of the same email, in one transaction. */
  createAccessRequest(request: AccessRequestRecord): Promise<void>;
  getAccessRequest(tenant: string, id: string): Promise<AccessRequestRecord | undefined>;
  findAccessRequestByConfirmDigest(digest: string): Promise<AccessRequestRecord | undefined>;
  /** unconfirmed -> pending, only before it expires at `now`; returns whether this call did it. */
  confirmAccessRequest(id: string, now: number): Promise<boolean>;
  /** pending -> approved or rejected, once, only before it expires at `now`; returns whether this call did it. */
  decideAccessRequest(
    id: string,
    decision: 'approved' | 'rejected',
    decidedBy: string,
    now: number,
  ): Promise<boolean>;
  /** The tenant's requests, newest first; with `status`, only those (expired ones included: check expiresAt). */
  listAccessRequests(tenant: string, status?: AccessRequestRecord['status']): Promise<AccessRequestRecord[]>;

  /**
   * Stores a magic link and deletes the older ones of its tenant, email and attempt (or, first-party, the
   * older first-party ones of its tenant and email), in one transaction.
   */
  createMagicLink(link: MagicLinkRecord): Promise<void>;
  /** Reads a link without using it up; undefined when unknown or expired at `now`. */
  getMagicLink(digest: string, now: number): Promise<MagicLinkRecord | undefined>;
  /**
   * Returns and deletes the tenant's link in one step, so of concurrent callers (on any instance) exactly one
   * gets it; undefined when unknown, used, replaced, another tenant's (left as it is) or expired at `now` (an
   * expired one is deleted too).
   */
  takeMagicLink(tenant: string, digest: string, now: number): Promise<MagicLinkRecord | undefined>;

  /** Adds a message to the outbox. */
  enqueueMail(mail: MailRecord): Promise<void>;
  /**
   * Claims up to `limit` messages that are due at `now` (unsent, not given up, nextAttemptAt <= now, and free
   * or with a lease ended before `now`), leasing each until `leaseUntil`. Atomic across instances: a message
   * is claimed by one caller at a time. Oldest first.
   */
  claimMail(now: number, leaseUntil: number, limit: number): Promise<MailRecord[]>;
  /** Marks it sent at `now`, clears its body and lease. */
  markMailSent(id: string, now: number): Promise<void>;
  /**
   * Records a failed try: attempts + 1, lastError, the lease cleared, and either a next try at `nextAttemptAt`
   * or, with `nextAttemptAt` null, given up (failed).
   */
  markMailFailed(id: string, error: string, nextAttemptAt: number | null): Promise<void>;
  /** Newest first; `failed` only those given up or with a failed try and not sent. */
  listMail(options?: { failed?: boolean; limit?: number }): Promise<MailRecord[]>;
  /** How much mail is waiting: not sent and still being tried (`queued`), and given up (`failed`). */
  mailDepth(): Promise<{ queued: number; failed: number }>;

  /**
   * Fixed-window rate-limit counters, shared by every instance. Adds `cost` to the counter `key` for the
   * window starting at `windowStart` and returns the count after it. A counter of an older window starts
   * over; one of a newer window (an instance whose clock runs ahead) is kept and added to.
   * `expiresAt` (the window's end) lets purgeExpired delete it.
   */
  hitRateLimit(key: string, windowStart: number, expiresAt: number, cost: number): Promise<number>;
  /** The count of `key` in the window starting at `windowStart` (or a newer one), 0 when none; writes nothing. */
  peekRateLimit(key: string, windowStart: number): Promise<number>;

  /** Adds one event to the audit log. */
  appendAudit(event: AuditEventRecord): Promise<void>;
  /** The tenant's events matching every filter given, newest first (then by id, descending). */
  listAudit(tenant: string, query?: AuditQuery): Promise<AuditEventRecord[]>;
  /** Retention: deletes the events (of every tenant) that happened before `before`. */
  purgeAudit(before: number): Promise<void>;

  /**
   * Deletes expired attempts, transactions, refresh tokens, rate-limit counters, token ids, exchange tokens
   * and magic links, sessions ended before `before`, and mail sent a week before `before`.
   */
  purgeExpired(before: number): Promise<void>;
}

export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}

/**
 * The database cannot be reached now (down, restarting, refusing connections, or the pool timed out waiting
 * for one): the API answers 503 store_unavailable, and the request can be retried.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

export interface StoreStats {
  /** Failed statements since start, by kind: `unavailable` (StoreUnavailableError), `conflict`, `other`. */
  errors: { unavailable: number; conflict: number; other: number };
  /** A pool's connections (PostgreSQL); undefined for the embedded store. */
  pool?: { max: number; total: number; idle: number; waiting: number };
}

export type * from './scim-store.ts';
