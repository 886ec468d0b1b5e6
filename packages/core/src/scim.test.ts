import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  applyScimGroupPatch,
  applyScimUserPatch,
  parseScimGroup,
  parseScimGroupFilter,
  parseScimPaging,
  parseScimUser,
  parseScimUserFilter,
  SCIM_SCHEMA_ERROR,
  SCIM_SCHEMA_GROUP,
  SCIM_SCHEMA_LIST,
  SCIM_SCHEMA_PATCH,
  SCIM_SCHEMA_USER,
  ScimError,
  scimErrorBody,
  scimGroupResource,
  scimListResponse,
  scimUserResource,
} from './scim.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** [status, scimType] of the ScimError fn throws, or 'none'. */
const failure = (fn: () => unknown): [number, string | undefined] | 'none' => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScimError) return [error.status, error.scimType];
    throw error;
  }
  return 'none';
};

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

// A create request shaped like Entra's documented one.
const entraCreate = {
  schemas: [SCIM_SCHEMA_USER, ENTERPRISE],
  externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
  userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
  active: true,
  emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b@testuser.com' }],
  meta: { resourceType: 'User' },
  name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
  roles: [],
  [ENTERPRISE]: { department: 'Sales', manager: { value: 'm-1' } },
};

// A create request shaped like Okta's documented one.
const oktaCreate = {
  schemas: [SCIM_SCHEMA_USER],
  userName: 'test.user@okta.local',
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
  displayName: 'Test User',
  locale: 'en-US',
  externalId: '00ujl29u0le5T6Aj10h7',
  groups: [],
  password: '1mz050nq',
  active: true,
};

const storedUser = (overrides: Record<string, unknown> = {}) => {
  const input = parseScimUser({ ...entraCreate, ...overrides });
  return scimUserResource(
    {
      id: 'u-1',
      userName: input.userName,
      externalId: input.externalId,
      active: input.active,
      attributes: input.attributes,
      created: Date.UTC(2025, 0, 1),
      lastModified: Date.UTC(2025, 0, 2),
      version: 3,
    },
    'https://example.test/t/acme/scim/v2/Users/u-1',
  ) as Record<string, unknown>;
};

const storedGroup = () =>
  scimGroupResource(
    {
      id: 'g-1',
      displayName: 'Managers',
      externalId: 'ext-g',
      memberIds: ['u-1', 'u-2'],
      created: 0,
      lastModified: 0,
      version: 1,
    },
    'https://example.test/t/acme/scim/v2/Groups/g-1',
    (id) => `https://example.test/t/acme/scim/v2/Users/${id}`,
  );

describe('ScimError and scimErrorBody', () => {
  it('renders the RFC 7644 error body with a string status', () => {
    assert.deepEqual(scimErrorBody(new ScimError(400, 'invalidFilter', 'bad')), {
      schemas: [SCIM_SCHEMA_ERROR],
      status: '400',
      scimType: 'invalidFilter',
      detail: 'bad',
    });
    assert.deepEqual(scimErrorBody(new ScimError(404, undefined, 'no such user')), {
      schemas: [SCIM_SCHEMA_ERROR],
      status: '404',
      detail: 'no such user',
    });
  });
});

describe('parseScimUser', () => {
  it("reads Entra's create request", () => {
    const user = parseScimUser(entraCreate);
    assert.equal(user.userName, 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1');
    assert.equal(user.externalId, '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef');
    assert.equal(user.active, true);
    assert.equal(user.givenName, 'givenName');
    assert.equal(user.familyName, 'familyName');
    assert.equal(user.displayName, null);
    assert.equal(user.email, 'test_user_fd0ea19b@testuser.com');
    assert.deepEqual(Object.keys(user.attributes).sort(), ['emails', 'name', 'roles', ENTERPRISE].sort());
    assert.deepEqual(user.attributes[ENTERPRISE], { department: 'Sales', manager: { value: 'm-1' } });
  });

  it("reads Okta's create request, dropping password and groups", () => {
    const user = parseScimUser(oktaCreate);
    assert.equal(user.userName, 'test.user@okta.local');
    assert.equal(user.displayName, 'Test User');
    assert.equal(user.email, 'test.user@okta.local');
    assert.equal(user.attributes.locale, 'en-US');
    assert.equal('password' in user.attributes, false);
    assert.equal('groups' in user.attributes, false);
    assert.equal('Password' in parseScimUser({ ...oktaCreate, Password: 'x' }).attributes, false);
  });

  it('defaults active to true and takes "True"/"False" strings in any case', () => {
    const base = { schemas: [SCIM_SCHEMA_USER], userName: 'a' };
    assert.equal(parseScimUser(base).active, true);
    assert.equal(parseScimUser({ ...base, active: null }).active, true);
    assert.equal(parseScimUser({ ...base, active: 'False' }).active, false);
    assert.equal(parseScimUser({ ...base, active: 'TRUE' }).active, true);
    assert.equal(parseScimUser({ ...base, active: false }).active, false);
  });

  it('matches attribute names ignoring case', () => {
    const user = parseScimUser({
      Schemas: [SCIM_SCHEMA_USER],
      UserName: 'a',
      ExternalID: 'e',
      Active: 'false',
    });
    assert.deepEqual([user.userName, user.externalId, user.active], ['a', 'e', false]);
  });

  it('picks the primary email, else the first work one, else the first, lowercased', () => {
    const base = { schemas: [SCIM_SCHEMA_USER], userName: 'a' };
    const emails = [
      { value: 'Home@X.test', type: 'home' },
      { value: 'Work@X.test', type: 'work' },
      { value: 'Main@X.test', primary: 'True' },
    ];
    assert.equal(parseScimUser({ ...base, emails }).email, 'main@x.test');
    assert.equal(parseScimUser({ ...base, emails: emails.slice(0, 2) }).email, 'work@x.test');
    assert.equal(parseScimUser({ ...base, emails: emails.slice(0, 1) }).email, 'home@x.test');
    assert.equal(parseScimUser({ ...base, emails: [] }).email, null);
    assert.deepEqual((parseScimUser({ ...base, emails }).attributes.emails as unknown[])[2], {
      value: 'Main@X.test',
      primary: true,
    });
  });

  it('refuses malformed bodies (invalidSyntax) and bad values (invalidValue)', () => {
    const base = { schemas: [SCIM_SCHEMA_USER], userName: 'a' };
    for (const body of [null, 'x', [], 42, { userName: 'a' }, { ...base, schemas: [SCIM_SCHEMA_GROUP] }])
      assert.deepEqual(
        failure(() => parseScimUser(body)),
        [400, 'invalidSyntax'],
        JSON.stringify(body),
      );
    for (const body of [
      { schemas: [SCIM_SCHEMA_USER] },
      { ...base, userName: '' },
      { ...base, userName: '   ' },
      { ...base, userName: 7 },
      { ...base, userName: 'x'.repeat(257) },
      { ...base, externalId: 5 },
      { ...base, externalId: 'x'.repeat(257) },
      { ...base, active: 'yes' },
      { ...base, active: 1 },
      { ...base, emails: 'a@b.test' },
      { ...base, emails: [{ type: 'work' }] },
      { ...base, emails: [{ value: 'a@b.test', primary: 'maybe' }] },
      { ...base, emails: ['a@b.test'] },
      { ...base, name: 'Ann' },
      { ...base, name: { givenName: 5 } },
      { ...base, displayName: ['x'] },
      { ...base, title: 'x'.repeat(70_000) },
      { ...base, nickName: 'x'.repeat(2049) },
    ])
      assert.deepEqual(
        failure(() => parseScimUser(body)),
        [400, 'invalidValue'],
        JSON.stringify(body).slice(0, 200),
      );
  });

  it('tolerates extra schemas and treats an empty externalId as none', () => {
    const user = parseScimUser({
      schemas: ['urn:x:custom', SCIM_SCHEMA_USER],
      userName: 'a',
      externalId: '',
    });
    assert.equal(user.externalId, null);
  });
});

describe('scimUserResource', () => {
  it('renders the user with meta, version as a weak ETag and externalId only when set', () => {
    const resource = storedUser();
    assert.deepEqual(resource.schemas, [SCIM_SCHEMA_USER, ENTERPRISE]);
    assert.equal(resource.id, 'u-1');
    assert.equal(resource.externalId, '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef');
    assert.equal(resource.active, true);
    assert.deepEqual(resource.name, entraCreate.name);
    assert.deepEqual(resource.meta, {
      resourceType: 'User',
      created: '2025-01-01T00:00:00.000Z',
      lastModified: '2025-01-02T00:00:00.000Z',
      version: 'W/"3"',
      location: 'https://example.test/t/acme/scim/v2/Users/u-1',
    });
    const bare = scimUserResource(
      {
        id: 'u',
        userName: 'a',
        externalId: null,
        active: false,
        attributes: { id: 'evil', password: 'p', title: 'T' },
        created: 0,
        lastModified: 0,
        version: 1,
      },
      'loc',
    ) as Record<string, unknown>;
    assert.equal('externalId' in bare, false);
    assert.equal('password' in bare, false);
    assert.equal(bare.id, 'u');
    assert.equal(bare.title, 'T');
    assert.deepEqual(bare.schemas, [SCIM_SCHEMA_USER]);
  });
});

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

describe('parseScimGroup and scimGroupResource', () => {
  it("reads Entra's and Okta's group creates", () => {
    assert.deepEqual(
      parseScimGroup({
        schemas: [
          SCIM_SCHEMA_GROUP,
          'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
        ],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'displayName',
        meta: { resourceType: 'Group' },
      }),
      { displayName: 'displayName', externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', memberIds: [] },
    );
    assert.deepEqual(
      parseScimGroup({
        schemas: [SCIM_SCHEMA_GROUP],
        displayName: 'Test SCIMv2',
        members: [{ value: 'u-1', display: 'a@b.test' }, { value: 'u-2' }, { value: 'u-1' }],
      }),
      { displayName: 'Test SCIMv2', externalId: null, memberIds: ['u-1', 'u-2'] },
    );
  });

  it('refuses bad group bodies', () => {
    const base = { schemas: [SCIM_SCHEMA_GROUP], displayName: 'G' };
    for (const body of [null, [], { displayName: 'G' }, { ...base, schemas: [SCIM_SCHEMA_USER] }])
      assert.deepEqual(
        failure(() => parseScimGroup(body)),
        [400, 'invalidSyntax'],
        JSON.stringify(body),
      );
    for (const body of [
      { schemas: [SCIM_SCHEMA_GROUP] },
      { ...base, displayName: '' },
      { ...base, displayName: 'x'.repeat(257) },
      { ...base, members: 'u-1' },
      { ...base, members: [{ display: 'x' }] },
      { ...base, members: ['u-1'] },
      { ...base, members: [{ value: 5 }] },
      { ...base, externalId: {} },
    ])
      assert.deepEqual(
        failure(() => parseScimGroup(body)),
        [400, 'invalidValue'],
        JSON.stringify(body),
      );
  });

  it('renders members with $ref', () => {
    assert.deepEqual(storedGroup(), {
      schemas: [SCIM_SCHEMA_GROUP],
      id: 'g-1',
      externalId: 'ext-g',
      displayName: 'Managers',
      members: [
        { value: 'u-1', $ref: 'https://example.test/t/acme/scim/v2/Users/u-1' },
        { value: 'u-2', $ref: 'https://example.test/t/acme/scim/v2/Users/u-2' },
      ],
      meta: {
        resourceType: 'Group',
        created: '1970-01-01T00:00:00.000Z',
        lastModified: '1970-01-01T00:00:00.000Z',
        version: 'W/"1"',
        location: 'https://example.test/t/acme/scim/v2/Groups/g-1',
      },
    });
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

describe('parseScimUserFilter', () => {
  it('reads the equality filters Entra and Okta send', () => {
    assert.deepEqual(parseScimUserFilter(undefined), {});
    assert.deepEqual(parseScimUserFilter('  '), {});
    assert.deepEqual(parseScimUserFilter('userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081"'), {
      userName: 'Test_User_dfeef4c5-5681-4387-b016-bdf221e82081',
    });
    assert.deepEqual(parseScimUserFilter('externalId eq "ext-1"'), { externalId: 'ext-1' });
    assert.deepEqual(parseScimUserFilter('emails.value eq "a@b.test"'), { email: 'a@b.test' });
    assert.deepEqual(parseScimUserFilter('emails[value eq "a@b.test"]'), { email: 'a@b.test' });
    assert.deepEqual(parseScimUserFilter('emails[type eq "work" and value eq "a@b.test"]'), {
      email: 'a@b.test',
    });
    assert.deepEqual(parseScimUserFilter('USERNAME EQ "a" AND ExternalId eq "b"'), {
      userName: 'a',
      externalId: 'b',
    });
    assert.deepEqual(parseScimUserFilter(`${SCIM_SCHEMA_USER}:userName eq "a"`), { userName: 'a' });
    assert.deepEqual(parseScimUserFilter('userName eq "a \\"quoted\\" name"'), {
      userName: 'a "quoted" name',
    });
    assert.deepEqual(parseScimUserFilter('(userName eq "a") and (emails.value eq "c")'), {
      userName: 'a',
      email: 'c',
    });
  });

  it('refuses everything else with invalidFilter', () => {
    for (const text of [
      'userName ne "a"',
      'userName sw "a"',
      'userName co "a"',
      'userName pr',
      'userName gt "a"',
      'userName eq "a" or userName eq "b"',
      'not (userName eq "a")',
      'displayName eq "a"',
      'name.givenName eq "a"',
      'emails[type eq "work"]',
      'emails[value eq "a" or value eq "b"]',
      'emails[value co "a"]',
      'members[value eq "a"]',
      'userName eq 5',
      'userName eq true',
      'userName eq null',
      'userName eq',
      'userName eq a',
      'userName eq "a" garbage',
      '"a"',
      'userName eq "a" and userName eq "b"',
      `userName eq "${'a'.repeat(990)}"`,
    ])
      assert.deepEqual(
        failure(() => parseScimUserFilter(text)),
        [400, 'invalidFilter'],
        text.slice(0, 80),
      );
    assert.deepEqual(parseScimUserFilter('userName eq "a" and userName eq "a"'), { userName: 'a' });
  });
});

describe('parseScimGroupFilter', () => {
  it('reads displayName, externalId, id and membership filters', () => {
    assert.deepEqual(parseScimGroupFilter('displayName eq "Managers"'), { displayName: 'Managers' });
    assert.deepEqual(parseScimGroupFilter('externalId eq "e"'), { externalId: 'e' });
    assert.deepEqual(parseScimGroupFilter('members[value eq "u-1"]'), { memberId: 'u-1' });
    assert.deepEqual(parseScimGroupFilter('members.value eq "u-1"'), { memberId: 'u-1' });
    assert.deepEqual(parseScimGroupFilter('id eq "g-1" and members[value eq "u-1"]'), {
      id: 'g-1',
      memberId: 'u-1',
    });
    assert.deepEqual(parseScimGroupFilter(undefined), {});
  });

  it('refuses everything else with invalidFilter', () => {
    for (const text of [
      'displayName sw "M"',
      'displayName eq "a" or externalId eq "b"',
      'userName eq "a"',
      'members[display eq "a"]',
      'members[value ne "a"]',
      'emails[value eq "a"]',
      'id eq 1',
      'x'.repeat(1001),
    ])
      assert.deepEqual(
        failure(() => parseScimGroupFilter(text)),
        [400, 'invalidFilter'],
        text.slice(0, 80),
      );
  });
});

describe('parseScimPaging and scimListResponse', () => {
  it('defaults, clamps and refuses non-numbers', () => {
    assert.deepEqual(parseScimPaging(undefined, undefined), { startIndex: 1, count: 100 });
    assert.deepEqual(parseScimPaging('', ''), { startIndex: 1, count: 100 });
    assert.deepEqual(parseScimPaging('0', '-5'), { startIndex: 1, count: 0 });
    assert.deepEqual(parseScimPaging('-3', '0'), { startIndex: 1, count: 0 });
    assert.deepEqual(parseScimPaging('21', '10'), { startIndex: 21, count: 10 });
    assert.deepEqual(parseScimPaging('1', '1000'), { startIndex: 1, count: 200 });
    assert.deepEqual(parseScimPaging('99999999999999999999', '5'), {
      startIndex: Number.MAX_SAFE_INTEGER,
      count: 5,
    });
    for (const [start, count] of [
      ['a', undefined],
      [undefined, '1.5'],
      ['1e3', undefined],
      [undefined, 'ten'],
      ['0x10', undefined],
      ['9'.repeat(30), undefined],
    ] as const)
      assert.deepEqual(
        failure(() => parseScimPaging(start, count)),
        [400, 'invalidValue'],
        `${start} ${count}`,
      );
  });

  it('renders a ListResponse', () => {
    assert.deepEqual(scimListResponse(3, 2, [{ id: 'a' }]), {
      schemas: [SCIM_SCHEMA_LIST],
      totalResults: 3,
      startIndex: 2,
      itemsPerPage: 1,
      Resources: [{ id: 'a' }],
    });
  });
});
