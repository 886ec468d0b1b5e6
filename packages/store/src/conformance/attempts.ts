// Sign-in attempts: each transition happens once, decided by the database.
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { CONCURRENT_CALLERS, type ConformanceContext, count } from './context.ts';
import { T0, tenantCode, uid } from './fixtures.ts';

export function describeAttempts(ctx: ConformanceContext): void {
  describe('sign-in attempts', () => {
    it('createAttempt stores a pending attempt that getAttempt returns', async () => {
      const attempt = await ctx.createAttempt();
      assert.deepEqual(await ctx.other.getAttempt(attempt.tenant, attempt.id), attempt);
    });

    it('getAttempt is scoped to the tenant', async () => {
      const attempt = await ctx.createAttempt();
      assert.equal(await ctx.store.getAttempt(tenantCode(), attempt.id), undefined);
      assert.equal(await ctx.store.getAttempt(attempt.tenant, uid()), undefined);
    });

    it('bindAttempt binds only once', async () => {
      const attempt = await ctx.createAttempt();
      assert.equal(await ctx.store.bindAttempt(attempt.id, 'binding-1'), true);
      assert.equal(await ctx.store.bindAttempt(attempt.id, 'binding-2'), false);
      assert.equal((await ctx.store.getAttempt(attempt.tenant, attempt.id))?.bindingDigest, 'binding-1');
    });

    it('bindAttempt refuses a completed attempt', async () => {
      const attempt = await ctx.createAttempt();
      await ctx.store.completeAttempt(attempt.id, uid(), 'sso', T0 + 1);
      assert.equal(await ctx.store.bindAttempt(attempt.id, 'binding-1'), false);
      assert.equal((await ctx.store.getAttempt(attempt.tenant, attempt.id))?.bindingDigest, null);
    });

    it('bindAttempt lets exactly one of concurrent callers bind', async () => {
      const attempt = await ctx.createAttempt();
      const results = await ctx.race((s, i) => s.bindAttempt(attempt.id, `binding-${i}`));
      assert.equal(count(results, true), 1);
      const stored = await ctx.store.getAttempt(attempt.tenant, attempt.id);
      assert.equal(stored?.bindingDigest, `binding-${results.indexOf(true)}`);
    });

    it('completeAttempt succeeds only once', async () => {
      const attempt = await ctx.createAttempt({ bindingDigest: 'binding-1' });
      assert.equal(await ctx.store.completeAttempt(attempt.id, 'user-1', 'sso', T0 + 1), true);
      assert.equal(await ctx.store.completeAttempt(attempt.id, 'user-2', 'magic_link', T0 + 2), false);
      assert.deepEqual(await ctx.store.getAttempt(attempt.tenant, attempt.id), {
        ...attempt,
        userId: 'user-1',
        method: 'sso',
        completedAt: T0 + 1,
      });
    });

    it('completeAttempt keeps the identity it completed with, and the session of a sign-in keeps its own', async () => {
      const attempt = await ctx.createAttempt();
      const identity = { issuer: 'https://idp.example', subject: 'sub-42' };
      assert.equal(await ctx.store.completeAttempt(attempt.id, 'user-1', 'sso', T0 + 1, identity), true);
      const stored = await ctx.store.getAttempt(attempt.tenant, attempt.id);
      assert.equal(stored?.identityIssuer, 'https://idp.example');
      assert.equal(stored?.identitySubject, 'sub-42');
      const { session } = await ctx.createSession({ identityIssuer: 'email', identitySubject: 'a@b.test' });
      const read = await ctx.store.getSession(session.id);
      assert.equal(read?.identityIssuer, 'email');
      assert.equal(read?.identitySubject, 'a@b.test');
    });

    it('completeAttempt lets exactly one of concurrent callers win', async () => {
      const attempt = await ctx.createAttempt();
      const results = await ctx.race((s, i) => s.completeAttempt(attempt.id, `user-${i}`, 'sso', T0 + i));
      assert.equal(count(results, true), 1);
      const stored = await ctx.store.getAttempt(attempt.tenant, attempt.id);
      assert.equal(stored?.userId, `user-${results.indexOf(true)}`);
    });

    it('confirmAttempt requires a completed attempt', async () => {
      const attempt = await ctx.createAttempt();
      assert.equal(await ctx.store.confirmAttempt(attempt.id, T0 + 1), false);
      assert.equal((await ctx.store.getAttempt(attempt.tenant, attempt.id))?.confirmedAt, null);
    });

    it('confirmAttempt succeeds only once', async () => {
      const attempt = await ctx.createAttempt();
      await ctx.store.completeAttempt(attempt.id, 'user-1', 'sso', T0 + 1);
      assert.equal(await ctx.store.confirmAttempt(attempt.id, T0 + 2), true);
      assert.equal(await ctx.store.confirmAttempt(attempt.id, T0 + 3), false);
      assert.equal((await ctx.store.getAttempt(attempt.tenant, attempt.id))?.confirmedAt, T0 + 2);
    });

    it('redeemAttempt requires a completed attempt', async () => {
      const attempt = await ctx.createAttempt();
      assert.equal(await ctx.store.redeemAttempt(attempt.id, T0 + 1), false);
      assert.equal((await ctx.store.getAttempt(attempt.tenant, attempt.id))?.redeemedAt, null);
    });

    it('redeemAttempt succeeds only once', async () => {
      const attempt = await ctx.createAttempt();
      await ctx.store.completeAttempt(attempt.id, 'user-1', 'sso', T0 + 1);
      assert.equal(await ctx.store.redeemAttempt(attempt.id, T0 + 2), true);
      assert.equal(await ctx.store.redeemAttempt(attempt.id, T0 + 3), false);
      assert.equal((await ctx.store.getAttempt(attempt.tenant, attempt.id))?.redeemedAt, T0 + 2);
    });

    it('redeemAttempt lets exactly one of concurrent callers win', async () => {
      const attempt = await ctx.createAttempt();
      await ctx.store.completeAttempt(attempt.id, 'user-1', 'sso', T0 + 1);
      const results = await ctx.race((s, i) => s.redeemAttempt(attempt.id, T0 + 10 + i));
      assert.equal(count(results, true), 1);
      const stored = await ctx.store.getAttempt(attempt.tenant, attempt.id);
      assert.equal(stored?.redeemedAt, T0 + 10 + results.indexOf(true));
    });

    it('attempt transitions return false for an unknown attempt', async () => {
      const id = uid();
      assert.equal(await ctx.store.bindAttempt(id, 'binding-1'), false);
      assert.equal(await ctx.store.completeAttempt(id, 'user-1', 'sso', T0), false);
      assert.equal(await ctx.store.confirmAttempt(id, T0), false);
      assert.equal(await ctx.store.redeemAttempt(id, T0), false);
    });

    it('createAttempt stores the locale and getAttempt returns it', async () => {
      const attempt = await ctx.createAttempt({ locale: 'nl-NL' });
      assert.equal((await ctx.other.getAttempt(attempt.tenant, attempt.id))?.locale, 'nl-NL');
    });

    it('createAttempt stores confirmFailures and getAttempt returns it', async () => {
      const attempt = await ctx.createAttempt({ confirmFailures: 2 });
      assert.deepEqual(await ctx.other.getAttempt(attempt.tenant, attempt.id), attempt);
    });

    it('failAttemptConfirmation counts wrong entries one by one and changes nothing else', async () => {
      const attempt = await ctx.createAttempt();
      assert.equal(await ctx.store.failAttemptConfirmation(attempt.id), 1);
      assert.equal(await ctx.other.failAttemptConfirmation(attempt.id), 2);
      assert.equal(await ctx.store.failAttemptConfirmation(attempt.id), 3);
      assert.deepEqual(await ctx.other.getAttempt(attempt.tenant, attempt.id), {
        ...attempt,
        confirmFailures: 3,
      });
    });

    it('failAttemptConfirmation counts every one of concurrent callers exactly once', async () => {
      const attempt = await ctx.createAttempt();
      const totals = await ctx.race((s) => s.failAttemptConfirmation(attempt.id));
      assert.deepEqual(
        [...totals].sort((a, b) => a - b),
        Array.from({ length: CONCURRENT_CALLERS }, (_, i) => i + 1),
      );
      assert.equal(
        (await ctx.store.getAttempt(attempt.tenant, attempt.id))?.confirmFailures,
        CONCURRENT_CALLERS,
      );
    });

    it('failAttemptConfirmation returns 0 for an unknown attempt and creates nothing', async () => {
      const id = uid();
      assert.equal(await ctx.store.failAttemptConfirmation(id), 0);
      // Had the call created a row, this insert would conflict with it.
      const attempt = await ctx.createAttempt({ id });
      assert.equal((await ctx.other.getAttempt(attempt.tenant, id))?.confirmFailures, 0);
    });
  });
}
