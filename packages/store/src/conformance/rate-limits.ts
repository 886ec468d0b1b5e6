// Rate-limit counters: fixed windows shared by every instance, counted without losing concurrent hits.
import assert from 'node:assert/strict';
import type { Store } from '@deskgate/core/store';
import { describe, it } from 'vitest';
import { CONCURRENT_CALLERS, type ConformanceContext } from './context.ts';
import { MINUTE_MS, T0, uid } from './fixtures.ts';

const W1 = T0;
const W2 = T0 + MINUTE_MS;
const W3 = T0 + 2 * MINUTE_MS;

/** A hit in the one-minute window starting at `windowStart`, expiring at its end. */
const hit = (s: Store, key: string, windowStart: number, cost = 1): Promise<number> =>
  s.hitRateLimit(key, windowStart, windowStart + MINUTE_MS, cost);

const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

export function describeRateLimits(ctx: ConformanceContext): void {
  describe('rate limits', () => {
    it('hitRateLimit counts up within one window by the cost of each hit', async () => {
      const key = uid();
      assert.equal(await hit(ctx.store, key, W1), 1);
      assert.equal(await hit(ctx.other, key, W1), 2);
      assert.equal(await hit(ctx.store, key, W1), 3);
      assert.equal(await hit(ctx.other, key, W1, 5), 8);
      assert.equal(await ctx.store.peekRateLimit(key, W1), 8);
    });

    it('hitRateLimit starts a new window over at its cost', async () => {
      const key = uid();
      await hit(ctx.store, key, W1, 4);
      assert.equal(await hit(ctx.other, key, W2, 2), 2);
      assert.equal(await hit(ctx.store, key, W2), 3);
      assert.equal(await ctx.other.peekRateLimit(key, W2), 3);
    });

    it('hitRateLimit adds a hit for an older window to the newer stored window and does not reset it', async () => {
      // An instance whose clock lags behind still counts against the window the others are in.
      const key = uid();
      await hit(ctx.store, key, W2, 2);
      assert.equal(await hit(ctx.other, key, W1), 3);
      assert.equal(await hit(ctx.other, key, W1, 2), 5);
      assert.equal(await ctx.store.peekRateLimit(key, W2), 5);
      assert.equal(await hit(ctx.store, key, W2), 6);
    });

    it('hitRateLimit with cost 0 returns the current count without changing it', async () => {
      const key = uid();
      await hit(ctx.store, key, W1, 2);
      assert.equal(await hit(ctx.other, key, W1, 0), 2);
      assert.equal(await ctx.store.peekRateLimit(key, W1), 2);
      assert.equal(await hit(ctx.store, key, W1), 3);
    });

    it('hitRateLimit counts every one of concurrent hits exactly once', async () => {
      const key = uid();
      const counts = await ctx.race((s) => hit(s, key, W1));
      assert.deepEqual(
        [...counts].sort((a, b) => a - b),
        oneTo(CONCURRENT_CALLERS),
      );
      assert.equal(await ctx.store.peekRateLimit(key, W1), CONCURRENT_CALLERS);
    });

    it('hitRateLimit starts a new window once when concurrent hits arrive for it', async () => {
      const key = uid();
      await hit(ctx.store, key, W1, 7);
      const counts = await ctx.race((s) => hit(s, key, W2));
      assert.deepEqual(
        [...counts].sort((a, b) => a - b),
        oneTo(CONCURRENT_CALLERS),
      );
      assert.equal(await ctx.other.peekRateLimit(key, W2), CONCURRENT_CALLERS);
    });

    it('hitRateLimit keeps keys apart', async () => {
      const [a, b] = [uid(), uid()];
      await hit(ctx.store, a, W1, 2);
      assert.equal(await hit(ctx.other, b, W1), 1);
      assert.equal(await ctx.store.peekRateLimit(a, W1), 2);
      assert.equal(await ctx.store.peekRateLimit(b, W1), 1);
    });

    it('peekRateLimit returns 0 for an unknown key and writes nothing', async () => {
      const key = uid();
      assert.equal(await ctx.store.peekRateLimit(key, W1), 0);
      assert.equal(await hit(ctx.other, key, W1), 1);
    });

    it('peekRateLimit returns the count of the asked window or of a newer stored one', async () => {
      const key = uid();
      await hit(ctx.store, key, W2, 3);
      assert.equal(await ctx.other.peekRateLimit(key, W2), 3);
      assert.equal(await ctx.other.peekRateLimit(key, W1), 3);
    });

    it('peekRateLimit returns 0 when the stored window is older and leaves it as it is', async () => {
      const key = uid();
      await hit(ctx.store, key, W1, 3);
      assert.equal(await ctx.other.peekRateLimit(key, W2), 0);
      assert.equal(await ctx.other.peekRateLimit(key, W3), 0);
      assert.equal(await ctx.store.peekRateLimit(key, W1), 3);
      assert.equal(await hit(ctx.store, key, W1), 4);
    });
  });
}
