// Background checkpoints: the WAL is copied back into the database file by the worker's connection, with no
// commit of the serving connection doing it, and the store still closes cleanly (WAL removed).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, it } from 'vitest';
import { createSqliteDriver } from './sqlite.ts';
import { BACKSTOP_PAGES, CHECKPOINT_INTERVAL_MS } from './sqlite-checkpoints.ts';

const dir = mkdtempSync(join(tmpdir(), 'deskgate-checkpoints-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Some 100 pages of rows: far below SQLite's own checkpoint mark (1,000 pages), so only a worker copies them. */
async function writeRows(file: string, backgroundCheckpoints: boolean) {
  const driver = createSqliteDriver(file, { backgroundCheckpoints });
  await driver.exec('CREATE TABLE t (x TEXT)');
  const before = statSync(file).size;
  for (let i = 0; i < 200; i++) await driver.run('INSERT INTO t (x) VALUES (?)', [`${i}`.padEnd(2000, 'x')]);
  return { driver, before };
}

/** The database file's size once it changes, or after `ms`; in WAL mode only a checkpoint writes to it. */
async function sizeAfter(file: string, before: number, ms: number) {
  const until = Date.now() + ms;
  while (statSync(file).size === before && Date.now() < until) await sleep(20);
  return statSync(file).size;
}

describe('background checkpoints', () => {
  it('copy the WAL into the database file without a commit of the serving connection doing it', async () => {
    const file = join(dir, 'background.sqlite');
    const { driver, before } = await writeRows(file, true);
    try {
      assert.ok((await sizeAfter(file, before, 5_000)) > before + 200 * 2000);
      // The serving connection checkpoints itself only past the backstop's mark.
      assert.equal((await driver.all('PRAGMA wal_autocheckpoint'))[0]?.wal_autocheckpoint, BACKSTOP_PAGES);
    } finally {
      await driver.close();
    }
    // The worker's connection closed first, so the serving one was the last: it checkpointed and removed the WAL.
    assert.equal(existsSync(`${file}-wal`), false);
  });

  it('are off unless asked for: the same rows stay in the WAL (the control of the test above)', async () => {
    const file = join(dir, 'inline.sqlite');
    const { driver, before } = await writeRows(file, false);
    try {
      assert.equal(await sizeAfter(file, before, CHECKPOINT_INTERVAL_MS * 5), before);
      assert.equal((await driver.all('PRAGMA wal_autocheckpoint'))[0]?.wal_autocheckpoint, 1000);
    } finally {
      await driver.close();
    }
  });

  it('leave an in-memory database alone', async () => {
    const driver = createSqliteDriver(':memory:', { backgroundCheckpoints: true });
    // No worker and no backstop: an in-memory database has no WAL to copy.
    assert.equal((await driver.all('PRAGMA wal_autocheckpoint'))[0]?.wal_autocheckpoint, 1000);
    await driver.close();
  });
});
