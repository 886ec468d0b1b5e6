// Gzip and brotli sizes of the script-tag build; gzip is held to the byte budgets (exit 1 when exceeded).
// The exchange chunk (signedUserInfo, apiKey, openOutbound) is fetched only by the pages that use those.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export const LOADER_BUDGET_BYTES = 3072;
export const LOADER_AND_OVERLAY_BUDGET_BYTES = 12288;
export const EXCHANGE_BUDGET_BYTES = 1024;

/** Published gzip sizes of other browser auth SDKs, for scale only. */
const COMPARISON_KB = [
  ['oidc-client-ts', 18.1],
  ['auth0-spa-js', 50.1],
  ['msal-browser', 76.8],
] as const;

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const manifest = JSON.parse(
  await readFile(`${dist}manifest.json`, 'utf8').catch(() => {
    throw new Error('dist/manifest.json is missing: run `pnpm build` first');
  }),
) as { loader: string; overlay: string; exchange: string };
const sizes = async (file: string) => {
  const body = await readFile(dist + file);
  return {
    gzip: gzipSync(body, { level: 9 }).length,
    brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
};

const loaderSizes = await sizes(manifest.loader);
const overlaySizes = await sizes(manifest.overlay);
const exchangeSizes = await sizes(manifest.exchange);
const loader = loaderSizes.gzip;
const overlay = overlaySizes.gzip;
const exchange = exchangeSizes.gzip;
const bytes = (n: number) => `${n} B`;
const rows: [string, string, string, string][] = [
  [manifest.loader, bytes(loader), bytes(loaderSizes.brotli), `<= ${LOADER_BUDGET_BYTES} B`],
  [manifest.overlay, bytes(overlay), bytes(overlaySizes.brotli), ''],
  [
    'loader + overlay',
    bytes(loader + overlay),
    bytes(loaderSizes.brotli + overlaySizes.brotli),
    `<= ${LOADER_AND_OVERLAY_BUDGET_BYTES} B`,
  ],
  [manifest.exchange, bytes(exchange), bytes(exchangeSizes.brotli), `<= ${EXCHANGE_BUDGET_BYTES} B`],
  ...COMPARISON_KB.map(([name, kb]): [string, string, string, string] => [
    `${name} (for comparison)`,
    `${kb} KB`,
    '',
    '',
  ]),
];
const width = Math.max(...rows.map(([name]) => name.length));
console.log(`${'file'.padEnd(width)}  ${'gzip -9'.padStart(9)}  ${'brotli'.padStart(9)}  budget (gzip)`);
for (const [name, gzip, brotli, budget] of rows)
  console.log(`${name.padEnd(width)}  ${gzip.padStart(9)}  ${brotli.padStart(9)}  ${budget}`);

const over = [
  loader > LOADER_BUDGET_BYTES && `loader is ${loader} B, budget ${LOADER_BUDGET_BYTES} B`,
  loader + overlay > LOADER_AND_OVERLAY_BUDGET_BYTES &&
    `loader + overlay is ${loader + overlay} B, budget ${LOADER_AND_OVERLAY_BUDGET_BYTES} B`,
  exchange > EXCHANGE_BUDGET_BYTES && `exchange chunk is ${exchange} B, budget ${EXCHANGE_BUDGET_BYTES} B`,
].filter(Boolean);
for (const message of over) console.error(`over budget: ${message}`);
if (over.length) process.exitCode = 1;
