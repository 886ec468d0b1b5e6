import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { failure } from './fixtures/scim.ts';
import { SCIM_SCHEMA_LIST, SCIM_SCHEMA_USER, scimListResponse } from './scim.ts';
import { parseScimGroupFilter, parseScimPaging, parseScimUserFilter } from './scim-filter.ts';

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
