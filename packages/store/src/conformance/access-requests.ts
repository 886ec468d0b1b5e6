// Access requests: asking again replaces an unconfirmed request; confirming and deciding happen once, before
// expiry, whoever races; decided requests stay. listUsers gives a tenant's users.
import assert from 'node:assert/strict';
import type { AccessRequestRecord } from '@deskgate/core/store';
import { describe, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { MINUTE_MS, T0, tenantCode, uid } from './fixtures.ts';

const DAY_MS = 24 * 60 * MINUTE_MS;

const requestFixture = (overrides: Partial<AccessRequestRecord> = {}): AccessRequestRecord => ({
  id: uid(),
  tenant: tenantCode(),
  email: 'new.agent@example.com',
  status: 'unconfirmed',
  confirmDigest: uid(),
  locale: 'en-US',
  createdAt: T0,
  expiresAt: T0 + 7 * DAY_MS,
  confirmedAt: null,
  decidedAt: null,
  decidedBy: null,
  ...overrides,
});

export function describeAccessRequests(ctx: ConformanceContext): void {
  describe('access requests', () => {
    it('stores a request, found by id (within its tenant) and by its confirm digest', async () => {
      const request = requestFixture();
      await ctx.store.createAccessRequest(request);
      assert.deepEqual(await ctx.other.getAccessRequest(request.tenant, request.id), request);
      assert.equal(await ctx.other.getAccessRequest(tenantCode(), request.id), undefined);
      assert.deepEqual(await ctx.other.findAccessRequestByConfirmDigest(request.confirmDigest), request);
      assert.equal(await ctx.other.findAccessRequestByConfirmDigest(uid()), undefined);
    });

    it('asking again replaces an unconfirmed request of the email, not a pending one or another email', async () => {
      const tenant = tenantCode();
      const old = requestFixture({ tenant });
      const pending = requestFixture({ tenant, status: 'pending', confirmedAt: T0 });
      const other = requestFixture({ tenant, email: 'someone@example.com' });
      for (const r of [old, pending, other]) await ctx.store.createAccessRequest(r);
      const newer = requestFixture({ tenant, createdAt: T0 + 1 });
      await ctx.other.createAccessRequest(newer);
      assert.equal(await ctx.store.getAccessRequest(tenant, old.id), undefined);
      assert.deepEqual(
        (await ctx.store.listAccessRequests(tenant)).map((r) => r.id).sort(),
        [pending.id, other.id, newer.id].sort(),
      );
      assert.deepEqual(
        (await ctx.store.listAccessRequests(tenant, 'pending')).map((r) => r.id),
        [pending.id],
      );
    });

    it('confirms once, only while unconfirmed and before expiry', async () => {
      const request = requestFixture();
      await ctx.store.createAccessRequest(request);
      const results = await ctx.race((s) => s.confirmAccessRequest(request.id, T0 + 5));
      assert.equal(results.filter(Boolean).length, 1);
      assert.deepEqual(await ctx.store.getAccessRequest(request.tenant, request.id), {
        ...request,
        status: 'pending',
        confirmedAt: T0 + 5,
      });
      const late = requestFixture();
      await ctx.store.createAccessRequest(late);
      assert.equal(await ctx.store.confirmAccessRequest(late.id, late.expiresAt), false);
    });

    it('is decided once, only when pending and before expiry', async () => {
      const request = requestFixture({ status: 'pending', confirmedAt: T0 });
      await ctx.store.createAccessRequest(request);
      const results = await ctx.race((s, i) =>
        s.decideAccessRequest(request.id, i % 2 ? 'rejected' : 'approved', `manager-${i}`, T0 + 10),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const decided = await ctx.store.getAccessRequest(request.tenant, request.id);
      const winner = results.indexOf(true);
      assert.deepEqual(decided, {
        ...request,
        status: winner % 2 ? 'rejected' : 'approved',
        decidedAt: T0 + 10,
        decidedBy: `manager-${winner}`,
      });
      const unconfirmed = requestFixture();
      await ctx.store.createAccessRequest(unconfirmed);
      assert.equal(await ctx.store.decideAccessRequest(unconfirmed.id, 'approved', 'm', T0), false);
      const expired = requestFixture({ status: 'pending', confirmedAt: T0 });
      await ctx.store.createAccessRequest(expired);
      assert.equal(
        await ctx.store.decideAccessRequest(expired.id, 'approved', 'm', expired.expiresAt),
        false,
      );
    });

    it('listUsers gives the tenant’s users, oldest first', async () => {
      const first = await ctx.createUser();
      assert.deepEqual(
        (await ctx.other.listUsers(first.tenant)).map((u) => u.id),
        [first.id],
      );
      assert.deepEqual(await ctx.other.listUsers(tenantCode()), []);
    });
  });
}
