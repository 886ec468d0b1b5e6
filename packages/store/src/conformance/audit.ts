// The audit log: events are appended and listed newest first, filtered by time, actor and type, limited; only
// retention removes them, by age. What one instance appends the other lists.
import assert from 'node:assert/strict';
import type { AuditEventRecord } from '@deskgate/core/store';
import { describe, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { auditFixture as eventFixture, MINUTE_MS, T0, tenantCode, uid } from './fixtures.ts';

export function describeAudit(ctx: ConformanceContext): void {
  describe('audit log', () => {
    it('stores an event whole, every field as given, seen by the other instance in its tenant only', async () => {
      const event = eventFixture({ subject: 'user-1', details: { via: 'jwt', n: 3, ok: false } });
      const refused = eventFixture({
        tenant: event.tenant,
        at: T0 + 1,
        actor: { kind: 'anonymous', id: null },
        method: null,
        outcome: 'refused',
        code: 'api_key_invalid',
        details: {},
      });
      await ctx.store.appendAudit(event);
      await ctx.store.appendAudit(refused);
      assert.deepEqual(await ctx.other.listAudit(event.tenant), [refused, event]);
      assert.deepEqual(await ctx.other.listAudit(tenantCode()), []);
    });

    it('lists newest first (then by id), with since (inclusive), until (exclusive), type and a limit', async () => {
      const tenant = tenantCode();
      const events = [0, 1, 2, 3, 4].map((i) =>
        eventFixture({ tenant, at: T0 + i * MINUTE_MS, type: i % 2 ? 'api_key_created' : 'sign_in' }),
      );
      const sameTime = eventFixture({ tenant, at: T0 + 4 * MINUTE_MS });
      for (const e of [...events, sameTime]) await ctx.store.appendAudit(e);
      const ids = (list: AuditEventRecord[]) => list.map((e) => e.id);
      const [a, b] = [events[4]!, sameTime].sort((x, y) => (x.id < y.id ? 1 : -1));
      assert.deepEqual(ids(await ctx.store.listAudit(tenant)), [
        a!.id,
        b!.id,
        events[3]!.id,
        events[2]!.id,
        events[1]!.id,
        events[0]!.id,
      ]);
      assert.deepEqual(
        ids(await ctx.other.listAudit(tenant, { since: T0 + MINUTE_MS, until: T0 + 3 * MINUTE_MS })),
        [events[2]!.id, events[1]!.id],
      );
      assert.deepEqual(ids(await ctx.other.listAudit(tenant, { type: 'api_key_created' })), [
        events[3]!.id,
        events[1]!.id,
      ]);
      assert.deepEqual(ids(await ctx.other.listAudit(tenant, { limit: 2 })), [a!.id, b!.id]);
      assert.deepEqual(ids(await ctx.other.listAudit(tenant, { type: 'sign_in', limit: 1 })), [a!.id]);
    });

    it('filters by actor: a user id, or the kind of an actor without an id (operator)', async () => {
      const tenant = tenantCode();
      const user = eventFixture({ tenant });
      const operator = eventFixture({ tenant, at: T0 + 1, actor: { kind: 'operator', id: null } });
      const anonymous = eventFixture({ tenant, at: T0 + 2, actor: { kind: 'anonymous', id: null } });
      for (const e of [user, operator, anonymous]) await ctx.store.appendAudit(e);
      assert.deepEqual(await ctx.other.listAudit(tenant, { actor: user.actor.id! }), [user]);
      assert.deepEqual(await ctx.other.listAudit(tenant, { actor: 'operator' }), [operator]);
      assert.deepEqual(await ctx.other.listAudit(tenant, { actor: uid() }), []);
    });

    it('events appended at once by both instances are all kept', async () => {
      const tenant = tenantCode();
      const events = await ctx.race(async (s, i) => {
        const e = eventFixture({ tenant, at: T0 + i });
        await s.appendAudit(e);
        return e;
      });
      assert.equal((await ctx.store.listAudit(tenant)).length, events.length);
    });

    it('purge deletes the events before the cutoff, of every tenant, and keeps the rest', async () => {
      const cutoff = T0 + 1000 * MINUTE_MS;
      const [one, two] = [tenantCode(), tenantCode()];
      const old = [eventFixture({ tenant: one, at: cutoff - 1 }), eventFixture({ tenant: two, at: T0 })];
      const kept = [eventFixture({ tenant: one, at: cutoff }), eventFixture({ tenant: two, at: cutoff + 1 })];
      for (const e of [...old, ...kept]) await ctx.store.appendAudit(e);
      await ctx.other.purgeAudit(cutoff);
      assert.deepEqual(await ctx.store.listAudit(one), [kept[0]]);
      assert.deepEqual(await ctx.store.listAudit(two), [kept[1]]);
    });
  });
}
