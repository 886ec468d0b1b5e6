// The records the store keeps (docs/operations.md: what is stored where), one interface each. The Store
// contract over them is store.ts, which re-exports these.
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
  actor: { kind: 'user' | 'operator' | 'system' | 'anonymous' | 'scim' | 'staff'; id: string | null };
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

/**
 * A value sealed with the master key, and where it lives (`master-key rotate` re-seals each one). `value` is the
 * column's text as stored: the sealed secret, or for a tenant its whole configuration as JSON text (the OIDC
 * client secrets inside it are sealed). Never logged or printed.
 */
export interface SealedSecretRecord {
  /** signing_keys.private_jwk_encrypted, jwt_keys.secret_encrypted, tenants.config, mail_outbox.body_encrypted. */
  kind: 'signing_key' | 'jwt_key' | 'tenant' | 'mail';
  /** The row's key: the signing key's kid, the JWT key's kid, the tenant's code, the message's id. */
  id: string;
  /** The tenant of a JWT key (part of its key), and a tenant's own code; null for the others. */
  tenant: string | null;
  value: string;
}
