// One `vite build` writes dist/: the overlay and exchange chunks, the script-tag loader that imports them, the
// ESM entry with its chunks and types, and manifest.json. Each output is its own environment, built in that
// order.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { emitTypes } from './scripts/types.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
const dist = join(root, 'dist');

/** The chunks the loader imports by URL, by environment; the name the loader's code gives each one's file. */
const CHUNKS = { overlay: 'OVERLAY_FILE', exchange: 'EXCHANGE_FILE' } as const;
type Chunk = keyof typeof CHUNKS;

/** Set by the chunks' builds, read by the loader build (which runs after them). */
const chunkFiles: Partial<Record<Chunk, string>> = {};

/**
 * Fails the build when an entry, or a chunk it imports statically, contains Preact: what a signed-in page
 * downloads (the loader, the exchange chunk) must stay small; Preact belongs in the overlay, behind a dynamic
 * import.
 */
export function noPreactOnSignedInPages(): Plugin {
  return {
    name: 'deskgate:no-preact-on-signed-in-pages',
    applyToEnvironment: (environment) => ['loader', 'exchange', 'esm'].includes(environment.name),
    generateBundle(_options, bundle) {
      for (const entry of Object.values(bundle)) {
        if (entry.type !== 'chunk' || !entry.isEntry) continue;
        for (const file of [entry.fileName, ...entry.imports]) {
          const chunk = bundle[file];
          if (chunk?.type === 'chunk' && chunk.moduleIds.some((id) => id.includes('/preact/'))) {
            this.error(`${file} must not contain Preact (it is downloaded by signed-in pages)`);
          }
        }
      }
    },
  };
}

/** Records the chunks' content-hashed names and gives them to the loader, which imports them by URL. */
function chunkFileNames(): Plugin {
  return {
    name: 'deskgate:chunk-file-names',
    applyToEnvironment: (environment) => environment.name in CHUNKS || environment.name === 'loader',
    generateBundle(_options, bundle) {
      const chunk = this.environment.name as Chunk;
      if (!(chunk in CHUNKS)) return;
      chunkFiles[chunk] = Object.values(bundle).find(
        (file) => file.type === 'chunk' && file.isEntry,
      )?.fileName;
    },
    renderChunk(code) {
      if (this.environment.name !== 'loader') return;
      for (const [chunk, name] of Object.entries(CHUNKS)) {
        const file = chunkFiles[chunk as Chunk];
        if (!file) this.error(`the ${chunk} chunk must be built before the loader`);
        code = code.replaceAll(new RegExp(`\\b${name}\\b`, 'g'), JSON.stringify(file));
      }
      return code;
    },
  };
}

// Library-mode ES output is not whitespace-minified by `build.minify`; rolldown's own minifier is.
const minified = { minify: true, comments: false } as const;

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [noPreactOnSignedInPages(), chunkFileNames()],
  build: {
    target: 'es2020',
    emptyOutDir: false,
    copyPublicDir: false,
    reportCompressedSize: false,
    // Without `formats` at the top level, Vite adds no preload helper to the ESM entry's dynamic import.
    lib: { entry: 'src/index.ts' },
  },
  // Custom environments default to the server consumer, which would leave Preact external.
  environments: {
    overlay: {
      consumer: 'client',
      build: {
        outDir: 'dist',
        lib: { entry: 'src/overlay/index.ts', formats: ['es'] },
        rolldownOptions: { output: { entryFileNames: 'overlay.[hash].js', ...minified } },
      },
    },
    // Only for pages that hold a credential (signedUserInfo, apiKey) or open outbound links; no Preact.
    exchange: {
      consumer: 'client',
      build: {
        outDir: 'dist',
        lib: { entry: 'src/exchange.ts', formats: ['es'] },
        rolldownOptions: { output: { entryFileNames: 'exchange.[hash].js', ...minified } },
      },
    },
    // An IIFE cannot code-split: the chunks are imported by URL at run time, never by a static import().
    loader: {
      consumer: 'client',
      build: {
        outDir: 'dist',
        lib: { entry: 'src/script.ts', formats: ['iife'], name: 'deskgateLoader' },
        rolldownOptions: { output: { entryFileNames: 'deskgate.js', ...minified } },
      },
    },
    esm: {
      consumer: 'client',
      build: {
        outDir: 'dist/esm',
        lib: { entry: 'src/index.ts', formats: ['es'] },
        rolldownOptions: {
          output: { entryFileNames: 'index.js', chunkFileNames: '[name].[hash].js', ...minified },
        },
      },
    },
  },
  builder: {
    // One config and one set of plugins for all the builds, so the chunks' names reach the loader.
    sharedConfigBuild: true,
    sharedPlugins: true,
    async buildApp(builder) {
      await rm(dist, { recursive: true, force: true });
      const { overlay, exchange, loader, esm } = builder.environments;
      if (!overlay || !exchange || !loader || !esm) throw new Error('missing an SDK build environment');
      await builder.build(overlay);
      await builder.build(exchange);
      await builder.build(loader);
      await builder.build(esm);
      // Self-contained: the public types' imports from the private @deskgate/protocol become ./protocol.js.
      await emitTypes(root, join(dist, 'esm'));
      await writeFile(
        join(dist, 'manifest.json'),
        `${JSON.stringify({ loader: 'deskgate.js', ...chunkFiles }, null, 2)}\n`,
      );
    },
  },
});
