// The operator CLI against both stores (docs/operations.md, "CLI reference"): the same session of commands an
// operator runs on the embedded SQLite default and on PostgreSQL (a fresh database, dropped afterwards), with
// the same answers. cli.test.ts holds each command's full contract on SQLite.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMasterKey } from '@deskgate/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runCli } from './cli/run.ts';

const ADMIN_URL = process.env.DESKGATE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const database = `deskgate_cli_${randomBytes(6).toString('hex')}`;

let unreachable: string | undefined;
const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
try {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
} catch (error) {
  await admin.end().catch(() => {});
  if (process.env.CI) throw error;
  unreachable = (error as Error).message;
  console.warn(`WARNING: skipping the CLI on PostgreSQL, PostgreSQL is unreachable (${unreachable}).`);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deskgate-cli-stores-'));
});
afterAll(async () => {
  if (!unreachable) {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
  await rm(dir, { recursive: true, force: true });
});

function databaseUrl() {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.href;
}

const stores = [
  { name: 'SQLite (embedded)', env: () => ({ DESKGATE_DATA_DIR: join(dir, 'data') }) },
  { name: 'PostgreSQL', env: () => ({ DATABASE_URL: databaseUrl() }), skip: unreachable !== undefined },
];

describe.each(stores)('pnpm deskgate on $name', ({ env, skip }) => {
  const masterKey = generateMasterKey();
  async function deskgate(args: string[], extra: Record<string, string> = {}) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      env: { DESKGATE_MASTER_KEY: masterKey, LOG_LEVEL: 'warn', ...env(), ...extra },
      stdin: async () => '',
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    });
    return { code, stdout, stderr };
  }
  async function ok(args: string[], extra?: Record<string, string>) {
    const result = await deskgate(args, extra);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  }

  it.skipIf(skip)(
    'runs an operator session: tenant, keys, grants, audit, outbox, master-key rotation',
    async () => {
      await ok(['migrate']);
      await ok(['tenant', 'create', 'globex', '--name', 'Globex', '--origin', 'https://cx.globex.test']);
      await ok(['tenant', 'set', 'globex', '--add-origin', 'https://cx2.globex.test']);
      assert.equal(
        await ok(['tenant', 'list']),
        'globex\tGlobex\thttps://cx.globex.test https://cx2.globex.test\n',
      );

      const jwtKey = JSON.parse(
        await ok(['jwt-key', 'create', 'globex', '--profile', 'session', '--json']),
      ) as {
        kid: string;
        secret: string;
      };
      const listed = await ok(['jwt-key', 'list', 'globex']);
      assert.ok(listed.includes(jwtKey.kid) && !listed.includes(jwtKey.secret), 'listed, never the secret');

      const apiKey = JSON.parse(await ok(['api-key', 'create', 'globex', '--json'])) as {
        kid: string;
        key: string;
      };
      const scim = JSON.parse(await ok(['scim-token', 'create', 'globex', '--json'])) as { key: string };
      assert.match(apiKey.key, /^dgk_/);
      assert.match(scim.key, /^dgs_/);
      assert.ok(!(await ok(['api-key', 'list', 'globex'])).includes(apiKey.key));
      await ok(['api-key', 'revoke', 'globex', apiKey.kid]);

      await ok(['user', 'grant', 'globex', '--email', 'lead@globex.test', '--role', 'deepdesk.manager']);
      assert.match(
        await ok(['user', 'grants', 'globex']),
        /^email\t-\tlead@globex\.test\tdeepdesk\.manager\t/m,
      );
      assert.equal(await ok(['user', 'list', 'globex']), '');
      const missing = await deskgate(['user', 'show', 'globex', 'nobody@globex.test']);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr.trim().split('\n').length, 1, 'one line');

      const audit = JSON.parse(await ok(['audit', 'globex', '--json'])) as { type: string }[];
      assert.deepEqual(
        audit.map((event) => event.type),
        [
          'role_granted',
          'api_key_revoked',
          'scim_token_created',
          'api_key_created',
          'jwt_key_created',
          'tenant_changed',
          'tenant_created',
        ],
      );
      assert.equal(await ok(['mail', 'list']), '');

      // A new master key: every secret sealed again, after which the new key alone opens them.
      const next = generateMasterKey();
      const rotated = await deskgate(['master-key', 'rotate'], {
        DESKGATE_MASTER_KEY: next,
        DESKGATE_PREVIOUS_MASTER_KEY: masterKey,
      });
      assert.equal(rotated.code, 0, rotated.stderr);
      assert.ok(
        !`${rotated.stdout}${rotated.stderr}`.includes(next) &&
          !`${rotated.stdout}${rotated.stderr}`.includes(masterKey),
      );
      const check = await deskgate(['jwt', 'check', 'globex', 'not-a-token'], { DESKGATE_MASTER_KEY: next });
      assert.equal(check.code, 1, 'runs with the new key alone (and refuses the token)');
      assert.match(
        await ok(['jwt-key', 'list', 'globex'], { DESKGATE_MASTER_KEY: next }),
        new RegExp(jwtKey.kid),
      );
    },
  );
});
