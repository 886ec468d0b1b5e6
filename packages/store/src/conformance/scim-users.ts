// SCIM provisioning, users: the SCIM side of users (unique userName ignoring case, unique externalId) stored
// with the user and its identities, adoption of existing users, filtered and paged lists, versioned updates, and
// deprovisioning that leaves revoked sessions and the audit log behind.
import assert from 'node:assert/strict';
import {
  type IdentityRecord,
  type ScimUserRecord,
  StoreConflictError,
  type UserRecord,
} from '@deskgate/core/store';
import { describe, it } from 'vitest';
import { type ConformanceContext, count } from './context.ts';
import { T0, tenantCode, uid, userFixture } from './fixtures.ts';
import { groupFixture } from './scim-groups.ts';

const ISSUER = 'https://idp.example';
const PLATFORM = 'https://platform.example';

const scimFixture = (user: UserRecord, overrides: Partial<ScimUserRecord> = {}): ScimUserRecord => ({
  tenant: user.tenant,
  userId: user.id,
  userName: `user-${uid()}`,
  externalId: uid(),
  attributes: { name: { givenName: 'Ada', familyName: 'Lovelace' }, emails: [{ value: user.email }] },
  version: 1,
  createdAt: user.createdAt,
  updatedAt: user.updatedAt,
  ...overrides,
});

const identityFixture = (user: UserRecord, issuer = ISSUER, subject = uid()): IdentityRecord => ({
  tenant: user.tenant,
  issuer,
  subject,
  userId: user.id,
  createdAt: T0,
});

const byIssuerSubject = (identities: IdentityRecord[]) =>
  [...identities].sort((a, b) => `${a.issuer} ${a.subject}`.localeCompare(`${b.issuer} ${b.subject}`));

export function describeScimUsers(ctx: ConformanceContext): void {
  /** A provisioned user with one identity at ISSUER. */
  const provision = async (
    tenant: string,
    fields: Partial<UserRecord> = {},
    scimFields: Partial<ScimUserRecord> = {},
  ): Promise<{ user: UserRecord; scim: ScimUserRecord; identity: IdentityRecord }> => {
    const user = { ...userFixture(tenant), ...fields };
    const scim = scimFixture(user, scimFields);
    const identity = identityFixture(user);
    await ctx.store.createScimUser(user, scim, [identity]);
    return { user, scim, identity };
  };

  describe('SCIM users', () => {
    it('createScimUser stores the user, its SCIM side and identities together', async () => {
      const tenant = tenantCode();
      const user = userFixture(tenant);
      const scim = scimFixture(user);
      const identities = [identityFixture(user), identityFixture(user, PLATFORM, scim.externalId!)];
      await ctx.store.createScimUser(user, scim, identities);
      assert.deepEqual(await ctx.other.getUser(tenant, user.id), user);
      assert.deepEqual(await ctx.other.getScimUser(tenant, user.id), { user, scim });
      assert.deepEqual(
        byIssuerSubject(await ctx.other.listIdentities(tenant, user.id)),
        byIssuerSubject(identities),
      );
      assert.deepEqual(await ctx.other.listScimUsers(tenant, {}), { total: 1, items: [{ user, scim }] });
      assert.equal(await ctx.other.getScimUser(tenantCode(), user.id), undefined);
      assert.equal(await ctx.other.getScimUser(tenant, uid()), undefined);
    });

    it('createScimUser keeps a null externalId, and several users may have none', async () => {
      const tenant = tenantCode();
      const a = await provision(tenant, {}, { externalId: null });
      const b = await provision(tenant, { createdAt: T0 + 1 }, { externalId: null });
      assert.deepEqual((await ctx.store.listScimUsers(tenant, {})).items, [
        { user: a.user, scim: a.scim },
        { user: b.user, scim: b.scim },
      ]);
    });

    it('createScimUser rejects a userName taken ignoring case, an externalId or an identity, storing nothing', async () => {
      const tenant = tenantCode();
      const first = await provision(tenant, {}, { userName: 'Ada.Lovelace@Example.COM' });
      const attempts: Array<(u: UserRecord) => [ScimUserRecord, IdentityRecord[]]> = [
        (u) => [scimFixture(u, { userName: 'ada.lovelace@example.com' }), [identityFixture(u)]],
        (u) => [scimFixture(u, { externalId: first.scim.externalId }), [identityFixture(u)]],
        (u) => [scimFixture(u), [identityFixture(u), { ...first.identity, userId: u.id }]],
      ];
      for (const make of attempts) {
        const user = userFixture(tenant);
        const [scim, identities] = make(user);
        await assert.rejects(ctx.store.createScimUser(user, scim, identities), StoreConflictError);
        assert.equal(await ctx.store.getUser(tenant, user.id), undefined);
        assert.equal(await ctx.store.getScimUser(tenant, user.id), undefined);
        assert.equal(await ctx.store.findUserByIdentity(tenant, ISSUER, identities[0]!.subject), undefined);
      }
      assert.deepEqual(await ctx.store.listUsers(tenant), [first.user]);
      // Another tenant may use the same userName and externalId.
      const elsewhere = userFixture(tenantCode());
      await ctx.store.createScimUser(
        elsewhere,
        scimFixture(elsewhere, { userName: first.scim.userName, externalId: first.scim.externalId }),
        [],
      );
    });

    it('createScimUser lets exactly one of concurrent callers take a userName', async () => {
      const tenant = tenantCode();
      const outcomes = await ctx.race((s) => {
        const user = userFixture(tenant);
        return s
          .createScimUser(user, scimFixture(user, { userName: 'Shared' }), [identityFixture(user)])
          .then(
            () => 'created',
            (err: unknown) => (err instanceof StoreConflictError ? 'conflict' : Promise.reject(err)),
          );
      });
      assert.equal(count(outcomes, 'created'), 1);
      assert.equal((await ctx.store.listUsers(tenant)).length, 1);
    });

    it('adoptScimUser gives an existing user a SCIM side and identities', async () => {
      const user = await ctx.createUser();
      const scim = scimFixture(user, { createdAt: T0 + 5, updatedAt: T0 + 5 });
      const identity = identityFixture(user, PLATFORM, 'platform-1');
      await ctx.store.adoptScimUser(scim, [identity]);
      assert.deepEqual(await ctx.other.getScimUser(user.tenant, user.id), { user, scim });
      assert.deepEqual(await ctx.other.findUserByIdentity(user.tenant, PLATFORM, 'platform-1'), user);
      // Adopted once only; and the same conflicts as createScimUser, storing nothing.
      await assert.rejects(ctx.store.adoptScimUser(scimFixture(user), []), StoreConflictError);
      const other = await ctx.createUser(user.tenant);
      for (const [clash, identities] of [
        [scimFixture(other, { userName: scim.userName.toUpperCase() }), []],
        [scimFixture(other, { externalId: scim.externalId }), []],
        [scimFixture(other), [{ ...identity, userId: other.id }]],
      ] as const) {
        await assert.rejects(ctx.store.adoptScimUser(clash, [...identities]), StoreConflictError);
        assert.equal(await ctx.store.getScimUser(other.tenant, other.id), undefined);
      }
      assert.deepEqual(await ctx.store.getScimUser(user.tenant, user.id), { user, scim });
    });

    it('adoptScimUser rejects a user of another tenant', async () => {
      const user = await ctx.createUser();
      const scim = scimFixture(user, { tenant: tenantCode() });
      await assert.rejects(ctx.store.adoptScimUser(scim, []));
      assert.equal(await ctx.store.getScimUser(scim.tenant, user.id), undefined);
    });

    it('listScimUsers filters by userName and email ignoring case, by externalId, ANDed, in its tenant only', async () => {
      const tenant = tenantCode();
      const a = await provision(tenant, { email: 'Ada@Example.com', createdAt: T0 }, { userName: 'Ada' });
      const b = await provision(tenant, { email: 'ada@example.com', createdAt: T0 + 1 }, { userName: 'Bob' });
      const c = await provision(tenant, { email: 'carol@example.com', createdAt: T0 + 2 });
      // Not provisioned, or of another tenant: never listed.
      await ctx.createUser(tenant);
      await provision(tenantCode(), { email: 'ada@example.com' }, { userName: 'Ada' });
      const list = async (query: Parameters<typeof ctx.store.listScimUsers>[1]) =>
        (await ctx.other.listScimUsers(tenant, query)).items.map((i) => i.user.id);
      assert.deepEqual(await list({}), [a.user.id, b.user.id, c.user.id]);
      assert.deepEqual(await list({ userName: 'aDA' }), [a.user.id]);
      assert.deepEqual(await list({ email: 'ADA@example.COM' }), [a.user.id, b.user.id]);
      assert.deepEqual(await list({ externalId: c.scim.externalId! }), [c.user.id]);
      assert.deepEqual(await list({ externalId: c.scim.externalId!.toUpperCase() }), []);
      assert.deepEqual(await list({ email: 'ada@example.com', userName: 'bob' }), [b.user.id]);
      assert.deepEqual(await list({ email: 'ada@example.com', externalId: c.scim.externalId! }), []);
      assert.deepEqual(await list({ userName: 'nobody' }), []);
    });

    it('listScimUsers pages from a 1-based startIndex and counts every match', async () => {
      const tenant = tenantCode();
      const ids: string[] = [];
      // Two with one creation time: ordered by id.
      for (const createdAt of [T0 + 3, T0, T0 + 1, T0 + 1, T0 + 2])
        ids.push((await provision(tenant, { createdAt })).user.id);
      const ordered = [ids[1]!, ...[ids[2]!, ids[3]!].sort(), ids[4]!, ids[0]!];
      const page = async (startIndex?: number, count?: number) => {
        const { total, items } = await ctx.store.listScimUsers(tenant, { startIndex, count });
        return { total, ids: items.map((i) => i.user.id) };
      };
      assert.deepEqual(await page(), { total: 5, ids: ordered });
      assert.deepEqual(await page(1, 2), { total: 5, ids: ordered.slice(0, 2) });
      assert.deepEqual(await page(2, 2), { total: 5, ids: ordered.slice(1, 3) });
      assert.deepEqual(await page(5, 10), { total: 5, ids: ordered.slice(4) });
      assert.deepEqual(await page(6, 10), { total: 5, ids: [] });
      assert.deepEqual(await page(1, 0), { total: 5, ids: [] });
      assert.deepEqual(await ctx.store.listScimUsers(tenantCode(), {}), { total: 0, items: [] });
    });

    it('updateScimUser replaces the user and SCIM side and swaps the identities of the given issuers', async () => {
      const tenant = tenantCode();
      const { user, scim, identity } = await provision(tenant, { email: 'old@example.com' });
      const platform = identityFixture(user, PLATFORM, 'platform-old');
      await ctx.store.createIdentity(platform);
      const kept = identityFixture(user, 'https://kept.example', 'kept');
      await ctx.store.createIdentity(kept);
      const updatedUser: UserRecord = {
        ...user,
        email: 'new@example.com',
        name: 'New Name',
        roles: ['viewer'],
        disabledAt: T0 + 9,
        updatedAt: T0 + 10,
      };
      const updatedScim: ScimUserRecord = {
        ...scim,
        userName: 'Renamed',
        externalId: 'platform-new',
        attributes: { displayName: 'New Name', active: false },
        version: 2,
        updatedAt: T0 + 10,
      };
      const replacement = [
        identityFixture(user, PLATFORM, 'platform-new'),
        identityFixture(user, ISSUER, 'sub-new'),
      ];
      assert.equal(
        await ctx.store.updateScimUser(updatedUser, updatedScim, 1, {
          issuers: [PLATFORM, ISSUER],
          replacement,
        }),
        true,
      );
      assert.deepEqual(await ctx.other.getScimUser(tenant, user.id), {
        user: updatedUser,
        scim: updatedScim,
      });
      assert.deepEqual(
        byIssuerSubject(await ctx.other.listIdentities(tenant, user.id)),
        byIssuerSubject([kept, ...replacement]),
      );
      assert.equal(await ctx.other.findUserByIdentity(tenant, ISSUER, identity.subject), undefined);
      assert.equal(await ctx.other.findUserByIdentity(tenant, PLATFORM, 'platform-old'), undefined);
      // confirmed is not the SCIM side's to change.
      assert.equal((await ctx.other.getUser(tenant, user.id))?.confirmed, user.confirmed);
    });

    it('updateScimUser changes nothing and returns false when the version is not the expected one', async () => {
      const { user, scim, identity } = await provision(tenantCode());
      const changed = await ctx.store.updateScimUser(
        { ...user, name: 'Changed', updatedAt: T0 + 1 },
        { ...scim, userName: 'changed', version: 3 },
        2,
        { issuers: [ISSUER], replacement: [] },
      );
      assert.equal(changed, false);
      assert.deepEqual(await ctx.store.getScimUser(user.tenant, user.id), { user, scim });
      assert.deepEqual(await ctx.store.listIdentities(user.tenant, user.id), [identity]);
      assert.equal(
        await ctx.store.updateScimUser(user, { ...scim, version: 2 }, 1, { issuers: [], replacement: [] }),
        true,
      );
      assert.equal((await ctx.store.getScimUser(user.tenant, user.id))?.scim.version, 2);
    });

    it('updateScimUser rejects a taken userName, externalId or identity with StoreConflictError, changing nothing', async () => {
      const tenant = tenantCode();
      const taken = await provision(tenant, {}, { userName: 'Taken' });
      const { user, scim, identity } = await provision(tenant);
      const clashes: Array<[ScimUserRecord, IdentityRecord[]]> = [
        [{ ...scim, userName: 'TAKEN', version: 2 }, []],
        [{ ...scim, externalId: taken.scim.externalId, version: 2 }, []],
        [{ ...scim, version: 2 }, [{ ...taken.identity, userId: user.id }]],
      ];
      for (const [clash, replacement] of clashes) {
        await assert.rejects(
          ctx.store.updateScimUser({ ...user, name: 'Changed' }, clash, 1, {
            issuers: [ISSUER],
            replacement,
          }),
          StoreConflictError,
        );
        assert.deepEqual(await ctx.store.getScimUser(tenant, user.id), { user, scim });
        assert.deepEqual(await ctx.store.listIdentities(tenant, user.id), [identity]);
      }
    });

    it('updateScimUser lets exactly one of two concurrent updates from one version win', async () => {
      const { user, scim } = await provision(tenantCode());
      const results = await Promise.all(
        [ctx.store, ctx.other].map((s, i) =>
          s.updateScimUser({ ...user, name: `name-${i}` }, { ...scim, attributes: { i }, version: 2 }, 1, {
            issuers: [],
            replacement: [],
          }),
        ),
      );
      assert.equal(count(results, true), 1);
      const winner = results.indexOf(true);
      assert.deepEqual(await ctx.store.getScimUser(user.tenant, user.id), {
        user: { ...user, name: `name-${winner}` },
        scim: { ...scim, attributes: { i: winner }, version: 2 },
      });
    });

    it('deleteScimUser deletes the user, identities, SCIM side, memberships and subject grants, and revokes sessions', async () => {
      const tenant = tenantCode();
      const { user, scim, identity } = await provision(tenant);
      const bystander = await provision(tenant);
      const group = groupFixture(tenant);
      await ctx.store.createScimGroup(group, [user.id, bystander.user.id]);
      const grant = {
        tenant,
        kind: 'subject' as const,
        issuer: ISSUER,
        value: identity.subject,
        role: 'admin',
      };
      const otherGrant = { ...grant, value: 'someone-else' };
      await ctx.store.addPendingGrant({ ...grant, createdAt: T0 });
      await ctx.store.addPendingGrant({ ...otherGrant, createdAt: T0 });
      const { session } = await ctx.createSession({ tenant, userId: user.id });
      const { session: ended } = await ctx.createSession({
        tenant,
        userId: user.id,
        revokedAt: T0 + 1,
        revokeReason: 'logout',
      });
      const { session: bystanderSession } = await ctx.createSession({ tenant, userId: bystander.user.id });
      const event = {
        id: uid(),
        tenant,
        at: T0,
        type: 'sign_in',
        actor: { kind: 'user' as const, id: user.id },
        method: 'sso',
        outcome: 'ok' as const,
        code: null,
        subject: user.id,
        details: {},
      };
      await ctx.store.appendAudit(event);

      assert.equal(await ctx.store.deleteScimUser(tenant, user.id, T0 + 100), true);
      assert.equal(await ctx.other.getUser(tenant, user.id), undefined);
      assert.equal(await ctx.other.getScimUser(tenant, user.id), undefined);
      assert.deepEqual(await ctx.other.listIdentities(tenant, user.id), []);
      assert.equal(await ctx.other.findUserByIdentity(tenant, ISSUER, identity.subject), undefined);
      assert.deepEqual(await ctx.other.listScimGroupMembers(tenant, group.id), [bystander.user.id]);
      assert.deepEqual(await ctx.other.listScimGroupsOfUser(tenant, user.id), []);
      assert.deepEqual(
        (await ctx.other.listPendingGrants(tenant)).map((g) => g.value),
        [otherGrant.value],
      );
      const revoked = await ctx.other.getSession(session.id);
      assert.equal(revoked?.revokedAt, T0 + 100);
      assert.equal(revoked?.revokeReason, 'deprovisioned');
      assert.deepEqual(await ctx.other.getSession(ended.id), ended);
      assert.deepEqual(await ctx.other.getSession(bystanderSession.id), bystanderSession);
      assert.deepEqual(await ctx.other.listAudit(tenant), [event]);
      assert.deepEqual((await ctx.other.listScimUsers(tenant, {})).items, [
        { user: bystander.user, scim: bystander.scim },
      ]);
      // The userName and externalId are free again.
      const again = userFixture(tenant);
      await ctx.store.createScimUser(
        again,
        scimFixture(again, { userName: scim.userName, externalId: scim.externalId }),
        [{ ...identity, userId: again.id }],
      );

      assert.equal(await ctx.other.deleteScimUser(tenant, user.id, T0 + 200), false);
      assert.equal((await ctx.other.getSession(session.id))?.revokedAt, T0 + 100);
    });

    it('deleteScimUser returns false for an unknown user and for a user of another tenant', async () => {
      const { user } = await provision(tenantCode());
      assert.equal(await ctx.store.deleteScimUser(user.tenant, uid(), T0), false);
      assert.equal(await ctx.store.deleteScimUser(tenantCode(), user.id, T0), false);
      assert.ok(await ctx.store.getScimUser(user.tenant, user.id));
    });
  });
}
