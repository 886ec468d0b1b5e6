// The build's Preact guard, on small fixtures: a loader that pulls Preact in fails, one that imports it
// lazily builds.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBuilder } from 'vite';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { noPreactOnSignedInPages } from '../vite.config.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deskgate-sdk-guard-'));
  await writeFile(
    join(dir, 'overlay.ts'),
    "import { h } from 'preact';\nexport const view = () => h('p', null);\n",
  );
  await writeFile(join(dir, 'static.ts'), "import { view } from './overlay.ts';\nconsole.log(view);\n");
  await writeFile(join(dir, 'lazy.ts'), "export const load = () => import('./overlay.ts');\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Builds `entry` as the named environment with only the guard, writing nothing. */
async function buildAs(environment: 'loader' | 'esm', entry: string, format: 'iife' | 'es') {
  const builder = await createBuilder({
    configFile: false,
    root: dir,
    logLevel: 'silent',
    // Resolve Preact from this package, as the real build does.
    resolve: { alias: { preact: fileURLToPath(import.meta.resolve('preact')) } },
    plugins: [noPreactOnSignedInPages()],
    environments: {
      [environment]: {
        consumer: 'client',
        build: { write: false, lib: { entry: join(dir, entry), formats: [format], name: 'fixture' } },
      },
    },
  });
  const env = builder.environments[environment];
  assert.ok(env);
  return builder.build(env);
}

describe('noPreactOnSignedInPages', () => {
  it('fails a loader that contains Preact', async () => {
    await assert.rejects(buildAs('loader', 'static.ts', 'iife'), /must not contain Preact/);
  });

  it('fails an ESM entry that imports Preact statically', async () => {
    await assert.rejects(buildAs('esm', 'static.ts', 'es'), /must not contain Preact/);
  });

  it('passes an ESM entry that imports the Preact part lazily (a separate chunk)', async () => {
    await buildAs('esm', 'lazy.ts', 'es');
  });
});
