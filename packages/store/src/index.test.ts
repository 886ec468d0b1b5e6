// Checks that openStore picks the adapter from configuration and keeps secrets out of its errors.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { openStore } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'deskgate-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openStore', () => {
  it('opens SQLite under a dataDir it creates when no databaseUrl is set', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const store = openStore({ dataDir });
    await store.migrate();
    await store.close();
    assert.ok(existsSync(join(dataDir, 'deskgate.sqlite')));
  });

  it('rejects an unsupported scheme with a TypeError that does not echo the URL', () => {
    assert.throws(
      () => openStore({ databaseUrl: 'mysql://admin:hunter2@db.internal/deskgate', dataDir: dir }),
      (err: unknown) =>
        err instanceof TypeError &&
        err.message.includes('mysql') &&
        !/hunter2|admin|db\.internal/.test(err.message),
    );
  });

  it('rejects a databaseUrl without a scheme', () => {
    assert.throws(
      () => openStore({ databaseUrl: 'hunter2', dataDir: dir }),
      (err: unknown) => {
        return err instanceof TypeError && !err.message.includes('hunter2');
      },
    );
  });
});
