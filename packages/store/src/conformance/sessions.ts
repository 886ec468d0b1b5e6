// Sessions and refresh tokens: revocation and rotation happen once, however many callers race.
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { CONCURRENT_CALLERS, type ConformanceContext, count } from './context.ts';
import { auditFixture, refreshFixture, T0, uid } from './fixtures.ts';

export function describeSessions(ctx: ConformanceContext): void {
  describe('sessions and refresh tokens', () => {
    it('createSession stores the session and its first refresh token', async () => {
      const { session, refresh } = await ctx.createSession();
      assert.deepEqual(await ctx.other.getSession(session.id), session);
      assert.deepEqual(await ctx.other.getRefreshToken(refresh.digest), refresh);
    });

    it('createSession stores the sign-in event in the same transaction: both or neither', async () => {
      const { session } = await ctx.createSession();
      const event = auditFixture({
        tenant: session.tenant,
        actor: { kind: 'user', id: session.userId },
        subject: session.userId,
        details: { session: 'second' },
      });
      const second = { ...session, id: uid() };
      const secondToken = refreshFixture(second.id, { expiresAt: second.expiresAt });
      await ctx.store.createSession(second, secondToken, event);
      assert.deepEqual(await ctx.other.getSession(second.id), second);
      assert.deepEqual(await ctx.other.listAudit(session.tenant), [event]);
      // The same event id again: its insert fails, and the session and token written before it roll back.
      const third = { ...session, id: uid() };
      const thirdToken = refreshFixture(third.id, { expiresAt: third.expiresAt });
      await assert.rejects(ctx.store.createSession(third, thirdToken, { ...event, at: T0 + 1 }));
      assert.equal(await ctx.other.getSession(third.id), undefined);
      assert.equal(await ctx.other.getRefreshToken(thirdToken.digest), undefined);
      assert.deepEqual(await ctx.other.listAudit(session.tenant), [event]);
    });

    it("createSession keeps an exchange session's source method (via)", async () => {
      const { session } = await ctx.createSession({ method: 'exchange', via: 'api_key' });
      assert.deepEqual(await ctx.other.getSession(session.id), session);
      assert.equal((await ctx.other.getSession(session.id))?.via, 'api_key');
    });

    it('getSession and getRefreshToken return undefined for unknown keys', async () => {
      assert.equal(await ctx.store.getSession(uid()), undefined);
      assert.equal(await ctx.store.getRefreshToken(uid()), undefined);
    });

    it('revokeSession revokes once and reports whether this call revoked it', async () => {
      const { session } = await ctx.createSession();
      assert.equal(await ctx.store.revokeSession(session.id, 'logout', T0 + 1), true);
      assert.equal(await ctx.store.revokeSession(session.id, 'reuse', T0 + 2), false);
      assert.deepEqual(await ctx.store.getSession(session.id), {
        ...session,
        revokedAt: T0 + 1,
        revokeReason: 'logout',
      });
    });

    it('revokeSession returns false for an unknown session', async () => {
      assert.equal(await ctx.store.revokeSession(uid(), 'logout', T0), false);
    });

    it('revokeSession lets exactly one of concurrent callers revoke', async () => {
      const { session } = await ctx.createSession();
      const results = await ctx.race((s, i) => s.revokeSession(session.id, `reason-${i}`, T0 + i));
      assert.equal(count(results, true), 1);
      const winner = results.indexOf(true);
      assert.equal((await ctx.store.getSession(session.id))?.revokeReason, `reason-${winner}`);
    });

    it('rotateRefreshToken marks the token used and inserts the successor', async () => {
      const { session, refresh } = await ctx.createSession();
      const successor = refreshFixture(session.id, { createdAt: T0 + 5 });
      assert.equal(await ctx.store.rotateRefreshToken(refresh.digest, successor, T0 + 5), 'rotated');
      assert.deepEqual(await ctx.store.getRefreshToken(refresh.digest), { ...refresh, usedAt: T0 + 5 });
      assert.deepEqual(await ctx.store.getRefreshToken(successor.digest), successor);
    });

    it('rotateRefreshToken reports already_used for a replayed token and inserts nothing', async () => {
      const { session, refresh } = await ctx.createSession();
      await ctx.store.rotateRefreshToken(refresh.digest, refreshFixture(session.id), T0 + 5);
      const replay = refreshFixture(session.id);
      assert.equal(await ctx.store.rotateRefreshToken(refresh.digest, replay, T0 + 6), 'already_used');
      assert.equal(await ctx.store.getRefreshToken(replay.digest), undefined);
      assert.equal((await ctx.store.getRefreshToken(refresh.digest))?.usedAt, T0 + 5);
    });

    it('rotateRefreshToken reports not_found for an unknown token and inserts nothing', async () => {
      const { session } = await ctx.createSession();
      const successor = refreshFixture(session.id);
      assert.equal(await ctx.store.rotateRefreshToken(uid(), successor, T0), 'not_found');
      assert.equal(await ctx.store.getRefreshToken(successor.digest), undefined);
    });

    it('rotateRefreshToken lets exactly one of concurrent callers rotate', async () => {
      const { session, refresh } = await ctx.createSession();
      const successors = Array.from({ length: CONCURRENT_CALLERS }, () => refreshFixture(session.id));
      const results = await ctx.race((s, i) => s.rotateRefreshToken(refresh.digest, successors[i]!, T0 + i));
      assert.equal(count(results, 'rotated'), 1);
      assert.equal(count(results, 'already_used'), CONCURRENT_CALLERS - 1);
      const stored = await Promise.all(successors.map((t) => ctx.store.getRefreshToken(t.digest)));
      assert.deepEqual(
        stored.map((t) => t !== undefined),
        results.map((r) => r === 'rotated'),
      );
    });

    it('ensureRefreshToken inserts a missing token and leaves an existing one untouched', async () => {
      const { session } = await ctx.createSession();
      const token = refreshFixture(session.id);
      await ctx.store.ensureRefreshToken(token);
      assert.deepEqual(await ctx.store.getRefreshToken(token.digest), token);
      await ctx.store.ensureRefreshToken({ ...token, expiresAt: T0 + 1, usedAt: T0 });
      assert.deepEqual(await ctx.store.getRefreshToken(token.digest), token);
    });

    it('ensureRefreshToken tolerates concurrent callers handing out the same successor', async () => {
      const { session } = await ctx.createSession();
      const token = refreshFixture(session.id);
      await ctx.race((s) => s.ensureRefreshToken(token));
      assert.deepEqual(await ctx.store.getRefreshToken(token.digest), token);
    });
  });
}
