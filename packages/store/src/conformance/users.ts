// Users and their identities: an identity belongs to exactly one user, everything is scoped to a tenant.
import assert from 'node:assert/strict';
import { StoreConflictError, type UserRecord } from '@deskgate/core/store';
import { describe, it } from 'vitest';
import { CONCURRENT_CALLERS, type ConformanceContext, count } from './context.ts';
import { T0, tenantCode, uid, userFixture } from './fixtures.ts';

const ISSUER = 'https://idp.example';
const OTHER_ISSUER = 'https://other-idp.example';

export function describeUsers(ctx: ConformanceContext): void {
  /** A user with the given fields and an identity of its own. */
  const createUser = async (tenant: string, fields: Partial<UserRecord> = {}): Promise<UserRecord> => {
    const user = { ...userFixture(tenant), ...fields };
    await ctx.store.createUserWithIdentity(user, {
      tenant,
      issuer: ISSUER,
      subject: uid(),
      userId: user.id,
      createdAt: T0,
    });
    return user;
  };

  describe('users and identities', () => {
    it('createUserWithIdentity stores the user and the identity together', async () => {
      const user = userFixture(tenantCode());
      await ctx.store.createUserWithIdentity(user, {
        tenant: user.tenant,
        issuer: 'https://idp.example',
        subject: 'sub-1',
        userId: user.id,
        createdAt: T0,
      });
      assert.deepEqual(await ctx.store.getUser(user.tenant, user.id), user);
      assert.deepEqual(await ctx.store.findUserByIdentity(user.tenant, 'https://idp.example', 'sub-1'), user);
    });

    it('createUserWithIdentity rejects an existing identity with StoreConflictError and stores no user', async () => {
      const first = userFixture(tenantCode());
      const identity = {
        tenant: first.tenant,
        issuer: 'https://idp.example',
        subject: 'sub-1',
        createdAt: T0,
      };
      await ctx.store.createUserWithIdentity(first, { ...identity, userId: first.id });
      const second = userFixture(first.tenant);
      await assert.rejects(
        ctx.store.createUserWithIdentity(second, { ...identity, userId: second.id }),
        StoreConflictError,
      );
      assert.equal(await ctx.store.getUser(second.tenant, second.id), undefined);
      assert.deepEqual(
        await ctx.store.findUserByIdentity(first.tenant, 'https://idp.example', 'sub-1'),
        first,
      );
    });

    it('createUserWithIdentity lets exactly one of concurrent callers claim an identity', async () => {
      const tenant = tenantCode();
      const users = Array.from({ length: CONCURRENT_CALLERS }, () => userFixture(tenant));
      const outcomes = await ctx.race((s, i) => {
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
      assert.deepEqual(await ctx.store.findUserByIdentity(tenant, 'https://idp.example', 'sub-1'), winner);
      for (const user of users) {
        if (user !== winner) assert.equal(await ctx.store.getUser(tenant, user.id), undefined);
      }
    });

    it('getUser and findUserByIdentity are scoped to the tenant', async () => {
      const user = await ctx.createUser(tenantCode(), 'sub-1');
      assert.deepEqual(await ctx.store.findUserByIdentity(user.tenant, 'https://idp.example', 'sub-1'), user);
      assert.equal(await ctx.store.getUser(tenantCode(), user.id), undefined);
      assert.equal(
        await ctx.store.findUserByIdentity(tenantCode(), 'https://idp.example', 'sub-1'),
        undefined,
      );
      assert.equal(await ctx.store.getUser(user.tenant, uid()), undefined);
    });

    it('updateUser replaces email, name, roles, confirmed and updatedAt and nothing else', async () => {
      const user = await ctx.createUser();
      await ctx.store.updateUser({
        ...user,
        email: null,
        name: 'Renamed',
        roles: [],
        confirmed: false,
        createdAt: T0 + 1,
        updatedAt: T0 + 2,
        disabledAt: T0 + 3,
      });
      assert.deepEqual(await ctx.store.getUser(user.tenant, user.id), {
        ...user,
        email: null,
        name: 'Renamed',
        roles: [],
        confirmed: false,
        updatedAt: T0 + 2,
      });
    });

    it('setUserDisabled disables and enables once, keeps everything else, and updateUser leaves it', async () => {
      const user = await ctx.createUser();
      assert.equal(await ctx.store.setUserDisabled(user.tenant, user.id, T0 + 5), true);
      assert.equal(await ctx.store.setUserDisabled(user.tenant, user.id, T0 + 6), false);
      assert.deepEqual(await ctx.other.getUser(user.tenant, user.id), { ...user, disabledAt: T0 + 5 });
      await ctx.store.updateUser({ ...user, name: 'Renamed', updatedAt: T0 + 7 });
      assert.deepEqual(await ctx.store.getUser(user.tenant, user.id), {
        ...user,
        name: 'Renamed',
        updatedAt: T0 + 7,
        disabledAt: T0 + 5,
      });
      assert.equal(await ctx.store.setUserDisabled(user.tenant, user.id, null), true);
      assert.equal(await ctx.store.setUserDisabled(user.tenant, user.id, null), false);
      assert.equal((await ctx.store.getUser(user.tenant, user.id))?.disabledAt, null);
    });

    it('setUserDisabled is scoped to the tenant and false for an unknown user', async () => {
      const user = await ctx.createUser();
      assert.equal(await ctx.store.setUserDisabled(tenantCode(), user.id, T0), false);
      assert.equal(await ctx.store.setUserDisabled(user.tenant, uid(), T0), false);
      assert.equal((await ctx.store.getUser(user.tenant, user.id))?.disabledAt, null);
    });

    it('setUserDisabled lets exactly one of concurrent callers disable a user', async () => {
      const user = await ctx.createUser();
      const outcomes = await ctx.race((s, i) => s.setUserDisabled(user.tenant, user.id, T0 + i));
      assert.equal(count(outcomes, true), 1);
    });

    it('findUsersByEmail matches the email ignoring case, ordered by createdAt then id', async () => {
      const tenant = tenantCode();
      const [lowId, highId] = [uid(), uid()].sort();
      const newest = await createUser(tenant, { email: 'Agent@Example.COM', createdAt: T0 + 2 });
      const tieHigh = await createUser(tenant, { id: highId, email: 'agent@example.com', createdAt: T0 + 1 });
      const tieLow = await createUser(tenant, { id: lowId, email: 'AGENT@EXAMPLE.COM', createdAt: T0 + 1 });
      const oldest = await createUser(tenant, { email: 'aGeNt@eXaMpLe.CoM', createdAt: T0 });
      await createUser(tenant, { email: 'other@example.com' });
      await createUser(tenant, { email: 'agent@example.co' });
      await createUser(tenant, { email: null });
      const expected = [oldest, tieLow, tieHigh, newest];
      assert.deepEqual(await ctx.other.findUsersByEmail(tenant, 'agent@example.com'), expected);
      assert.deepEqual(await ctx.other.findUsersByEmail(tenant, 'AGENT@example.Com'), expected);
    });

    it('findUsersByEmail returns [] when none matches and is scoped to the tenant', async () => {
      const user = await createUser(tenantCode(), { email: 'solo@example.com' });
      assert.deepEqual(await ctx.store.findUsersByEmail(user.tenant, 'solo@example.com'), [user]);
      assert.deepEqual(await ctx.store.findUsersByEmail(tenantCode(), 'solo@example.com'), []);
      assert.deepEqual(await ctx.store.findUsersByEmail(user.tenant, 'nobody@example.com'), []);
      // Exact-match only: no pattern characters, no prefix or substring matches.
      assert.deepEqual(await ctx.store.findUsersByEmail(user.tenant, 'solo@example.co%'), []);
      assert.deepEqual(await ctx.store.findUsersByEmail(user.tenant, 'solo@example.co_'), []);
      assert.deepEqual(await ctx.store.findUsersByEmail(user.tenant, ''), []);
    });

    it('createIdentity links one more identity to an existing user', async () => {
      const user = await ctx.createUser(tenantCode(), 'sub-1');
      await ctx.store.createIdentity({
        tenant: user.tenant,
        issuer: OTHER_ISSUER,
        subject: 'sub-2',
        userId: user.id,
        createdAt: T0 + 1,
      });
      assert.deepEqual(await ctx.other.findUserByIdentity(user.tenant, OTHER_ISSUER, 'sub-2'), user);
      assert.deepEqual(await ctx.other.findUserByIdentity(user.tenant, ISSUER, 'sub-1'), user);
      assert.deepEqual(await ctx.other.getUser(user.tenant, user.id), user);
    });

    it('createIdentity rejects an existing identity with StoreConflictError and keeps its user', async () => {
      const owner = await ctx.createUser(tenantCode(), 'sub-1');
      const other = await ctx.createUser(owner.tenant, 'sub-2');
      for (const userId of [owner.id, other.id]) {
        await assert.rejects(
          ctx.store.createIdentity({
            tenant: owner.tenant,
            issuer: ISSUER,
            subject: 'sub-1',
            userId,
            createdAt: T0 + 1,
          }),
          StoreConflictError,
        );
      }
      assert.deepEqual(await ctx.store.findUserByIdentity(owner.tenant, ISSUER, 'sub-1'), owner);
    });

    it('createIdentity keys identities by tenant, issuer and subject', async () => {
      const user = await ctx.createUser(tenantCode(), 'sub-1');
      // Same subject at another issuer, and the same identity key in another tenant, are both new.
      await ctx.store.createIdentity({
        tenant: user.tenant,
        issuer: OTHER_ISSUER,
        subject: 'sub-1',
        userId: user.id,
        createdAt: T0,
      });
      const elsewhere = await createUser(tenantCode());
      await ctx.store.createIdentity({
        tenant: elsewhere.tenant,
        issuer: ISSUER,
        subject: 'sub-1',
        userId: elsewhere.id,
        createdAt: T0,
      });
      assert.deepEqual(await ctx.store.findUserByIdentity(user.tenant, OTHER_ISSUER, 'sub-1'), user);
      assert.deepEqual(await ctx.store.findUserByIdentity(elsewhere.tenant, ISSUER, 'sub-1'), elsewhere);
      assert.deepEqual(await ctx.store.findUserByIdentity(user.tenant, ISSUER, 'sub-1'), user);
    });

    it('createIdentity rejects a user that is unknown or of another tenant, storing nothing', async () => {
      const user = await ctx.createUser();
      const tenant = tenantCode();
      for (const userId of [user.id, uid()]) {
        await assert.rejects(
          ctx.store.createIdentity({ tenant, issuer: ISSUER, subject: 'sub-x', userId, createdAt: T0 }),
          (err: unknown) => err instanceof Error && !(err instanceof StoreConflictError),
        );
      }
      assert.equal(await ctx.store.findUserByIdentity(tenant, ISSUER, 'sub-x'), undefined);
      // Nothing was stored: the identity key is still free.
      const later = await createUser(tenant);
      await ctx.store.createIdentity({
        tenant,
        issuer: ISSUER,
        subject: 'sub-x',
        userId: later.id,
        createdAt: T0,
      });
      assert.deepEqual(await ctx.store.findUserByIdentity(tenant, ISSUER, 'sub-x'), later);
    });

    it('createIdentity lets exactly one of concurrent callers claim an identity', async () => {
      const tenant = tenantCode();
      const users = await Promise.all(Array.from({ length: CONCURRENT_CALLERS }, () => createUser(tenant)));
      const outcomes = await ctx.race((s, i) =>
        s
          .createIdentity({
            tenant,
            issuer: OTHER_ISSUER,
            subject: 'shared',
            userId: users[i]!.id,
            createdAt: T0,
          })
          .then(
            () => 'created',
            (err: unknown) => (err instanceof StoreConflictError ? 'conflict' : Promise.reject(err)),
          ),
      );
      assert.equal(count(outcomes, 'created'), 1);
      const winner = users[outcomes.indexOf('created')]!;
      assert.deepEqual(await ctx.store.findUserByIdentity(tenant, OTHER_ISSUER, 'shared'), winner);
    });
  });
}
