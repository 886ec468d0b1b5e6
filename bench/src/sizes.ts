// Transfer sizes of the SDK beside other browser auth SDKs, each measured the same way: the script-tag build
// each ships, compressed with gzip -9 and brotli at quality 11.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export interface SizeRow {
  name: string;
  file: string;
  raw: number;
  gzip: number;
  brotli: number;
}

const SDK_DIST = fileURLToPath(new URL('../../packages/sdk/dist/', import.meta.url));

/** The peers' script-tag bundles (what a page would load with one <script>), by package. */
const PEERS = [
  ['oidc-client-ts', 'oidc-client-ts/dist/browser/oidc-client-ts.min.js'],
  ['auth0-spa-js', '@auth0/auth0-spa-js/dist/auth0-spa-js.production.js'],
  ['msal-browser', '@azure/msal-browser/lib/msal-browser.min.js'],
] as const;

function measure(name: string, file: string, body: Buffer): SizeRow {
  return {
    name,
    file,
    raw: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
    brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/** The bench package's own node_modules: some peers export neither their bundles nor package.json. */
const MODULES = fileURLToPath(new URL('../node_modules/', import.meta.url));

async function version(pkg: string): Promise<string> {
  return (JSON.parse(await readFile(`${MODULES}${pkg}/package.json`, 'utf8')) as { version: string }).version;
}

export async function measureSizes(): Promise<SizeRow[]> {
  const manifest = JSON.parse(
    await readFile(`${SDK_DIST}manifest.json`, 'utf8').catch(() => {
      throw new Error('packages/sdk/dist is missing: run `pnpm build` first');
    }),
  ) as { loader: string; overlay: string };
  const loader = await readFile(SDK_DIST + manifest.loader);
  const overlay = await readFile(SDK_DIST + manifest.overlay);
  const first = measure('deskgate loader (a signed-in page loads only this)', manifest.loader, loader);
  const second = measure('overlay', manifest.overlay, overlay);
  // Two files, each compressed on its own as a server sends them.
  const rows = [
    first,
    {
      name: 'deskgate loader + overlay (a signed-out page)',
      file: `${manifest.loader} + ${manifest.overlay}`,
      raw: first.raw + second.raw,
      gzip: first.gzip + second.gzip,
      brotli: first.brotli + second.brotli,
    },
  ];
  for (const [name, path] of PEERS) {
    const pkg = path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0]!;
    rows.push(
      measure(`${name} ${await version(pkg)}`, path.slice(pkg.length + 1), await readFile(MODULES + path)),
    );
  }
  return rows;
}
