// The storage port: what the API needs persisted, as plain records. Adapters live in @deskgate/store and
// must pass its conformance suite. Times are epoch milliseconds; JSON-ish fields are already parsed.
import type { ScimStore } from './scim-store.ts';

export interface TenantRecord {
  code: string;
  /** The whole tenant configuration; secrets inside are already encrypted by the caller. */
  config: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface UserRecord {
  id: string;
  tenant: string;
  email: string | null;
  name: string | null;
  roles: string[];
  confirmed: boolean;
  createdAt: number;
  updatedAt: number;
  /** When an operator disabled the user (`user disable`); null when active. A disabled user cannot sign in. */
  disabledAt: number | null;
}

/** Identity key (D3): (tenant, issuer, subject) points at one user. */
export interface IdentityRecord {
  tenant: string;
  issuer: string;
  subject: string;
  userId: string;
  createdAt: number;
}

/**
 * A role granted by hand to someone who has not signed in yet (`user grant --sub|--email`, F10): it waits
 * for the first sign-in of that subject (of that issuer) or email, which takes it.
 */
export interface PendingGrantRecord {
  tenant: string;
  kind: 'subject' | 'email';
  /** The identity's issuer for `subject`; '' for `email`. */
  issuer: string;
  /** The subject, or the normalised (lowercase, trimmed) email. */
  value: string;
  role: string;
  createdAt: number;
}

/** A platform-JWT secret of a tenant (docs/platform-jwt.md): HMAC only, encrypted with the master key. */
export interface JwtKeyRecord {
  tenant: string;
  /** Key id: the platform sends it as the JWS `kid` header. Unique per tenant. */
  kid: string;
  /** The profile it verifies: 'session' or 'one-time'. */
  profile: string;
  /** Fixed per key and never taken from a token: 'HS256', 'HS384' or 'HS512'. */
  alg: string;
  /** The secret, encrypted by the caller (opaque to the store). */
  secretEncrypted: string;
  /** Imported shorter than 32 bytes with --allow-weak-secret. */
  weak: boolean;
  createdAt: number;
  revokedAt: number | null;
}

/**
 * One message in the mail outbox (docs/magic-link.md): written in the same request that decides to send it,
 * delivered by a worker on any instance, retried with backoff until sent. The body may hold a magic link, so
 * it is sealed with the master key by the caller and cleared once sent.
 */
export interface MailRecord {
  id: string;
  /** The tenant it is for, or null for deployment mail. */
  tenant: string | null;
  to: string;
  /** What it is (e.g. 'magic-link', 'access-request-confirm'): for operators and `mail list`. */
  template: string;
  subject: string;
  /** The sealed `{ text, html }` (opaque to the store); null once sent. */
  bodyEncrypted: string | null;
  createdAt: number;
  /** Delivery tries so far. */
  attempts: number;
  /** Not to be tried before this. */
  nextAttemptAt: number;
  /** A worker holds it until then (claimMail); null when free. */
  leaseUntil: number | null;
  sentAt: number | null;
  /** The last delivery failure, without the body; null when none. */
  lastError: string | null;
  /** True once it is given up (too many tries): `mail list --failed` shows it. */
  failed: boolean;
}

/**
 * A magic sign-in link (docs/magic-link.md): only the digest of its token is stored. Bound to the tenant, the
 * (normalised) email and the sign-in attempt it completes; a newer link for the same email and attempt
 * replaces it.
 */
export interface MagicLinkRecord {
  digest: string;
  tenant: string;
  email: string;
  /** The popup's attempt it completes; null for a first-party sign-in on the API site (`returnTo`). */
  attemptId: string | null;
  /** First-party: the validated path on the API site to go on to, signed in; null for an attempt. */
  returnTo: string | null;
  /** The known, active user it signs in. */
  userId: string;
  createdAt: number;
  expiresAt: number;
}

/**
 * An access request (F3, D2): an unknown email asks for access, confirms from the email it got, and a manager
 * (or a configured approver) approves or rejects it once. Requests expire after 7 days.
 */
export interface AccessRequestRecord {
  id: string;
  tenant: string;
  /** Normalised. */
  email: string;
  /** 'unconfirmed' until its email's confirm link is used, then 'pending' until decided. */
  status: 'unconfirmed' | 'pending' | 'approved' | 'rejected';
  /** SHA-256 of the confirm link's token. */
  confirmDigest: string;
  /** The requester's language, for the mails that follow. */
  locale: string;
  createdAt: number;
  expiresAt: number;
  confirmedAt: number | null;
  decidedAt: number | null;
  /** The user id of who decided. */
  decidedBy: string | null;
}

/** A tenant API key (docs/api-key.md): only the digest of the key is stored; the key id is public. */
export interface ApiKeyRecord {
  /** The key id inside the key (`dgk_<kid>_…`): public, unique across all tenants. */
  kid: string;
  tenant: string;
  /** SHA-256 (base64url) of the whole key. */
  digest: string;
  /** Origins that may use it; empty: any of the tenant's allowed origins. */
  allowedOrigins: string[];
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  /** 'sdk': an API key for sign-in (dgk_); 'scim': a SCIM bearer token (dgs_). */
  purpose: 'sdk' | 'scim';
}

/** A single-use exchange token for an outbound link (docs/outbound-links.md): only its digest is stored. */
export interface ExchangeTokenRecord {
  /** SHA-256 (base64url) of the opaque token. */
  digest: string;
  tenant: string;
  /** The session that asked for it: the new session belongs to its user and ends no later than it. */
  sessionId: string;
  /** Where the landing page goes on to (already validated). */
  target: string;
  createdAt: number;
  expiresAt: number;
}

export interface SessionRecord {
  id: string;
  tenant: string;
  userId: string;
  /** How the session began: 'sso', later 'magic_link', 'jwt', 'api_key', 'exchange'. */
  method: string;
  createdAt: number;
  /** Absolute end: refresh never extends past it. */
  expiresAt: number;
  revokedAt: number | null;
  revokeReason: string | null;
  /**
   * For method 'exchange' (an outbound link), the method of the session it came from, whose limits it
   * keeps: an exchange never turns an API-key session into a confirmed one. Null for every other method.
   */
  via: string | null;
  /**
   * The identity the session signed in with (an IdP's issuer and subject, a platform user id, `email` and
   * the address for a magic link); null when unknown (sessions from before migration 16).
   */
  identityIssuer: string | null;
  identitySubject: string | null;
}

export interface RefreshTokenRecord {
  /** SHA-256 digest (base64url) of the opaque token; the token itself is never stored. */
  digest: string;
  sessionId: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface SigningKeyRecord {
  kid: string;
  /** Monotonic rotation number, unique: two instances racing to rotate create one key. */
  generation: number;
  alg: string;
  publicJwk: Record<string, unknown>;
  /** Private JWK, encrypted with the deployment master key (opaque string to the store). */
  privateJwkEncrypted: string;
  createdAt: number;
  /** Published in the JWKS from createdAt; used for signing from activatesAt. */
  activatesAt: number;
}

export interface AttemptRecord {
  id: string;
  tenant: string;
  /** base64url(SHA-256(verifier)). */
  challenge: string;
  /** The exact allowed origin that created the attempt; the completion page posts only to it. */
  origin: string;
  confirmationCode: string;
  createdAt: number;
  expiresAt: number;
  /** Digest of the browser-binding cookie of the browser that started sign-in in the popup. */
  bindingDigest: string | null;
  userId: string | null;
  method: string | null;
  completedAt: number | null;
  confirmedAt: number | null;
  redeemedAt: number | null;
  /** Wrong confirmation codes entered so far; enough of them burn the attempt. */
  confirmFailures: number;
  /** The language the SDK asked for; every page of the sign-in speaks it, whatever the IdP sends back. */
  locale: string | null;
  /** The identity the attempt was completed with (the session it starts carries it); null until then. */
  identityIssuer: string | null;
  identitySubject: string | null;
}

export interface SsoTransactionRecord {
  /** SHA-256 digest of the `state` parameter. */
  stateDigest: string;
  tenant: string;
  /** The popup's attempt it completes; null for a first-party sign-in on the API site (`returnTo`). */
  attemptId: string | null;
  /** First-party: the validated path on the API site to go on to, signed in; null for an attempt. */
  returnTo: string | null;
  providerId: string;
  nonce: string;
  codeVerifier: string;
  bindingDigest: string;
  createdAt: number;
  expiresAt: number;
}

/**
 * One event of the audit log (docs/operations.md): who did what, when, and whether it was refused. Append-only
 * from the application's point of view: events are never updated or deleted one by one, only purged by age.
 * Never a secret, token or cookie in it (auditSafe in audit.ts guards the details).
 */
export interface AuditEventRecord {
  id: string;
  tenant: string;
  at: number;
  /** One of AUDIT_EVENT_TYPES (audit.ts), e.g. 'sign_in'. */
  type: string;
  actor: { kind: 'user' | 'operator' | 'system' | 'anonymous' | 'scim'; id: string | null };
  /** The sign-in method (sso, jwt, api_key, magic_link, exchange), when the event is about one. */
  method: string | null;
  outcome: 'ok' | 'refused';
  /** The error code of a refusal (its class, never the input); null when ok. */
  code: string | null;
  /** What it is about: the user signed in, the key id, the access request id. */
  subject: string | null;
  details: Record<string, string | number | boolean>;
}

export interface AuditQuery {
  /** From this time on (inclusive). */
  since?: number;
  /** Before this time (exclusive). */
  until?: number;
  /** Only events of this actor id (a user id, or 'operator'). */
  actor?: string;
  type?: string;
  /** At most this many (default 100). */
  limit?: number;
}

export type RotateResult = 'rotated' | 'already_used' | 'not_found';

export interface Store extends ScimStore {
  /** Create or upgrade the schema; safe to call on every start and from several instances. */
  migrate(): Promise<void>;
  close(): Promise<void>;

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

  /** Insert the session and its first refresh token together. */
  createSession(session: SessionRecord, refresh: RefreshTokenRecord): Promise<void>;
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

export type * from './scim-store.ts';
