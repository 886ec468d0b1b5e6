// purgeExpired: what expired before the cutoff goes, what is still live stays.
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { exchangeFixture, MINUTE_MS, refreshFixture, ssoFixture, T0, tenantCode, uid } from './fixtures.ts';

export function describePurge(ctx: ConformanceContext): void {
  describe('purgeExpired', () => {
    // Far beyond every other test's expiries, so those rows are purged too and cannot interfere.
    const cutoff = T0 + 1_000_000 * MINUTE_MS;

    it('purgeExpired deletes what expired before the cutoff, and the refresh tokens of purged sessions', async () => {
      const attempt = await ctx.createAttempt({ expiresAt: cutoff - 1 });
      const tx = ssoFixture({ expiresAt: cutoff - 1 });
      await ctx.store.createSsoTransaction(tx);
      const { session, refresh } = await ctx.createSession({ expiresAt: cutoff - 1 });
      // A token outliving its session must still go with it.
      const lateToken = refreshFixture(session.id, { expiresAt: cutoff + 1 });
      await ctx.store.ensureRefreshToken(lateToken);
      const live = await ctx.createSession({ expiresAt: cutoff + MINUTE_MS });
      const expiredToken = refreshFixture(live.session.id, { expiresAt: cutoff - 1 });
      await ctx.store.ensureRefreshToken(expiredToken);
      const counter = uid();
      await ctx.store.hitRateLimit(counter, cutoff - MINUTE_MS, cutoff - 1, 3);
      assert.equal(await ctx.store.peekRateLimit(counter, cutoff - MINUTE_MS), 3);
      const [tenant, tokenId] = [tenantCode(), uid()];
      await ctx.store.useTokenId(tenant, tokenId, cutoff - 1, T0);
      const exchange = exchangeFixture({ expiresAt: cutoff - 1 });
      await ctx.store.createExchangeToken(exchange);

      await ctx.store.purgeExpired(cutoff);

      assert.equal(await ctx.store.getAttempt(attempt.tenant, attempt.id), undefined);
      assert.equal(await ctx.store.takeSsoTransaction(tx.stateDigest), undefined);
      assert.equal(await ctx.store.getSession(session.id), undefined);
      assert.equal(await ctx.store.getRefreshToken(refresh.digest), undefined);
      assert.equal(await ctx.store.getRefreshToken(lateToken.digest), undefined);
      assert.equal(await ctx.store.getRefreshToken(expiredToken.digest), undefined);
      assert.deepEqual(await ctx.store.getSession(live.session.id), live.session);
      assert.equal(await ctx.store.peekRateLimit(counter, cutoff - MINUTE_MS), 0);
      // Accepted again at a time the purged record would still have refused it.
      assert.equal(await ctx.store.useTokenId(tenant, tokenId, cutoff + 1, T0), true);
      // Gone, not merely refused as expired: the digest is free again.
      await ctx.store.createExchangeToken(exchange);
    });

    it('purgeExpired keeps live rows, including those expiring exactly at the cutoff', async () => {
      const attempt = await ctx.createAttempt({ expiresAt: cutoff });
      const tx = ssoFixture({ expiresAt: cutoff });
      await ctx.store.createSsoTransaction(tx);
      const { session, refresh } = await ctx.createSession({ expiresAt: cutoff });
      const revoked = await ctx.createSession({ expiresAt: cutoff + MINUTE_MS });
      await ctx.store.revokeSession(revoked.session.id, 'logout', T0);
      const window = cutoff - MINUTE_MS;
      const counter = uid();
      await ctx.store.hitRateLimit(counter, window, cutoff, 2);
      // A counter's expiry is its stored window's: replaced by a newer window, kept for an older one.
      const renewed = uid();
      await ctx.store.hitRateLimit(renewed, window - MINUTE_MS, cutoff - 1, 1);
      await ctx.store.hitRateLimit(renewed, window, cutoff, 1);
      const skewed = uid();
      await ctx.store.hitRateLimit(skewed, window, cutoff, 1);
      await ctx.store.hitRateLimit(skewed, window - MINUTE_MS, cutoff - 1, 1);
      const [tenant, tokenId] = [tenantCode(), uid()];
      await ctx.store.useTokenId(tenant, tokenId, cutoff, T0);
      const exchange = exchangeFixture({ expiresAt: cutoff });
      await ctx.store.createExchangeToken(exchange);

      await ctx.store.purgeExpired(cutoff);

      assert.deepEqual(await ctx.store.getAttempt(attempt.tenant, attempt.id), attempt);
      assert.deepEqual(await ctx.store.getSession(session.id), session);
      assert.deepEqual(await ctx.store.getRefreshToken(refresh.digest), refresh);
      assert.equal((await ctx.store.getSession(revoked.session.id))?.revokeReason, 'logout');
      assert.deepEqual(await ctx.store.getRefreshToken(revoked.refresh.digest), revoked.refresh);
      assert.deepEqual(await ctx.store.takeSsoTransaction(tx.stateDigest), tx);
      assert.equal(await ctx.store.peekRateLimit(counter, window), 2);
      assert.equal(await ctx.store.peekRateLimit(renewed, window), 1);
      assert.equal(await ctx.store.peekRateLimit(skewed, window), 2);
      assert.equal(await ctx.store.useTokenId(tenant, tokenId, cutoff, T0), false);
      assert.deepEqual(
        await ctx.store.takeExchangeToken(exchange.tenant, exchange.digest, cutoff - 1),
        exchange,
      );
    });
  });
}
