// The built files the API serves: the SDK (packages/sdk/dist), the admin console (apps/admin/dist) and the
// API reference viewer (swagger-ui-dist), read once at start; in development the SDK is reloaded on rebuild.
import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { AdminAssets, ReferenceAssets, SdkAssets } from './deps.ts';

/** Where the built SDK is: `dir`, or the workspace's packages/sdk/dist. */
function sdkDistDir(dir?: string): string {
  return dir ?? dirname(fileURLToPath(import.meta.resolve('@deskgate/sdk/dist/manifest.json')));
}

/** Reads the built SDK (packages/sdk/dist) so the API can serve it; undefined when it was not built. */
export async function loadSdkAssets(dir?: string): Promise<SdkAssets | undefined> {
  let distDir: string;
  /** The loader, and the content-hashed chunks it imports by name (overlay, exchange). */
  let manifest: { loader: string; [chunk: string]: string };
  try {
    distDir = sdkDistDir(dir);
    manifest = JSON.parse(await readFile(join(distDir, 'manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const asset = async (name: string) => {
    const body = await readFile(join(distDir, name), 'utf8');
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)));
    return { body, etag: `"${digest.toString('base64url').slice(0, 16)}"` };
  };
  const chunks: SdkAssets['chunks'] = new Map();
  for (const [name, file] of Object.entries(manifest))
    if (name !== 'loader') chunks.set(file, await asset(file));
  return { loader: await asset(manifest.loader), chunks };
}

/** Reads the built admin console (apps/admin/dist: manifest.json `{ script, style }` and those two files); undefined when it was not built. */
export async function loadAdminAssets(dir?: string): Promise<AdminAssets | undefined> {
  let distDir: string;
  let manifest: { script?: unknown; style?: unknown };
  try {
    distDir = dir ?? dirname(fileURLToPath(import.meta.resolve('@deskgate/admin/dist/manifest.json')));
    manifest = JSON.parse(await readFile(join(distDir, 'manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const { script, style } = manifest;
  // Only plain file names of dist/ itself: the manifest names what the API serves.
  const plain = (name: unknown): name is string => typeof name === 'string' && /^[\w.-]+$/.test(name);
  if (!plain(script) || !plain(style))
    throw new TypeError(`${distDir}/manifest.json must name { script, style }`);
  const files: AdminAssets['files'] = new Map();
  for (const [name, contentType] of [
    [script, 'text/javascript; charset=utf-8'],
    [style, 'text/css; charset=utf-8'],
  ] as const) {
    const body = await readFile(join(distDir, name), 'utf8');
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)));
    files.set(name, { body, contentType, etag: `"${digest.toString('base64url').slice(0, 16)}"` });
  }
  return { script, style, files };
}

/** Interval of the manifest poll in watch mode: a rebuild removes and recreates dist/, which fs.watch loses. */
const SDK_WATCH_INTERVAL_MS = 250;

/**
 * For `pnpm dev` (DESKGATE_SDK_WATCH=1): calls `onChange` with the SDK files each time a rebuild writes a new
 * manifest (the build's last step). Returns the function that stops watching.
 */
export function watchSdkAssets(
  dir: string | undefined,
  onChange: (assets: SdkAssets) => void,
  logger: Logger,
): () => void {
  const manifest = join(sdkDistDir(dir), 'manifest.json');
  watchFile(manifest, { interval: SDK_WATCH_INTERVAL_MS }, async (current) => {
    if (current.mtimeMs === 0) return; // removed: the rebuild has only just started
    const assets = await loadSdkAssets(dir);
    if (!assets) return;
    onChange(assets);
    logger.info('reloaded the rebuilt SDK');
  });
  return () => unwatchFile(manifest);
}

/** The files of the API reference viewer that /reference uses, read once from the installed package. */
const REFERENCE_FILES = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
} as const;

export async function loadReferenceAssets(): Promise<ReferenceAssets> {
  const dir = dirname(fileURLToPath(import.meta.resolve('swagger-ui-dist/package.json')));
  const assets: ReferenceAssets = new Map();
  for (const [name, contentType] of Object.entries(REFERENCE_FILES)) {
    const bytes = new Uint8Array(await readFile(join(dir, name)));
    assets.set(name, {
      body: contentType.startsWith('text/') ? new TextDecoder().decode(bytes) : bytes,
      contentType,
    });
  }
  return assets;
}
