// The Store contract as a test suite; every adapter runs it, so they cannot drift apart. One file per
// concept registers its tests; this one opens the instances they share and checks migrating them.
import assert from 'node:assert/strict';
import type { Store } from '@deskgate/core/store';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { describeAccessRequests } from './access-requests.ts';
import { describeApiKeys } from './api-keys.ts';
import { describeAttempts } from './attempts.ts';
import { describeAudit } from './audit.ts';
import { conformanceContext } from './context.ts';
import { describeExchangeTokens } from './exchange-tokens.ts';
import { tenantFixture } from './fixtures.ts';
import { describeGrants } from './grants.ts';
import { describeJwtKeys } from './jwt-keys.ts';
import { describeMail } from './mail.ts';
import { describePurge } from './purge.ts';
import { describeRateLimits } from './rate-limits.ts';
import { describeScimGroups } from './scim-groups.ts';
import { describeScimUsers } from './scim-users.ts';
import { describeSealedSecrets } from './sealed-secrets.ts';
import { describeSessions } from './sessions.ts';
import { describeSigningKeys } from './signing-keys.ts';
import { describeSsoTransactions } from './sso-transactions.ts';
import { describeTenants } from './tenants.ts';
import { describeTokenIds } from './token-ids.ts';
import { describeUsers } from './users.ts';

/**
 * Registers the conformance suite. `open` must return a new, unmigrated instance on the same database
 * each time it is called: the suite opens two and races them against each other, as two API instances
 * (or two processes on one SQLite file) would.
 */
export function describeStoreConformance(name: string, open: () => Promise<Store>): void {
  describe(name, () => {
    let instances: [Store, Store] | undefined;
    const ctx = conformanceContext(() => instances);

    let firstMigration: unknown;
    beforeAll(async () => {
      instances = (await Promise.all([open(), open()])) as [Store, Store];
      // The first migration of the empty database, by two instances starting at once. A failure is
      // reported by its own test below; a plain migrate lets the rest of the suite still run.
      firstMigration = await Promise.all([ctx.store.migrate(), ctx.other.migrate()]).then(
        () => undefined,
        (err: unknown) => err ?? new Error('migrate rejected'),
      );
      if (firstMigration) await ctx.store.migrate();
    });

    afterAll(async () => {
      await Promise.all((instances ?? []).map((s) => s.close()));
    });

    describe('migrate', () => {
      it('migrate is safe when several instances start at once on an empty database', () => {
        if (firstMigration) throw firstMigration;
      });

      it('migrate is idempotent', async () => {
        const tenant = tenantFixture();
        await ctx.store.createTenant(tenant);
        await Promise.all([ctx.store.migrate(), ctx.other.migrate()]);
        await ctx.store.migrate();
        assert.deepEqual(await ctx.other.getTenant(tenant.code), tenant);
      });

      it('reports the applied schema version equal to the newest it knows, once migrated', async () => {
        const status = await ctx.store.schemaStatus();
        assert.ok(status.latest >= 17, 'the newest migration this build knows');
        assert.deepEqual(await ctx.other.schemaStatus(), { applied: status.latest, latest: status.latest });
      });

      it('counts failed statements by kind (a conflict is not an outage)', async () => {
        const tenant = tenantFixture();
        await ctx.store.createTenant(tenant);
        const before = ctx.store.stats().errors;
        await assert.rejects(ctx.store.createTenant(tenant), { name: 'StoreConflictError' });
        const after = ctx.store.stats().errors;
        assert.deepEqual(after, { ...before, conflict: before.conflict + 1 });
        const pool = ctx.store.stats().pool;
        if (pool) assert.ok(pool.total <= pool.max && pool.idle <= pool.total, 'pool counts are consistent');
      });
    });

    describeTenants(ctx);
    describeUsers(ctx);
    describeGrants(ctx);
    describeJwtKeys(ctx);
    describeApiKeys(ctx);
    describeSessions(ctx);
    describeSigningKeys(ctx);
    describeAttempts(ctx);
    describeSsoTransactions(ctx);
    describeRateLimits(ctx);
    describeTokenIds(ctx);
    describeExchangeTokens(ctx);
    describeMail(ctx);
    describeAccessRequests(ctx);
    describeAudit(ctx);
    describeScimUsers(ctx);
    describeScimGroups(ctx);
    describeSealedSecrets(ctx);
    // Last: its cutoff lies beyond every other test's expiries and purges their rows too.
    describePurge(ctx);
  });
}
