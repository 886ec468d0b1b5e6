// Signing keys: a generation is taken once, so instances racing to rotate create one key.
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { CONCURRENT_CALLERS, type ConformanceContext, count } from './context.ts';
import { keyFixture, uid } from './fixtures.ts';

export function describeSigningKeys(ctx: ConformanceContext): void {
  describe('signing keys', () => {
    // Generations are global, so each test keeps to its own range.
    it('listSigningKeys returns inserted keys ordered by generation', async () => {
      const later = keyFixture(102);
      const earlier = keyFixture(101);
      assert.equal(await ctx.store.insertSigningKey(later), true);
      assert.equal(await ctx.store.insertSigningKey(earlier), true);
      const listed = (await ctx.other.listSigningKeys()).filter(
        (k) => k.generation > 100 && k.generation < 200,
      );
      assert.deepEqual(listed, [earlier, later]);
      const all = (await ctx.other.listSigningKeys()).map((k) => k.generation);
      assert.deepEqual(
        all,
        [...all].sort((a, b) => a - b),
      );
    });

    it('insertSigningKey returns false for a taken generation', async () => {
      const first = keyFixture(201);
      const second = keyFixture(201);
      assert.equal(await ctx.store.insertSigningKey(first), true);
      assert.equal(await ctx.store.insertSigningKey(second), false);
      const kids = (await ctx.store.listSigningKeys()).map((k) => k.kid);
      assert.ok(kids.includes(first.kid));
      assert.ok(!kids.includes(second.kid));
    });

    it('insertSigningKey lets exactly one of concurrent callers take a generation', async () => {
      const keys = Array.from({ length: CONCURRENT_CALLERS }, () => keyFixture(301));
      const results = await ctx.race((s, i) => s.insertSigningKey(keys[i]!));
      assert.equal(count(results, true), 1);
      const stored = (await ctx.store.listSigningKeys()).filter((k) => k.generation === 301);
      assert.deepEqual(stored, [keys[results.indexOf(true)]]);
    });

    it('deleteSigningKey removes the key and ignores an unknown kid', async () => {
      const key = keyFixture(401);
      await ctx.store.insertSigningKey(key);
      await ctx.store.deleteSigningKey(key.kid);
      await ctx.store.deleteSigningKey(uid());
      assert.ok(!(await ctx.store.listSigningKeys()).some((k) => k.kid === key.kid));
    });
  });
}
