import assert from 'node:assert/strict';
import { ROLES } from '@deskgate/protocol';
import { describe, it } from 'vitest';
import { can, PERMISSION_AREAS, permissionsOf, ROLE_PERMISSIONS } from './permissions.ts';

describe('permissions', () => {
  it('declares every role, and grants only declared areas and actions', () => {
    assert.deepEqual(Object.keys(ROLE_PERMISSIONS).sort(), [...ROLES].sort());
    for (const [role, grants] of Object.entries(ROLE_PERMISSIONS))
      for (const [area, actions] of Object.entries(grants)) {
        const known = PERMISSION_AREAS[area as keyof typeof PERMISSION_AREAS] as
          | readonly string[]
          | undefined;
        assert.ok(known, `${role}: unknown area ${area}`);
        for (const action of actions)
          assert.ok(action === '*' || known.includes(action), `${role}: ${area}:${action}`);
      }
  });

  it('gives the manager everything the editor has (F9), and more', () => {
    const editor = permissionsOf(['deepdesk.editor']);
    const manager = permissionsOf(['deepdesk.manager']);
    for (const permission of editor) assert.ok(manager.includes(permission), permission);
    for (const permission of ['access_requests:decide', 'users:write', 'audit:read'])
      assert.ok(manager.includes(permission) && !editor.includes(permission), permission);
  });

  it('grants by any of several roles, by wildcard, and nothing for unknown or no roles', () => {
    assert.equal(can(['deepdesk.agent'], 'texts', 'write'), false);
    assert.equal(can(['deepdesk.agent', 'deepdesk.editor'], 'texts', 'write'), true);
    assert.equal(can(['deepdesk.assistant_editor'], 'assistants', 'write'), true);
    assert.equal(can(['deepdesk.assistant_editor'], 'texts', 'write'), false);
    assert.equal(can(['deepdesk.manager'], 'access_requests', 'decide'), true);
    assert.equal(can(['admin', 'deepdesk.Manager'], 'access_requests', 'decide'), false);
    assert.equal(can([], 'assist', 'use'), false);
    assert.deepEqual(permissionsOf(['deepdesk.agent']), [
      'assist:use',
      'collection:read',
      'collection:write',
      'texts:read',
    ]);
  });
});

describe('docs/roles.md', () => {
  it('shows the permissions table as declared', async () => {
    const { readFile } = await import('node:fs/promises');
    const docs = await readFile(new URL('../../../docs/roles.md', import.meta.url), 'utf8');
    const { ROLES_IN_ORDER } = await import('./permissions.ts');
    for (const [area, actions] of Object.entries(PERMISSION_AREAS))
      for (const action of actions) {
        const row = docs.split('\n').find((line) => line.startsWith(`| \`${area}:${action}\` |`));
        assert.ok(row, `docs/roles.md has no row for ${area}:${action}`);
        const cells = row
          .split('|')
          .slice(2, -1)
          .map((cell) => cell.trim() === 'yes');
        assert.deepEqual(
          cells,
          ROLES_IN_ORDER.map((role) => can([role], area as never, action as never)),
          `${area}:${action}`,
        );
      }
  });
});
