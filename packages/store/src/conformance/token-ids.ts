// Used token ids (a JWT's jti): each is accepted once per tenant until it expires, however many callers race.
import assert from 'node:assert/strict';
import type { Store } from '@deskgate/core/store';
import { describe, it } from 'vitest';
import { type ConformanceContext, count } from './context.ts';
import { MINUTE_MS, T0, tenantCode, uid } from './fixtures.ts';

// More than the suite's usual race: a replayed token may well arrive in a burst.
const REPLAYS = 20;

const EXPIRES = T0 + 5 * MINUTE_MS;

export function describeTokenIds(ctx: ConformanceContext): void {
  /** REPLAYS calls at once, spread over both instances. */
  const burst = (fn: (s: Store, i: number) => Promise<boolean>): Promise<boolean[]> =>
    Promise.all(Array.from({ length: REPLAYS }, (_, i) => fn(i % 2 === 0 ? ctx.store : ctx.other, i)));

  describe('token ids', () => {
    it('useTokenId accepts an id once and refuses it while it is recorded', async () => {
      const [tenant, id] = [tenantCode(), uid()];
      assert.equal(await ctx.store.useTokenId(tenant, id, EXPIRES, T0), true);
      assert.equal(await ctx.other.useTokenId(tenant, id, EXPIRES, T0), false);
      assert.equal(await ctx.store.useTokenId(tenant, id, EXPIRES + MINUTE_MS, EXPIRES - 1), false);
    });

    it('useTokenId keeps tenants and ids apart', async () => {
      const [tenant, id] = [tenantCode(), uid()];
      assert.equal(await ctx.store.useTokenId(tenant, id, EXPIRES, T0), true);
      assert.equal(await ctx.other.useTokenId(tenantCode(), id, EXPIRES, T0), true);
      assert.equal(await ctx.other.useTokenId(tenant, uid(), EXPIRES, T0), true);
      assert.equal(await ctx.store.useTokenId(tenant, id, EXPIRES, T0), false);
    });

    it('useTokenId treats a record expired at now as absent and records the id anew', async () => {
      const [tenant, id] = [tenantCode(), uid()];
      assert.equal(await ctx.store.useTokenId(tenant, id, EXPIRES, T0), true);
      // Expired from its expiresAt on.
      assert.equal(await ctx.other.useTokenId(tenant, id, EXPIRES + 10 * MINUTE_MS, EXPIRES), true);
      // The new record holds until its own expiry, not the old one's.
      assert.equal(
        await ctx.store.useTokenId(tenant, id, EXPIRES + 20 * MINUTE_MS, EXPIRES + MINUTE_MS),
        false,
      );
      assert.equal(
        await ctx.store.useTokenId(tenant, id, EXPIRES + 20 * MINUTE_MS, EXPIRES + 10 * MINUTE_MS - 1),
        false,
      );
      assert.equal(
        await ctx.other.useTokenId(tenant, id, EXPIRES + 20 * MINUTE_MS, EXPIRES + 10 * MINUTE_MS),
        true,
      );
    });

    it('useTokenId lets exactly one of concurrent callers record a new id', async () => {
      const [tenant, id] = [tenantCode(), uid()];
      const results = await burst((s) => s.useTokenId(tenant, id, EXPIRES, T0));
      assert.equal(count(results, true), 1);
      assert.equal(await ctx.store.useTokenId(tenant, id, EXPIRES, T0), false);
    });

    it('useTokenId lets exactly one of concurrent callers take over an expired record', async () => {
      const [tenant, id] = [tenantCode(), uid()];
      assert.equal(await ctx.store.useTokenId(tenant, id, EXPIRES, T0), true);
      const now = EXPIRES + MINUTE_MS;
      const results = await burst((s, i) => s.useTokenId(tenant, id, now + MINUTE_MS + i, now));
      assert.equal(count(results, true), 1);
      assert.equal(await ctx.other.useTokenId(tenant, id, now + MINUTE_MS, now + MINUTE_MS - 1), false);
    });
  });
}
