// What every concept's tests share: the two store instances, the race helper, and creators of rows that
// other rows depend on.
import type {
  AttemptRecord,
  RefreshTokenRecord,
  SessionRecord,
  Store,
  UserRecord,
} from '@deskgate/core/store';
import { attemptFixture, MINUTE_MS, refreshFixture, T0, tenantCode, uid, userFixture } from './fixtures.ts';

export const CONCURRENT_CALLERS = 10;

export const count = <T>(values: T[], value: T): number => values.filter((v) => v === value).length;

/**
 * Handed to each concept's describe function. `store` and `other` are two instances on one database,
 * opened in the suite's beforeAll: read them inside tests and hooks, never while registering.
 */
export interface ConformanceContext {
  readonly store: Store;
  readonly other: Store;
  /** Runs CONCURRENT_CALLERS calls at once, spread over both instances. */
  race<T>(fn: (s: Store, i: number) => Promise<T>): Promise<T[]>;
  /** A user (in a new tenant unless given) with an identity at https://idp.example. */
  createUser(tenant?: string, subject?: string): Promise<UserRecord>;
  /** A session of a new user, with its first refresh token. */
  createSession(
    overrides?: Partial<SessionRecord>,
  ): Promise<{ session: SessionRecord; refresh: RefreshTokenRecord }>;
  /** A pending attempt in a new tenant. */
  createAttempt(overrides?: Partial<AttemptRecord>): Promise<AttemptRecord>;
}

export function conformanceContext(instances: () => readonly [Store, Store] | undefined): ConformanceContext {
  const instance = (index: 0 | 1): Store => {
    const opened = instances();
    if (!opened) throw new Error('the stores open in beforeAll: read ctx.store and ctx.other inside a test');
    return opened[index];
  };
  const ctx: ConformanceContext = {
    get store() {
      return instance(0);
    },
    get other() {
      return instance(1);
    },
    race: (fn) =>
      Promise.all(
        Array.from({ length: CONCURRENT_CALLERS }, (_, i) => fn(i % 2 === 0 ? ctx.store : ctx.other, i)),
      ),
    async createUser(tenant = tenantCode(), subject = uid()) {
      const user = userFixture(tenant);
      await ctx.store.createUserWithIdentity(user, {
        tenant,
        issuer: 'https://idp.example',
        subject,
        userId: user.id,
        createdAt: T0,
      });
      return user;
    },
    async createSession(overrides = {}) {
      const user = await ctx.createUser();
      const session: SessionRecord = {
        id: uid(),
        tenant: user.tenant,
        userId: user.id,
        method: 'sso',
        createdAt: T0,
        expiresAt: T0 + 24 * 60 * MINUTE_MS,
        revokedAt: null,
        revokeReason: null,
        via: null,
        identityIssuer: 'https://idp.example',
        identitySubject: user.id,
        ...overrides,
      };
      const refresh = refreshFixture(session.id, { expiresAt: session.expiresAt });
      await ctx.store.createSession(session, refresh);
      return { session, refresh };
    },
    async createAttempt(overrides = {}) {
      const attempt = attemptFixture(tenantCode(), overrides);
      await ctx.store.createAttempt(attempt);
      return attempt;
    },
  };
  return ctx;
}
