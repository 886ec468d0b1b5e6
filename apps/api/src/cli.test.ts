// Contract of the operator CLI. The entry point runs as operators run it (a child process); the rest runs the
// same code in-process for speed, each test on a fresh embedded store. DESKGATE_CLI_TEST_SPAWN=1 runs every
// test as a child process.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_PLATFORM_JWT, generateMasterKey, REDACTED_SECRET, redactTenant } from '@deskgate/core';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { MailService } from './mail/index.ts';
import { applySeedFile, createRuntime } from './runtime.ts';
import { TenantService } from './services/tenants.ts';

const exec = promisify(execFile);
const CLI = new URL('./cli.ts', import.meta.url).pathname;
const SPAWN = process.env.DESKGATE_CLI_TEST_SPAWN === '1';
const MASTER_KEY = generateMasterKey();
const STACK_LINE = /^\s+at /m;
let root: string;
let dir: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** `pnpm deskgate …` as a child process. */
async function spawnDeskgate(args: string[], env: Record<string, string>): Promise<Result> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `pnpm deskgate …` on this test's store: in-process unless DESKGATE_CLI_TEST_SPAWN=1. */
async function deskgate(args: string[], extraEnv: Record<string, string> = {}, stdin = ''): Promise<Result> {
  const env = { DESKGATE_DATA_DIR: dir, DESKGATE_MASTER_KEY: MASTER_KEY, LOG_LEVEL: 'warn', ...extraEnv };
  if (SPAWN) return spawnDeskgate(args, env);
  const { runCli } = await import('./cli/run.ts');
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env,
    stdin: async () => stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** The client secrets as the API would read them, by provider id (`UNREADABLE` when they do not decrypt). */
async function storedSecrets(code: string): Promise<Record<string, string> | undefined> {
  const runtime = await createRuntime(
    { DESKGATE_DATA_DIR: dir, DESKGATE_MASTER_KEY: MASTER_KEY },
    pino({ level: 'silent' }),
  );
  try {
    const tenants = new TenantService(runtime.store, runtime.keys, Date.now);
    const tenant = await tenants.get(code);
    if (!tenant) return undefined;
    const secrets: Record<string, string> = {};
    for (const provider of tenant.oidc) {
      secrets[provider.id] = await tenants.clientSecret(tenant, provider).catch(() => 'UNREADABLE');
    }
    return secrets;
  } finally {
    await runtime.store.close();
  }
}

async function show(code: string) {
  const result = await deskgate(['tenant', 'show', code]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

async function writeJson(name: string, value: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(value, null, 2));
  return file;
}

/** Asserts a failure: the exit code, nothing on stdout, exactly one line on stderr and no stack trace. */
function assertOneLine(result: Result, code: number, message: RegExp) {
  assert.equal(result.code, code, `exit code; stderr: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, STACK_LINE);
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, `one line expected:\n${result.stderr}`);
  assert.match(result.stderr.trimEnd(), message);
  assert.equal(result.stdout, '');
}

const TWO_PROVIDERS = {
  code: 'acme',
  displayName: 'Acme',
  allowedOrigins: ['https://cx.example.com'],
  oidc: [
    { id: 'sso', issuer: 'https://idp.example.com', clientId: 'abc', clientSecret: 'secret-one' },
    { id: 'backup', issuer: 'https://idp2.example.com', clientId: 'def', clientSecret: 'secret-two' },
  ],
};

async function createAcme() {
  const result = await deskgate(['tenant', 'create', '--file', await writeJson('acme.json', TWO_PROVIDERS)]);
  assert.equal(result.code, 0, result.stderr);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'deskgate-cli-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));
beforeEach(async () => {
  dir = await mkdtemp(join(root, 'store-'));
});

describe('pnpm deskgate (child process)', () => {
  it('creates a tenant, generating a master key (mode 0600) and encrypting the client secret at rest', async () => {
    const result = await spawnDeskgate(
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
      { DESKGATE_DATA_DIR: dir, ACME_SECRET: 'the-client-secret-value' },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^created tenant acme$/m);
    assert.equal(JSON.parse(result.stdout).oidc[0].clientSecret, '(encrypted)');
    assert.doesNotMatch(result.stdout, /the-client-secret-value/);
    assert.match(result.stderr, /generated a new master key/);
    assert.equal((await stat(join(dir, 'master.key'))).mode & 0o777, 0o600);
    const db = await readFile(join(dir, 'deskgate.sqlite'));
    assert.equal(db.includes('the-client-secret-value'), false);
  });

  it('exits 2 on a usage mistake and 1 on a failed operation with one line and no stack trace; 0 on --help', async () => {
    const env = { DESKGATE_DATA_DIR: dir, DESKGATE_MASTER_KEY: MASTER_KEY };
    const [unknown, missing, bare, help] = await Promise.all([
      spawnDeskgate(['tenant', 'list', '--foo'], env),
      spawnDeskgate(['tenant', 'create', '--file', join(dir, 'nosuch.json')], env),
      spawnDeskgate([], env),
      spawnDeskgate(['--help'], env),
    ]);
    assertOneLine(unknown, 2, /^deskgate: unknown option --foo; see pnpm deskgate tenant list --help$/);
    assertOneLine(missing, 1, /^deskgate: cannot read .*nosuch\.json: no such file$/);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /Usage: pnpm deskgate/);
    assert.equal(bare.stdout, '');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: pnpm deskgate/);
  });
});

describe('pnpm deskgate tenant', () => {
  it('lists and shows tenants with secrets redacted', async () => {
    await createAcme();
    assert.match((await deskgate(['tenant', 'list'])).stdout, /^acme\tAcme\thttps:\/\/cx\.example\.com$/m);
    const tenant = await show('acme');
    assert.deepEqual(
      tenant.oidc.map((p: { clientSecret: string }) => p.clientSecret),
      ['(encrypted)', '(encrypted)'],
    );
  });

  it('updates settings with set, keeping the stored secrets; stdout is the tenant as JSON', async () => {
    await createAcme();
    const result = await deskgate(['tenant', 'set', 'acme', '--access-ttl', '600', '--name', 'Acme Corp']);
    assert.equal(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout);
    assert.equal(printed.sessions.accessTtlSeconds, 600);
    assert.match(result.stderr, /^updated tenant acme$/m);
    assert.match(result.stderr, /^displayName: "Acme" -> "Acme Corp"$/m);
    assert.match(result.stderr, /^sessions\.accessTtlSeconds: 900 -> 600$/m);
    assert.deepEqual(await show('acme'), printed);
    assert.deepEqual(await storedSecrets('acme'), { sso: 'secret-one', backup: 'secret-two' });
  });

  it('refuses a duplicate code, an unknown tenant and a non-exact origin with exit code 1 and the error code', async () => {
    await createAcme();
    const duplicate = await deskgate([
      'tenant',
      'create',
      'acme',
      '--name',
      'A',
      '--origin',
      'https://x.example.com',
    ]);
    assertOneLine(duplicate, 1, /^deskgate: validation_failed: Tenant "acme" already exists$/);
    assertOneLine(
      await deskgate(['tenant', 'show', 'nosuch']),
      1,
      /^deskgate: tenant_not_found: No tenant "nosuch"$/,
    );
    const origin = await deskgate([
      'tenant',
      'create',
      'other',
      '--name',
      'Other',
      '--origin',
      'https://x.example.com/path',
    ]);
    assertOneLine(origin, 1, /^deskgate: validation_failed: tenant\.allowedOrigins\[0\]: /);
  });

  it('applies a seed file idempotently', async () => {
    const file = await writeJson('seed.json', {
      tenants: [{ code: 'seeded', allowedOrigins: ['http://localhost:5173'] }],
    });
    assert.match((await deskgate(['seed', file])).stdout, /seeded tenants: seeded/);
    assert.equal((await deskgate(['seed', file])).code, 0);
    assert.match((await deskgate(['tenant', 'list'])).stdout, /^seeded\t/m);
  });
});

describe('secrets in a round trip (show, edit, set --file)', () => {
  it('keeps each stored secret where the placeholder stands, matched by provider id', async () => {
    await createAcme();
    const shown = await show('acme');
    shown.allowedOrigins.push('https://new.example.com');
    shown.oidc.reverse();
    const result = await deskgate(['tenant', 'set', '--file', await writeJson('t.json', shown)]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await storedSecrets('acme'), { backup: 'secret-two', sso: 'secret-one' });
    assert.deepEqual((await show('acme')).allowedOrigins, [
      'https://cx.example.com',
      'https://new.example.com',
    ]);
    // The same with the code given on the command line too, and a new secret for one provider.
    shown.oidc[0].clientSecret = 'secret-three';
    const again = await deskgate(['tenant', 'set', 'acme', '--file', await writeJson('t.json', shown)]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /^oidc\[backup\]\.clientSecret: replaced$/m);
    assert.deepEqual(await storedSecrets('acme'), { backup: 'secret-three', sso: 'secret-one' });
  });

  it('refuses the placeholder where nothing is stored to keep, and stores nothing', async () => {
    await createAcme();
    const shown = await show('acme');
    const fresh = { ...shown, code: 'fresh' };
    const placeholder =
      /^deskgate: validation_failed: tenant\.oidc\[0\]\.clientSecret: "\(encrypted\)" is the placeholder/;
    // A new tenant, by set or create.
    for (const command of ['set', 'create']) {
      const result = await deskgate(['tenant', command, '--file', await writeJson('fresh.json', fresh)]);
      assertOneLine(result, 1, placeholder);
    }
    assert.equal((await deskgate(['tenant', 'show', 'fresh'])).code, 1);
    // A new provider id in a known tenant.
    shown.oidc[0].id = 'renamed';
    const renamed = await deskgate(['tenant', 'set', '--file', await writeJson('t.json', shown)]);
    assertOneLine(renamed, 1, placeholder);
    assert.match(renamed.stderr, /no stored secret for provider "renamed"/);
    // A seed file, even for a tenant that exists.
    const seed = await writeJson('seed.json', { tenants: [await show('acme'), fresh] });
    assertOneLine(await deskgate(['seed', seed]), 1, placeholder);
    assert.deepEqual(await storedSecrets('acme'), { sso: 'secret-one', backup: 'secret-two' });
    assert.equal(await storedSecrets('fresh'), undefined);
  });

  it('is refused by the tenant service too, e.g. in the seed file the API applies at start', async () => {
    const runtime = await createRuntime(
      { DESKGATE_DATA_DIR: dir, DESKGATE_MASTER_KEY: MASTER_KEY },
      pino({ level: 'silent' }),
    );
    try {
      const shown = { ...TWO_PROVIDERS, oidc: [{ ...TWO_PROVIDERS.oidc[0], clientSecret: REDACTED_SECRET }] };
      const file = await writeJson('seed.json', { tenants: [shown] });
      await assert.rejects(
        applySeedFile(runtime, file),
        /tenant\.oidc\[0\]\.clientSecret: "\(encrypted\)" is the placeholder/,
      );
      assert.equal(await runtime.store.getTenant('acme'), undefined);
    } finally {
      await runtime.store.close();
    }
  });

  it('takes a sealed secret only where it opens: same tenant, same provider id, same master key', async () => {
    await createAcme();
    const runtime = await createRuntime(
      { DESKGATE_DATA_DIR: dir, DESKGATE_MASTER_KEY: MASTER_KEY },
      pino({ level: 'silent' }),
    );
    const stored = await new TenantService(runtime.store, runtime.keys, Date.now).get('acme');
    await runtime.store.close();
    const sealed = stored!.oidc.map(({ clientSecret: _, ...p }) => p);
    const same = await deskgate([
      'tenant',
      'set',
      '--file',
      await writeJson('t.json', { ...stored, oidc: sealed }),
    ]);
    assert.equal(same.code, 0, same.stderr);
    const swapped = sealed.map((p, i) => ({
      ...p,
      clientSecretEncrypted: sealed[1 - i]!.clientSecretEncrypted,
    }));
    assertOneLine(
      await deskgate(['tenant', 'set', '--file', await writeJson('t.json', { ...stored, oidc: swapped })]),
      1,
      /^deskgate: validation_failed: tenant\.oidc\[0\]\.clientSecretEncrypted: not a secret of tenant acme, provider "sso" under this master key; give clientSecret instead$/,
    );
    assert.deepEqual(await storedSecrets('acme'), { sso: 'secret-one', backup: 'secret-two' });
  });

  it('refuses a file whose code differs from the one given on the command line', async () => {
    await createAcme();
    const file = await writeJson('t.json', { ...TWO_PROVIDERS, code: 'other' });
    assertOneLine(
      await deskgate(['tenant', 'set', 'acme', '--file', file]),
      2,
      /^deskgate: tenant set: the file is for tenant "other", not "acme"; see pnpm deskgate tenant set --help$/,
    );
  });

  it('refuses flags next to --file instead of ignoring them', async () => {
    await createAcme();
    const file = await writeJson('t.json', TWO_PROVIDERS);
    assertOneLine(
      await deskgate(['tenant', 'set', '--file', file, '--name', 'Other']),
      2,
      /^deskgate: tenant set: --file cannot be combined with --name; see pnpm deskgate tenant set --help$/,
    );
  });
});

describe('tenant changes in the audit log', () => {
  it('records create and set by the names of what changed, a client secret only as replaced', async () => {
    await createAcme();
    const set = await deskgate(
      ['tenant', 'set', 'acme', '--name', 'Acme Inc', '--client-secret-env', 'NEW_SECRET'],
      { NEW_SECRET: 'secret-brand-new' },
    );
    assert.equal(set.code, 0, set.stderr);
    assert.equal((await deskgate(['tenant', 'set', 'acme', '--name', 'Acme Inc'])).code, 0);
    const audit = await deskgate(['audit', 'acme', '--json']);
    assert.equal(audit.code, 0, audit.stderr);
    assert.equal(audit.stdout.includes('secret-brand-new'), false);
    const events = JSON.parse(audit.stdout) as { type: string; actor: { kind: string }; details: object }[];
    assert.deepEqual(
      events.map((e) => [e.type, e.actor.kind, e.details]),
      [
        ['tenant_changed', 'operator', { settings: 'displayName oidc[sso].clientSecret' }],
        ['tenant_created', 'operator', {}],
      ],
    );
  });
});

describe('provider flags on tenant set', () => {
  it('edit the provider named by --provider-id (default the first) and keep its secret', async () => {
    await createAcme();
    const first = await deskgate([
      'tenant',
      'set',
      'acme',
      '--client-id',
      'new-id',
      '--scopes',
      'openid email',
    ]);
    assert.equal(first.code, 0, first.stderr);
    const backup = await deskgate([
      'tenant',
      'set',
      'acme',
      '--provider-id',
      'backup',
      '--role-claim',
      'groups',
    ]);
    assert.equal(backup.code, 0, backup.stderr);
    const tenant = await show('acme');
    assert.equal(tenant.oidc[0].clientId, 'new-id');
    assert.deepEqual(tenant.oidc[0].scopes, ['openid', 'email']);
    assert.equal(tenant.oidc[1].roleClaim, 'groups');
    assert.deepEqual(await storedSecrets('acme'), { sso: 'secret-one', backup: 'secret-two' });
  });

  it('add a provider for a new --provider-id only with issuer, client id and secret; never rename one', async () => {
    await createAcme();
    const partial = await deskgate(['tenant', 'set', 'acme', '--provider-id', 'third', '--client-id', 'x']);
    assertOneLine(
      partial,
      1,
      /^deskgate: tenant acme has no provider "third"; to add it give --issuer, --client-id and --client-secret-env$/,
    );
    const added = await deskgate(
      [
        'tenant',
        'set',
        'acme',
        '--provider-id',
        'third',
        '--issuer',
        'https://idp3.example.com',
        '--client-id',
        'ghi',
        '--client-secret-env',
        'THIRD',
      ],
      { THIRD: 'secret-three' },
    );
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stderr, /^oidc\[third\]: added$/m);
    assert.deepEqual(await storedSecrets('acme'), {
      sso: 'secret-one',
      backup: 'secret-two',
      third: 'secret-three',
    });
  });
});

describe('origins on tenant set', () => {
  it('adds, removes and replaces explicitly, printing the change on stderr', async () => {
    await createAcme();
    const a = 'https://a.example.com';
    const b = 'https://b.example.com';
    const c = 'https://c.example.com';
    const add = await deskgate(['tenant', 'set', 'acme', '--add-origin', a, '--add-origin', b]);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stderr, /^origins: \+https:\/\/a\.example\.com \+https:\/\/b\.example\.com$/m);
    assert.deepEqual(JSON.parse(add.stdout).allowedOrigins, ['https://cx.example.com', a, b]);
    const swap = await deskgate([
      'tenant',
      'set',
      'acme',
      '--remove-origin',
      'https://cx.example.com',
      '--add-origin',
      c,
    ]);
    assert.equal(swap.code, 0, swap.stderr);
    assert.match(swap.stderr, /^origins: \+https:\/\/c\.example\.com -https:\/\/cx\.example\.com$/m);
    assert.deepEqual((await show('acme')).allowedOrigins, [a, b, c]);
    const replace = await deskgate([
      'tenant',
      'set',
      'acme',
      '--origins',
      `${c}, https://d.example.com`,
      '--origins',
      a,
    ]);
    assert.equal(replace.code, 0, replace.stderr);
    assert.match(replace.stderr, /^origins: \+https:\/\/d\.example\.com -https:\/\/b\.example\.com$/m);
    assert.deepEqual((await show('acme')).allowedOrigins, [c, 'https://d.example.com', a]);
    assert.deepEqual(await storedSecrets('acme'), { sso: 'secret-one', backup: 'secret-two' });
  });

  it('refuses removing an origin that is not there, and --origin, which used to replace the list', async () => {
    await createAcme();
    const before = await show('acme');
    assertOneLine(
      await deskgate(['tenant', 'set', 'acme', '--remove-origin', 'https://nosuch.example.com']),
      1,
      /^deskgate: tenant acme has no origin https:\/\/nosuch\.example\.com \(its origins: https:\/\/cx\.example\.com\)$/,
    );
    assertOneLine(
      await deskgate(['tenant', 'set', 'acme', '--origin', 'https://x.example.com']),
      2,
      /^deskgate: tenant set: --origin is ambiguous; use --add-origin URL, --remove-origin URL or --origins URL\[,URL\] \(replaces the list\); see pnpm deskgate tenant set --help$/,
    );
    assertOneLine(
      await deskgate([
        'tenant',
        'set',
        'acme',
        '--origins',
        'https://x.example.com',
        '--add-origin',
        'https://y.example.com',
      ]),
      2,
      /^deskgate: tenant set: --origins replaces the list; it cannot be combined with --add-origin or --remove-origin; see/,
    );
    assert.deepEqual(await show('acme'), before);
  });

  it('create takes --origin (repeatable) or --origins', async () => {
    const result = await deskgate([
      'tenant',
      'create',
      'acme',
      '--name',
      'Acme',
      '--origin',
      'https://a.example.com',
      '--origins',
      'https://b.example.com,https://c.example.com',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout).allowedOrigins, [
      'https://a.example.com',
      'https://b.example.com',
      'https://c.example.com',
    ]);
  });
});

describe('operator mistakes', () => {
  it('exit 2 with one line naming the mistake, storing nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--foo'], /^deskgate: unknown option --foo; see pnpm deskgate --help$/],
      [
        ['tenant', 'set', 'acme', '--foo=1'],
        /^deskgate: unknown option --foo; see pnpm deskgate tenant set --help$/,
      ],
      [
        ['tenant', 'list', '--name', 'x'],
        /^deskgate: tenant list: unknown option --name; see pnpm deskgate tenant list --help$/,
      ],
      [['bogus'], /^deskgate: unknown command "bogus"; see pnpm deskgate --help$/],
      [
        ['tenant'],
        /^deskgate: tenant: missing subcommand \(list, show, create or set\); see pnpm deskgate tenant --help$/,
      ],
      [['tenant', 'show'], /^deskgate: tenant show: missing <code>; see pnpm deskgate tenant show --help$/],
      [
        ['tenant', 'show', 'a', 'b'],
        /^deskgate: tenant show: unexpected argument "b"; see pnpm deskgate tenant show --help$/,
      ],
      [
        ['tenant', 'set', '--name', 'x'],
        /^deskgate: tenant set: missing <code> or --file; see pnpm deskgate tenant set --help$/,
      ],
      [
        ['tenant', 'create', 'acme', '--origin', 'https://a.example.com'],
        /^deskgate: tenant create: --name is required; see/,
      ],
      [
        ['tenant', 'create', 'acme', '--name', 'Acme'],
        /^deskgate: tenant create: --origin or --origins is required; see/,
      ],
      [
        ['tenant', 'create', 'acme', '--name'],
        /^deskgate: option --name needs a value; see pnpm deskgate tenant create --help$/,
      ],
      [
        ['tenant', 'set', 'acme', '--access-ttl', '10m'],
        /^deskgate: tenant set: --access-ttl must be a whole number of seconds; see/,
      ],
      [['seed'], /^deskgate: seed: missing <file>; see pnpm deskgate seed --help$/],
      [
        ['migrate', 'now'],
        /^deskgate: migrate: unexpected argument "now"; see pnpm deskgate migrate --help$/,
      ],
    ];
    for (const [args, message] of cases) assertOneLine(await deskgate(args), 2, message);
    assert.equal((await deskgate(['tenant', 'list'])).stdout, '');
  });

  it('exit 1 with one line when the operation fails on its input', async () => {
    const invalid = join(dir, 'invalid.json');
    await writeFile(invalid, '{ "code": ');
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [
        ['tenant', 'set', '--file', join(dir, 'nosuch.json')],
        /^deskgate: cannot read .*nosuch\.json: no such file$/,
      ],
      [['tenant', 'set', '--file', dir], /^deskgate: cannot read .*: is a directory$/],
      [['tenant', 'create', '--file', invalid], /^deskgate: .*invalid\.json is not valid JSON: /],
      [['seed', invalid], /^deskgate: .*invalid\.json is not valid JSON: /],
      [
        ['seed', await writeJson('seed.json', { tenant: [] })],
        /^deskgate: .*seed\.json: expected \{ "tenants": \[\.\.\.\] \}$/,
      ],
      [['tenant', 'set', 'acme', '--name', 'x'], /^deskgate: tenant_not_found: No tenant "acme"$/],
      [
        ['tenant', 'list'],
        /^deskgate: The master key must be base64url of exactly 32 random bytes$/,
        { DESKGATE_MASTER_KEY: 'bad' },
      ],
      [['tenant', 'list'], /^deskgate: .*postgres/i, { DATABASE_URL: 'mysql://db.example.com/deskgate' }],
      [
        [
          'tenant',
          'create',
          'acme',
          '--name',
          'A',
          '--origin',
          'https://a.example.com',
          '--issuer',
          'https://i.example.com',
          '--client-id',
          'x',
          '--client-secret-env',
          'NOPE',
        ],
        /^deskgate: validation_failed: --client-secret-env: \$NOPE is not set$/,
      ],
    ];
    for (const [args, message, env] of cases) assertOneLine(await deskgate(args, env), 1, message);
  });

  it('--help and help exit 0 with the usage on stdout; on a subcommand they show its usage', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const result = await deskgate(args);
      assert.equal(result.code, 0);
      assert.match(result.stdout, /^Usage: pnpm deskgate <command>/);
      assert.match(result.stdout, /Exit codes: 0 done/);
    }
    for (const args of [
      ['tenant', 'set', '--help'],
      ['help', 'tenant', 'set'],
      ['tenant', 'set', 'acme', '-h'],
    ]) {
      const result = await deskgate(args);
      assert.equal(result.code, 0);
      assert.match(result.stdout, /^Usage: pnpm deskgate tenant set <code>/);
      assert.match(result.stdout, /--add-origin URL/);
      assert.doesNotMatch(result.stdout, /tenant list/);
    }
    const tenant = await deskgate(['tenant', '--help']);
    assert.equal(tenant.code, 0);
    assert.match(tenant.stdout, /tenant list/);
    assert.doesNotMatch(tenant.stdout, /seed <file>/);
  });
});

describe('the placeholder', () => {
  it('stands only for client secrets, the ones the CLI knows to keep', () => {
    const provider = {
      ...TWO_PROVIDERS.oidc[0]!,
      displayName: 'SSO',
      authorizationEndpoint: 'https://idp.example.com/authorize',
      tokenEndpoint: 'https://idp.example.com/token',
      userinfoEndpoint: 'https://idp.example.com/userinfo',
      jwksUri: 'https://idp.example.com/jwks',
      idTokenSigningAlgs: ['RS256'],
      clientSecretEncrypted: 'enc.v1.iv.data',
      scopes: ['openid'],
      extraAuthParams: { prompt: 'login' },
      roleClaim: 'roles',
      roleIam: false,
      requireRoles: false,
    };
    const redacted = redactTenant({
      ...TWO_PROVIDERS,
      oidc: [provider, { ...provider, id: 'backup' }],
      sessions: { accessTtlSeconds: 900, sessionTtlSeconds: 86400 },
      platformJwt: DEFAULT_PLATFORM_JWT,
      apiKeys: { enabled: true },
      outboundLinks: { ttlSeconds: 300, targets: [] },
      magicLink: { enabled: false, ttlSeconds: 600, approverEmails: [] },
      trial: { enabled: false, seats: 10, invitedEmails: [] },
      scim: { groupRoles: {} },
    });
    const paths: string[] = [];
    const walk = (value: unknown, path: string) => {
      if (value === REDACTED_SECRET) paths.push(path);
      else if (typeof value === 'object' && value !== null)
        for (const [key, child] of Object.entries(value)) walk(child, `${path}.${key}`);
    };
    walk(redacted, 'tenant');
    assert.deepEqual(paths, ['tenant.oidc.0.clientSecret', 'tenant.oidc.1.clientSecret']);
  });
});

describe('pnpm deskgate jwt-key and jwt check', () => {
  async function mint(secret: string, kid: string | undefined, claims: Record<string, unknown>) {
    const { SignJWT } = await import('jose');
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg: 'HS256', ...(kid && { kid }) })
      .sign(new TextEncoder().encode(secret));
  }

  it('create --json prints the key once and nothing else; the profile gets its preset; list never shows secrets', async () => {
    await createAcme();
    const created = await deskgate(['jwt-key', 'create', 'acme', '--profile', 'session', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as Record<string, string>;
    assert.deepEqual(Object.keys(key).sort(), ['alg', 'kid', 'profile', 'secret', 'tenant']);
    assert.deepEqual(
      { tenant: key.tenant, profile: key.profile, alg: key.alg },
      {
        tenant: 'acme',
        profile: 'session',
        alg: 'HS256',
      },
    );
    assert.match(key.secret!, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
    assert.equal((await show('acme')).platformJwt.profiles.session.preset, 'messenger');
    const listed = await deskgate(['jwt-key', 'list', 'acme']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${key.kid}\\tsession\\tHS256\\t\\S+\\tactive\\n$`));
    assert.doesNotMatch(
      listed.stdout + (await deskgate(['tenant', 'show', 'acme'])).stdout,
      new RegExp(key.secret!),
    );
  });

  it('import refuses a weak secret unless --allow-weak-secret; revoke stops it', async () => {
    await createAcme();
    const file = join(dir, 'secret.txt');
    await writeFile(file, 'your-256-bit-secret\n');
    const args = ['jwt-key', 'import', 'acme', '--profile', 'session', '--secret-file', file, '--kid', 'tb1'];
    assertOneLine(
      await deskgate(args),
      1,
      /^deskgate: validation_failed: The secret is 19 bytes; at least 32/,
    );
    const weak = await deskgate([...args, '--allow-weak-secret']);
    assert.equal(weak.code, 0, weak.stderr);
    assert.match(weak.stderr, /imported key tb1 for tenant acme, profile session \(weak\)/);
    assert.match(
      (await deskgate(['jwt-key', 'list', 'acme'])).stdout,
      /^tb1\tsession\tHS256\t\S+\tactive\tweak\n$/,
    );
    assert.equal((await deskgate(['jwt-key', 'revoke', 'acme', 'tb1'])).code, 0);
    assertOneLine(await deskgate(['jwt-key', 'revoke', 'acme', 'tb1']), 1, /no active key "tb1"/);
    assert.match((await deskgate(['jwt-key', 'list', 'acme'])).stdout, /\trevoked \S+\tweak\n$/);
  });

  it('jwt check prints every check and the user it would sign in, storing nothing; exit 1 on a failed check', async () => {
    await createAcme();
    const key = JSON.parse(
      (await deskgate(['jwt-key', 'create', 'acme', '--profile', 'session', '--json'])).stdout,
    ) as { kid: string; secret: string };
    const good = await mint(key.secret, key.kid, { deskpro_id: 'a-1', email: 'a1@example.com' });
    const checked = await deskgate(['jwt', 'check', 'acme', good]);
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    const lines = checked.stdout.trim().split('\n');
    assert.ok(
      lines.slice(0, -1).every((line) => line.startsWith('PASS  ')),
      checked.stdout,
    );
    assert.match(checked.stdout, /PASS {2}signature/);
    assert.match(lines.at(-1)!, /^would sign in: \{"action":"create",.*"email":"a1@example.com"/);
    const again = await deskgate(['jwt', 'check', 'acme', '-', '--json'], {}, `${good}\n`);
    assert.equal(again.code, 0);
    assert.equal(JSON.parse(again.stdout).user.action, 'create', 'the first check created nobody');
    const wrong = await mint('x'.repeat(43), key.kid, { deskpro_id: 'a-1' });
    const failed = await deskgate(['jwt', 'check', 'acme', wrong]);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /\nFAIL {2}signature: /);
    assert.doesNotMatch(failed.stdout, /would sign in/);
  });

  it('usage mistakes exit 2 with one line', async () => {
    assertOneLine(await deskgate(['jwt-key', 'create', 'acme']), 2, /missing --profile/);
    assertOneLine(
      await deskgate(['jwt-key', 'create', 'acme', '--profile', 'x']),
      2,
      /--profile must be session or one-time/,
    );
    assertOneLine(
      await deskgate(['jwt-key']),
      2,
      /jwt-key: missing subcommand \(create, import, list or revoke\)/,
    );
    assertOneLine(await deskgate(['jwt', 'check', 'acme']), 2, /missing <token>/);
    assertOneLine(await deskgate(['jwt-key', 'list', 'nosuch']), 1, /tenant_not_found/);
  });
});

describe('platformJwt in tenant set --file', () => {
  it('says what changed, and keeps the JWT keys (they are not in the tenant JSON)', async () => {
    await createAcme();
    const key = JSON.parse(
      (await deskgate(['jwt-key', 'create', 'acme', '--profile', 'session', '--json'])).stdout,
    );
    const tenant = await show('acme');
    tenant.platformJwt.requireSignedUserInfo = true;
    tenant.platformJwt.profiles['one-time'] = { preset: 'deskpro' };
    const result = await deskgate(['tenant', 'set', '--file', await writeJson('t.json', tenant)]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^platformJwt\.profiles\.one-time: added$/m);
    assert.match(result.stderr, /^platformJwt\.requireSignedUserInfo: false -> true$/m);
    assert.match((await deskgate(['jwt-key', 'list', 'acme'])).stdout, new RegExp(`^${key.kid}\\t`));
  });
});

describe('pnpm deskgate scim-token', () => {
  it('create prints a dgs_ token once; list shows only SCIM tokens; neither kind revokes the other', async () => {
    await createAcme();
    const created = await deskgate(['scim-token', 'create', 'acme', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const token = JSON.parse(created.stdout) as { kid: string; key: string };
    assert.match(token.key, /^dgs_[a-z0-9]{12}_[A-Za-z0-9]{38}$/);
    const apiKey = JSON.parse((await deskgate(['api-key', 'create', 'acme', '--json'])).stdout) as {
      kid: string;
    };
    const listed = await deskgate(['scim-token', 'list', 'acme']);
    assert.match(listed.stdout, new RegExp(`^${token.kid}\\t\\S+\\tno expiry\\tactive\\n$`));
    assert.ok(!listed.stdout.includes(token.key));
    assert.ok(!(await deskgate(['api-key', 'list', 'acme'])).stdout.includes(token.kid));
    assertOneLine(await deskgate(['api-key', 'revoke', 'acme', token.kid]), 1, /no active API key/);
    assertOneLine(await deskgate(['scim-token', 'revoke', 'acme', apiKey.kid]), 1, /no active SCIM token/);
    const revoked = await deskgate(['scim-token', 'revoke', 'acme', token.kid]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stderr, /^revoked SCIM token /);
    const audit = JSON.parse((await deskgate(['audit', 'acme', '--json'])).stdout) as { type: string }[];
    assert.deepEqual(
      audit.map((e) => e.type).filter((t) => t.startsWith('scim')),
      ['scim_token_revoked', 'scim_token_created'],
    );
    assertOneLine(
      await deskgate(['scim-token']),
      2,
      /scim-token: missing subcommand \(create, list or revoke\)/,
    );
  });
});

describe('pnpm deskgate api-key', () => {
  it('create --json prints the key once; list never shows it; revoke stops it', async () => {
    await createAcme();
    const created = await deskgate([
      'api-key',
      'create',
      'acme',
      '--expires',
      '90d',
      '--origin',
      'https://cx.example.com',
      '--json',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(key).sort(), ['allowedOrigins', 'expiresAt', 'key', 'kid', 'tenant']);
    assert.match(String(key.key), /^dgk_[a-z0-9]{12}_[A-Za-z0-9]{38}$/);
    assert.deepEqual(key.allowedOrigins, ['https://cx.example.com']);
    assert.ok(Date.parse(String(key.expiresAt)) > Date.now() + 89 * 86_400_000);
    const listed = await deskgate(['api-key', 'list', 'acme']);
    assert.match(
      listed.stdout,
      new RegExp(`^${key.kid}\\t\\S+\\t\\S+\\tactive\\thttps://cx.example.com\\n$`),
    );
    assert.ok(!listed.stdout.includes(String(key.key)));
    assert.equal((await deskgate(['api-key', 'revoke', 'acme', String(key.kid)])).code, 0);
    assert.match((await deskgate(['api-key', 'list', 'acme'])).stdout, /\trevoked \S+\t/);
    assertOneLine(await deskgate(['api-key', 'revoke', 'acme', String(key.kid)]), 1, /no active API key/);
  });

  it('usage mistakes exit 2 with one line', async () => {
    await createAcme();
    assertOneLine(
      await deskgate(['api-key', 'create', 'acme', '--expires', 'soon']),
      2,
      /--expires takes a date/,
    );
    assertOneLine(await deskgate(['api-key', 'create', 'acme', '--expires', '2020-01-01']), 2, /in the past/);
    assertOneLine(await deskgate(['api-key']), 2, /api-key: missing subcommand \(create, list or revoke\)/);
    assertOneLine(await deskgate(['api-key', 'revoke', 'acme', 'x']), 2, /is not a key id/);
    assertOneLine(await deskgate(['api-key', 'create', 'acme', '--origin', 'nope']), 1, /validation_failed/);
  });
});

describe('pnpm deskgate access-request list', () => {
  const DAY = 86_400_000;

  /** Five requests of acme, oldest first: approved, rejected, expired (pending), pending, unconfirmed. */
  async function fillRequests(): Promise<string[]> {
    const runtime = await createRuntime(
      { DESKGATE_DATA_DIR: dir, DESKGATE_MASTER_KEY: MASTER_KEY },
      pino({ level: 'silent' }),
    );
    try {
      const now = Date.now();
      const user = {
        id: 'manager-1',
        tenant: 'acme',
        email: 'boss@acme.test',
        name: 'Boss',
        roles: ['deepdesk.manager'],
        confirmed: true,
        createdAt: now,
        updatedAt: now,
        disabledAt: null,
      };
      await runtime.store.createUserWithIdentity(user, {
        tenant: 'acme',
        issuer: 'email',
        subject: user.email,
        userId: user.id,
        createdAt: now,
      });
      const rows = [
        ['approved', 10 * DAY, 'manager-1'],
        ['rejected', 9 * DAY, 'gone-user'],
        ['pending', 8 * DAY, null],
        ['pending', 2 * DAY, null],
        ['unconfirmed', DAY, null],
      ] as const;
      const ids: string[] = [];
      for (const [i, [status, age, decidedBy]] of rows.entries()) {
        const createdAt = now - age;
        const id = `request${i}aaaaaaaaaaaaaa`;
        ids.push(id);
        await runtime.store.createAccessRequest({
          id,
          tenant: 'acme',
          email: `person${i}@example.com`,
          status,
          confirmDigest: `digest-${i}`,
          locale: 'en-US',
          createdAt,
          expiresAt: createdAt + 7 * DAY,
          confirmedAt: status === 'unconfirmed' ? null : createdAt + 1000,
          decidedAt: decidedBy ? createdAt + 2000 : null,
          decidedBy,
        });
      }
      return ids;
    } finally {
      await runtime.store.close();
    }
  }

  it('lists the requests newest first: id, email, status (expired as such), created, expires, decided by', async () => {
    await createAcme();
    const ids = await fillRequests();
    const result = await deskgate(['access-request', 'list', 'acme']);
    assert.equal(result.code, 0, result.stderr);
    const rows = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.split('\t'));
    assert.deepEqual(
      rows.map(([id, email, status, , , decidedBy]) => [id, email, status, decidedBy]),
      [
        [ids[4], 'person4@example.com', 'unconfirmed', '-'],
        [ids[3], 'person3@example.com', 'pending', '-'],
        [ids[2], 'person2@example.com', 'expired', '-'],
        [ids[1], 'person1@example.com', 'rejected', 'gone-user'],
        [ids[0], 'person0@example.com', 'approved', 'boss@acme.test'],
      ],
    );
    for (const row of rows) {
      assert.equal(row.length, 6);
      assert.equal(Date.parse(row[4]!) - Date.parse(row[3]!), 7 * DAY);
    }
    const pending = await deskgate(['access-request', 'list', 'acme', '--status', 'pending']);
    assert.deepEqual(
      pending.stdout
        .trimEnd()
        .split('\n')
        .map((line) => line.split('\t')[0]),
      [ids[3]],
      'an expired request is not pending',
    );
  });

  it('--json gives every field, the status as the list shows it', async () => {
    await createAcme();
    const ids = await fillRequests();
    const result = await deskgate(['access-request', 'list', 'acme', '--status', 'approved', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const list = JSON.parse(result.stdout) as Record<string, unknown>[];
    assert.equal(list.length, 1);
    assert.deepEqual(Object.keys(list[0]!).sort(), [
      'confirmedAt',
      'createdAt',
      'decidedAt',
      'decidedBy',
      'decidedByEmail',
      'email',
      'expiresAt',
      'id',
      'locale',
      'status',
      'tenant',
    ]);
    assert.deepEqual(
      [list[0]!.id, list[0]!.status, list[0]!.decidedBy, list[0]!.decidedByEmail],
      [ids[0], 'approved', 'manager-1', 'boss@acme.test'],
    );
    assert.match(String(list[0]!.createdAt), /^\d{4}-\d{2}-\d{2}T/);
    const all = JSON.parse((await deskgate(['access-request', 'list', 'acme', '--json'])).stdout) as {
      status: string;
    }[];
    assert.deepEqual(
      all.map((r) => r.status),
      ['unconfirmed', 'pending', 'expired', 'rejected', 'approved'],
    );
    assert.deepEqual(
      JSON.parse(
        (await deskgate(['access-request', 'list', 'acme', '--status', 'rejected', '--json'])).stdout,
      ).length,
      1,
    );
  });

  it('nothing to list prints nothing; mistakes exit with one line', async () => {
    await createAcme();
    const empty = await deskgate(['access-request', 'list', 'acme']);
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(empty.stdout, '');
    assertOneLine(await deskgate(['access-request', 'list', 'nope']), 1, /tenant_not_found/);
    assertOneLine(
      await deskgate(['access-request', 'list', 'acme', '--status', 'expired']),
      2,
      /--status takes unconfirmed, pending, approved, rejected, not "expired"/,
    );
    assertOneLine(await deskgate(['access-request', 'list']), 2, /access-request list: missing <tenant>/);
    assertOneLine(
      await deskgate(['access-request']),
      2,
      /^deskgate: access-request: missing subcommand \(list\); see pnpm deskgate access-request --help$/,
    );
    assertOneLine(
      await deskgate(['access-request', 'list', 'acme', '--limit', '3']),
      2,
      /unknown option --limit/,
    );
    const help = await deskgate(['access-request', 'list', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: pnpm deskgate access-request list <tenant> \[--status S\] \[--json\]/);
    assert.match((await deskgate(['--help'])).stdout, /^ {2}access-request list <tenant>/m);
  });
});

describe('pnpm deskgate mail list', () => {
  const LINK = 'https://auth.example.com/t/acme/auth/magic-link#dgm_the-secret-token-0123456789';

  /** Three messages: one sent, one waiting for a retry, one given up (newest). */
  async function fillOutbox(): Promise<string[]> {
    const runtime = await createRuntime(
      { DESKGATE_DATA_DIR: dir, DESKGATE_MASTER_KEY: MASTER_KEY },
      pino({ level: 'silent' }),
    );
    try {
      let clock = Date.parse('2030-01-01T10:00:00Z');
      const mail = new MailService({
        store: runtime.store,
        keys: runtime.keys,
        now: () => clock++,
        logger: runtime.logger,
      });
      const params = { product: 'Deepdesk', tenantName: 'Acme', link: LINK, expiresMinutes: 10 };
      const ids: string[] = [];
      for (const to of ['sent@example.com', 'retry@example.com', 'gone@example.com'])
        ids.push(await mail.enqueue({ tenant: 'acme', to, template: 'magic-link', locale: 'en-US', params }));
      await runtime.store.markMailSent(ids[0]!, clock);
      await runtime.store.markMailFailed(ids[1]!, 'ECONNECTION 421 Service not available', clock + 15_000);
      await runtime.store.markMailFailed(ids[2]!, 'EENVELOPE 550 no such user', null);
      return ids;
    } finally {
      await runtime.store.close();
    }
  }

  it('lists the outbox newest first with state and last error, never a body or link', async () => {
    const [sent, retry, gone] = await fillOutbox();
    const result = await deskgate(['mail', 'list']);
    assert.equal(result.code, 0, result.stderr);
    const rows = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.split('\t'));
    assert.deepEqual(
      rows.map((r) => r.slice(1)),
      [
        [gone, 'gone@example.com', 'magic-link', 'acme', '1', 'failed', 'EENVELOPE 550 no such user'],
        [
          retry,
          'retry@example.com',
          'magic-link',
          'acme',
          '1',
          'pending',
          'ECONNECTION 421 Service not available',
        ],
        [sent, 'sent@example.com', 'magic-link', 'acme', '0', 'sent', '-'],
      ],
    );
    for (const row of rows) assert.match(row[0]!, /^2030-01-01T10:00:00\.\d{3}Z$/);
    assert.ok(!result.stdout.includes('dgm_'), 'no link');
    assert.ok(!result.stdout.includes('enc.v1.'), 'no sealed body');

    const failed = await deskgate(['mail', 'list', '--failed']);
    assert.deepEqual(
      failed.stdout
        .trimEnd()
        .split('\n')
        .map((line) => line.split('\t')[2]),
      ['gone@example.com', 'retry@example.com'],
    );
    const one = await deskgate(['mail', 'list', '--limit', '1']);
    assert.equal(one.stdout.trimEnd().split('\n').length, 1);
    assert.match(one.stderr, /showing the newest 1; --limit N shows more/);
  });

  it('--json gives every field but the body', async () => {
    const [, retry] = await fillOutbox();
    const result = await deskgate(['mail', 'list', '--failed', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const list = JSON.parse(result.stdout) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(list[0]!).sort(), [
      'attempts',
      'createdAt',
      'id',
      'lastError',
      'nextAttemptAt',
      'sentAt',
      'state',
      'subject',
      'template',
      'tenant',
      'to',
    ]);
    const pending = list.find((m) => m.id === retry);
    assert.equal(pending?.state, 'pending');
    assert.equal(pending?.subject, 'Your sign-in link for Deepdesk');
    assert.match(String(pending?.nextAttemptAt), /^2030-01-01T10:00:15/);
    assert.equal(list.find((m) => m.state === 'failed')?.nextAttemptAt, null);
    assert.ok(!result.stdout.includes('dgm_'));
  });

  it('an empty outbox prints nothing; usage mistakes exit 2 with one line', async () => {
    const empty = await deskgate(['mail', 'list']);
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(empty.stdout, '');
    assertOneLine(
      await deskgate(['mail', 'list', '--limit', '0']),
      2,
      /--limit takes a number from 1 to 1000/,
    );
    assertOneLine(await deskgate(['mail', 'list', '--limit', 'all']), 2, /--limit takes a number/);
    assertOneLine(
      await deskgate(['mail']),
      2,
      /^deskgate: mail: missing subcommand \(list\); see pnpm deskgate mail --help$/,
    );
    assertOneLine(await deskgate(['mail', 'list', 'x']), 2, /unexpected argument "x"/);
    assertOneLine(await deskgate(['mail', 'list', '--name', 'x']), 2, /unknown option --name/);
    const help = await deskgate(['mail', 'list', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: pnpm deskgate mail list \[--failed\] \[--limit N\] \[--json\]/);
    assert.match((await deskgate(['--help'])).stdout, /^ {2}mail list \[--failed\]/m);
  });
});

describe('pnpm deskgate audit', () => {
  it('records key creation, import and revocation by the operator, never a key or secret', async () => {
    await createAcme();
    const apiKey = JSON.parse((await deskgate(['api-key', 'create', 'acme', '--json'])).stdout) as {
      kid: string;
      key: string;
    };
    const jwtKey = JSON.parse(
      (await deskgate(['jwt-key', 'create', 'acme', '--profile', 'session', '--json'])).stdout,
    ) as { kid: string; secret: string };
    const file = join(dir, 'secret.txt');
    const imported = 'an-imported-platform-secret-of-enough-bytes';
    await writeFile(file, `${imported}\n`);
    const args = [
      'jwt-key',
      'import',
      'acme',
      '--profile',
      'one-time',
      '--secret-file',
      file,
      '--kid',
      'dp1',
    ];
    assert.equal((await deskgate(args)).code, 0);
    assert.equal((await deskgate(['api-key', 'revoke', 'acme', apiKey.kid])).code, 0);
    assert.equal((await deskgate(['jwt-key', 'revoke', 'acme', jwtKey.kid])).code, 0);

    const listed = await deskgate(['audit', 'acme', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const events = JSON.parse(listed.stdout) as {
      type: string;
      subject: string;
      actor: unknown;
      at: string;
      details: unknown;
    }[];
    assert.deepEqual(
      events.map((e) => [e.type, e.subject]),
      [
        ['jwt_key_revoked', jwtKey.kid],
        ['api_key_revoked', apiKey.kid],
        ['jwt_key_imported', 'dp1'],
        ['jwt_key_created', jwtKey.kid],
        ['api_key_created', apiKey.kid],
        ['tenant_created', 'acme'],
      ],
    );
    for (const e of events) assert.deepEqual(e.actor, { kind: 'operator', id: null });
    assert.deepEqual(events[2]?.details, { profile: 'one-time', weak: false });
    assert.ok(Date.parse(events[0]!.at) <= Date.now());
    for (const secret of [apiKey.key, jwtKey.secret, imported]) assert.ok(!listed.stdout.includes(secret));

    const lines = (await deskgate(['audit', 'acme', '--type', 'api_key_revoked'])).stdout;
    assert.match(
      lines,
      new RegExp(`^\\d{4}-\\S+Z\\tapi_key_revoked\\tok\\t-\\toperator\\t-\\t${apiKey.kid}\\n$`),
    );
  });

  it('filters by --since (date or duration), --actor, --type and --limit, newest first', async () => {
    await createAcme();
    const now = Date.now();
    const runtime = await createRuntime(
      { DESKGATE_DATA_DIR: dir, DESKGATE_MASTER_KEY: MASTER_KEY },
      pino({ level: 'silent' }),
    );
    const event = (id: string, at: number, actor: { kind: 'user' | 'anonymous'; id: string | null }) => ({
      id,
      tenant: 'acme',
      at,
      type: 'sign_in',
      actor,
      method: 'sso',
      outcome: actor.id ? ('ok' as const) : ('refused' as const),
      code: actor.id ? null : 'sso_state_mismatch',
      subject: actor.id,
      details: {},
    });
    try {
      await runtime.store.appendAudit(event('e1', now - 10 * 86_400_000, { kind: 'user', id: 'user-1' }));
      await runtime.store.appendAudit(event('e2', now - 3 * 3_600_000, { kind: 'user', id: 'user-2' }));
      await runtime.store.appendAudit(event('e3', now - 3_600_000, { kind: 'anonymous', id: null }));
      await runtime.store.appendAudit({
        ...event('e4', now - 60_000, { kind: 'user', id: 'user-1' }),
        tenant: 'other',
      });
    } finally {
      await runtime.store.close();
    }
    const ids = async (...flags: string[]) => {
      const result = await deskgate(['audit', 'acme', '--json', ...flags]);
      assert.equal(result.code, 0, result.stderr);
      // Leaving out the tenant's own creation (just now, by the CLI).
      return (JSON.parse(result.stdout) as { id: string; type: string }[])
        .filter((e) => e.type !== 'tenant_created')
        .map((e) => e.id);
    };
    assert.deepEqual(await ids(), ['e3', 'e2', 'e1']);
    assert.deepEqual(await ids('--since', '7d'), ['e3', 'e2']);
    assert.deepEqual(await ids('--since', '2h'), ['e3']);
    assert.deepEqual(await ids('--since', new Date(now - 5 * 86_400_000).toISOString().slice(0, 10)), [
      'e3',
      'e2',
    ]);
    assert.deepEqual(await ids('--actor', 'user-1'), ['e1']);
    assert.deepEqual(await ids('--actor', 'anonymous'), ['e3']);
    assert.deepEqual(await ids('--type', 'sign_in', '--limit', '2'), ['e3', 'e2']);
    assert.deepEqual(await ids('--type', 'api_key_created'), []);
    const text = await deskgate(['audit', 'acme', '--limit', '1', '--type', 'sign_in']);
    assert.match(text.stdout, /^\S+\tsign_in\trefused\tsso_state_mismatch\tanonymous\tsso\t-\n$/);
  });

  it('usage mistakes exit 2 with one line; an unknown tenant exits 1', async () => {
    await createAcme();
    assertOneLine(await deskgate(['audit', 'acme', '--type', 'login']), 2, /--type takes sign_in/);
    assertOneLine(await deskgate(['audit', 'acme', '--since', 'soon']), 2, /--since takes a date/);
    assertOneLine(await deskgate(['audit', 'acme', '--limit', '0']), 2, /--limit takes a number/);
    assertOneLine(await deskgate(['audit']), 2, /audit: missing <tenant>/);
    assertOneLine(await deskgate(['audit', 'nope']), 1, /tenant_not_found/);
  });
});

describe('pnpm deskgate user', () => {
  /** Two users of acme (one without email) and one of another tenant with the same email. */
  async function addUsers(): Promise<void> {
    const runtime = await createRuntime(
      { DESKGATE_DATA_DIR: dir, DESKGATE_MASTER_KEY: MASTER_KEY },
      pino({ level: 'silent' }),
    );
    try {
      const user = (id: string, tenant: string, email: string | null, createdAt: number) => ({
        id,
        tenant,
        email,
        name: email ? 'Ada' : null,
        roles: email ? ['deepdesk.agent', 'deepdesk.manager'] : [],
        confirmed: true,
        createdAt,
        updatedAt: createdAt,
        disabledAt: null,
      });
      for (const u of [
        user('user-1', 'acme', 'Ada@Acme.test', 1_800_000_000_000),
        user('user-2', 'acme', null, 1_800_000_001_000),
        user('user-3', 'other', 'ada@acme.test', 1_800_000_002_000),
      ])
        await runtime.store.createUserWithIdentity(u, {
          tenant: u.tenant,
          issuer: 'email',
          subject: u.id,
          userId: u.id,
          createdAt: u.createdAt,
        });
    } finally {
      await runtime.store.close();
    }
  }

  it('list and show a tenant’s users; disable and enable by email or id, audited once each', async () => {
    await createAcme();
    await addUsers();
    const listed = await deskgate(['user', 'list', 'acme']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(
      listed.stdout,
      'user-1\tAda@Acme.test\tAda\tdeepdesk.agent,deepdesk.manager\tactive\t2027-01-15T08:00:00.000Z\n' +
        'user-2\t-\t-\t-\tactive\t2027-01-15T08:00:01.000Z\n',
    );
    const shown = await deskgate(['user', 'show', 'acme', 'ada@acme.TEST']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout), {
      id: 'user-1',
      tenant: 'acme',
      email: 'Ada@Acme.test',
      name: 'Ada',
      roles: ['deepdesk.agent', 'deepdesk.manager'],
      confirmed: true,
      createdAt: '2027-01-15T08:00:00.000Z',
      updatedAt: '2027-01-15T08:00:00.000Z',
      disabledAt: null,
      identities: [{ issuer: 'email', subject: 'user-1', createdAt: '2027-01-15T08:00:00.000Z' }],
    });

    const disabled = await deskgate(['user', 'disable', 'acme', 'ada@acme.test']);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.equal(disabled.stdout, '');
    assert.match(disabled.stderr, /^disabled user user-1 \(Ada@Acme\.test\) of tenant acme/);
    assert.match((await deskgate(['user', 'disable', 'acme', 'user-1'])).stderr, /already disabled/);
    assert.match((await deskgate(['user', 'list', 'acme'])).stdout, /^user-1\t.*\tdisabled \d{4}-\S+Z\t/);
    const json = JSON.parse((await deskgate(['user', 'list', 'acme', '--json'])).stdout) as {
      id: string;
      disabledAt: string | null;
    }[];
    assert.deepEqual(
      json.map((u) => [u.id, typeof u.disabledAt]),
      [
        ['user-1', 'string'],
        ['user-2', 'object'],
      ],
    );

    assert.match((await deskgate(['user', 'enable', 'acme', 'user-1'])).stderr, /^enabled user user-1/);
    assert.match((await deskgate(['user', 'enable', 'acme', 'user-1'])).stderr, /already enabled/);
    assert.equal(JSON.parse((await deskgate(['user', 'show', 'acme', 'user-1'])).stdout).disabledAt, null);

    const events = JSON.parse((await deskgate(['audit', 'acme', '--json'])).stdout) as {
      type: string;
      subject: string;
      actor: unknown;
    }[];
    assert.deepEqual(
      events.map((e) => [e.type, e.subject, e.actor]),
      [
        ['user_enabled', 'user-1', { kind: 'operator', id: null }],
        ['user_disabled', 'user-1', { kind: 'operator', id: null }],
        ['tenant_created', 'acme', { kind: 'operator', id: null }],
      ],
    );
    assert.match((await deskgate(['audit', 'acme', '--type', 'user_disabled'])).stdout, /\tuser_disabled\t/);
  });

  it('mistakes: an unknown user or tenant exits 1, a missing argument 2, with one line', async () => {
    await createAcme();
    await addUsers();
    assertOneLine(
      await deskgate(['user', 'show', 'acme', 'nobody@acme.test']),
      1,
      /no user "nobody@acme\.test"/,
    );
    assertOneLine(await deskgate(['user', 'disable', 'acme', 'user-3']), 1, /no user "user-3"/);
    assertOneLine(await deskgate(['user', 'list', 'nope']), 1, /tenant_not_found/);
    assertOneLine(await deskgate(['user', 'disable', 'acme']), 2, /user disable: missing <user>/);
    assertOneLine(
      await deskgate(['user']),
      2,
      /user: missing subcommand \(list, show, disable, enable, grant, revoke or grants\)/,
    );
    assertOneLine(await deskgate(['user', 'show', 'acme', 'user-1', '--json']), 2, /unknown option --json/);
  });
});
