import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { ENTERPRISE, failure, storedGroup, storedUser } from './fixtures/scim.ts';
import { SCIM_SCHEMA_GROUP, SCIM_SCHEMA_PATCH, SCIM_SCHEMA_USER, ScimError } from './scim.ts';
import { parseScimUserFilter } from './scim-filter.ts';
import { applyScimGroupPatch, applyScimUserPatch } from './scim-patch.ts';
import { parseScimUser } from './scim-resources.ts';

const detailOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScimError) return error.message;
    throw error;
  }
  return '';
};

const patch = (...Operations: unknown[]) => ({ schemas: [SCIM_SCHEMA_PATCH], Operations });

describe('applyScimUserPatch', () => {
  it("applies Entra's documented replace with a capitalised op and a filtered path", () => {
    const resource = storedUser();
    const before = structuredClone(resource);
    const out = applyScimUserPatch(
      resource,
      patch(
        { op: 'Replace', path: 'userName', value: 'new.name@contoso.test' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'New@Contoso.test' },
        { op: 'Replace', path: 'name.familyName', value: 'Smith' },
        { op: 'Add', path: 'title', value: 'Engineer' },
      ),
    ) as Record<string, unknown>;
    assert.deepEqual(resource, before, 'input not mutated');
    assert.equal(out.userName, 'new.name@contoso.test');
    assert.deepEqual(out.emails, [{ primary: true, type: 'work', value: 'New@Contoso.test' }]);
    assert.equal((out.name as Record<string, unknown>).familyName, 'Smith');
    assert.equal((out.name as Record<string, unknown>).givenName, 'givenName');
    assert.equal(out.title, 'Engineer');
    assert.deepEqual(out.meta, resource.meta);
    assert.equal(out.id, 'u-1');
    assert.equal(parseScimUser(out).email, 'new@contoso.test');
  });

  it('adds a work email when Entra adds by filter and none matches', () => {
    const out = applyScimUserPatch(
      storedUser({ emails: undefined }),
      patch({ op: 'Add', path: 'emails[type eq "work"].value', value: 'a@b.test' }),
    ) as Record<string, unknown>;
    assert.deepEqual(out.emails, [{ type: 'work', value: 'a@b.test' }]);
  });

  it('deactivates with Entra\'s "False" string and reactivates with "True"', () => {
    const off = applyScimUserPatch(storedUser(), patch({ op: 'Replace', path: 'active', value: 'False' }));
    assert.equal((off as Record<string, unknown>).active, false);
    const on = applyScimUserPatch(off, patch({ op: 'replace', path: 'Active', value: 'True' }));
    assert.equal((on as Record<string, unknown>).active, true);
  });

  it("deactivates with Okta's path-less replace", () => {
    const out = applyScimUserPatch(storedUser(), patch({ op: 'replace', value: { active: false } }));
    assert.equal((out as Record<string, unknown>).active, false);
  });

  it("splits Entra's path-less value with dotted and filtered keys into one op per key", () => {
    const out = applyScimUserPatch(
      storedUser(),
      patch({
        op: 'Replace',
        value: {
          'name.givenName': 'Ann',
          'emails[type eq "work"].value': 'ann@contoso.test',
          displayName: 'Ann Smith',
          active: 'False',
          [`${ENTERPRISE}:department`]: 'Support',
        },
      }),
    ) as Record<string, unknown>;
    assert.equal((out.name as Record<string, unknown>).givenName, 'Ann');
    assert.equal((out.name as Record<string, unknown>).familyName, 'familyName');
    assert.deepEqual(out.emails, [{ primary: true, type: 'work', value: 'ann@contoso.test' }]);
    assert.equal(out.displayName, 'Ann Smith');
    assert.equal(out.active, false);
    assert.deepEqual(out[ENTERPRISE], { department: 'Support', manager: { value: 'm-1' } });
  });

  it('sets and removes extension attributes, and a whole extension object', () => {
    const set = applyScimUserPatch(
      storedUser(),
      patch(
        { op: 'Add', path: ENTERPRISE, value: { employeeNumber: '42' } },
        { op: 'Remove', path: `${ENTERPRISE}:manager` },
      ),
    ) as Record<string, unknown>;
    assert.deepEqual(set[ENTERPRISE], { department: 'Sales', employeeNumber: '42' });
    const gone = applyScimUserPatch(set, patch({ op: 'remove', path: ENTERPRISE })) as Record<
      string,
      unknown
    >;
    assert.equal(ENTERPRISE in gone, false);
    assert.deepEqual(gone.schemas, [SCIM_SCHEMA_USER]);
  });

  it('removes attributes and filtered values', () => {
    const out = applyScimUserPatch(
      storedUser({
        title: 'T',
        emails: [
          { type: 'work', value: 'w@x.test' },
          { type: 'home', value: 'h@x.test' },
        ],
      }),
      patch({ op: 'Remove', path: 'title' }, { op: 'remove', path: 'emails[type eq "home"]' }),
    ) as Record<string, unknown>;
    assert.equal('title' in out, false);
    assert.deepEqual(out.emails, [{ type: 'work', value: 'w@x.test' }]);
  });

  it('strips the core schema URN from paths and drops a password set by PATCH', () => {
    const out = applyScimUserPatch(
      storedUser(),
      patch(
        { op: 'replace', path: `${SCIM_SCHEMA_USER}:displayName`, value: 'D' },
        { op: 'replace', path: 'password', value: 'secret' },
      ),
    ) as Record<string, unknown>;
    assert.equal(out.displayName, 'D');
    assert.equal('password' in out, false);
  });

  it('tolerates an unchanged id in a path-less value but refuses changing id, meta or schemas', () => {
    const out = applyScimUserPatch(
      storedUser(),
      patch({ op: 'replace', value: { id: 'u-1', nickName: 'N' } }),
    );
    assert.equal((out as Record<string, unknown>).nickName, 'N');
    for (const op of [
      { op: 'replace', path: 'id', value: 'other' },
      { op: 'replace', value: { ID: 'other' } },
      { op: 'remove', path: 'id' },
      { op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' },
      { op: 'add', path: 'schemas', value: ['urn:x'] },
      { op: 'remove', path: 'Meta' },
    ])
      assert.deepEqual(
        failure(() => applyScimUserPatch(storedUser(), patch(op))),
        [400, 'mutability'],
        JSON.stringify(op),
      );
  });

  it('refuses a patch that leaves an invalid user (userName removed or blank)', () => {
    assert.deepEqual(
      failure(() => applyScimUserPatch(storedUser(), patch({ op: 'remove', path: 'userName' }))),
      [400, 'invalidValue'],
    );
    assert.deepEqual(
      failure(() => applyScimUserPatch(storedUser(), patch({ op: 'replace', value: { userName: '' } }))),
      [400, 'invalidValue'],
    );
    assert.deepEqual(
      failure(() =>
        applyScimUserPatch(storedUser(), patch({ op: 'replace', path: 'active', value: 'nope' })),
      ),
      [400, 'invalidValue'],
    );
  });

  it('refuses malformed PatchOp bodies', () => {
    for (const body of [
      null,
      [],
      { Operations: [{ op: 'replace', path: 'title', value: 'x' }] },
      { schemas: [SCIM_SCHEMA_USER], Operations: [{ op: 'replace', path: 'title', value: 'x' }] },
      { schemas: [SCIM_SCHEMA_PATCH] },
      { schemas: [SCIM_SCHEMA_PATCH], Operations: [] },
      { schemas: [SCIM_SCHEMA_PATCH], Operations: { op: 'replace' } },
      patch('replace'),
      patch({ op: 'move', path: 'title', value: 'x' }),
      patch({ op: 5, path: 'title', value: 'x' }),
      patch({ path: 'title', value: 'x' }),
      patch({ op: 'replace', path: 'title' }),
    ])
      assert.deepEqual(
        failure(() => applyScimUserPatch(storedUser(), body)),
        [400, 'invalidSyntax'],
        JSON.stringify(body),
      );
  });

  it('refuses more than 100 operations (tooMany)', () => {
    const ops = Array.from({ length: 101 }, () => ({ op: 'replace', path: 'title', value: 'x' }));
    assert.deepEqual(
      failure(() => applyScimUserPatch(storedUser(), patch(...ops))),
      [400, 'tooMany'],
    );
    assert.equal(
      failure(() => applyScimUserPatch(storedUser(), patch(...ops.slice(1)))),
      'none',
    );
  });

  it('maps path and target problems to invalidPath, noTarget and invalidValue', () => {
    const cases: [unknown, string][] = [
      [{ op: 'remove' }, 'noTarget'],
      [{ op: 'remove', path: '' }, 'noTarget'],
      [{ op: 'replace', path: 'emails[type eq "home"].value', value: 'x' }, 'none'],
      [{ op: 'replace', path: 'emails[type eq', value: 'x' }, 'invalidPath'],
      [{ op: 'replace', path: 'emails[type zz "work"].value', value: 'x' }, 'invalidPath'],
      [{ op: 'replace', path: '1abc', value: 'x' }, 'invalidPath'],
      [{ op: 'replace', path: 'emails[value eq "a:b"].type', value: 'x' }, 'invalidPath'],
      [{ op: 'replace', path: 5, value: 'x' }, 'invalidPath'],
      [{ op: 'replace', path: 'title', value: 'x' }, 'none'],
      [{ op: 'add', value: 'not an object' }, 'invalidValue'],
      [{ op: 'remove', path: 'title', value: ['x'] }, 'invalidValue'],
      [{ op: 'replace', path: ENTERPRISE, value: 'x' }, 'invalidValue'],
      [{ op: 'remove', path: SCIM_SCHEMA_USER }, 'invalidPath'],
    ];
    for (const [op, expected] of cases) {
      const got = failure(() => applyScimUserPatch(storedUser({ title: 'T' }), patch(op)));
      assert.deepEqual(got, expected === 'none' ? 'none' : [400, expected], JSON.stringify(op));
    }
  });

  it('refuses paths and keys that reach inherited properties (no prototype pollution)', () => {
    for (const op of [
      { op: 'add', path: '__proto__.polluted', value: 'yes' },
      { op: 'add', path: 'constructor.polluted', value: 'yes' },
      { op: 'add', path: 'name.__proto__', value: { polluted: 'yes' } },
      { op: 'add', value: { '__proto__.polluted': 'yes' } },
      { op: 'add', value: { 'toString.polluted': 'yes' } },
      { op: 'replace', path: 'name', value: JSON.parse('{"__proto__":{"polluted":"yes"}}') },
    ])
      assert.deepEqual(
        failure(() => applyScimUserPatch(storedUser(), patch(op))),
        [400, 'invalidPath'],
        JSON.stringify(op),
      );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((Object as unknown as Record<string, unknown>).polluted, undefined);
  });

  it('never echoes long input in messages', () => {
    const long = `emails[value eq "${'x'.repeat(500)}"]`;
    for (const fn of [
      () => applyScimUserPatch(storedUser(), patch({ op: `${'y'.repeat(500)}`, path: 'title', value: 'x' })),
      () =>
        applyScimUserPatch(storedUser(), patch({ op: 'replace', path: `${long}.type garbage`, value: 'x' })),
      () => applyScimUserPatch(storedUser(), patch({ op: 'replace', path: `${long}.type`, value: 'x' })),
      () => parseScimUserFilter(`userName eq "${'z'.repeat(900)}" zz`),
      () => parseScimUserFilter(`${'a'.repeat(900)} eq "x"`),
    ]) {
      const detail = detailOf(fn);
      assert.ok(detail !== '', 'it failed');
      assert.ok(detail.length < 250, detail);
      assert.ok(!/(x{101}|y{101}|z{101}|a{101})/.test(detail), detail);
    }
  });
});

describe('applyScimGroupPatch', () => {
  const unchanged = {
    displayName: 'Managers',
    externalId: 'ext-g',
    add: [],
    remove: [],
    replaceMembers: null,
  };

  it("adds members (Entra's and Okta's shape)", () => {
    assert.deepEqual(
      applyScimGroupPatch(storedGroup(), patch({ op: 'Add', path: 'members', value: [{ value: 'u-3' }] })),
      { ...unchanged, add: ['u-3'] },
    );
    assert.deepEqual(
      applyScimGroupPatch(
        storedGroup(),
        patch({
          op: 'add',
          path: 'members',
          value: [{ value: 'u-4', display: 'x@y.test' }, { value: 'u-5' }],
        }),
      ),
      { ...unchanged, add: ['u-4', 'u-5'] },
    );
  });

  it('removes members by value array (Entra) and by filter (Okta)', () => {
    assert.deepEqual(
      applyScimGroupPatch(storedGroup(), patch({ op: 'Remove', path: 'members', value: [{ value: 'u-1' }] })),
      { ...unchanged, remove: ['u-1'] },
    );
    assert.deepEqual(
      applyScimGroupPatch(storedGroup(), patch({ op: 'remove', path: 'members[value eq "u-2"]' })),
      { ...unchanged, remove: ['u-2'] },
    );
    assert.deepEqual(
      applyScimGroupPatch(
        storedGroup(),
        patch({ op: 'remove', path: 'Members[Value eq "u-1" or value eq "u-2"]' }),
      ),
      { ...unchanged, remove: ['u-1', 'u-2'] },
    );
  });

  it('replaces all members, and removes all with a bare members path', () => {
    assert.deepEqual(
      applyScimGroupPatch(
        storedGroup(),
        patch({ op: 'replace', path: 'members', value: [{ value: 'u-7' }, { value: 'u-8' }] }),
      ),
      { ...unchanged, replaceMembers: ['u-7', 'u-8'] },
    );
    assert.deepEqual(applyScimGroupPatch(storedGroup(), patch({ op: 'remove', path: 'members' })), {
      ...unchanged,
      replaceMembers: [],
    });
    assert.deepEqual(
      applyScimGroupPatch(
        storedGroup(),
        patch(
          { op: 'remove', path: 'members' },
          { op: 'add', path: 'members', value: [{ value: 'u-9' }] },
          { op: 'remove', path: 'members[value eq "u-9"]' },
          { op: 'add', path: 'members', value: [{ value: 'u-10' }] },
        ),
      ),
      { ...unchanged, replaceMembers: ['u-10'] },
    );
  });

  it('folds adds and removes of the same member in order', () => {
    assert.deepEqual(
      applyScimGroupPatch(
        storedGroup(),
        patch(
          { op: 'add', path: 'members', value: [{ value: 'a' }, { value: 'b' }] },
          { op: 'remove', path: 'members', value: [{ value: 'a' }] },
        ),
      ),
      { ...unchanged, add: ['b'], remove: ['a'] },
    );
  });

  it("renames: Entra's replace of displayName, Okta's path-less replace with the unchanged id", () => {
    assert.deepEqual(
      applyScimGroupPatch(
        storedGroup(),
        patch(
          { op: 'Replace', path: 'displayName', value: 'Leads' },
          { op: 'Replace', path: 'externalId', value: 'ext-2' },
        ),
      ),
      { ...unchanged, displayName: 'Leads', externalId: 'ext-2' },
    );
    assert.deepEqual(
      applyScimGroupPatch(
        storedGroup(),
        patch({ op: 'replace', value: { id: 'g-1', displayName: 'Test SCIMv2' } }),
      ),
      { ...unchanged, displayName: 'Test SCIMv2' },
    );
    assert.deepEqual(applyScimGroupPatch(storedGroup(), patch({ op: 'remove', path: 'externalId' })), {
      ...unchanged,
      externalId: null,
    });
    assert.deepEqual(
      applyScimGroupPatch(storedGroup(), patch({ op: 'add', value: { members: [{ value: 'u-3' }] } })),
      { ...unchanged, add: ['u-3'] },
    );
  });

  it('refuses bad group patches', () => {
    const cases: [unknown, string][] = [
      [{ op: 'replace', path: 'id', value: 'g-2' }, 'mutability'],
      [{ op: 'replace', value: { id: 'g-2', displayName: 'x' } }, 'mutability'],
      [{ op: 'remove', path: 'displayName' }, 'invalidValue'],
      [{ op: 'replace', path: 'displayName', value: '' }, 'invalidValue'],
      [{ op: 'replace', path: 'description', value: 'x' }, 'invalidPath'],
      [{ op: 'add', path: 'members[value eq "u-1"]', value: [{ value: 'u-1' }] }, 'invalidPath'],
      [{ op: 'remove', path: 'members[display eq "u-1"]' }, 'invalidPath'],
      [{ op: 'remove', path: 'members[value eq "u-1" and display eq "x"]' }, 'invalidPath'],
      [{ op: 'remove', path: 'members[value eq' }, 'invalidPath'],
      [{ op: 'remove', path: 'members.value' }, 'invalidPath'],
      [{ op: 'add', path: 'members', value: [{ display: 'x' }] }, 'invalidValue'],
      [{ op: 'add', path: 'members', value: 'u-1' }, 'invalidValue'],
      [{ op: 'remove' }, 'noTarget'],
      [{ op: 'Delete', path: 'members' }, 'invalidSyntax'],
      [{ op: 'add', path: `${ENTERPRISE}:department`, value: 'x' }, 'invalidPath'],
    ];
    for (const [op, expected] of cases)
      assert.deepEqual(
        failure(() => applyScimGroupPatch(storedGroup(), patch(op))),
        [400, expected],
        JSON.stringify(op),
      );
    assert.deepEqual(
      failure(() => applyScimGroupPatch(storedGroup(), { schemas: [SCIM_SCHEMA_GROUP], Operations: [] })),
      [400, 'invalidSyntax'],
    );
  });
});
