// Builds the runtime from the environment: store, master key, logger, seed file and SDK files.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveKeys, generateMasterKey, parseMasterKey, type Store } from '@deskgate/core';
import { openStore } from '@deskgate/store';
import pino, { type Logger } from 'pino';
import type { SdkAssets } from './deps.ts';
import { TenantService } from './services/tenants.ts';

export interface Runtime {
  store: Store;
  keys: Awaited<ReturnType<typeof deriveKeys>>;
  logger: Logger;
  dataDir: string;
}

/** JSON logs to stdout (the server) or to stderr (the CLI, whose stdout is its answer). */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', fd: 1 | 2 = 1): Logger {
  // Belt and braces: nothing we log should carry these, but if it does it is censored.
  return pino(
    {
      level,
      base: { service: 'deskgate-api' },
      redact: ['req.headers.cookie', 'headers.cookie', '*.token', '*.secret', '*.clientSecret', '*.password'],
    },
    pino.destination(fd),
  );
}

/** The master key from DESKGATE_MASTER_KEY, or for the embedded default one generated into the data dir. */
async function masterKey(env: NodeJS.ProcessEnv, dataDir: string, logger: Logger): Promise<Uint8Array> {
  if (env.DESKGATE_MASTER_KEY) return parseMasterKey(env.DESKGATE_MASTER_KEY);
  if (env.DATABASE_URL) {
    throw new TypeError(
      'DESKGATE_MASTER_KEY is required with DATABASE_URL: every instance must share one key',
    );
  }
  const file = join(dataDir, 'master.key');
  try {
    return parseMasterKey(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
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

export async function createRuntime(env: NodeJS.ProcessEnv, logger = createLogger()): Promise<Runtime> {
  const dataDir = resolve(env.DESKGATE_DATA_DIR ?? 'data');
  const store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir });
  await store.migrate();
  const keys = await deriveKeys(await masterKey(env, dataDir, logger));
  return { store, keys, logger, dataDir };
}

/** Applies a seed file (`{ "tenants": [...] }`): creates or replaces each tenant it names. */
export async function applySeedFile(runtime: Runtime, file: string, now = Date.now): Promise<string[]> {
  const seed = JSON.parse(await readFile(file, 'utf8')) as { tenants?: unknown[] };
  if (!Array.isArray(seed.tenants)) throw new TypeError(`${file}: expected { "tenants": [...] }`);
  const tenants = new TenantService(runtime.store, runtime.keys, now);
  const codes: string[] = [];
  for (const input of seed.tenants) codes.push((await tenants.save(input, 'put')).code);
  return codes;
}

/** Reads the built SDK (packages/sdk/dist) so the API can serve it; undefined when it was not built. */
export async function loadSdkAssets(dir?: string): Promise<SdkAssets | undefined> {
  let distDir: string;
  let manifest: { loader: string; overlay: string };
  try {
    distDir = dir ?? dirname(fileURLToPath(import.meta.resolve('@deskgate/sdk/dist/manifest.json')));
    manifest = JSON.parse(await readFile(join(distDir, 'manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const asset = async (name: string) => {
    const body = await readFile(join(distDir, name), 'utf8');
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)));
    return { body, etag: `"${digest.toString('base64url').slice(0, 16)}"` };
  };
  return {
    loader: await asset(manifest.loader),
    chunks: new Map([[manifest.overlay, await asset(manifest.overlay)]]),
  };
}
