// Builds dist/: the script-tag loader, its overlay chunk, the ESM entry with its chunks, and manifest.json.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist`;

const common = {
  bundle: true,
  minify: true,
  target: 'es2020',
  platform: 'browser',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  absWorkingDir: root,
  logLevel: 'warning',
  metafile: true,
} satisfies BuildOptions;

/** Fails the build if an output a signed-in page downloads pulls in Preact (it belongs in the overlay chunk). */
function assertNoPreact(metafile: Metafile, output: string) {
  const meta = metafile.outputs[output];
  if (!meta) throw new Error(`no output ${output}`);
  const statics = meta.imports.filter((i) => i.kind === 'import-statement').map((i) => i.path);
  for (const file of [output, ...statics]) {
    const inputs = Object.keys(metafile.outputs[file]?.inputs ?? {});
    if (inputs.some((input) => input.includes('/preact/')))
      throw new Error(`${file} must not contain Preact`);
  }
}

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

// 1. The overlay chunk for the script-tag loader: ESM, Preact inside, content-hashed for long caching.
const overlay = await build({
  ...common,
  entryPoints: ['src/overlay/index.ts'],
  format: 'esm',
  outdir: 'dist',
  entryNames: 'overlay.[hash]',
});
const overlayFile = basename(Object.keys(overlay.metafile.outputs)[0] ?? '');
if (!/^overlay\.\w+\.js$/.test(overlayFile)) throw new Error(`unexpected overlay output ${overlayFile}`);

// 2. The script-tag loader: an IIFE that imports the overlay chunk above by URL, only when needed.
const loader = await build({
  ...common,
  entryPoints: ['src/script.ts'],
  format: 'iife',
  outfile: 'dist/deskgate.js',
  define: { OVERLAY_FILE: JSON.stringify(overlayFile) },
});
assertNoPreact(loader.metafile, 'dist/deskgate.js');

// 3. The ESM package entry: the overlay becomes a chunk behind a relative dynamic import.
const esm = await build({
  ...common,
  entryPoints: { index: 'src/index.ts' },
  format: 'esm',
  splitting: true,
  outdir: 'dist/esm',
  chunkNames: '[name].[hash]',
});
assertNoPreact(esm.metafile, 'dist/esm/index.js');

// 4. Types for the ESM entry: tsc emits declarations for every module; only the public two are kept.
const types = await mkdtemp(join(tmpdir(), 'deskgate-sdk-types-'));
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
const tscArgs = ['-p', 'tsconfig.json', '--noEmit', 'false', '--declaration', '--emitDeclarationOnly'];
execFileSync(process.execPath, [tsc, ...tscArgs, '--rootDir', 'src', '--outDir', types], {
  cwd: root,
  stdio: 'inherit',
});
for (const file of ['index.d.ts', 'types.d.ts']) await copyFile(join(types, file), `${dist}/esm/${file}`);
await rm(types, { recursive: true, force: true });

await writeFile(
  `${dist}/manifest.json`,
  `${JSON.stringify({ loader: 'deskgate.js', overlay: overlayFile }, null, 2)}\n`,
);
console.log(`built dist/deskgate.js, dist/${overlayFile}, dist/esm/ (with index.d.ts), dist/manifest.json`);
