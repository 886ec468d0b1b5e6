// Runs the Store conformance suite against SQLite files, and races separate processes on one file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, it } from 'vitest';
import { describeStoreConformance } from './conformance/index.ts';
import { createSqliteStore } from './sqlite.ts';

const dir = mkdtempSync(join(tmpdir(), 'deskgate-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStoreConformance('SQLite store', async () =>
  createSqliteStore({ filename: join(dir, 'test.sqlite') }),
);

// Connections in one process take turns, so only separate processes exercise SQLite's own locking.
describe('SQLite store shared by several processes', () => {
  const PROCESSES = 4;
  const filename = join(dir, 'processes.sqlite');
  const child = `
    import { createSqliteStore } from ${JSON.stringify(new URL('./sqlite.ts', import.meta.url).href)};
    const store = createSqliteStore({ filename: process.env.DB_FILE });
    // Process start-up times vary; meeting at one instant makes the race real.
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.START_AT) - Date.now()));
    await store.migrate();
    const id = process.env.ATTEMPT_ID;
    const wins = id ? (await Promise.all([1, 2, 3].map((i) => store.redeemAttempt(id, i)))).filter(Boolean) : [];
    await store.close();
    process.stdout.write(String(wins.length));
  `;
  const runProcesses = (env: Record<string, string>): Promise<number[]> => {
    const START_AT = String(Date.now() + 500);
    return Promise.all(
      Array.from({ length: PROCESSES }, async () => {
        const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', child], {
          env: { ...process.env, DB_FILE: filename, START_AT, ...env },
        });
        return Number(stdout);
      }),
    );
  };

  it('migrate is safe when several processes start at once on an empty file', async () => {
    await runProcesses({});
  });

  it('redeemAttempt lets exactly one of several processes win', async () => {
    const store = createSqliteStore({ filename });
    await store.migrate();
    await store.createAttempt({
      id: 'attempt-1',
      tenant: 'acme',
      challenge: 'challenge',
      origin: 'https://cx.example',
      confirmationCode: '482913',
      createdAt: 1,
      expiresAt: 2,
      bindingDigest: null,
      userId: 'user-1',
      method: 'sso',
      completedAt: 1,
      confirmedAt: null,
      redeemedAt: null,
      confirmFailures: 0,
      locale: null,
      identityIssuer: null,
      identitySubject: null,
    });
    await store.close();
    const wins = await runProcesses({ ATTEMPT_ID: 'attempt-1' });
    assert.equal(
      wins.reduce((a, b) => a + b, 0),
      1,
    );
  });
});
