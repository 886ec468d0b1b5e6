import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { DeskgateError } from './errors.ts';
import {
  DEFAULT_STAFF_PERMISSIONS,
  parseStaffPermissions,
  staffCan,
  staffFromClaims,
  staffPermissionList,
} from './staff.ts';

const claims = (overrides: Record<string, unknown> = {}) => ({
  sub: '1077',
  email: 'Cs.Person@Vendor.example',
  email_verified: true,
  hd: 'vendor.example',
  name: 'C. S. Person',
  ...overrides,
});

const refused = (input: Record<string, unknown>, why: RegExp) =>
  assert.throws(
    () => staffFromClaims(input, 'vendor.example'),
    (e: unknown) => e instanceof DeskgateError && e.code === 'staff_not_allowed' && why.test(e.message),
  );

describe('staffFromClaims', () => {
  it('takes a verified account of the staff domain (hd), the email lowercased', () => {
    assert.deepEqual(staffFromClaims(claims(), 'Vendor.Example'), {
      subject: '1077',
      email: 'cs.person@vendor.example',
      name: 'C. S. Person',
    });
  });

  it('refuses a missing hd (a consumer account), even with an email in the staff domain', () => {
    refused(claims({ hd: undefined }), /no hd claim/);
    refused(claims({ hd: '' }), /no hd claim/);
  });

  it('refuses another organisation’s hd, and a look-alike', () => {
    refused(claims({ hd: 'other.example' }), /another organisation/);
    refused(claims({ hd: 'vendor.example.evil.test' }), /another organisation/);
  });

  it('refuses an unverified email, or one that is only a string "true"', () => {
    refused(claims({ email_verified: false }), /not verified/);
    refused(claims({ email_verified: 'true' }), /not verified/);
  });

  it('refuses an email outside the staff domain even with the right hd, and a missing subject', () => {
    refused(claims({ email: 'someone@gmail.com' }), /outside the staff domain/);
    refused(claims({ email: 'x@evilvendor.example' }), /outside the staff domain/);
    refused(claims({ sub: undefined }), /no subject/);
  });
});

describe('staff permissions', () => {
  it('default to reading (no changes), and parse area:action and area:* entries', () => {
    assert.deepEqual(parseStaffPermissions(undefined), [...DEFAULT_STAFF_PERMISSIONS]);
    assert.deepEqual(parseStaffPermissions(' users:read, audit:* ,users:read'), ['users:read', 'audit:*']);
    assert.equal(staffCan(['audit:*'], 'audit', 'read'), true);
    assert.equal(staffCan(DEFAULT_STAFF_PERMISSIONS, 'users', 'read'), true);
    assert.equal(staffCan(DEFAULT_STAFF_PERMISSIONS, 'users', 'write'), false);
    assert.equal(staffCan(DEFAULT_STAFF_PERMISSIONS, 'settings', 'write'), false);
  });

  it('spells a wildcard out for the console', () => {
    assert.deepEqual(staffPermissionList(['audit:*', 'users:read']), ['audit:read', 'users:read']);
  });

  it('refuses what is not a declared permission', () => {
    for (const bad of ['users', 'users:delete', 'root:*', ':read'])
      assert.throws(() => parseStaffPermissions(bad), /DESKGATE_STAFF_PERMISSIONS/);
  });
});
