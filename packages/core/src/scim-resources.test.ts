import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { ENTERPRISE, entraCreate, failure, oktaCreate, storedGroup, storedUser } from './fixtures/scim.ts';
import { SCIM_SCHEMA_GROUP, SCIM_SCHEMA_USER } from './scim.ts';
import { parseScimGroup, parseScimUser, scimUserResource } from './scim-resources.ts';

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
