import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { resolveIdentity, type VerifiedProfile } from './identity.ts';
import type { UserRecord } from './store.ts';

const CREATED = Date.UTC(2026, 9, 1, 8, 0, 0);
const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

const profile = (overrides: Partial<VerifiedProfile> = {}): VerifiedProfile => ({
  issuer: 'https://idp.example.com',
  subject: 'sub-123',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  roles: ['deepdesk.agent'],
  confirmed: true,
  ...overrides,
});

const existing = (overrides: Partial<UserRecord> = {}): UserRecord => ({
  id: 'user-1',
  tenant: 'acme',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  roles: ['deepdesk.agent'],
  confirmed: true,
  createdAt: CREATED,
  updatedAt: CREATED,
  disabledAt: null,
  ...overrides,
});

const noNewId = () => assert.fail('newId must not be called for an existing user');

describe('resolveIdentity', () => {
  it('creates a user from the profile when none is linked', () => {
    const decision = resolveIdentity('acme', undefined, profile(), NOW, () => 'new-id');
    assert.deepEqual(decision, {
      action: 'create',
      user: {
        id: 'new-id',
        tenant: 'acme',
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        roles: ['deepdesk.agent'],
        confirmed: true,
        createdAt: NOW,
        updatedAt: NOW,
        disabledAt: null,
      },
    });
  });

  it('creates an unconfirmed user without email from an unconfirmed profile', () => {
    const decision = resolveIdentity(
      'acme',
      undefined,
      profile({ email: null, confirmed: false }),
      NOW,
      () => 'x',
    );
    assert.equal(decision.action, 'create');
    assert.equal(decision.user.email, null);
    assert.equal(decision.user.confirmed, false);
  });

  it('returns the existing user unchanged when nothing differs', () => {
    const user = existing();
    const decision = resolveIdentity('acme', user, profile(), NOW, noNewId);
    assert.equal(decision.action, 'unchanged');
    assert.equal(decision.user, user);
    assert.equal(decision.user.updatedAt, CREATED);
  });

  it('updates email, name and roles from the profile and stamps updatedAt', () => {
    const decision = resolveIdentity(
      'acme',
      existing(),
      profile({
        email: 'ada@new.example.com',
        name: 'Ada King',
        roles: ['deepdesk.agent', 'deepdesk.manager'],
      }),
      NOW,
      noNewId,
    );
    assert.deepEqual(decision, {
      action: 'update',
      user: {
        id: 'user-1',
        tenant: 'acme',
        email: 'ada@new.example.com',
        name: 'Ada King',
        roles: ['deepdesk.agent', 'deepdesk.manager'],
        confirmed: true,
        createdAt: CREATED,
        updatedAt: NOW,
        disabledAt: null,
      },
      previousRoles: ['deepdesk.agent'],
    });
  });

  it('updates when only the roles changed, including losing a role', () => {
    const decision = resolveIdentity(
      'acme',
      existing({ roles: ['deepdesk.agent', 'deepdesk.manager'] }),
      profile({ roles: ['deepdesk.agent'] }),
      NOW,
      noNewId,
    );
    assert.equal(decision.action, 'update');
    assert.deepEqual(decision.user.roles, ['deepdesk.agent']);
  });

  it('keeps the existing email and name when the profile has none', () => {
    const decision = resolveIdentity('acme', existing(), profile({ email: null, name: null }), NOW, noNewId);
    assert.equal(decision.action, 'unchanged');
    assert.equal(decision.user.email, 'ada@example.com');
    assert.equal(decision.user.name, 'Ada Lovelace');
  });

  it('keeps the existing email while updating other fields', () => {
    const decision = resolveIdentity(
      'acme',
      existing(),
      profile({ email: null, name: 'Ada King' }),
      NOW,
      noNewId,
    );
    assert.equal(decision.action, 'update');
    assert.equal(decision.user.email, 'ada@example.com');
    assert.equal(decision.user.name, 'Ada King');
  });

  it('never downgrades a confirmed user to unconfirmed', () => {
    const decision = resolveIdentity(
      'acme',
      existing({ confirmed: true }),
      profile({ confirmed: false }),
      NOW,
      noNewId,
    );
    assert.equal(decision.action, 'unchanged');
    assert.equal(decision.user.confirmed, true);
  });

  it('upgrades an unconfirmed user when the profile is confirmed', () => {
    const decision = resolveIdentity(
      'acme',
      existing({ confirmed: false }),
      profile({ confirmed: true }),
      NOW,
      noNewId,
    );
    assert.equal(decision.action, 'update');
    assert.equal(decision.user.confirmed, true);
    assert.equal(decision.user.updatedAt, NOW);
  });

  it('keeps id, tenant and createdAt of the existing user on update', () => {
    const decision = resolveIdentity('acme', existing(), profile({ name: 'Other' }), NOW, noNewId);
    assert.equal(decision.user.id, 'user-1');
    assert.equal(decision.user.tenant, 'acme');
    assert.equal(decision.user.createdAt, CREATED);
  });

  it('does not mutate the existing record', () => {
    const user = existing();
    resolveIdentity('acme', user, profile({ name: 'Other', roles: ['deepdesk.editor'] }), NOW, noNewId);
    assert.deepEqual(user, existing());
  });
});

describe('resolveIdentity with email as a second identifier (platform JWT, D12)', () => {
  const other = existing({ id: 'user-2', email: 'ada@example.com' });
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return (error as { code?: string }).code;
    }
    return 'no error';
  };

  it('links an identity to the one user that has the email, refreshing the profile', () => {
    const decision = resolveIdentity('acme', undefined, profile({ name: 'Ada L.' }), NOW, noNewId, {
      byEmail: [other],
    });
    assert.equal(decision.action, 'link');
    assert.equal(decision.user.id, 'user-2');
    assert.equal(decision.user.name, 'Ada L.');
    assert.equal(decision.user.updatedAt, NOW);
  });

  it('links without changes when the profile adds nothing', () => {
    const decision = resolveIdentity('acme', undefined, profile(), NOW, noNewId, { byEmail: [other] });
    assert.deepEqual(decision, { action: 'link', user: other });
  });

  it('updates the identity’s user when the email names the same user', () => {
    const user = existing();
    const decision = resolveIdentity('acme', user, profile({ name: 'New' }), NOW, noNewId, {
      byEmail: [user],
    });
    assert.equal(decision.action, 'update');
  });

  it('refuses an id and an email that name different users: identity_conflict, nothing to store', () => {
    assert.equal(
      code(() => resolveIdentity('acme', existing(), profile(), NOW, noNewId, { byEmail: [other] })),
      'identity_conflict',
    );
  });

  it('refuses an email shared by several users when no identity picks one', () => {
    assert.equal(
      code(() =>
        resolveIdentity('acme', undefined, profile(), NOW, noNewId, { byEmail: [existing(), other] }),
      ),
      'identity_conflict',
    );
  });

  it('refuses to create an unknown user when creation is off: user_not_provisioned', () => {
    assert.equal(
      code(() =>
        resolveIdentity('acme', undefined, profile(), NOW, noNewId, { byEmail: [], allowCreate: false }),
      ),
      'user_not_provisioned',
    );
    const known = resolveIdentity('acme', existing(), profile(), NOW, noNewId, { allowCreate: false });
    assert.equal(known.action, 'unchanged', 'a known user still signs in');
  });
});
