// One `vite build` writes dist/: the overlay chunk, the script-tag loader that imports it, the ESM entry with
// its chunks and types, and manifest.json. Each output is its own environment, built in that order.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { emitTypes } from './scripts/types.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
const dist = join(root, 'dist');

/** Set by the overlay build, read by the loader build (which runs after it). */
let overlayFile: string | undefined;

/**
 * Fails the build when an entry, or a chunk it imports statically, contains Preact: what a signed-in page
 * downloads must stay small; Preact belongs in the overlay, behind a dynamic import.
 */
export function noPreactOnSignedInPages(): Plugin {
  return {
    name: 'deskgate:no-preact-on-signed-in-pages',
    applyToEnvironment: (environment) => environment.name === 'loader' || environment.name === 'esm',
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

/** Records the overlay's content-hashed name and gives it to the loader, which imports it by URL. */
function overlayFileName(): Plugin {
  return {
    name: 'deskgate:overlay-file-name',
    applyToEnvironment: (environment) => environment.name === 'overlay' || environment.name === 'loader',
    generateBundle(_options, bundle) {
      if (this.environment.name !== 'overlay') return;
      overlayFile = Object.values(bundle).find((file) => file.type === 'chunk' && file.isEntry)?.fileName;
    },
    renderChunk(code) {
      if (this.environment.name !== 'loader') return;
      if (!overlayFile) this.error('the overlay must be built before the loader');
      return code.replaceAll(/\bOVERLAY_FILE\b/g, JSON.stringify(overlayFile));
    },
  };
}

// Library-mode ES output is not whitespace-minified by `build.minify`; rolldown's own minifier is.
const minified = { minify: true, comments: false } as const;

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [noPreactOnSignedInPages(), overlayFileName()],
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
    // An IIFE cannot code-split: the overlay is imported by URL at run time, never by a static import().
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
    // One config and one set of plugins for all three builds, so the overlay's name reaches the loader.
    sharedConfigBuild: true,
    sharedPlugins: true,
    async buildApp(builder) {
      await rm(dist, { recursive: true, force: true });
      const { overlay, loader, esm } = builder.environments;
      if (!overlay || !loader || !esm) throw new Error('missing an SDK build environment');
      await builder.build(overlay);
      await builder.build(loader);
      await builder.build(esm);
      // Self-contained: the public types' imports from the private @deskgate/protocol become ./protocol.js.
      await emitTypes(root, join(dist, 'esm'));
      await writeFile(
        join(dist, 'manifest.json'),
        `${JSON.stringify({ loader: 'deskgate.js', overlay: overlayFile }, null, 2)}\n`,
      );
    },
  },
});
