// `vite build` writes dist/: one content-hashed script and stylesheet, and manifest.json naming them
// (`{ "script", "style" }`), which the API reads to serve the console's page (apps/api/src/runtime.ts).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

/** Writes manifest.json once the bundle is written: the entry script and the one stylesheet. */
export function consoleManifest(): Plugin {
  return {
    name: 'deskgate:admin-manifest',
    async writeBundle(options, bundle) {
      const files = Object.values(bundle);
      const chunks = files.filter((file) => file.type === 'chunk');
      const styles = files.filter((file) => file.type === 'asset' && file.fileName.endsWith('.css'));
      const entry = chunks.find((chunk) => chunk.isEntry);
      if (!entry || chunks.length !== 1)
        this.error('the console must build to one script (no code splitting)');
      if (styles.length !== 1) this.error('the console must build to one stylesheet');
      await writeFile(
        join(options.dir ?? 'dist', 'manifest.json'),
        `${JSON.stringify({ script: entry.fileName, style: styles[0]!.fileName }, null, 2)}\n`,
      );
    },
  };
}

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [consoleManifest()],
  publicDir: false,
  build: {
    target: 'es2020',
    outDir: 'dist',
    emptyOutDir: true,
    reportCompressedSize: false,
    // No preload polyfill or helper: one script, loaded by the page's own <script type="module">.
    modulePreload: false,
    cssCodeSplit: false,
    rolldownOptions: {
      input: 'src/main.tsx',
      output: {
        entryFileNames: 'admin.[hash].js',
        assetFileNames: 'admin.[hash][extname]',
        minify: true,
        comments: false,
      },
    },
  },
});
