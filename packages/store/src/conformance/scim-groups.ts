// SCIM provisioning, groups: unique displayName ignoring case and unique externalId, their members (never of
// another tenant), filtered and paged lists, versioned updates, and deletion with the memberships.
import assert from 'node:assert/strict';
import { type ScimGroupRecord, StoreConflictError } from '@deskgate/core/store';
import { describe, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { T0, tenantCode, uid } from './fixtures.ts';

export const groupFixture = (tenant: string, overrides: Partial<ScimGroupRecord> = {}): ScimGroupRecord => ({
  tenant,
  id: uid(),
  displayName: `group-${uid()}`,
  externalId: uid(),
  role: 'agent',
  version: 1,
  createdAt: T0,
  updatedAt: T0,
  ...overrides,
});

export function describeScimGroups(ctx: ConformanceContext): void {
  describe('SCIM groups', () => {
    it('createScimGroup stores the group and its members; getScimGroup and listScimGroups find it', async () => {
      const tenant = tenantCode();
      const a = await ctx.createUser(tenant);
      const b = await ctx.createUser(tenant);
      const group = groupFixture(tenant);
      const roleless = groupFixture(tenant, { role: null, externalId: null, createdAt: T0 + 1 });
      await ctx.store.createScimGroup(group, [b.id, a.id]);
      await ctx.store.createScimGroup(roleless, []);
      assert.deepEqual(await ctx.other.getScimGroup(tenant, group.id), group);
      assert.deepEqual(await ctx.other.getScimGroup(tenant, roleless.id), roleless);
      assert.equal(await ctx.other.getScimGroup(tenantCode(), group.id), undefined);
      assert.deepEqual(await ctx.other.listScimGroupMembers(tenant, group.id), [b.id, a.id]);
      assert.deepEqual(await ctx.other.listScimGroupMembers(tenant, roleless.id), []);
      assert.deepEqual(await ctx.other.listScimGroups(tenant, {}), { total: 2, items: [group, roleless] });
    });

    it('createScimGroup rejects a displayName taken ignoring case or a taken externalId, storing nothing', async () => {
      const tenant = tenantCode();
      const member = await ctx.createUser(tenant);
      const first = groupFixture(tenant, { displayName: 'Agents' });
      await ctx.store.createScimGroup(first, []);
      for (const clash of [
        groupFixture(tenant, { displayName: 'AGENTS' }),
        groupFixture(tenant, { externalId: first.externalId }),
      ]) {
        await assert.rejects(ctx.store.createScimGroup(clash, [member.id]), StoreConflictError);
        assert.equal(await ctx.store.getScimGroup(tenant, clash.id), undefined);
        assert.deepEqual(await ctx.store.listScimGroupMembers(tenant, clash.id), []);
      }
      await ctx.store.createScimGroup(groupFixture(tenantCode(), { displayName: 'agents' }), []);
    });

    it('listScimGroups filters by displayName ignoring case, externalId and member, and pages', async () => {
      const tenant = tenantCode();
      const member = await ctx.createUser(tenant);
      const groups = [0, 1, 2].map((i) =>
        groupFixture(tenant, { displayName: `Team ${i}`, createdAt: T0 + i }),
      );
      await ctx.store.createScimGroup(groups[0]!, [member.id]);
      await ctx.store.createScimGroup(groups[1]!, []);
      await ctx.store.createScimGroup(groups[2]!, [member.id]);
      await ctx.store.createScimGroup(groupFixture(tenantCode(), { displayName: 'Team 0' }), []);
      const ids = async (query: Parameters<typeof ctx.store.listScimGroups>[1]) => {
        const { total, items } = await ctx.other.listScimGroups(tenant, query);
        return { total, ids: items.map((g) => g.id) };
      };
      const [g0, g1, g2] = groups.map((g) => g.id) as [string, string, string];
      assert.deepEqual(await ids({ displayName: 'TEAM 1' }), { total: 1, ids: [g1] });
      assert.deepEqual(await ids({ externalId: groups[2]!.externalId! }), { total: 1, ids: [g2] });
      assert.deepEqual(await ids({ memberId: member.id }), { total: 2, ids: [g0, g2] });
      assert.deepEqual(await ids({ memberId: member.id, displayName: 'team 1' }), { total: 0, ids: [] });
      assert.deepEqual(await ids({ startIndex: 2, count: 1 }), { total: 3, ids: [g1] });
      assert.deepEqual(await ids({ count: 0 }), { total: 3, ids: [] });
      assert.deepEqual(await ctx.other.listScimGroupsOfUser(tenant, member.id), [groups[0], groups[2]]);
      assert.deepEqual(await ctx.other.listScimGroupsOfUser(tenantCode(), member.id), []);
    });

    it('updateScimGroup replaces the group when the version matches, and only then', async () => {
      const tenant = tenantCode();
      const group = groupFixture(tenant);
      await ctx.store.createScimGroup(group, []);
      const updated = {
        ...group,
        displayName: 'Renamed',
        externalId: null,
        role: null,
        version: 2,
        updatedAt: T0 + 1,
      };
      assert.equal(await ctx.store.updateScimGroup({ ...updated, version: 3 }, 2), false);
      assert.deepEqual(await ctx.other.getScimGroup(tenant, group.id), group);
      assert.equal(await ctx.store.updateScimGroup(updated, 1), true);
      assert.deepEqual(await ctx.other.getScimGroup(tenant, group.id), updated);
      assert.equal(await ctx.other.updateScimGroup({ ...updated, version: 3 }, 1), false);
      assert.equal(await ctx.store.updateScimGroup({ ...updated, tenant: tenantCode() }, 2), false);
      const taken = groupFixture(tenant, { displayName: 'Taken' });
      await ctx.store.createScimGroup(taken, []);
      await assert.rejects(
        ctx.store.updateScimGroup({ ...updated, displayName: 'tAKEN', version: 3 }, 2),
        StoreConflictError,
      );
      assert.deepEqual(await ctx.other.getScimGroup(tenant, group.id), updated);
    });

    it('changeScimGroupMembers adds and removes idempotently, ignoring unknown users and other tenants', async () => {
      const tenant = tenantCode();
      const [a, b, c] = [
        await ctx.createUser(tenant),
        await ctx.createUser(tenant),
        await ctx.createUser(tenant),
      ];
      const stranger = await ctx.createUser();
      const group = groupFixture(tenant);
      await ctx.store.createScimGroup(group, [a.id, uid(), stranger.id]);
      await ctx.store.changeScimGroupMembers(tenant, group.id, [c.id, a.id, b.id, uid(), stranger.id], []);
      assert.deepEqual(await ctx.other.listScimGroupMembers(tenant, group.id), [a.id, c.id, b.id]);
      await ctx.other.changeScimGroupMembers(tenant, group.id, [c.id], [a.id, uid()]);
      assert.deepEqual(await ctx.store.listScimGroupMembers(tenant, group.id), [c.id, b.id]);
      await ctx.store.changeScimGroupMembers(tenant, group.id, [a.id], [a.id]);
      await ctx.store.changeScimGroupMembers(tenant, group.id, [], [c.id, c.id]);
      assert.deepEqual(await ctx.store.listScimGroupMembers(tenant, group.id), [b.id]);
      // Another tenant's call, or an unknown group, changes nothing.
      await ctx.store.changeScimGroupMembers(tenantCode(), group.id, [a.id], [b.id]);
      await ctx.store.changeScimGroupMembers(tenant, uid(), [a.id], []);
      assert.deepEqual(await ctx.store.listScimGroupMembers(tenant, group.id), [b.id]);
      assert.deepEqual(await ctx.store.listScimGroupsOfUser(tenant, a.id), []);
      assert.deepEqual(await ctx.store.listScimGroupsOfUser(tenant, b.id), [group]);
    });

    it('deleteScimGroup deletes the group and its memberships, once', async () => {
      const tenant = tenantCode();
      const member = await ctx.createUser(tenant);
      const group = groupFixture(tenant);
      const kept = groupFixture(tenant, { createdAt: T0 + 1 });
      await ctx.store.createScimGroup(group, [member.id]);
      await ctx.store.createScimGroup(kept, [member.id]);
      assert.equal(await ctx.store.deleteScimGroup(tenantCode(), group.id), false);
      assert.equal(await ctx.store.deleteScimGroup(tenant, group.id), true);
      assert.equal(await ctx.other.deleteScimGroup(tenant, group.id), false);
      assert.equal(await ctx.other.getScimGroup(tenant, group.id), undefined);
      assert.deepEqual(await ctx.other.listScimGroupMembers(tenant, group.id), []);
      assert.deepEqual(await ctx.other.listScimGroupsOfUser(tenant, member.id), [kept]);
      assert.deepEqual(await ctx.other.getUser(tenant, member.id), member);
    });
  });
}
