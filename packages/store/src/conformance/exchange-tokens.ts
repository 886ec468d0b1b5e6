// Exchange tokens: single use, whoever asks first on whichever instance; refused (and burnt) once expired.
import assert from 'node:assert/strict';
import { StoreConflictError } from '@deskgate/core/store';
import { describe, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { exchangeFixture, MINUTE_MS, T0, uid } from './fixtures.ts';

export function describeExchangeTokens(ctx: ConformanceContext): void {
  describe('exchange tokens', () => {
    it('takeExchangeToken returns the token once, then undefined', async () => {
      const token = exchangeFixture();
      await ctx.store.createExchangeToken(token);
      assert.deepEqual(await ctx.other.takeExchangeToken(token.tenant, token.digest, T0), token);
      assert.equal(await ctx.store.takeExchangeToken(token.tenant, token.digest, T0), undefined);
    });

    it('takeExchangeToken leaves another tenant’s token as it is', async () => {
      const token = exchangeFixture();
      await ctx.store.createExchangeToken(token);
      assert.equal(await ctx.other.takeExchangeToken('other', token.digest, T0), undefined);
      assert.deepEqual(await ctx.store.takeExchangeToken(token.tenant, token.digest, T0), token);
    });

    it('takeExchangeToken returns undefined for an unknown digest', async () => {
      assert.equal(await ctx.store.takeExchangeToken('acme', uid(), T0), undefined);
    });

    it('takeExchangeToken refuses a token expired at now, and burns it', async () => {
      const token = exchangeFixture();
      await ctx.store.createExchangeToken(token);
      // Expired from its expiresAt on.
      assert.equal(await ctx.store.takeExchangeToken(token.tenant, token.digest, token.expiresAt), undefined);
      // Deleted, not just refused: an earlier clock does not bring it back.
      assert.equal(await ctx.other.takeExchangeToken(token.tenant, token.digest, T0), undefined);
    });

    it('takeExchangeToken accepts a token up to just before its expiry', async () => {
      const token = exchangeFixture();
      await ctx.store.createExchangeToken(token);
      assert.deepEqual(
        await ctx.store.takeExchangeToken(token.tenant, token.digest, token.expiresAt - 1),
        token,
      );
    });

    it('takeExchangeToken lets exactly one of concurrent callers take it', async () => {
      const token = exchangeFixture();
      await ctx.store.createExchangeToken(token);
      const results = await ctx.race((s) => s.takeExchangeToken(token.tenant, token.digest, T0));
      assert.deepEqual(
        results.filter((r) => r !== undefined),
        [token],
      );
    });

    it('getExchangeToken reads the token without using it up, until it expires or is taken', async () => {
      const token = exchangeFixture();
      await ctx.store.createExchangeToken(token);
      assert.deepEqual(await ctx.other.getExchangeToken(token.digest, T0), token);
      assert.deepEqual(await ctx.store.getExchangeToken(token.digest, T0), token);
      assert.equal(await ctx.store.getExchangeToken(token.digest, token.expiresAt), undefined);
      assert.deepEqual(await ctx.store.takeExchangeToken(token.tenant, token.digest, T0), token);
      assert.equal(await ctx.other.getExchangeToken(token.digest, T0), undefined);
      assert.equal(await ctx.other.getExchangeToken(uid(), T0), undefined);
    });

    it('createExchangeToken refuses a taken digest with StoreConflictError', async () => {
      const token = exchangeFixture();
      await ctx.store.createExchangeToken(token);
      await assert.rejects(
        ctx.other.createExchangeToken(
          exchangeFixture({ digest: token.digest, expiresAt: T0 + MINUTE_MS * 2 }),
        ),
        StoreConflictError,
      );
      assert.deepEqual(await ctx.store.takeExchangeToken(token.tenant, token.digest, T0), token);
    });
  });
}
