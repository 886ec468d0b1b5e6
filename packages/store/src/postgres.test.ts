// Runs the Store conformance suite against PostgreSQL, in a throwaway schema of the test database.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import { describeStoreConformance } from './conformance/index.ts';
import { createPostgresStore } from './postgres.ts';

const connectionString = process.env.DESKGATE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `deskgate_test_${randomBytes(6).toString('hex')}`;
const admin = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });

let unreachable: string | undefined;
try {
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
} catch (err) {
  await admin.end().catch(() => {});
  // CI must exercise PostgreSQL; a laptop without it still gets the SQLite run.
  if (process.env.CI) throw err;
  unreachable = (err as Error).message;
  console.warn(
    `WARNING: skipping the PostgreSQL store tests, the database is unreachable (${unreachable}). ` +
      'Start PostgreSQL or set DESKGATE_TEST_DATABASE_URL.',
  );
}

if (unreachable === undefined) {
  afterAll(async () => {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  });

  describeStoreConformance('PostgreSQL store', async () => createPostgresStore({ connectionString, schema }));

  describe('createPostgresStore', () => {
    it('parses BIGINT as numbers for its own pool only', async () => {
      const store = createPostgresStore({ connectionString, schema });
      await store.close();
      assert.equal(pg.types.getTypeParser(pg.types.builtins.INT8)('42'), '42');
    });

    it('rejects a schema name that would need quoting', () => {
      assert.throws(() => createPostgresStore({ connectionString, schema: 'Bad-Name' }), TypeError);
    });
  });
} else {
  it.skip(`PostgreSQL store conformance (PostgreSQL unreachable: ${unreachable})`, () => {});
}
