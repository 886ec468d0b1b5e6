// SSO transactions: any retrieval burns the transaction.
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { ssoFixture, uid } from './fixtures.ts';

export function describeSsoTransactions(ctx: ConformanceContext): void {
  describe('SSO transactions', () => {
    it('takeSsoTransaction burns the transaction on first retrieval', async () => {
      const tx = ssoFixture();
      await ctx.store.createSsoTransaction(tx);
      assert.deepEqual(await ctx.other.takeSsoTransaction(tx.stateDigest), tx);
      assert.equal(await ctx.store.takeSsoTransaction(tx.stateDigest), undefined);
    });

    it('takeSsoTransaction lets exactly one of concurrent callers retrieve it', async () => {
      const tx = ssoFixture();
      await ctx.store.createSsoTransaction(tx);
      const results = await ctx.race((s) => s.takeSsoTransaction(tx.stateDigest));
      assert.deepEqual(
        results.filter((r) => r !== undefined),
        [tx],
      );
    });

    it('takeSsoTransaction returns undefined for an unknown state', async () => {
      assert.equal(await ctx.store.takeSsoTransaction(uid()), undefined);
    });
  });
}
