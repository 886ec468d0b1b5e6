// Records for the conformance suite: valid by default, unique where the schema needs it, overridable.
import { randomUUID } from 'node:crypto';
import type {
  AttemptRecord,
  AuditEventRecord,
  ExchangeTokenRecord,
  MailRecord,
  RefreshTokenRecord,
  SigningKeyRecord,
  SsoTransactionRecord,
  TenantRecord,
  UserRecord,
} from '@deskgate/core/store';

export const T0 = 1_700_000_000_000;
export const MINUTE_MS = 60_000;

export const uid = (): string => randomUUID();
export const tenantCode = (): string => `t${randomUUID().replaceAll('-', '').slice(0, 12)}`;

export const tenantFixture = (code = tenantCode()): TenantRecord => ({
  code,
  config: {
    origins: ['https://cx.example'],
    methods: { sso: { providers: [{ id: 'okta' }] } },
    trial: false,
  },
  createdAt: T0,
  updatedAt: T0,
});

export const userFixture = (tenant: string): UserRecord => ({
  id: uid(),
  tenant,
  email: 'agent@example.com',
  name: 'Agent',
  roles: ['agent', 'manager'],
  confirmed: true,
  createdAt: T0,
  updatedAt: T0,
  disabledAt: null,
});

export const attemptFixture = (tenant: string, overrides: Partial<AttemptRecord> = {}): AttemptRecord => ({
  id: uid(),
  tenant,
  challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  origin: 'https://cx.example',
  confirmationCode: '482913',
  createdAt: T0,
  expiresAt: T0 + 10 * MINUTE_MS,
  bindingDigest: null,
  userId: null,
  method: null,
  completedAt: null,
  confirmedAt: null,
  redeemedAt: null,
  confirmFailures: 0,
  locale: null,
  identityIssuer: null,
  identitySubject: null,
  ...overrides,
});

export const ssoFixture = (overrides: Partial<SsoTransactionRecord> = {}): SsoTransactionRecord => ({
  stateDigest: uid(),
  tenant: 'acme',
  attemptId: uid(),
  returnTo: null,
  providerId: 'okta',
  nonce: uid(),
  codeVerifier: uid(),
  bindingDigest: uid(),
  createdAt: T0,
  expiresAt: T0 + 10 * MINUTE_MS,
  ...overrides,
});

export const exchangeFixture = (overrides: Partial<ExchangeTokenRecord> = {}): ExchangeTokenRecord => ({
  digest: uid(),
  tenant: 'acme',
  sessionId: uid(),
  target: 'https://cx.example/after',
  createdAt: T0,
  expiresAt: T0 + MINUTE_MS,
  ...overrides,
});

export const keyFixture = (generation: number): SigningKeyRecord => ({
  kid: uid(),
  generation,
  alg: 'ES256',
  publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
  privateJwkEncrypted: 'v1.iv.ciphertext',
  createdAt: T0,
  activatesAt: T0 + MINUTE_MS,
});

/** A sign-in event at T0 of a new tenant. */
export const auditFixture = (overrides: Partial<AuditEventRecord> = {}): AuditEventRecord => ({
  id: uid(),
  tenant: tenantCode(),
  at: T0,
  type: 'sign_in',
  actor: { kind: 'user', id: uid() },
  method: 'sso',
  outcome: 'ok',
  code: null,
  subject: null,
  details: { session: 'abc', count: 2, first: true },
  ...overrides,
});

export const refreshFixture = (
  sessionId: string,
  overrides: Partial<RefreshTokenRecord> = {},
): RefreshTokenRecord => ({
  digest: uid(),
  sessionId,
  createdAt: T0,
  expiresAt: T0 + 24 * 60 * MINUTE_MS,
  usedAt: null,
  ...overrides,
});

/** A queued mail, due at T0, its body a stand-in for a sealed one. */
export const mailFixture = (overrides: Partial<MailRecord> = {}): MailRecord => ({
  id: uid(),
  tenant: tenantCode(),
  to: 'agent@example.com',
  template: 'magic-link',
  subject: 'Your sign-in link',
  bodyEncrypted: 'sealed-body',
  createdAt: T0,
  attempts: 0,
  nextAttemptAt: T0,
  leaseUntil: null,
  sentAt: null,
  lastError: null,
  failed: false,
  ...overrides,
});
