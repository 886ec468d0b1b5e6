// Pending grants (roles waiting for a first sign-in, taken by it exactly once) and the identities of a user.
import assert from 'node:assert/strict';
import type { PendingGrantRecord } from '@deskgate/core/store';
import { describe, it } from 'vitest';
import type { ConformanceContext } from './context.ts';
import { T0, tenantCode, uid } from './fixtures.ts';

const ISSUER = 'https://idp.example';
const OTHER_ISSUER = 'https://other-idp.example';

const subjectGrant = (
  tenant: string,
  subject: string,
  role: string,
  overrides: Partial<PendingGrantRecord> = {},
): PendingGrantRecord => ({
  tenant,
  kind: 'subject',
  issuer: ISSUER,
  value: subject,
  role,
  createdAt: T0,
  ...overrides,
});

const emailGrant = (
  tenant: string,
  email: string,
  role: string,
  overrides: Partial<PendingGrantRecord> = {},
): PendingGrantRecord => ({
  tenant,
  kind: 'email',
  issuer: '',
  value: email,
  role,
  createdAt: T0,
  ...overrides,
});

const keyOf = (g: PendingGrantRecord): string =>
  JSON.stringify([g.tenant, g.kind, g.issuer, g.value, g.role]);

export function describeGrants(ctx: ConformanceContext): void {
  const addAll = async (grants: PendingGrantRecord[]): Promise<void> => {
    for (const grant of grants) assert.equal(await ctx.store.addPendingGrant(grant), true);
  };

  describe('pending grants', () => {
    it('addPendingGrant inserts once: true, then false on any instance, keeping the first createdAt', async () => {
      const grant = subjectGrant(tenantCode(), 'sub-1', 'agent');
      assert.equal(await ctx.store.addPendingGrant(grant), true);
      assert.equal(await ctx.store.addPendingGrant(grant), false);
      assert.equal(await ctx.other.addPendingGrant({ ...grant, createdAt: T0 + 1 }), false);
      assert.deepEqual(await ctx.other.listPendingGrants(grant.tenant), [grant]);
    });

    it('addPendingGrant keys grants by tenant, kind, issuer, value and role', async () => {
      const tenant = tenantCode();
      const grant = subjectGrant(tenant, 'sub-1', 'agent');
      const variants = [
        grant,
        { ...grant, role: 'manager' },
        { ...grant, value: 'sub-2' },
        { ...grant, issuer: OTHER_ISSUER },
        { ...grant, kind: 'email' as const },
      ];
      await addAll(variants);
      const elsewhere = { ...grant, tenant: tenantCode() };
      assert.equal(await ctx.store.addPendingGrant(elsewhere), true);
      assert.equal((await ctx.store.listPendingGrants(tenant)).length, variants.length);
      assert.deepEqual(await ctx.store.listPendingGrants(elsewhere.tenant), [elsewhere]);
    });

    it('addPendingGrant lets exactly one of concurrent callers insert a grant', async () => {
      const grant = emailGrant(tenantCode(), 'agent@example.com', 'agent');
      const outcomes = await ctx.race((s, i) => s.addPendingGrant({ ...grant, createdAt: T0 + i }));
      assert.equal(outcomes.filter(Boolean).length, 1);
      const winner = outcomes.indexOf(true);
      assert.deepEqual(await ctx.store.listPendingGrants(grant.tenant), [
        { ...grant, createdAt: T0 + winner },
      ]);
    });

    it('listPendingGrants lists the tenant’s grants oldest first, then by kind, issuer, value and role', async () => {
      const tenant = tenantCode();
      const newest = emailGrant(tenant, 'a@example.com', 'agent', { createdAt: T0 + 2 });
      const byRole = subjectGrant(tenant, 'sub-1', 'manager', { createdAt: T0 + 1 });
      const byValue = subjectGrant(tenant, 'sub-2', 'agent', { createdAt: T0 + 1 });
      const byIssuer = subjectGrant(tenant, 'sub-1', 'agent', { createdAt: T0 + 1, issuer: OTHER_ISSUER });
      const firstOfTie = subjectGrant(tenant, 'sub-1', 'agent', { createdAt: T0 + 1 });
      const byKind = emailGrant(tenant, 'z@example.com', 'supervisor', { createdAt: T0 + 1 });
      const oldest = subjectGrant(tenant, 'sub-9', 'supervisor', { createdAt: T0 });
      await addAll([newest, byRole, byValue, byIssuer, firstOfTie, byKind, oldest]);
      await ctx.store.addPendingGrant(subjectGrant(tenantCode(), 'sub-1', 'agent'));
      assert.deepEqual(await ctx.other.listPendingGrants(tenant), [
        oldest,
        byKind,
        firstOfTie,
        byRole,
        byValue,
        byIssuer,
        newest,
      ]);
      assert.deepEqual(await ctx.other.listPendingGrants(tenantCode()), []);
    });

    it('removePendingGrant deletes that one grant: true, then false', async () => {
      const tenant = tenantCode();
      const grant = subjectGrant(tenant, 'sub-1', 'agent');
      const sibling = { ...grant, role: 'manager' };
      await addAll([grant, sibling]);
      const { createdAt: _, ...key } = grant;
      // Another tenant's, or another issuer's, grant of the same key is not this one.
      assert.equal(await ctx.store.removePendingGrant({ ...key, tenant: tenantCode() }), false);
      assert.equal(await ctx.store.removePendingGrant({ ...key, issuer: OTHER_ISSUER }), false);
      assert.equal(await ctx.other.removePendingGrant(key), true);
      assert.equal(await ctx.store.removePendingGrant(key), false);
      assert.deepEqual(await ctx.store.listPendingGrants(tenant), [sibling]);
    });

    it('takePendingGrants takes the subject’s grants of that issuer only, oldest first, once', async () => {
      const tenant = tenantCode();
      const newer = subjectGrant(tenant, 'sub-1', 'agent', { createdAt: T0 + 1 });
      const older = subjectGrant(tenant, 'sub-1', 'manager', { createdAt: T0 });
      const otherIssuer = subjectGrant(tenant, 'sub-1', 'agent', { issuer: OTHER_ISSUER });
      const otherSubject = subjectGrant(tenant, 'sub-2', 'agent');
      // An email grant whose value happens to equal the subject is not the subject's.
      const emailNamedLikeSubject = emailGrant(tenant, 'sub-1', 'agent');
      await addAll([newer, older, otherIssuer, otherSubject, emailNamedLikeSubject]);
      const identity = { issuer: ISSUER, subject: 'sub-1', email: null };
      assert.deepEqual(await ctx.other.takePendingGrants(tenant, identity), [older, newer]);
      assert.deepEqual(await ctx.store.takePendingGrants(tenant, identity), []);
      assert.deepEqual(await ctx.store.listPendingGrants(tenant), [
        emailNamedLikeSubject,
        otherSubject,
        otherIssuer,
      ]);
    });

    it('takePendingGrants takes the email’s grants, comparing the given email lowercase', async () => {
      const tenant = tenantCode();
      const byEmail = emailGrant(tenant, 'agent@example.com', 'manager', { createdAt: T0 });
      const bySubject = subjectGrant(tenant, 'sub-1', 'agent', { createdAt: T0 + 1 });
      const otherEmail = emailGrant(tenant, 'other@example.com', 'agent');
      const prefix = emailGrant(tenant, 'agent@example.co', 'agent');
      await addAll([byEmail, bySubject, otherEmail, prefix]);
      assert.deepEqual(
        await ctx.store.takePendingGrants(tenant, {
          issuer: ISSUER,
          subject: 'sub-1',
          email: 'Agent@Example.COM',
        }),
        [byEmail, bySubject],
      );
      assert.deepEqual(await ctx.store.listPendingGrants(tenant), [prefix, otherEmail]);
    });

    it('takePendingGrants takes email grants for an identity with no subject grants', async () => {
      const tenant = tenantCode();
      const grant = emailGrant(tenant, 'agent@example.com', 'agent');
      await addAll([grant]);
      const identity = { issuer: OTHER_ISSUER, subject: uid(), email: 'AGENT@EXAMPLE.COM' };
      assert.deepEqual(await ctx.other.takePendingGrants(tenant, identity), [grant]);
      assert.deepEqual(await ctx.other.takePendingGrants(tenant, identity), []);
    });

    it('takePendingGrants with a null email takes only the subject’s grants', async () => {
      const tenant = tenantCode();
      const bySubject = subjectGrant(tenant, 'sub-1', 'agent');
      const byEmail = emailGrant(tenant, 'agent@example.com', 'agent');
      // Not even a grant for an empty email matches a missing one.
      const emptyEmail = emailGrant(tenant, '', 'agent');
      await addAll([bySubject, byEmail, emptyEmail]);
      assert.deepEqual(
        await ctx.store.takePendingGrants(tenant, { issuer: ISSUER, subject: 'sub-1', email: null }),
        [bySubject],
      );
      assert.deepEqual(await ctx.store.listPendingGrants(tenant), [emptyEmail, byEmail]);
    });

    it('takePendingGrants never takes another tenant’s grants', async () => {
      const tenant = tenantCode();
      const elsewhere = tenantCode();
      const grants = [
        subjectGrant(elsewhere, 'sub-1', 'agent'),
        emailGrant(elsewhere, 'agent@example.com', 'agent'),
      ];
      await addAll(grants);
      const identity = { issuer: ISSUER, subject: 'sub-1', email: 'agent@example.com' };
      assert.deepEqual(await ctx.store.takePendingGrants(tenant, identity), []);
      assert.deepEqual(await ctx.store.listPendingGrants(elsewhere), [grants[1], grants[0]]);
      assert.deepEqual(await ctx.other.takePendingGrants(elsewhere, identity), [grants[1], grants[0]]);
    });

    it('takePendingGrants gives each grant to exactly one of concurrent takes on both instances', async () => {
      const tenant = tenantCode();
      const grants = Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? subjectGrant(tenant, 'sub-1', `role-${i}`, { createdAt: T0 + i })
          : emailGrant(tenant, 'agent@example.com', `role-${i}`, { createdAt: T0 + i }),
      );
      await addAll(grants);
      const results = await ctx.race((s, i) =>
        s.takePendingGrants(tenant, {
          issuer: ISSUER,
          subject: 'sub-1',
          email: i % 3 === 0 ? 'AGENT@example.com' : 'agent@example.com',
        }),
      );
      const taken = results.flat();
      assert.equal(new Set(taken.map(keyOf)).size, taken.length, 'a grant was taken twice');
      assert.deepEqual(
        taken.sort((a, b) => a.createdAt - b.createdAt),
        grants,
      );
      assert.deepEqual(await ctx.store.listPendingGrants(tenant), []);
    });
  });

  describe('identities of a user', () => {
    it('listIdentities lists the user’s identities oldest first, then by issuer and subject', async () => {
      const user = await ctx.createUser(tenantCode(), 'sub-0');
      const identity = (issuer: string, subject: string, createdAt: number) => ({
        tenant: user.tenant,
        issuer,
        subject,
        userId: user.id,
        createdAt,
      });
      const newest = identity(ISSUER, 'sub-a', T0 + 2);
      const byIssuer = identity(OTHER_ISSUER, 'sub-a', T0 + 1);
      const bySubject = identity(ISSUER, 'sub-b', T0 + 1);
      const firstOfTie = identity(ISSUER, 'sub-a2', T0 + 1);
      for (const i of [newest, byIssuer, bySubject, firstOfTie]) await ctx.store.createIdentity(i);
      // Another user's identities, in this tenant and in another, are not listed.
      const other = await ctx.createUser(user.tenant, 'sub-c');
      await ctx.createUser(tenantCode(), 'sub-0');
      assert.deepEqual(await ctx.other.listIdentities(user.tenant, user.id), [
        identity(ISSUER, 'sub-0', T0),
        firstOfTie,
        bySubject,
        byIssuer,
        newest,
      ]);
      assert.deepEqual(await ctx.other.listIdentities(user.tenant, other.id), [
        { tenant: user.tenant, issuer: ISSUER, subject: 'sub-c', userId: other.id, createdAt: T0 },
      ]);
    });

    it('listIdentities is scoped to the tenant and [] for an unknown user', async () => {
      const user = await ctx.createUser();
      assert.deepEqual(await ctx.store.listIdentities(tenantCode(), user.id), []);
      assert.deepEqual(await ctx.store.listIdentities(user.tenant, uid()), []);
    });
  });
}
