// The Store contract as a test suite; every adapter runs it, so they cannot drift apart.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type {
  AttemptRecord,
  RefreshTokenRecord,
  SessionRecord,
  SigningKeyRecord,
  SsoTransactionRecord,
  Store,
  TenantRecord,
  UserRecord,
} from '@deskgate/core/store';
import { StoreConflictError } from '@deskgate/core/store';
import { afterAll, beforeAll, describe, it } from 'vitest';

const T0 = 1_700_000_000_000;
const MINUTE_MS = 60_000;
const CONCURRENT_CALLERS = 10;

const uid = (): string => randomUUID();
const tenantCode = (): string => `t${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const count = <T>(values: T[], value: T): number => values.filter((v) => v === value).length;

const tenantFixture = (code = tenantCode()): TenantRecord => ({
  code,
  config: {
    origins: ['https://cx.example'],
    methods: { sso: { providers: [{ id: 'okta' }] } },
    trial: false,
  },
  createdAt: T0,
  updatedAt: T0,
});

const userFixture = (tenant: string): UserRecord => ({
  id: uid(),
  tenant,
  email: 'agent@example.com',
  name: 'Agent',
  roles: ['agent', 'manager'],
  confirmed: true,
  createdAt: T0,
  updatedAt: T0,
});

const attemptFixture = (tenant: string, overrides: Partial<AttemptRecord> = {}): AttemptRecord => ({
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
  ...overrides,
});

const ssoFixture = (overrides: Partial<SsoTransactionRecord> = {}): SsoTransactionRecord => ({
  stateDigest: uid(),
  tenant: 'acme',
  attemptId: uid(),
  providerId: 'okta',
  nonce: uid(),
  codeVerifier: uid(),
  bindingDigest: uid(),
  createdAt: T0,
  expiresAt: T0 + 10 * MINUTE_MS,
  ...overrides,
});

const keyFixture = (generation: number): SigningKeyRecord => ({
  kid: uid(),
  generation,
  alg: 'ES256',
  publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
  privateJwkEncrypted: 'v1.iv.ciphertext',
  createdAt: T0,
  activatesAt: T0 + MINUTE_MS,
});

const refreshFixture = (
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

/**
 * Registers the conformance suite. `open` must return a new, unmigrated instance on the same database
 * each time it is called: the suite opens two and races them against each other, as two API instances
 * (or two processes on one SQLite file) would.
 */
export function describeStoreConformance(name: string, open: () => Promise<Store>): void {
  describe(name, () => {
    const opened: Store[] = [];
    let store: Store;
    let other: Store;
    // Spreads concurrent callers over both instances.
    const race = <T>(fn: (s: Store, i: number) => Promise<T>): Promise<T[]> =>
      Promise.all(Array.from({ length: CONCURRENT_CALLERS }, (_, i) => fn(i % 2 === 0 ? store : other, i)));

    const createUser = async (tenant = tenantCode(), subject = uid()): Promise<UserRecord> => {
      const user = userFixture(tenant);
      await store.createUserWithIdentity(user, {
        tenant,
        issuer: 'https://idp.example',
        subject,
        userId: user.id,
        createdAt: T0,
      });
      return user;
    };
    const createSession = async (
      overrides: Partial<SessionRecord> = {},
    ): Promise<{ session: SessionRecord; refresh: RefreshTokenRecord }> => {
      const user = await createUser();
      const session: SessionRecord = {
        id: uid(),
        tenant: user.tenant,
        userId: user.id,
        method: 'sso',
        createdAt: T0,
        expiresAt: T0 + 24 * 60 * MINUTE_MS,
        revokedAt: null,
        revokeReason: null,
        ...overrides,
      };
      const refresh = refreshFixture(session.id, { expiresAt: session.expiresAt });
      await store.createSession(session, refresh);
      return { session, refresh };
    };
    const createAttempt = async (overrides: Partial<AttemptRecord> = {}): Promise<AttemptRecord> => {
      const attempt = attemptFixture(tenantCode(), overrides);
      await store.createAttempt(attempt);
      return attempt;
    };

    let firstMigration: unknown;
    beforeAll(async () => {
      const instances = await Promise.all([open(), open()]);
      opened.push(...instances);
      [store, other] = instances as [Store, Store];
      // The first migration of the empty database, by two instances starting at once. A failure is
      // reported by its own test below; a plain migrate lets the rest of the suite still run.
      firstMigration = await Promise.all([store.migrate(), other.migrate()]).then(
        () => undefined,
        (err: unknown) => err ?? new Error('migrate rejected'),
      );
      if (firstMigration) await store.migrate();
    });

    afterAll(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    describe('migrate', () => {
      it('migrate is safe when several instances start at once on an empty database', () => {
        if (firstMigration) throw firstMigration;
      });

      it('migrate is idempotent', async () => {
        const tenant = tenantFixture();
        await store.createTenant(tenant);
        await Promise.all([store.migrate(), other.migrate()]);
        await store.migrate();
        assert.deepEqual(await other.getTenant(tenant.code), tenant);
      });
    });

    describe('tenants', () => {
      it('createTenant stores a tenant that getTenant returns with its config', async () => {
        const tenant = tenantFixture();
        await store.createTenant(tenant);
        assert.deepEqual(await store.getTenant(tenant.code), tenant);
      });

      it('createTenant rejects a duplicate code with StoreConflictError', async () => {
        const tenant = tenantFixture();
        await store.createTenant(tenant);
        await assert.rejects(store.createTenant({ ...tenant, config: { other: true } }), StoreConflictError);
        assert.deepEqual(await store.getTenant(tenant.code), tenant);
      });

      it('putTenant inserts a missing tenant', async () => {
        const tenant = tenantFixture();
        await store.putTenant(tenant);
        assert.deepEqual(await store.getTenant(tenant.code), tenant);
      });

      it('putTenant replaces config and updatedAt of an existing tenant and keeps createdAt', async () => {
        const tenant = tenantFixture();
        await store.createTenant(tenant);
        await store.putTenant({
          ...tenant,
          config: { replaced: [1, 2] },
          createdAt: T0 + 5,
          updatedAt: T0 + 9,
        });
        assert.deepEqual(await store.getTenant(tenant.code), {
          ...tenant,
          config: { replaced: [1, 2] },
          updatedAt: T0 + 9,
        });
      });

      it('getTenant returns undefined for an unknown code', async () => {
        assert.equal(await store.getTenant(tenantCode()), undefined);
      });

      it('listTenants returns every tenant ordered by code', async () => {
        const codes = [tenantCode(), tenantCode(), tenantCode()];
        for (const code of codes) await store.createTenant(tenantFixture(code));
        const listed = (await other.listTenants()).map((t) => t.code);
        assert.deepEqual(
          listed.filter((code) => codes.includes(code)),
          [...codes].sort(),
        );
        assert.deepEqual(listed, [...listed].sort());
      });
    });

    describe('users and identities', () => {
      it('createUserWithIdentity stores the user and the identity together', async () => {
        const user = userFixture(tenantCode());
        await store.createUserWithIdentity(user, {
          tenant: user.tenant,
          issuer: 'https://idp.example',
          subject: 'sub-1',
          userId: user.id,
          createdAt: T0,
        });
        assert.deepEqual(await store.getUser(user.tenant, user.id), user);
        assert.deepEqual(await store.findUserByIdentity(user.tenant, 'https://idp.example', 'sub-1'), user);
      });

      it('createUserWithIdentity rejects an existing identity with StoreConflictError and stores no user', async () => {
        const first = userFixture(tenantCode());
        const identity = {
          tenant: first.tenant,
          issuer: 'https://idp.example',
          subject: 'sub-1',
          createdAt: T0,
        };
        await store.createUserWithIdentity(first, { ...identity, userId: first.id });
        const second = userFixture(first.tenant);
        await assert.rejects(
          store.createUserWithIdentity(second, { ...identity, userId: second.id }),
          StoreConflictError,
        );
        assert.equal(await store.getUser(second.tenant, second.id), undefined);
        assert.deepEqual(await store.findUserByIdentity(first.tenant, 'https://idp.example', 'sub-1'), first);
      });

      it('createUserWithIdentity lets exactly one of concurrent callers claim an identity', async () => {
        const tenant = tenantCode();
        const users = Array.from({ length: CONCURRENT_CALLERS }, () => userFixture(tenant));
        const outcomes = await race((s, i) => {
          const user = users[i]!;
          const identity = {
            tenant,
            issuer: 'https://idp.example',
            subject: 'sub-1',
            userId: user.id,
            createdAt: T0,
          };
          return s.createUserWithIdentity(user, identity).then(
            () => 'created',
            (err: unknown) => (err instanceof StoreConflictError ? 'conflict' : Promise.reject(err)),
          );
        });
        assert.equal(count(outcomes, 'created'), 1);
        const winner = users[outcomes.indexOf('created')]!;
        assert.deepEqual(await store.findUserByIdentity(tenant, 'https://idp.example', 'sub-1'), winner);
        for (const user of users) {
          if (user !== winner) assert.equal(await store.getUser(tenant, user.id), undefined);
        }
      });

      it('getUser and findUserByIdentity are scoped to the tenant', async () => {
        const user = await createUser(tenantCode(), 'sub-1');
        assert.deepEqual(await store.findUserByIdentity(user.tenant, 'https://idp.example', 'sub-1'), user);
        assert.equal(await store.getUser(tenantCode(), user.id), undefined);
        assert.equal(await store.findUserByIdentity(tenantCode(), 'https://idp.example', 'sub-1'), undefined);
        assert.equal(await store.getUser(user.tenant, uid()), undefined);
      });

      it('updateUser replaces email, name, roles, confirmed and updatedAt and nothing else', async () => {
        const user = await createUser();
        await store.updateUser({
          ...user,
          email: null,
          name: 'Renamed',
          roles: [],
          confirmed: false,
          createdAt: T0 + 1,
          updatedAt: T0 + 2,
        });
        assert.deepEqual(await store.getUser(user.tenant, user.id), {
          ...user,
          email: null,
          name: 'Renamed',
          roles: [],
          confirmed: false,
          updatedAt: T0 + 2,
        });
      });
    });

    describe('sessions and refresh tokens', () => {
      it('createSession stores the session and its first refresh token', async () => {
        const { session, refresh } = await createSession();
        assert.deepEqual(await other.getSession(session.id), session);
        assert.deepEqual(await other.getRefreshToken(refresh.digest), refresh);
      });

      it('getSession and getRefreshToken return undefined for unknown keys', async () => {
        assert.equal(await store.getSession(uid()), undefined);
        assert.equal(await store.getRefreshToken(uid()), undefined);
      });

      it('revokeSession revokes once and reports whether this call revoked it', async () => {
        const { session } = await createSession();
        assert.equal(await store.revokeSession(session.id, 'logout', T0 + 1), true);
        assert.equal(await store.revokeSession(session.id, 'reuse', T0 + 2), false);
        assert.deepEqual(await store.getSession(session.id), {
          ...session,
          revokedAt: T0 + 1,
          revokeReason: 'logout',
        });
      });

      it('revokeSession returns false for an unknown session', async () => {
        assert.equal(await store.revokeSession(uid(), 'logout', T0), false);
      });

      it('revokeSession lets exactly one of concurrent callers revoke', async () => {
        const { session } = await createSession();
        const results = await race((s, i) => s.revokeSession(session.id, `reason-${i}`, T0 + i));
        assert.equal(count(results, true), 1);
        const winner = results.indexOf(true);
        assert.equal((await store.getSession(session.id))?.revokeReason, `reason-${winner}`);
      });

      it('rotateRefreshToken marks the token used and inserts the successor', async () => {
        const { session, refresh } = await createSession();
        const successor = refreshFixture(session.id, { createdAt: T0 + 5 });
        assert.equal(await store.rotateRefreshToken(refresh.digest, successor, T0 + 5), 'rotated');
        assert.deepEqual(await store.getRefreshToken(refresh.digest), { ...refresh, usedAt: T0 + 5 });
        assert.deepEqual(await store.getRefreshToken(successor.digest), successor);
      });

      it('rotateRefreshToken reports already_used for a replayed token and inserts nothing', async () => {
        const { session, refresh } = await createSession();
        await store.rotateRefreshToken(refresh.digest, refreshFixture(session.id), T0 + 5);
        const replay = refreshFixture(session.id);
        assert.equal(await store.rotateRefreshToken(refresh.digest, replay, T0 + 6), 'already_used');
        assert.equal(await store.getRefreshToken(replay.digest), undefined);
        assert.equal((await store.getRefreshToken(refresh.digest))?.usedAt, T0 + 5);
      });

      it('rotateRefreshToken reports not_found for an unknown token and inserts nothing', async () => {
        const { session } = await createSession();
        const successor = refreshFixture(session.id);
        assert.equal(await store.rotateRefreshToken(uid(), successor, T0), 'not_found');
        assert.equal(await store.getRefreshToken(successor.digest), undefined);
      });

      it('rotateRefreshToken lets exactly one of concurrent callers rotate', async () => {
        const { session, refresh } = await createSession();
        const successors = Array.from({ length: CONCURRENT_CALLERS }, () => refreshFixture(session.id));
        const results = await race((s, i) => s.rotateRefreshToken(refresh.digest, successors[i]!, T0 + i));
        assert.equal(count(results, 'rotated'), 1);
        assert.equal(count(results, 'already_used'), CONCURRENT_CALLERS - 1);
        const stored = await Promise.all(successors.map((t) => store.getRefreshToken(t.digest)));
        assert.deepEqual(
          stored.map((t) => t !== undefined),
          results.map((r) => r === 'rotated'),
        );
      });

      it('ensureRefreshToken inserts a missing token and leaves an existing one untouched', async () => {
        const { session } = await createSession();
        const token = refreshFixture(session.id);
        await store.ensureRefreshToken(token);
        assert.deepEqual(await store.getRefreshToken(token.digest), token);
        await store.ensureRefreshToken({ ...token, expiresAt: T0 + 1, usedAt: T0 });
        assert.deepEqual(await store.getRefreshToken(token.digest), token);
      });

      it('ensureRefreshToken tolerates concurrent callers handing out the same successor', async () => {
        const { session } = await createSession();
        const token = refreshFixture(session.id);
        await race((s) => s.ensureRefreshToken(token));
        assert.deepEqual(await store.getRefreshToken(token.digest), token);
      });
    });

    describe('signing keys', () => {
      // Generations are global, so each test keeps to its own range.
      it('listSigningKeys returns inserted keys ordered by generation', async () => {
        const later = keyFixture(102);
        const earlier = keyFixture(101);
        assert.equal(await store.insertSigningKey(later), true);
        assert.equal(await store.insertSigningKey(earlier), true);
        const listed = (await other.listSigningKeys()).filter(
          (k) => k.generation > 100 && k.generation < 200,
        );
        assert.deepEqual(listed, [earlier, later]);
        const all = (await other.listSigningKeys()).map((k) => k.generation);
        assert.deepEqual(
          all,
          [...all].sort((a, b) => a - b),
        );
      });

      it('insertSigningKey returns false for a taken generation', async () => {
        const first = keyFixture(201);
        const second = keyFixture(201);
        assert.equal(await store.insertSigningKey(first), true);
        assert.equal(await store.insertSigningKey(second), false);
        const kids = (await store.listSigningKeys()).map((k) => k.kid);
        assert.ok(kids.includes(first.kid));
        assert.ok(!kids.includes(second.kid));
      });

      it('insertSigningKey lets exactly one of concurrent callers take a generation', async () => {
        const keys = Array.from({ length: CONCURRENT_CALLERS }, () => keyFixture(301));
        const results = await race((s, i) => s.insertSigningKey(keys[i]!));
        assert.equal(count(results, true), 1);
        const stored = (await store.listSigningKeys()).filter((k) => k.generation === 301);
        assert.deepEqual(stored, [keys[results.indexOf(true)]]);
      });

      it('deleteSigningKey removes the key and ignores an unknown kid', async () => {
        const key = keyFixture(401);
        await store.insertSigningKey(key);
        await store.deleteSigningKey(key.kid);
        await store.deleteSigningKey(uid());
        assert.ok(!(await store.listSigningKeys()).some((k) => k.kid === key.kid));
      });
    });

    describe('sign-in attempts', () => {
      it('createAttempt stores a pending attempt that getAttempt returns', async () => {
        const attempt = await createAttempt();
        assert.deepEqual(await other.getAttempt(attempt.tenant, attempt.id), attempt);
      });

      it('getAttempt is scoped to the tenant', async () => {
        const attempt = await createAttempt();
        assert.equal(await store.getAttempt(tenantCode(), attempt.id), undefined);
        assert.equal(await store.getAttempt(attempt.tenant, uid()), undefined);
      });

      it('bindAttempt binds only once', async () => {
        const attempt = await createAttempt();
        assert.equal(await store.bindAttempt(attempt.id, 'binding-1'), true);
        assert.equal(await store.bindAttempt(attempt.id, 'binding-2'), false);
        assert.equal((await store.getAttempt(attempt.tenant, attempt.id))?.bindingDigest, 'binding-1');
      });

      it('bindAttempt refuses a completed attempt', async () => {
        const attempt = await createAttempt();
        await store.completeAttempt(attempt.id, uid(), 'sso', T0 + 1);
        assert.equal(await store.bindAttempt(attempt.id, 'binding-1'), false);
        assert.equal((await store.getAttempt(attempt.tenant, attempt.id))?.bindingDigest, null);
      });

      it('bindAttempt lets exactly one of concurrent callers bind', async () => {
        const attempt = await createAttempt();
        const results = await race((s, i) => s.bindAttempt(attempt.id, `binding-${i}`));
        assert.equal(count(results, true), 1);
        const stored = await store.getAttempt(attempt.tenant, attempt.id);
        assert.equal(stored?.bindingDigest, `binding-${results.indexOf(true)}`);
      });

      it('completeAttempt succeeds only once', async () => {
        const attempt = await createAttempt({ bindingDigest: 'binding-1' });
        assert.equal(await store.completeAttempt(attempt.id, 'user-1', 'sso', T0 + 1), true);
        assert.equal(await store.completeAttempt(attempt.id, 'user-2', 'magic_link', T0 + 2), false);
        assert.deepEqual(await store.getAttempt(attempt.tenant, attempt.id), {
          ...attempt,
          userId: 'user-1',
          method: 'sso',
          completedAt: T0 + 1,
        });
      });

      it('completeAttempt lets exactly one of concurrent callers win', async () => {
        const attempt = await createAttempt();
        const results = await race((s, i) => s.completeAttempt(attempt.id, `user-${i}`, 'sso', T0 + i));
        assert.equal(count(results, true), 1);
        const stored = await store.getAttempt(attempt.tenant, attempt.id);
        assert.equal(stored?.userId, `user-${results.indexOf(true)}`);
      });

      it('confirmAttempt requires a completed attempt', async () => {
        const attempt = await createAttempt();
        assert.equal(await store.confirmAttempt(attempt.id, T0 + 1), false);
        assert.equal((await store.getAttempt(attempt.tenant, attempt.id))?.confirmedAt, null);
      });

      it('confirmAttempt succeeds only once', async () => {
        const attempt = await createAttempt();
        await store.completeAttempt(attempt.id, 'user-1', 'sso', T0 + 1);
        assert.equal(await store.confirmAttempt(attempt.id, T0 + 2), true);
        assert.equal(await store.confirmAttempt(attempt.id, T0 + 3), false);
        assert.equal((await store.getAttempt(attempt.tenant, attempt.id))?.confirmedAt, T0 + 2);
      });

      it('redeemAttempt requires a completed attempt', async () => {
        const attempt = await createAttempt();
        assert.equal(await store.redeemAttempt(attempt.id, T0 + 1), false);
        assert.equal((await store.getAttempt(attempt.tenant, attempt.id))?.redeemedAt, null);
      });

      it('redeemAttempt succeeds only once', async () => {
        const attempt = await createAttempt();
        await store.completeAttempt(attempt.id, 'user-1', 'sso', T0 + 1);
        assert.equal(await store.redeemAttempt(attempt.id, T0 + 2), true);
        assert.equal(await store.redeemAttempt(attempt.id, T0 + 3), false);
        assert.equal((await store.getAttempt(attempt.tenant, attempt.id))?.redeemedAt, T0 + 2);
      });

      it('redeemAttempt lets exactly one of concurrent callers win', async () => {
        const attempt = await createAttempt();
        await store.completeAttempt(attempt.id, 'user-1', 'sso', T0 + 1);
        const results = await race((s, i) => s.redeemAttempt(attempt.id, T0 + 10 + i));
        assert.equal(count(results, true), 1);
        const stored = await store.getAttempt(attempt.tenant, attempt.id);
        assert.equal(stored?.redeemedAt, T0 + 10 + results.indexOf(true));
      });

      it('attempt transitions return false for an unknown attempt', async () => {
        const id = uid();
        assert.equal(await store.bindAttempt(id, 'binding-1'), false);
        assert.equal(await store.completeAttempt(id, 'user-1', 'sso', T0), false);
        assert.equal(await store.confirmAttempt(id, T0), false);
        assert.equal(await store.redeemAttempt(id, T0), false);
      });
    });

    describe('SSO transactions', () => {
      it('takeSsoTransaction burns the transaction on first retrieval', async () => {
        const tx = ssoFixture();
        await store.createSsoTransaction(tx);
        assert.deepEqual(await other.takeSsoTransaction(tx.stateDigest), tx);
        assert.equal(await store.takeSsoTransaction(tx.stateDigest), undefined);
      });

      it('takeSsoTransaction lets exactly one of concurrent callers retrieve it', async () => {
        const tx = ssoFixture();
        await store.createSsoTransaction(tx);
        const results = await race((s) => s.takeSsoTransaction(tx.stateDigest));
        assert.deepEqual(
          results.filter((r) => r !== undefined),
          [tx],
        );
      });

      it('takeSsoTransaction returns undefined for an unknown state', async () => {
        assert.equal(await store.takeSsoTransaction(uid()), undefined);
      });
    });

    describe('purgeExpired', () => {
      // Far beyond every other test's expiries, so those rows are purged too and cannot interfere.
      const cutoff = T0 + 1_000_000 * MINUTE_MS;

      it('purgeExpired deletes what expired before the cutoff, and the refresh tokens of purged sessions', async () => {
        const attempt = await createAttempt({ expiresAt: cutoff - 1 });
        const tx = ssoFixture({ expiresAt: cutoff - 1 });
        await store.createSsoTransaction(tx);
        const { session, refresh } = await createSession({ expiresAt: cutoff - 1 });
        // A token outliving its session must still go with it.
        const lateToken = refreshFixture(session.id, { expiresAt: cutoff + 1 });
        await store.ensureRefreshToken(lateToken);
        const live = await createSession({ expiresAt: cutoff + MINUTE_MS });
        const expiredToken = refreshFixture(live.session.id, { expiresAt: cutoff - 1 });
        await store.ensureRefreshToken(expiredToken);

        await store.purgeExpired(cutoff);

        assert.equal(await store.getAttempt(attempt.tenant, attempt.id), undefined);
        assert.equal(await store.takeSsoTransaction(tx.stateDigest), undefined);
        assert.equal(await store.getSession(session.id), undefined);
        assert.equal(await store.getRefreshToken(refresh.digest), undefined);
        assert.equal(await store.getRefreshToken(lateToken.digest), undefined);
        assert.equal(await store.getRefreshToken(expiredToken.digest), undefined);
        assert.deepEqual(await store.getSession(live.session.id), live.session);
      });

      it('purgeExpired keeps live rows, including those expiring exactly at the cutoff', async () => {
        const attempt = await createAttempt({ expiresAt: cutoff });
        const tx = ssoFixture({ expiresAt: cutoff });
        await store.createSsoTransaction(tx);
        const { session, refresh } = await createSession({ expiresAt: cutoff });
        const revoked = await createSession({ expiresAt: cutoff + MINUTE_MS });
        await store.revokeSession(revoked.session.id, 'logout', T0);

        await store.purgeExpired(cutoff);

        assert.deepEqual(await store.getAttempt(attempt.tenant, attempt.id), attempt);
        assert.deepEqual(await store.getSession(session.id), session);
        assert.deepEqual(await store.getRefreshToken(refresh.digest), refresh);
        assert.equal((await store.getSession(revoked.session.id))?.revokeReason, 'logout');
        assert.deepEqual(await store.getRefreshToken(revoked.refresh.digest), revoked.refresh);
        assert.deepEqual(await store.takeSsoTransaction(tx.stateDigest), tx);
      });
    });
  });
}
