// Builds the runtime from the environment: store, master key, logger, mail worker; applies the seed file.
// The settings are read by settings.ts, the built files by assets.ts.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  DeskgateError,
  deriveKeys,
  generateMasterKey,
  JWT_PROFILES,
  type JwtProfileName,
  parseApiKey,
  parseMasterKey,
  parseOrigin,
  SCIM_TOKEN_PREFIX,
  type Store,
  sha256,
} from '@deskgate/core';
import { openStore } from '@deskgate/store';
import pino, { type Logger } from 'pino';
import { createSmtpTransport, OutboxWorker } from './mail/index.ts';
import { JwtKeyService, KID_PATTERN, MIN_SECRET_BYTES } from './services/jwt-keys.ts';
import { TenantService } from './services/tenants.ts';
import { mailFrom, poolSize } from './settings.ts';

export interface Runtime {
  store: Store;
  keys: Awaited<ReturnType<typeof deriveKeys>>;
  logger: Logger;
  dataDir: string;
  /**
   * Delivers the mail outbox over SMTP_URL (From: MAIL_FROM); serve.ts starts it. Undefined without SMTP_URL:
   * mail then stays in the outbox until an instance with SMTP_URL sends it.
   */
  mailWorker?: OutboxWorker;
}

/**
 * JSON logs to stdout (the server) or to stderr (the CLI, whose stdout is its answer). `async`: lines are
 * buffered and written in batches instead of one write(2) per line on the request's path (the server; its
 * buffer is flushed at exit, also after a crash).
 */
export function createLogger(
  level = process.env.LOG_LEVEL ?? 'info',
  fd: 1 | 2 = 1,
  options: { async?: boolean } = {},
): Logger {
  const destination = pino.destination({ dest: fd, sync: !options.async });
  if (options.async) process.on('exit', () => destination.flushSync());
  // Belt and braces: nothing we log should carry these, but if it does it is censored.
  return pino(
    {
      level,
      base: { service: 'deskgate-api' },
      redact: ['req.headers.cookie', 'headers.cookie', '*.token', '*.secret', '*.clientSecret', '*.password'],
    },
    destination,
  );
}

/**
 * The embedded store's key files (`master-key rotate`): `master.key` the current key; `master.key.next` the key a
 * rotation seals with before it becomes master.key; `master.key.previous` the key before (kept for backups).
 */
export function masterKeyFiles(dataDir: string): { current: string; next: string; previous: string } {
  const current = join(dataDir, 'master.key');
  return { current, next: `${current}.next`, previous: `${current}.previous` };
}

/** DESKGATE_PREVIOUS_MASTER_KEY: none, one key or a comma-separated list; a bad one throws (never quoting it). */
export function previousMasterKeys(env: NodeJS.ProcessEnv): Uint8Array[] {
  const text = env.DESKGATE_PREVIOUS_MASTER_KEY?.trim();
  if (!text) return [];
  try {
    return text.split(',').map((key) => parseMasterKey(key));
  } catch {
    throw new TypeError(
      'DESKGATE_PREVIOUS_MASTER_KEY must be a master key or a comma-separated list of them (base64url of 32 bytes each)',
    );
  }
}

/** A key file's key, or undefined when there is no such file. */
async function readKeyFile(file: string): Promise<Uint8Array | undefined> {
  try {
    return parseMasterKey(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof TypeError) throw new TypeError(`${file}: ${error.message}`);
    throw error;
  }
}

/**
 * The master key and the previous ones (read-only, DESKGATE_PREVIOUS_MASTER_KEY) from the environment, or for
 * the embedded default from the data dir: master.key (generated when there is none), plus master.key.previous
 * and master.key.next when present, so a store stopped at any point of `master-key rotate` still opens.
 */
export async function masterKeys(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  logger: Logger,
): Promise<{ current: Uint8Array; previous: Uint8Array[] }> {
  const previous = previousMasterKeys(env);
  if (env.DESKGATE_MASTER_KEY) return { current: parseMasterKey(env.DESKGATE_MASTER_KEY), previous };
  return {
    current: await masterKey(env, dataDir, logger),
    previous: [...previous, ...(await fileKeys(dataDir))],
  };
}

/** The keys of master.key.next and master.key.previous, those of them that exist. */
async function fileKeys(dataDir: string): Promise<Uint8Array[]> {
  const files = masterKeyFiles(dataDir);
  const keys: Uint8Array[] = [];
  for (const file of [files.next, files.previous]) {
    const key = await readKeyFile(file);
    if (key) keys.push(key);
  }
  return keys;
}

/** The master key from DESKGATE_MASTER_KEY, or for the embedded default one generated into the data dir. */
async function masterKey(env: NodeJS.ProcessEnv, dataDir: string, logger: Logger): Promise<Uint8Array> {
  if (env.DESKGATE_MASTER_KEY) return parseMasterKey(env.DESKGATE_MASTER_KEY);
  if (env.DATABASE_URL) {
    throw new TypeError(
      'DESKGATE_MASTER_KEY is required with DATABASE_URL: every instance must share one key',
    );
  }
  const files = masterKeyFiles(dataDir);
  const file = files.current;
  const existing = await readKeyFile(file);
  if (existing) return existing;
  // Stopped between the renames of `master-key rotate`: everything is sealed with master.key.next by then.
  const next = await readKeyFile(files.next);
  if (next) {
    logger.warn(
      { file: files.next },
      'a master-key rotation was interrupted; pnpm deskgate master-key rotate finishes it',
    );
    return next;
  }
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${generateMasterKey()}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  logger.warn(
    { file },
    'generated a new master key for the embedded store; back it up, secrets depend on it',
  );
  return parseMasterKey(await readFile(file, 'utf8'));
}

export async function createRuntime(
  env: NodeJS.ProcessEnv,
  logger = createLogger(),
  options: {
    /** The clock of the outbox worker (the API's, which tests may move). @default Date.now */
    now?: () => number;
  } = {},
): Promise<Runtime> {
  const dataDir = resolve(env.DESKGATE_DATA_DIR ?? 'data');
  // Configuration first: a bad SMTP_URL or MAIL_FROM stops the start before anything is opened.
  const smtpUrl = env.SMTP_URL?.trim();
  const from = mailFrom(env);
  const transport = smtpUrl ? createSmtpTransport(smtpUrl) : undefined;
  // The key first: a missing or bad key then stops the start before a database pool is open.
  const { current, previous } = await masterKeys(env, dataDir, logger);
  const keys = await deriveKeys(current, previous);
  const store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir, poolSize: poolSize(env) });
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  const mailWorker = transport
    ? new OutboxWorker({ store, keys, transport, logger, from, now: options.now })
    : undefined;
  return { store, keys, logger, dataDir, mailWorker };
}

/** Applies a seed file (`{ "tenants": [...] }`): creates or replaces each tenant it names. */
/** A platform-JWT secret a seed file gives a tenant (the demo's platform signs with it). */
interface SeedJwtKey {
  kid: string;
  profile: JwtProfileName;
  secret: string;
}

/** Checks a seed tenant's `jwtKeys` before anything is stored; validation_failed names the entry. */
export function seedJwtKeys(input: unknown, path: string): SeedJwtKey[] {
  const value = (input as { jwtKeys?: unknown } | null)?.jwtKeys;
  if (value === undefined) return [];
  const fail = (where: string, why: string): never => {
    throw new DeskgateError('validation_failed', `${where}: ${why}`);
  };
  if (!Array.isArray(value)) fail(`${path}.jwtKeys`, 'must be an array of { kid, profile, secret }');
  return (value as unknown[]).map((entry, i) => {
    const where = `${path}.jwtKeys[${i}]`;
    const { kid, profile, secret } = (entry ?? {}) as Record<string, unknown>;
    if (typeof kid !== 'string' || !KID_PATTERN.test(kid))
      fail(`${where}.kid`, 'must be 1-64 of A-Z a-z 0-9 . _ -');
    if (!(JWT_PROFILES as readonly unknown[]).includes(profile))
      fail(`${where}.profile`, 'must be session or one-time');
    if (typeof secret !== 'string' || new TextEncoder().encode(secret).length < MIN_SECRET_BYTES)
      fail(`${where}.secret`, `must be a string of at least ${MIN_SECRET_BYTES} bytes`);
    return { kid, profile, secret } as SeedJwtKey;
  });
}

/** A tenant API key a seed file gives a tenant (the demo's LiveEngage-style widget signs in with it). */
interface SeedApiKey {
  key: string;
  kid: string;
  /** `sdk` for an API key, `scim` for a SCIM token: told by the prefix. */
  purpose: 'sdk' | 'scim';
  allowedOrigins: string[];
}

/**
 * Checks a seed tenant's `seedApiKeys` (`[{ key, allowedOrigins? }]`) before anything is stored; each key must
 * be a well-formed `dgk_…` key with a valid checksum (make one with `api-key create` or generateApiKey).
 * validation_failed names the entry, never the key. Not `apiKeys`: that is the tenant's setting `{ enabled }`.
 */
export function seedApiKeys(input: unknown, path: string): SeedApiKey[] {
  const value = (input as { seedApiKeys?: unknown } | null)?.seedApiKeys;
  if (value === undefined) return [];
  const fail = (where: string, why: string): never => {
    throw new DeskgateError('validation_failed', `${where}: ${why}`);
  };
  if (!Array.isArray(value)) fail(`${path}.seedApiKeys`, 'must be an array of { key, allowedOrigins? }');
  const kids = new Set<string>();
  return (value as unknown[]).map((entry, i) => {
    const where = `${path}.seedApiKeys[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      fail(where, 'must be an object { key, allowedOrigins? }');
    const { key, allowedOrigins = [], ...rest } = entry as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) fail(`${where}.${unknown}`, 'is not a known field (key, allowedOrigins)');
    // An API key (dgk_), or a SCIM token (dgs_) for the tenant's provisioning.
    const scim = parseApiKey(key, SCIM_TOKEN_PREFIX);
    const parsed = parseApiKey(key) ?? scim;
    if (!parsed)
      fail(
        `${where}.key`,
        'must be an API key dgk_<kid>_<secret><checksum> (or a SCIM token dgs_…) with a valid checksum',
      );
    const kid = parsed!.kid;
    if (kids.has(kid)) fail(`${where}.key`, `key id ${kid} is given twice`);
    kids.add(kid);
    if (!Array.isArray(allowedOrigins)) fail(`${where}.allowedOrigins`, 'must be an array of origins');
    return {
      key: key as string,
      kid,
      purpose: scim ? ('scim' as const) : ('sdk' as const),
      allowedOrigins: (allowedOrigins as unknown[]).map((o, j) =>
        parseOrigin(o, `${where}.allowedOrigins[${j}]`),
      ),
    };
  });
}

/**
 * Creates or replaces each tenant of a seed file. A tenant's `jwtKeys` (kid, profile, secret) are imported
 * when the tenant has no key with that kid yet; an existing key is left as it is (to change a secret, seed a
 * new kid and revoke the old one). Its `seedApiKeys` likewise: stored as a digest under the kid inside the key
 * when no key has that kid yet; an existing one (also a revoked one) is left as it is. Every tenant's keys are
 * checked before anything is stored.
 */
export async function applySeedFile(runtime: Runtime, file: string, now = Date.now): Promise<string[]> {
  const seed = JSON.parse(await readFile(file, 'utf8')) as { tenants?: unknown[] };
  if (!Array.isArray(seed.tenants)) throw new TypeError(`${file}: expected { "tenants": [...] }`);
  const tenants = new TenantService(runtime.store, runtime.keys, now);
  const keys = new JwtKeyService(runtime.store, runtime.keys, now);
  const entries = seed.tenants.map((input, i) => ({
    input,
    jwtKeys: seedJwtKeys(input, `tenants[${i}]`),
    apiKeys: seedApiKeys(input, `tenants[${i}]`),
  }));
  // A kid is unique across tenants: one that another tenant holds (or is given) is a mistake in the file.
  const seen = new Set<string>();
  for (const [i, { input, apiKeys }] of entries.entries()) {
    for (const [j, key] of apiKeys.entries()) {
      const stored = await runtime.store.getApiKey(key.kid);
      if (seen.has(key.kid) || (stored && stored.tenant !== (input as { code?: unknown }).code))
        throw new DeskgateError(
          'validation_failed',
          `tenants[${i}].seedApiKeys[${j}].key: its key id ${key.kid} belongs to another tenant`,
        );
      seen.add(key.kid);
    }
  }
  const codes: string[] = [];
  for (const { input, jwtKeys, apiKeys } of entries) {
    const { jwtKeys: _, seedApiKeys: __, ...tenant } = (input ?? {}) as Record<string, unknown>;
    const saved = await tenants.save(tenant, 'put');
    const existing = new Set((await keys.list(saved.code)).map((key) => key.kid));
    for (const key of jwtKeys) {
      if (!existing.has(key.kid)) await keys.import(saved.code, key.profile, key.secret, { kid: key.kid });
    }
    for (const key of apiKeys) {
      if (await runtime.store.getApiKey(key.kid)) continue;
      await runtime.store.createApiKey({
        kid: key.kid,
        tenant: saved.code,
        digest: await sha256(key.key),
        allowedOrigins: key.allowedOrigins,
        createdAt: now(),
        expiresAt: null,
        revokedAt: null,
        purpose: key.purpose,
      });
    }
    codes.push(saved.code);
  }
  return codes;
}
