// Contract of the operator CLI, run as operators run it: a child process on a fresh embedded store.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it } from 'vitest';

const run = promisify(execFile);
const CLI = new URL('./cli.ts', import.meta.url).pathname;
let dir: string;

async function deskgate(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, DESKGATE_DATA_DIR: dir, LOG_LEVEL: 'warn', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deskgate-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('pnpm deskgate tenant', () => {
  it('creates a tenant, generating a master key (mode 0600) and encrypting the client secret at rest', async () => {
    const result = await deskgate(
      [
        'tenant',
        'create',
        'acme',
        '--name',
        'Acme',
        '--origin',
        'https://cx.example.com',
        '--issuer',
        'https://idp.example.com',
        '--client-id',
        'abc',
        '--client-secret-env',
        'ACME_SECRET',
      ],
      { ACME_SECRET: 'the-client-secret-value' },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /created tenant acme/);
    assert.match(result.stdout, /"clientSecret": "\(encrypted\)"/);
    assert.doesNotMatch(result.stdout, /the-client-secret-value/);
    assert.match(result.stderr, /generated a new master key/);
    assert.equal((await stat(join(dir, 'master.key'))).mode & 0o777, 0o600);
    const db = await readFile(join(dir, 'deskgate.sqlite'));
    assert.equal(db.includes('the-client-secret-value'), false);
  });

  it('lists and shows tenants with secrets redacted', async () => {
    assert.match((await deskgate(['tenant', 'list'])).stdout, /^acme\tAcme\thttps:\/\/cx\.example\.com$/m);
    const show = await deskgate(['tenant', 'show', 'acme']);
    assert.equal(JSON.parse(show.stdout).oidc[0].clientSecret, '(encrypted)');
  });

  it('updates settings with set, keeping the stored secret', async () => {
    const result = await deskgate([
      'tenant',
      'set',
      'acme',
      '--access-ttl',
      '600',
      '--origin',
      'https://a.example.com',
      '--origin',
      'https://b.example.com',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const tenant = JSON.parse((await deskgate(['tenant', 'show', 'acme'])).stdout);
    assert.equal(tenant.sessions.accessTtlSeconds, 600);
    assert.deepEqual(tenant.allowedOrigins, ['https://a.example.com', 'https://b.example.com']);
    assert.equal(tenant.oidc[0].clientId, 'abc');
  });

  it('refuses a duplicate code, an unknown tenant and a non-exact origin with exit code 1 and the error code', async () => {
    const duplicate = await deskgate(['tenant', 'create', 'acme', '--origin', 'https://x.example.com']);
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /validation_failed: Tenant "acme" already exists/);
    const unknown = await deskgate(['tenant', 'show', 'nosuch']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /tenant_not_found/);
    const origin = await deskgate(['tenant', 'create', 'other', '--origin', 'https://x.example.com/path']);
    assert.equal(origin.code, 1);
    assert.match(origin.stderr, /tenant\.allowedOrigins\[0\]/);
  });

  it('applies a seed file idempotently', async () => {
    const file = join(dir, 'seed.json');
    const seed = { tenants: [{ code: 'seeded', allowedOrigins: ['http://localhost:5173'] }] };
    await writeFile(file, JSON.stringify(seed));
    assert.match((await deskgate(['seed', file])).stdout, /seeded tenants: seeded/);
    assert.equal((await deskgate(['seed', file])).code, 0);
    assert.match((await deskgate(['tenant', 'list'])).stdout, /^seeded\t/m);
  });

  it('prints the usage and exits 2 without a command', async () => {
    const result = await deskgate([]);
    assert.equal(result.code, 2);
    assert.match(result.stdout, /Usage: pnpm deskgate/);
  });
});
