import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { rolesFromClaims } from './roles.ts';

describe('rolesFromClaims', () => {
  it('reads a single role from a string claim', () => {
    assert.deepEqual(rolesFromClaims({ roles: 'deepdesk.manager' }, 'roles'), ['deepdesk.manager']);
  });

  it('splits a space-separated string claim', () => {
    assert.deepEqual(rolesFromClaims({ roles: 'deepdesk.manager deepdesk.agent' }, 'roles'), [
      'deepdesk.agent',
      'deepdesk.manager',
    ]);
  });

  it('splits a comma-separated string claim, with or without spaces', () => {
    assert.deepEqual(rolesFromClaims({ roles: 'deepdesk.editor,deepdesk.agent' }, 'roles'), [
      'deepdesk.agent',
      'deepdesk.editor',
    ]);
    assert.deepEqual(rolesFromClaims({ roles: ' deepdesk.editor , deepdesk.manager\t' }, 'roles'), [
      'deepdesk.editor',
      'deepdesk.manager',
    ]);
  });

  it('reads an array claim, sorted and without duplicates', () => {
    assert.deepEqual(
      rolesFromClaims(
        { roles: ['deepdesk.manager', 'deepdesk.assistant_editor', 'deepdesk.manager'] },
        'roles',
      ),
      ['deepdesk.assistant_editor', 'deepdesk.manager'],
    );
  });

  it('drops unknown role names and non-string array entries', () => {
    assert.deepEqual(
      rolesFromClaims(
        { roles: ['admin', 'deepdesk.editor', 42, null, 'Deepdesk.Manager', 'deepdesk'] },
        'roles',
      ),
      ['deepdesk.editor'],
    );
  });

  it('falls back to deepdesk.agent when only unknown roles remain', () => {
    assert.deepEqual(rolesFromClaims({ roles: ['admin', 'superuser'] }, 'roles'), ['deepdesk.agent']);
    assert.deepEqual(rolesFromClaims({ roles: '' }, 'roles'), ['deepdesk.agent']);
  });

  it('falls back to deepdesk.agent when the claim is missing', () => {
    assert.deepEqual(rolesFromClaims({ sub: 'u1' }, 'roles'), ['deepdesk.agent']);
  });

  it('falls back to deepdesk.agent when the claim is neither string nor array', () => {
    assert.deepEqual(rolesFromClaims({ roles: { manager: true } }, 'roles'), ['deepdesk.agent']);
    assert.deepEqual(rolesFromClaims({ roles: 1 }, 'roles'), ['deepdesk.agent']);
  });

  it('reads a custom claim name and ignores the default one', () => {
    const claims = { roles: ['deepdesk.manager'], groups: ['deepdesk.editor'] };
    assert.deepEqual(rolesFromClaims(claims, 'groups'), ['deepdesk.editor']);
  });

  it('treats a URL-style claim name as a plain key', () => {
    const claims = { 'https://deepdesk.com/roles': 'deepdesk.manager' };
    assert.deepEqual(rolesFromClaims(claims, 'https://deepdesk.com/roles'), ['deepdesk.manager']);
  });

  it('does not read inherited object properties as the claim', () => {
    assert.deepEqual(rolesFromClaims({}, 'constructor'), ['deepdesk.agent']);
    assert.deepEqual(rolesFromClaims({}, 'toString'), ['deepdesk.agent']);
  });
});
