// The mail outbox and magic links: a message is claimed by one worker at a time and retried until sent or
// given up; a magic link is used once, and a newer one for the same email and attempt replaces the older.
import assert from 'node:assert/strict';
import type { MagicLinkRecord } from '@deskgate/core/store';
import { beforeEach, describe, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { MINUTE_MS, mailFixture, T0, tenantCode, uid } from './fixtures.ts';

const linkFixture = (overrides: Partial<MagicLinkRecord> = {}): MagicLinkRecord => ({
  digest: uid(),
  tenant: tenantCode(),
  email: 'agent@example.com',
  attemptId: uid(),
  returnTo: null,
  userId: uid(),
  createdAt: T0,
  expiresAt: T0 + 10 * MINUTE_MS,
  ...overrides,
});

const FAR = Number.MAX_SAFE_INTEGER;

export function describeMail(ctx: ConformanceContext): void {
  describe('mail outbox', () => {
    // The outbox is one queue for the whole database: each test starts with nothing due.
    beforeEach(async () => {
      for (const mail of await ctx.store.claimMail(FAR - 1, FAR, 10_000))
        await ctx.store.markMailSent(mail.id, T0);
    });

    it('counts the mail waiting: queued (also leased or retried) and given up; sent mail not', async () => {
      const before = await ctx.store.mailDepth();
      const queued = mailFixture();
      const retried = mailFixture({ attempts: 2, lastError: 'connection refused' });
      const failed = mailFixture({ failed: true, attempts: 5, lastError: 'gave up' });
      const sent = mailFixture();
      for (const mail of [queued, retried, failed, sent]) await ctx.store.enqueueMail(mail);
      await ctx.store.markMailSent(sent.id, T0);
      assert.deepEqual(await ctx.other.mailDepth(), {
        queued: before.queued + 2,
        failed: before.failed + 1,
      });
      // Given-up mail is never claimed again, so the queue's clean-up before each test would keep it.
      await ctx.store.markMailSent(failed.id, T0);
    });

    it('claims due mail oldest first, leased, with its body; not mail that is not due yet', async () => {
      const first = mailFixture({ createdAt: T0 });
      const second = mailFixture({ createdAt: T0 + 1 });
      const later = mailFixture({ createdAt: T0, nextAttemptAt: T0 + MINUTE_MS });
      for (const mail of [second, later, first]) await ctx.store.enqueueMail(mail);
      const claimed = await ctx.other.claimMail(T0, T0 + MINUTE_MS, 10);
      assert.deepEqual(claimed, [
        { ...first, leaseUntil: T0 + MINUTE_MS },
        { ...second, leaseUntil: T0 + MINUTE_MS },
      ]);
      assert.deepEqual(await ctx.store.claimMail(T0 + 1, T0 + 2 * MINUTE_MS, 10), [], 'leased: not again');
      const again = await ctx.store.claimMail(T0 + MINUTE_MS + 1, T0 + 3 * MINUTE_MS, 10);
      assert.deepEqual(
        again.map((m) => m.id).sort(),
        [first.id, second.id, later.id].sort(),
        'a lease that ran out is claimed again, with what became due',
      );
      assert.equal(again.at(-1)?.id, second.id, 'oldest first');
    });

    it('respects the limit', async () => {
      for (let i = 0; i < 3; i++) await ctx.store.enqueueMail(mailFixture({ createdAt: T0 + i }));
      assert.equal((await ctx.store.claimMail(T0, T0 + MINUTE_MS, 2)).length, 2);
      assert.equal((await ctx.store.claimMail(T0, T0 + MINUTE_MS, 2)).length, 1);
    });

    it('gives each due message to exactly one of concurrent claimers', async () => {
      const mails = Array.from({ length: 6 }, (_, i) => mailFixture({ createdAt: T0 + i }));
      for (const mail of mails) await ctx.store.enqueueMail(mail);
      const results = await ctx.race((s) => s.claimMail(T0, T0 + MINUTE_MS, 3));
      const ids = results.flat().map((m) => m.id);
      assert.equal(new Set(ids).size, ids.length, 'no message claimed twice');
      assert.deepEqual(ids.sort(), mails.map((m) => m.id).sort());
    });

    it('markMailSent clears the body and lease; sent mail is never claimed again', async () => {
      const mail = mailFixture({ createdAt: T0 + 99 * MINUTE_MS });
      await ctx.store.enqueueMail(mail);
      await ctx.store.claimMail(T0, T0 + MINUTE_MS, 10);
      await ctx.other.markMailSent(mail.id, T0 + 5);
      const listed = (await ctx.store.listMail({ limit: 1000 })).find((m) => m.id === mail.id);
      assert.deepEqual(listed, { ...mail, bodyEncrypted: null, sentAt: T0 + 5, leaseUntil: null });
      assert.deepEqual(await ctx.store.claimMail(FAR - 1, FAR, 10), []);
    });

    it('markMailFailed retries later, or gives up; listMail({ failed }) shows both, not sent mail', async () => {
      const retried = mailFixture({ createdAt: T0 });
      const abandoned = mailFixture({ createdAt: T0 + 1 });
      const sent = mailFixture({ createdAt: T0 + 2 });
      for (const mail of [retried, abandoned, sent]) await ctx.store.enqueueMail(mail);
      await ctx.store.claimMail(T0, T0 + MINUTE_MS, 10);
      await ctx.store.markMailFailed(retried.id, 'connection refused', T0 + 30_000);
      await ctx.store.markMailFailed(abandoned.id, 'mailbox unavailable', null);
      await ctx.store.markMailSent(sent.id, T0 + 3);
      const failed = await ctx.other.listMail({ failed: true, limit: 10 });
      assert.deepEqual(
        failed.map((m) => [m.id, m.attempts, m.lastError, m.failed, m.leaseUntil, m.nextAttemptAt]),
        [
          [abandoned.id, 1, 'mailbox unavailable', true, null, T0],
          [retried.id, 1, 'connection refused', false, null, T0 + 30_000],
        ],
      );
      assert.deepEqual(
        await ctx.store.claimMail(T0 + 29_999, T0 + MINUTE_MS, 10),
        [],
        'not before its next try',
      );
      assert.deepEqual(
        (await ctx.store.claimMail(T0 + 30_000, T0 + 2 * MINUTE_MS, 10)).map((m) => m.id),
        [retried.id],
        'given up: never again',
      );
    });
  });

  describe('magic links', () => {
    it('takeMagicLink returns the link once, on any instance', async () => {
      const link = linkFixture();
      await ctx.store.createMagicLink(link);
      assert.deepEqual(await ctx.other.getMagicLink(link.digest, T0), link, 'reading uses nothing up');
      assert.deepEqual(await ctx.other.takeMagicLink(link.tenant, link.digest, T0), link);
      assert.equal(await ctx.store.takeMagicLink(link.tenant, link.digest, T0), undefined);
      assert.equal(await ctx.store.getMagicLink(link.digest, T0), undefined);
    });

    it('takeMagicLink leaves another tenant’s link as it is', async () => {
      const link = linkFixture();
      await ctx.store.createMagicLink(link);
      assert.equal(await ctx.other.takeMagicLink(tenantCode(), link.digest, T0), undefined);
      assert.deepEqual(await ctx.store.takeMagicLink(link.tenant, link.digest, T0), link);
    });

    it('refuses and burns an expired link', async () => {
      const link = linkFixture();
      await ctx.store.createMagicLink(link);
      assert.equal(await ctx.store.getMagicLink(link.digest, link.expiresAt), undefined);
      assert.equal(await ctx.store.takeMagicLink(link.tenant, link.digest, link.expiresAt), undefined);
      assert.equal(
        await ctx.other.takeMagicLink(link.tenant, link.digest, T0),
        undefined,
        'deleted, not just refused',
      );
    });

    it('a newer link for the same email and attempt replaces the older; other emails and attempts stay', async () => {
      const old = linkFixture();
      const otherEmail = linkFixture({
        tenant: old.tenant,
        attemptId: old.attemptId,
        email: 'b@example.com',
      });
      const otherAttempt = linkFixture({ tenant: old.tenant, email: old.email });
      for (const link of [old, otherEmail, otherAttempt]) await ctx.store.createMagicLink(link);
      const newer = linkFixture({ tenant: old.tenant, attemptId: old.attemptId, email: old.email });
      await ctx.other.createMagicLink(newer);
      assert.equal(await ctx.store.takeMagicLink(old.tenant, old.digest, T0), undefined);
      for (const link of [newer, otherEmail, otherAttempt])
        assert.deepEqual(await ctx.store.takeMagicLink(link.tenant, link.digest, T0), link);
    });

    it('keeps a first-party link (no attempt, a return path); a newer one of the email replaces it', async () => {
      const old = linkFixture({ attemptId: null, returnTo: '/t/acme/access-requests/1' });
      const popup = linkFixture({ tenant: old.tenant, email: old.email });
      await ctx.store.createMagicLink(old);
      await ctx.store.createMagicLink(popup);
      assert.deepEqual(await ctx.other.getMagicLink(old.digest, T0), old);
      const newer = linkFixture({ tenant: old.tenant, email: old.email, attemptId: null, returnTo: '/x' });
      await ctx.other.createMagicLink(newer);
      assert.equal(await ctx.store.takeMagicLink(old.tenant, old.digest, T0), undefined);
      assert.deepEqual(await ctx.store.takeMagicLink(newer.tenant, newer.digest, T0), newer);
      assert.deepEqual(
        await ctx.store.takeMagicLink(popup.tenant, popup.digest, T0),
        popup,
        'the popup’s link stays',
      );
    });

    it('lets exactly one of concurrent callers take it', async () => {
      const link = linkFixture();
      await ctx.store.createMagicLink(link);
      const results = await ctx.race((s) => s.takeMagicLink(link.tenant, link.digest, T0));
      assert.deepEqual(
        results.filter((r) => r !== undefined),
        [link],
      );
    });
  });
}
