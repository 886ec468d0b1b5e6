import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { DeskgateError } from './errors.ts';
import {
  mapPlatformRoles,
  parseGenesysUserMe,
  parseRoleLookupConfig,
  ROLE_LOOKUP_TIMEOUT_MS,
} from './role-lookup.ts';

function validationMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DeskgateError);
    assert.equal(error.code, 'validation_failed');
    return error.message;
  }
  assert.fail('expected validation_failed');
}

function lookupFailure(fn: () => unknown): DeskgateError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DeskgateError);
    assert.equal(error.code, 'role_lookup_failed');
    assert.equal(error.status, 502);
    return error;
  }
  assert.fail('expected role_lookup_failed');
}

const GOOD = {
  kind: 'genesys-cloud',
  apiBaseUrl: 'https://api.mypurecloud.com',
  roleMap: { Supervisor: 'deepdesk.manager', 'Knowledge Editor': 'deepdesk.editor' },
  timeoutMs: 5000,
};

describe('parseRoleLookupConfig', () => {
  it('accepts a complete section', () => {
    assert.deepEqual(parseRoleLookupConfig(GOOD, 'roleLookup'), GOOD);
  });

  it('defaults timeoutMs to 3000 and roleMap to empty', () => {
    assert.deepEqual(
      parseRoleLookupConfig({ kind: 'genesys-cloud', apiBaseUrl: 'https://api.mypurecloud.ie' }, 'r'),
      { kind: 'genesys-cloud', apiBaseUrl: 'https://api.mypurecloud.ie', roleMap: {}, timeoutMs: 3000 },
    );
    assert.equal(ROLE_LOOKUP_TIMEOUT_MS, 3000);
  });

  it('drops a trailing slash from apiBaseUrl', () => {
    const config = parseRoleLookupConfig({ ...GOOD, apiBaseUrl: 'https://api.mypurecloud.de/' }, 'r');
    assert.equal(config.apiBaseUrl, 'https://api.mypurecloud.de');
  });

  it('accepts http only for loopback hosts', () => {
    for (const url of ['http://127.0.0.1:4010', 'http://localhost:4010', 'http://[::1]:4010']) {
      assert.equal(parseRoleLookupConfig({ ...GOOD, apiBaseUrl: url }, 'r').apiBaseUrl, url);
    }
    assert.match(
      validationMessage(() =>
        parseRoleLookupConfig({ ...GOOD, apiBaseUrl: 'http://api.mypurecloud.com' }, 'r'),
      ),
      /^r\.apiBaseUrl: must use https/,
    );
  });

  it('refuses a section that is not an object', () => {
    assert.equal(
      validationMessage(() => parseRoleLookupConfig(null, 'r')),
      'r: must be an object',
    );
    assert.equal(
      validationMessage(() => parseRoleLookupConfig([], 'r')),
      'r: must be an object',
    );
  });

  it('refuses unknown settings', () => {
    assert.equal(
      validationMessage(() => parseRoleLookupConfig({ ...GOOD, clientSecret: 'x' }, 'r')),
      'r.clientSecret: is not a known setting',
    );
  });

  it('refuses a missing or unknown kind, listing the known kinds', () => {
    const { kind: _, ...withoutKind } = GOOD;
    assert.equal(
      validationMessage(() => parseRoleLookupConfig(withoutKind, 'r')),
      'r.kind: must be one of genesys-cloud',
    );
    assert.equal(
      validationMessage(() => parseRoleLookupConfig({ ...GOOD, kind: 'salesforce' }, 'r')),
      'r.kind: must be one of genesys-cloud',
    );
  });

  it('refuses a bad apiBaseUrl', () => {
    const message = (apiBaseUrl: unknown) =>
      validationMessage(() => parseRoleLookupConfig({ ...GOOD, apiBaseUrl }, 'r'));
    assert.equal(message(undefined), 'r.apiBaseUrl: must be a non-empty string');
    assert.equal(message(''), 'r.apiBaseUrl: must be a non-empty string');
    assert.equal(message('api.mypurecloud.com'), 'r.apiBaseUrl: must be an absolute URL');
    assert.match(message('ftp://api.mypurecloud.com'), /^r\.apiBaseUrl: must use https/);
    assert.equal(message('https://u:p@api.mypurecloud.com'), 'r.apiBaseUrl: must not contain credentials');
    assert.equal(
      message('https://api.mypurecloud.com/?x=1'),
      'r.apiBaseUrl: must not have a query or a fragment',
    );
  });

  it('refuses a bad roleMap', () => {
    const message = (roleMap: unknown) =>
      validationMessage(() => parseRoleLookupConfig({ ...GOOD, roleMap }, 'r'));
    assert.match(message(['deepdesk.agent']), /^r\.roleMap: must be an object/);
    assert.equal(
      message({ Supervisor: 'admin' }),
      'r.roleMap.Supervisor: must be one of deepdesk.agent, deepdesk.editor, deepdesk.manager, deepdesk.assistant_editor',
    );
    assert.match(message({ Supervisor: ['deepdesk.manager'] }), /^r\.roleMap\.Supervisor: must be one of/);
    assert.equal(message({ ' ': 'deepdesk.agent' }), 'r.roleMap: platform role names must be non-empty');
  });

  it('refuses a bad timeoutMs', () => {
    for (const timeoutMs of [99, 30_001, 250.5, '3000', null]) {
      assert.equal(
        validationMessage(() => parseRoleLookupConfig({ ...GOOD, timeoutMs }, 'r')),
        'r.timeoutMs: must be an integer from 100 to 30000 (milliseconds)',
      );
    }
    assert.equal(parseRoleLookupConfig({ ...GOOD, timeoutMs: 100 }, 'r').timeoutMs, 100);
    assert.equal(parseRoleLookupConfig({ ...GOOD, timeoutMs: 30_000 }, 'r').timeoutMs, 30_000);
  });
});

/** A users/me?expand=authorization answer in the shape of Genesys Cloud's UserMe model (abridged). */
const USER_ME = {
  id: '6b2f3a5e-1c7d-4e8f-9a0b-1c2d3e4f5a6b',
  name: 'Ada Agent',
  division: {
    id: 'c1d2e3f4-0000-4000-8000-000000000001',
    name: 'Home',
    selfUri: '/api/v2/authorization/divisions/c1d2e3f4-0000-4000-8000-000000000001',
  },
  chat: { jabberId: '5f0c@example.orgspan.com' },
  email: 'Ada.Agent@Example.COM',
  primaryContactInfo: [{ address: 'Ada.Agent@Example.COM', mediaType: 'EMAIL', type: 'PRIMARY' }],
  addresses: [],
  state: 'active',
  username: 'Ada.Agent@Example.COM',
  version: 7,
  acdAutoAnswer: false,
  authorization: {
    roles: [
      { id: 'a0000000-0000-4000-8000-000000000001', name: 'employee' },
      { id: 'a0000000-0000-4000-8000-000000000002', name: 'Supervisor' },
      { id: 'a0000000-0000-4000-8000-000000000003', name: 'Knowledge Editor' },
    ],
    permissions: ['directory:user:view', 'routing:queue:view'],
  },
  selfUri: '/api/v2/users/6b2f3a5e-1c7d-4e8f-9a0b-1c2d3e4f5a6b',
};

describe('parseGenesysUserMe', () => {
  it('reads id, email (lowercased), name and role names', () => {
    assert.deepEqual(parseGenesysUserMe(USER_ME), {
      subject: '6b2f3a5e-1c7d-4e8f-9a0b-1c2d3e4f5a6b',
      email: 'ada.agent@example.com',
      name: 'Ada Agent',
      platformRoles: ['employee', 'Supervisor', 'Knowledge Editor'],
    });
  });

  it('gives no platform roles without authorization (expand not honoured)', () => {
    const { authorization: _, ...body } = USER_ME;
    assert.deepEqual(parseGenesysUserMe(body).platformRoles, []);
    assert.deepEqual(parseGenesysUserMe({ ...USER_ME, authorization: {} }).platformRoles, []);
    assert.deepEqual(parseGenesysUserMe({ ...USER_ME, authorization: { roles: [] } }).platformRoles, []);
  });

  it('skips role entries without a name and drops duplicate names', () => {
    const body = {
      ...USER_ME,
      authorization: {
        roles: [{ id: 'r1' }, { id: 'r2', name: 'employee' }, { id: 'r3', name: 'employee' }],
      },
    };
    assert.deepEqual(parseGenesysUserMe(body).platformRoles, ['employee']);
  });

  it('gives null for a missing or empty email and name', () => {
    const profile = parseGenesysUserMe({ id: 'u1', email: '', name: null });
    assert.equal(profile.email, null);
    assert.equal(profile.name, null);
    assert.deepEqual(profile, { subject: 'u1', email: null, name: null, platformRoles: [] });
  });

  it('refuses users that are not active', () => {
    for (const state of ['inactive', 'deleted']) {
      assert.match(lookupFailure(() => parseGenesysUserMe({ ...USER_ME, state })).message, /not active/);
    }
  });

  it('refuses wrong shapes', () => {
    lookupFailure(() => parseGenesysUserMe(null));
    lookupFailure(() => parseGenesysUserMe('user'));
    lookupFailure(() => parseGenesysUserMe([USER_ME]));
    lookupFailure(() => parseGenesysUserMe({ ...USER_ME, id: undefined }));
    lookupFailure(() => parseGenesysUserMe({ ...USER_ME, id: 42 }));
    lookupFailure(() => parseGenesysUserMe({ ...USER_ME, id: '' }));
    lookupFailure(() => parseGenesysUserMe({ ...USER_ME, email: ['a@example.com'] }));
    lookupFailure(() => parseGenesysUserMe({ ...USER_ME, name: 1 }));
    lookupFailure(() => parseGenesysUserMe({ ...USER_ME, state: true }));
    lookupFailure(() => parseGenesysUserMe({ ...USER_ME, authorization: ['Supervisor'] }));
    lookupFailure(() => parseGenesysUserMe({ ...USER_ME, authorization: { roles: 'Supervisor' } }));
    lookupFailure(() => parseGenesysUserMe({ ...USER_ME, authorization: { roles: ['Supervisor'] } }));
  });
});

describe('mapPlatformRoles', () => {
  const roleMap = { Supervisor: 'deepdesk.manager', 'Knowledge Editor': 'deepdesk.editor' };

  it('maps platform role names through the role map', () => {
    assert.deepEqual(mapPlatformRoles(['Supervisor'], roleMap), ['deepdesk.manager']);
    assert.deepEqual(mapPlatformRoles(['Knowledge Editor', 'Supervisor'], roleMap), [
      'deepdesk.editor',
      'deepdesk.manager',
    ]);
  });

  it('falls back to a case-insensitive match', () => {
    assert.deepEqual(mapPlatformRoles(['supervisor', ' KNOWLEDGE EDITOR '], roleMap), [
      'deepdesk.editor',
      'deepdesk.manager',
    ]);
  });

  it('prefers the exact name over a case-insensitive one', () => {
    const map = { admin: 'deepdesk.editor', Admin: 'deepdesk.manager' };
    assert.deepEqual(mapPlatformRoles(['Admin'], map), ['deepdesk.manager']);
    assert.deepEqual(mapPlatformRoles(['admin'], map), ['deepdesk.editor']);
  });

  it('ignores unknown names and may return nothing', () => {
    assert.deepEqual(mapPlatformRoles(['employee', 'Communicate - User'], roleMap), []);
    assert.deepEqual(mapPlatformRoles([], roleMap), []);
  });

  it('deduplicates and sorts', () => {
    const map = { ...roleMap, 'Team Lead': 'deepdesk.manager' };
    assert.deepEqual(mapPlatformRoles(['Team Lead', 'Supervisor', 'Knowledge Editor', 'Supervisor'], map), [
      'deepdesk.editor',
      'deepdesk.manager',
    ]);
  });

  it('passes deskgate role names through, exactly as spelled', () => {
    assert.deepEqual(mapPlatformRoles(['deepdesk.assistant_editor', 'Deepdesk.Manager', 'deepdesk'], {}), [
      'deepdesk.assistant_editor',
    ]);
    assert.deepEqual(mapPlatformRoles(['deepdesk.agent', 'Supervisor'], roleMap), [
      'deepdesk.agent',
      'deepdesk.manager',
    ]);
  });

  it('ignores map values that are not deskgate roles and inherited keys', () => {
    assert.deepEqual(mapPlatformRoles(['Supervisor', 'toString', '__proto__'], { Supervisor: 'admin' }), []);
  });
});
