import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { DeskgateError } from './errors.ts';
import {
  assertTrialAllows,
  knownRoles,
  parseTrialConfig,
  rolesForSignIn,
  withoutRole,
  withRole,
} from './role-policy.ts';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DeskgateError) return error.code;
    throw error;
  }
  return 'none';
};

describe('knownRoles', () => {
  it('takes a string (space or comma separated) or an array, keeps known roles once, sorted', () => {
    assert.deepEqual(knownRoles('deepdesk.manager'), ['deepdesk.manager']);
    assert.deepEqual(knownRoles('deepdesk.manager, deepdesk.editor'), [
      'deepdesk.editor',
      'deepdesk.manager',
    ]);
    assert.deepEqual(knownRoles(['deepdesk.editor', 'deepdesk.editor', 'owner', 7, null]), [
      'deepdesk.editor',
    ]);
  });

  it('finds nothing in a missing, empty or odd claim', () => {
    for (const raw of [undefined, null, '', [], {}, 42, 'Deepdesk.Manager'])
      assert.deepEqual(knownRoles(raw), [], JSON.stringify(raw));
  });
});

describe('rolesForSignIn', () => {
  const off = { roleIam: false, requireRoles: false };
  const on = { roleIam: true, requireRoles: false };
  const strict = { roleIam: true, requireRoles: true };

  it('with role-based IAM off says nothing: a known user keeps their roles', () => {
    assert.equal(rolesForSignIn(off, ['deepdesk.manager']), null);
    assert.equal(rolesForSignIn(off, null), null);
  });

  it('with it on takes what the IdP brought, else the default role', () => {
    assert.deepEqual(rolesForSignIn(on, ['deepdesk.editor']), ['deepdesk.editor']);
    assert.deepEqual(rolesForSignIn(on, []), ['deepdesk.agent']);
    assert.deepEqual(rolesForSignIn(on, null), ['deepdesk.agent']);
  });

  it('under require roles refuses nothing valid, and a failed lookup (roles_required)', () => {
    assert.deepEqual(rolesForSignIn(strict, ['deepdesk.agent']), ['deepdesk.agent']);
    assert.equal(
      code(() => rolesForSignIn(strict, [])),
      'roles_required',
    );
    assert.equal(
      code(() => rolesForSignIn(strict, null)),
      'roles_required',
    );
  });
});

describe('trial mode', () => {
  it('parses the settings with defaults, normalising and de-duplicating emails', () => {
    assert.deepEqual(parseTrialConfig(undefined, 't'), { enabled: false, seats: 10, invitedEmails: [] });
    assert.deepEqual(
      parseTrialConfig({ enabled: true, seats: 2, invitedEmails: [' A@x.test', 'a@X.test'] }, 't'),
      { enabled: true, seats: 2, invitedEmails: ['a@x.test'] },
    );
  });

  it('refuses bad settings, naming the field', () => {
    for (const [input, field] of [
      [[], 't'],
      [{ enabled: 'yes' }, 't.enabled'],
      [{ seats: 0 }, 't.seats'],
      [{ seats: 1.5 }, 't.seats'],
      [{ invitedEmails: 'a@x.test' }, 't.invitedEmails'],
      [{ invitedEmails: ['nope'] }, 't.invitedEmails[0]'],
      [{ invited: [] }, 't.invited'],
    ] as const)
      assert.throws(
        () => parseTrialConfig(input, 't'),
        (e: Error) => e.message.startsWith(`${field}:`),
      );
  });

  const trial = { enabled: true, seats: 2, invitedEmails: ['a@x.test'] };
  it('lets an invited or approved email in while a seat is free', () => {
    assert.equal(
      code(() => assertTrialAllows(trial, { email: 'A@X.test', activeUsers: 1, approvedEmails: [] })),
      'none',
    );
    assert.equal(
      code(() =>
        assertTrialAllows(trial, { email: 'b@x.test', activeUsers: 0, approvedEmails: ['b@x.test'] }),
      ),
      'none',
    );
  });

  it('refuses the uninvited, no email at all, and anyone once the seats are taken', () => {
    assert.equal(
      code(() => assertTrialAllows(trial, { email: 'b@x.test', activeUsers: 0, approvedEmails: [] })),
      'trial_not_invited',
    );
    assert.equal(
      code(() => assertTrialAllows(trial, { email: null, activeUsers: 0, approvedEmails: [] })),
      'trial_not_invited',
    );
    assert.equal(
      code(() => assertTrialAllows(trial, { email: 'a@x.test', activeUsers: 2, approvedEmails: [] })),
      'trial_seats_full',
    );
  });

  it('off, lets everyone in', () => {
    const off = { ...trial, enabled: false };
    assert.equal(
      code(() => assertTrialAllows(off, { email: null, activeUsers: 99, approvedEmails: [] })),
      'none',
    );
  });
});

describe('withRole / withoutRole', () => {
  it('adds in the declared order, once; removes, leaving the default role rather than none', () => {
    assert.deepEqual(withRole(['deepdesk.manager'], 'deepdesk.agent'), [
      'deepdesk.agent',
      'deepdesk.manager',
    ]);
    assert.deepEqual(withRole(['deepdesk.agent'], 'deepdesk.agent'), ['deepdesk.agent']);
    assert.deepEqual(withoutRole(['deepdesk.manager'], 'deepdesk.manager'), ['deepdesk.agent']);
    assert.deepEqual(withoutRole(['deepdesk.agent', 'deepdesk.editor'], 'deepdesk.editor'), [
      'deepdesk.agent',
    ]);
  });

  it('refuses what is not a role', () => {
    assert.equal(
      code(() => withRole([], 'admin')),
      'validation_failed',
    );
    assert.equal(
      code(() => withoutRole([], 'deepdesk.Manager')),
      'validation_failed',
    );
  });
});
