// Tenant API keys: a kid is taken once across all tenants, found by kid alone, listed and revoked only
// within its tenant.
import assert from 'node:assert/strict';
import { type ApiKeyRecord, StoreConflictError } from '@deskgate/core/store';
import { describe, it } from 'vitest';
import { CONCURRENT_CALLERS, type ConformanceContext, count } from './context.ts';
import { MINUTE_MS, T0, tenantCode, uid } from './fixtures.ts';

const apiKeyFixture = (tenant: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  kid: uid(),
  tenant,
  digest: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg',
  allowedOrigins: ['https://cx.example', 'https://agent.cx.example:8443'],
  createdAt: T0,
  expiresAt: null,
  revokedAt: null,
  purpose: 'sdk',
  ...overrides,
});

export function describeApiKeys(ctx: ConformanceContext): void {
  describe('tenant API keys', () => {
    it('createApiKey stores the whole key and getApiKey finds it by kid', async () => {
      const tenant = tenantCode();
      const keys = [
        apiKeyFixture(tenant),
        apiKeyFixture(tenant, { allowedOrigins: [], expiresAt: T0 + 60 * MINUTE_MS }),
        apiKeyFixture(tenant, { createdAt: T0 + 1, expiresAt: T0 + 2, revokedAt: T0 + 3 }),
      ];
      for (const key of keys) await ctx.store.createApiKey(key);
      for (const key of keys) assert.deepEqual(await ctx.other.getApiKey(key.kid), key);
    });

    it('createApiKey keeps the purpose: an SDK key or a SCIM token', async () => {
      const tenant = tenantCode();
      const sdk = apiKeyFixture(tenant);
      const scim = apiKeyFixture(tenant, { purpose: 'scim', createdAt: T0 + 1 });
      await ctx.store.createApiKey(sdk);
      await ctx.store.createApiKey(scim);
      assert.equal((await ctx.other.getApiKey(sdk.kid))?.purpose, 'sdk');
      assert.deepEqual(await ctx.other.getApiKey(scim.kid), scim);
      assert.deepEqual(await ctx.other.listApiKeys(tenant), [sdk, scim]);
    });

    it('createApiKey rejects a kid taken in any tenant with StoreConflictError', async () => {
      const key = apiKeyFixture(tenantCode());
      await ctx.store.createApiKey(key);
      await assert.rejects(
        ctx.other.createApiKey({ ...key, tenant: tenantCode(), digest: 'other-digest' }),
        StoreConflictError,
      );
      await assert.rejects(ctx.other.createApiKey({ ...key, createdAt: T0 + 1 }), StoreConflictError);
      assert.deepEqual(await ctx.store.getApiKey(key.kid), key);
    });

    it('createApiKey lets exactly one of concurrent callers take a kid', async () => {
      const kid = uid();
      const keys = Array.from({ length: CONCURRENT_CALLERS }, (_, i) =>
        apiKeyFixture(tenantCode(), { kid, digest: `digest-${i}` }),
      );
      const outcomes = await ctx.race((s, i) =>
        s.createApiKey(keys[i]!).then(
          () => 'created',
          (err: unknown) => (err instanceof StoreConflictError ? 'conflict' : Promise.reject(err)),
        ),
      );
      assert.equal(count(outcomes, 'created'), 1);
      assert.deepEqual(await ctx.store.getApiKey(kid), keys[outcomes.indexOf('created')]);
    });

    it('getApiKey returns undefined for an unknown kid', async () => {
      assert.equal(await ctx.store.getApiKey(uid()), undefined);
    });

    it('listApiKeys returns the tenant keys oldest first, then by kid, revoked and expired ones too', async () => {
      const tenant = tenantCode();
      const newest = apiKeyFixture(tenant, { kid: `a-${uid()}`, createdAt: T0 + 2 * MINUTE_MS });
      const tieB = apiKeyFixture(tenant, { kid: `b-${uid()}`, createdAt: T0 + MINUTE_MS, expiresAt: T0 });
      const tieA = apiKeyFixture(tenant, { kid: `a-${uid()}`, createdAt: T0 + MINUTE_MS, revokedAt: T0 + 3 });
      const oldest = apiKeyFixture(tenant, { kid: `z-${uid()}`, createdAt: T0 });
      for (const key of [newest, tieB, tieA, oldest]) await ctx.store.createApiKey(key);
      await ctx.store.createApiKey(apiKeyFixture(tenantCode(), { createdAt: T0 + MINUTE_MS }));
      assert.deepEqual(await ctx.other.listApiKeys(tenant), [oldest, tieA, tieB, newest]);
    });

    it('listApiKeys returns [] for a tenant without keys', async () => {
      assert.deepEqual(await ctx.store.listApiKeys(tenantCode()), []);
    });

    it('revokeApiKey revokes once, reports whether this call revoked it, and changes nothing else', async () => {
      const tenant = tenantCode();
      const key = apiKeyFixture(tenant);
      const kept = apiKeyFixture(tenant, { createdAt: T0 + 1 });
      await ctx.store.createApiKey(key);
      await ctx.store.createApiKey(kept);
      assert.equal(await ctx.store.revokeApiKey(tenant, key.kid, T0 + 5), true);
      assert.equal(await ctx.other.revokeApiKey(tenant, key.kid, T0 + 6), false);
      assert.deepEqual(await ctx.store.listApiKeys(tenant), [{ ...key, revokedAt: T0 + 5 }, kept]);
    });

    it('revokeApiKey returns false for an unknown kid and for a kid of another tenant', async () => {
      const key = apiKeyFixture(tenantCode());
      await ctx.store.createApiKey(key);
      assert.equal(await ctx.store.revokeApiKey(key.tenant, uid(), T0), false);
      assert.equal(await ctx.store.revokeApiKey(tenantCode(), key.kid, T0), false);
      assert.deepEqual(await ctx.other.getApiKey(key.kid), key);
    });

    it('revokeApiKey returns false for a key created revoked', async () => {
      const key = apiKeyFixture(tenantCode(), { revokedAt: T0 + 1 });
      await ctx.store.createApiKey(key);
      assert.equal(await ctx.store.revokeApiKey(key.tenant, key.kid, T0 + 2), false);
      assert.deepEqual(await ctx.store.getApiKey(key.kid), key);
    });

    it('revokeApiKey lets exactly one of concurrent callers revoke', async () => {
      const key = apiKeyFixture(tenantCode());
      await ctx.store.createApiKey(key);
      const results = await ctx.race((s, i) => s.revokeApiKey(key.tenant, key.kid, T0 + 10 + i));
      assert.equal(count(results, true), 1);
      assert.deepEqual(await ctx.store.getApiKey(key.kid), {
        ...key,
        revokedAt: T0 + 10 + results.indexOf(true),
      });
    });
  });
}
