// Tenants: created once, replaced by seed files, listed in order.
import assert from 'node:assert/strict';
import { StoreConflictError } from '@deskgate/core/store';
import { describe, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { T0, tenantCode, tenantFixture } from './fixtures.ts';

export function describeTenants(ctx: ConformanceContext): void {
  describe('tenants', () => {
    it('createTenant stores a tenant that getTenant returns with its config', async () => {
      const tenant = tenantFixture();
      await ctx.store.createTenant(tenant);
      assert.deepEqual(await ctx.store.getTenant(tenant.code), tenant);
    });

    it('createTenant rejects a duplicate code with StoreConflictError', async () => {
      const tenant = tenantFixture();
      await ctx.store.createTenant(tenant);
      await assert.rejects(
        ctx.store.createTenant({ ...tenant, config: { other: true } }),
        StoreConflictError,
      );
      assert.deepEqual(await ctx.store.getTenant(tenant.code), tenant);
    });

    it('putTenant inserts a missing tenant', async () => {
      const tenant = tenantFixture();
      await ctx.store.putTenant(tenant);
      assert.deepEqual(await ctx.store.getTenant(tenant.code), tenant);
    });

    it('putTenant replaces config and updatedAt of an existing tenant and keeps createdAt', async () => {
      const tenant = tenantFixture();
      await ctx.store.createTenant(tenant);
      await ctx.store.putTenant({
        ...tenant,
        config: { replaced: [1, 2] },
        createdAt: T0 + 5,
        updatedAt: T0 + 9,
      });
      assert.deepEqual(await ctx.store.getTenant(tenant.code), {
        ...tenant,
        config: { replaced: [1, 2] },
        updatedAt: T0 + 9,
      });
    });

    it('getTenant returns undefined for an unknown code', async () => {
      assert.equal(await ctx.store.getTenant(tenantCode()), undefined);
    });

    it('listTenants returns every tenant ordered by code', async () => {
      const codes = [tenantCode(), tenantCode(), tenantCode()];
      for (const code of codes) await ctx.store.createTenant(tenantFixture(code));
      const listed = (await ctx.other.listTenants()).map((t) => t.code);
      assert.deepEqual(
        listed.filter((code) => codes.includes(code)),
        [...codes].sort(),
      );
      assert.deepEqual(listed, [...listed].sort());
    });
  });
}
