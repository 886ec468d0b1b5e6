// `master-key generate` and `master-key rotate` (help-master-key.ts): a new key, and every stored secret sealed
// again with it (services/master-key.ts). Prints counts and file names, never a key (but generate's) or secret.
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { deriveKeys, generateMasterKey, parseMasterKey } from '@deskgate/core';
import { createLogger, createRuntime, masterKeyFiles, previousMasterKeys, type Runtime } from '../runtime.ts';
import { type RotationResult, rotateSecrets, SEALED_KINDS, type SealedKind } from '../services/master-key.ts';
import { CliFailure, UsageError } from './commands.ts';

interface MasterKeyIo {
  env: Record<string, string | undefined>;
  out(text: string): void;
  note(text: string): void;
}

const KIND_NAMES: Record<SealedKind, string> = {
  signing_key: 'signing keys',
  jwt_key: 'platform-JWT secrets',
  tenant: 'OIDC client secrets',
  mail: 'mail bodies not sent yet',
};

const PROCEDURE =
  'set DESKGATE_MASTER_KEY to the new key (pnpm deskgate master-key generate) and DESKGATE_PREVIOUS_MASTER_KEY ' +
  'to the old one on every instance first, then run master-key rotate once';

export async function runMasterKey(command: string, io: MasterKeyIo): Promise<number> {
  if (command === 'master-key generate') {
    io.out(generateMasterKey());
    return 0;
  }
  const env = io.env;
  if (env.DESKGATE_MASTER_KEY || env.DATABASE_URL) return rotateShared(io);
  return rotateEmbedded(io);
}

/** Prints the counts; exit code 1 when a value could not be sealed again (it names where, never the value). */
function report(result: RotationResult, io: MasterKeyIo): number {
  for (const kind of SEALED_KINDS) {
    const { resealed, current } = result.counts[kind];
    io.out(`${KIND_NAMES[kind]}: ${resealed} sealed again, ${current} already under the new key`);
  }
  if (result.gone) io.out(`gone while rotating (pruned, sent): ${result.gone}`);
  const where = (p: RotationResult['unreadable'][number]) =>
    `${p.kind} ${p.tenant && p.tenant !== p.id ? `${p.tenant}/` : ''}${p.id}`;
  for (const p of result.unreadable)
    io.note(`cannot open ${where(p)} with any known master key: left as it is`);
  for (const p of result.conflicts)
    io.note(`${where(p)} kept changing while rotating: run the command again`);
  const total = SEALED_KINDS.reduce((n, kind) => n + result.counts[kind].resealed, 0);
  // Not in the audit log: its events belong to a tenant, and the master key is the deployment's.
  io.note(
    `master_key_rotated: actor operator, ${total} secrets sealed again, ${result.unreadable.length} unreadable, ` +
      `${result.conflicts.length} conflicts`,
  );
  return result.unreadable.length || result.conflicts.length ? 1 : 0;
}

/** DESKGATE_MASTER_KEY is the new key, DESKGATE_PREVIOUS_MASTER_KEY the old ones; the instances hold both. */
async function rotateShared(io: MasterKeyIo): Promise<number> {
  const { env } = io;
  if (!env.DESKGATE_MASTER_KEY)
    throw new UsageError(
      `master-key rotate: DESKGATE_MASTER_KEY (the new key) is required: ${PROCEDURE}`,
      'master-key rotate',
    );
  if (!env.DESKGATE_PREVIOUS_MASTER_KEY?.trim())
    throw new UsageError(
      `master-key rotate: DESKGATE_PREVIOUS_MASTER_KEY (the old key) is required: ${PROCEDURE}`,
      'master-key rotate',
    );
  const current = parseMasterKey(env.DESKGATE_MASTER_KEY);
  if (previousMasterKeys(env).every((key) => Buffer.from(key).equals(Buffer.from(current))))
    throw new UsageError(
      'master-key rotate: DESKGATE_PREVIOUS_MASTER_KEY is the same as DESKGATE_MASTER_KEY; give the old key',
      'master-key rotate',
    );
  const runtime = await createRuntime(env, createLogger(env.LOG_LEVEL ?? 'warn', 2));
  try {
    return report(await rotateSecrets(runtime.store, runtime.keys), io);
  } finally {
    await runtime.store.close();
  }
}

/** A key file's key, or undefined when there is none. */
async function readKey(file: string): Promise<Uint8Array | undefined> {
  try {
    return parseMasterKey(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof TypeError) throw new CliFailure(`${file}: ${error.message}`);
    throw error;
  }
}

/** Makes the renames of a directory durable before the next step relies on them. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The embedded store's rotation, resumable at every step: master.key.next made (or the one of an interrupted
 * run reused), everything sealed with it, then master.key.previous moved aside, master.key renamed to
 * master.key.previous and master.key.next to master.key. The runtime reads all three files at start.
 */
async function rotateEmbedded(io: MasterKeyIo): Promise<number> {
  const dataDir = resolve(io.env.DESKGATE_DATA_DIR ?? 'data');
  const files = masterKeyFiles(dataDir);
  const old = await readKey(files.current);
  let next = await readKey(files.next);
  if (!old && !next)
    throw new CliFailure(
      `no master key in ${dataDir} yet: nothing is sealed, the API makes one at its first start`,
    );
  if (old && !next) {
    try {
      await writeFile(files.next, `${generateMasterKey()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another rotate got there first: use its key, never overwrite it.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    await syncDir(dataDir);
    next = await readKey(files.next);
  } else {
    io.note(`finishing the master-key rotation begun earlier (${files.next})`);
  }
  const runtime: Runtime = await createRuntime(io.env, createLogger(io.env.LOG_LEVEL ?? 'warn', 2));
  let code: number;
  try {
    // Sealed with the new key; opened with it or any older one (an interrupted run leaves both kinds).
    const previous = [old, await readKey(files.previous), ...previousMasterKeys(io.env)].filter(
      (key): key is Uint8Array => key !== undefined,
    );
    code = report(await rotateSecrets(runtime.store, await deriveKeys(next!, previous)), io);
  } finally {
    await runtime.store.close();
  }
  if (code !== 0) {
    io.note(`the key files are left as they are (${files.next} is the new key); run the command again`);
    return code;
  }
  // Everything is sealed with master.key.next now: only backups still need the older keys.
  let archived: string | undefined;
  if (old) {
    if (await readKey(files.previous)) {
      archived = `${files.previous}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(files.previous, archived);
    }
    await rename(files.current, files.previous);
    await syncDir(dataDir);
  }
  await rename(files.next, files.current);
  await syncDir(dataDir);
  io.out(`the new master key is in ${files.current}`);
  io.out(
    `the old one is in ${files.previous}: delete it once backups made before this rotation are no longer needed`,
  );
  if (archived) io.out(`the one before it is in ${archived}: likewise`);
  io.out('restart the API if it is running: it only knows the key it started with');
  return 0;
}
