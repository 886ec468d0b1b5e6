// Users and their identities: an identity belongs to exactly one user, everything is scoped to a tenant.
import assert from 'node:assert/strict';
import { StoreConflictError } from '@deskgate/core/store';
import { describe, it } from 'vitest';
import { CONCURRENT_CALLERS, type ConformanceContext, count } from './context.ts';
import { T0, tenantCode, uid, userFixture } from './fixtures.ts';

export function describeUsers(ctx: ConformanceContext): void {
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
  });
}
