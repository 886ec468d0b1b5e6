// Platform-JWT keys: a kid is taken once per tenant, revocation happens once, listing stays in the tenant.
import assert from 'node:assert/strict';
import { type JwtKeyRecord, StoreConflictError } from '@deskgate/core/store';
import { describe, it } from 'vitest';
import { CONCURRENT_CALLERS, type ConformanceContext, count } from './context.ts';
import { MINUTE_MS, T0, tenantCode, uid } from './fixtures.ts';

const jwtKeyFixture = (tenant: string, overrides: Partial<JwtKeyRecord> = {}): JwtKeyRecord => ({
  tenant,
  kid: uid(),
  profile: 'session',
  alg: 'HS256',
  secretEncrypted: 'v1.iv.ciphertext',
  weak: false,
  createdAt: T0,
  revokedAt: null,
  ...overrides,
});

export function describeJwtKeys(ctx: ConformanceContext): void {
  describe('platform JWT keys', () => {
    it('createJwtKey stores the whole key, weak or not, revoked or not', async () => {
      const tenant = tenantCode();
      const keys = [
        jwtKeyFixture(tenant),
        jwtKeyFixture(tenant, {
          profile: 'one-time',
          alg: 'HS512',
          weak: true,
          createdAt: T0 + 1,
          revokedAt: T0 + 2,
        }),
      ];
      for (const key of keys) await ctx.store.createJwtKey(key);
      assert.deepEqual(await ctx.other.listJwtKeys(tenant), keys);
    });

    it('createJwtKey rejects a kid the tenant has with StoreConflictError, even a revoked one', async () => {
      const tenant = tenantCode();
      const key = jwtKeyFixture(tenant);
      await ctx.store.createJwtKey(key);
      await assert.rejects(
        ctx.other.createJwtKey({ ...key, alg: 'HS384', secretEncrypted: 'v1.other' }),
        StoreConflictError,
      );
      assert.equal(await ctx.store.revokeJwtKey(tenant, key.kid, T0 + 1), true);
      await assert.rejects(ctx.other.createJwtKey({ ...key, createdAt: T0 + 2 }), StoreConflictError);
      assert.deepEqual(await ctx.store.listJwtKeys(tenant), [{ ...key, revokedAt: T0 + 1 }]);
    });

    it('createJwtKey lets another tenant use the same kid', async () => {
      const first = jwtKeyFixture(tenantCode(), { kid: 'platform-2024' });
      const second = jwtKeyFixture(tenantCode(), { kid: 'platform-2024', alg: 'HS384' });
      await ctx.store.createJwtKey(first);
      await ctx.store.createJwtKey(second);
      assert.deepEqual(await ctx.store.listJwtKeys(first.tenant), [first]);
      assert.deepEqual(await ctx.store.listJwtKeys(second.tenant), [second]);
    });

    it('createJwtKey lets exactly one of concurrent callers take a kid', async () => {
      const tenant = tenantCode();
      const keys = Array.from({ length: CONCURRENT_CALLERS }, (_, i) =>
        jwtKeyFixture(tenant, { kid: 'shared', secretEncrypted: `v1.secret-${i}` }),
      );
      const outcomes = await ctx.race((s, i) =>
        s.createJwtKey(keys[i]!).then(
          () => 'created',
          (err: unknown) => (err instanceof StoreConflictError ? 'conflict' : Promise.reject(err)),
        ),
      );
      assert.equal(count(outcomes, 'created'), 1);
      assert.deepEqual(await ctx.store.listJwtKeys(tenant), [keys[outcomes.indexOf('created')]]);
    });

    it('listJwtKeys returns the tenant keys oldest first, then by kid, revoked ones too', async () => {
      const tenant = tenantCode();
      const newest = jwtKeyFixture(tenant, { kid: 'a-newest', createdAt: T0 + 2 * MINUTE_MS });
      const tieB = jwtKeyFixture(tenant, { kid: 'kid-b', createdAt: T0 + MINUTE_MS });
      const tieA = jwtKeyFixture(tenant, { kid: 'kid-a', createdAt: T0 + MINUTE_MS, revokedAt: T0 + 3 });
      const oldest = jwtKeyFixture(tenant, { kid: 'z-oldest', createdAt: T0 });
      for (const key of [newest, tieB, tieA, oldest]) await ctx.store.createJwtKey(key);
      await ctx.store.createJwtKey(jwtKeyFixture(tenantCode(), { kid: 'kid-c', createdAt: T0 + MINUTE_MS }));
      assert.deepEqual(await ctx.other.listJwtKeys(tenant), [oldest, tieA, tieB, newest]);
    });

    it('listJwtKeys returns [] for a tenant without keys', async () => {
      assert.deepEqual(await ctx.store.listJwtKeys(tenantCode()), []);
    });

    it('revokeJwtKey revokes once, reports whether this call revoked it, and changes nothing else', async () => {
      const tenant = tenantCode();
      const key = jwtKeyFixture(tenant);
      const kept = jwtKeyFixture(tenant, { createdAt: T0 + 1 });
      await ctx.store.createJwtKey(key);
      await ctx.store.createJwtKey(kept);
      assert.equal(await ctx.store.revokeJwtKey(tenant, key.kid, T0 + 5), true);
      assert.equal(await ctx.other.revokeJwtKey(tenant, key.kid, T0 + 6), false);
      assert.deepEqual(await ctx.store.listJwtKeys(tenant), [{ ...key, revokedAt: T0 + 5 }, kept]);
    });

    it('revokeJwtKey returns false for an unknown kid and for a kid of another tenant', async () => {
      const key = jwtKeyFixture(tenantCode());
      await ctx.store.createJwtKey(key);
      assert.equal(await ctx.store.revokeJwtKey(key.tenant, uid(), T0), false);
      assert.equal(await ctx.store.revokeJwtKey(tenantCode(), key.kid, T0), false);
      assert.deepEqual(await ctx.store.listJwtKeys(key.tenant), [key]);
    });

    it('revokeJwtKey returns false for a key created revoked', async () => {
      const key = jwtKeyFixture(tenantCode(), { revokedAt: T0 + 1 });
      await ctx.store.createJwtKey(key);
      assert.equal(await ctx.store.revokeJwtKey(key.tenant, key.kid, T0 + 2), false);
      assert.deepEqual(await ctx.store.listJwtKeys(key.tenant), [key]);
    });

    it('revokeJwtKey lets exactly one of concurrent callers revoke', async () => {
      const key = jwtKeyFixture(tenantCode());
      await ctx.store.createJwtKey(key);
      const results = await ctx.race((s, i) => s.revokeJwtKey(key.tenant, key.kid, T0 + 10 + i));
      assert.equal(count(results, true), 1);
      assert.deepEqual(await ctx.store.listJwtKeys(key.tenant), [
        { ...key, revokedAt: T0 + 10 + results.indexOf(true) },
      ]);
    });
  });
}
