// Gzip sizes of the script-tag build against the byte budgets; exits 1 when a budget is exceeded.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const LOADER_BUDGET_BYTES = 3072;
export const LOADER_AND_OVERLAY_BUDGET_BYTES = 12288;

/** Published gzip sizes of other browser auth SDKs, for scale only. */
const COMPARISON_KB = [
  ['oidc-client-ts', 18.1],
  ['auth0-spa-js', 50.1],
  ['msal-browser', 76.8],
] as const;

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const manifest = JSON.parse(await readFile(`${dist}manifest.json`, 'utf8')) as {
  loader: string;
  overlay: string;
};
const gzipBytes = async (file: string) => gzipSync(await readFile(dist + file), { level: 9 }).length;

const loader = await gzipBytes(manifest.loader);
const overlay = await gzipBytes(manifest.overlay);
const rows: [string, string, string][] = [
  [manifest.loader, `${loader} B`, `<= ${LOADER_BUDGET_BYTES} B`],
  [manifest.overlay, `${overlay} B`, ''],
  ['loader + overlay', `${loader + overlay} B`, `<= ${LOADER_AND_OVERLAY_BUDGET_BYTES} B`],
  ...COMPARISON_KB.map(([name, kb]): [string, string, string] => [
    `${name} (for comparison)`,
    `${kb} KB`,
    '',
  ]),
];
const width = Math.max(...rows.map(([name]) => name.length));
console.log(`${'file'.padEnd(width)}  ${'gzip -9'.padStart(9)}  budget`);
for (const [name, size, budget] of rows) console.log(`${name.padEnd(width)}  ${size.padStart(9)}  ${budget}`);

const over = [
  loader > LOADER_BUDGET_BYTES && `loader is ${loader} B, budget ${LOADER_BUDGET_BYTES} B`,
  loader + overlay > LOADER_AND_OVERLAY_BUDGET_BYTES &&
    `loader + overlay is ${loader + overlay} B, budget ${LOADER_AND_OVERLAY_BUDGET_BYTES} B`,
].filter(Boolean);
for (const message of over) console.error(`over budget: ${message}`);
if (over.length) process.exitCode = 1;
