// The build's Preact guard, on small fixtures: a loader that pulls Preact in fails, one that imports it
// lazily builds. And the published types (from `pnpm build`), as a consumer outside the workspace sees them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

describe('the script-tag build (dist)', () => {
  const file = async (name: string) => {
    const path = fileURLToPath(new URL(`../dist/${name}`, import.meta.url));
    return readFile(path, 'utf8').catch(() =>
      assert.fail(`dist/${name} is missing: run \`pnpm build\` first`),
    );
  };

  it('keeps in each file only the protocol paths it calls (paths is a namespace); the credentials are in the exchange chunk', async () => {
    const manifest = JSON.parse(await file('manifest.json')) as Record<string, string>;
    assert.deepEqual(Object.keys(manifest).sort(), ['exchange', 'loader', 'overlay']);
    const loader = await file(manifest.loader!);
    const exchange = await file(manifest.exchange!);
    assert.match(loader, /\/auth\/refresh\/status`/);
    for (const unused of [
      '/.well-known/jwks.json',
      '/session/jwt',
      '/session/api-key',
      '/auth/exchange-token',
    ])
      assert.ok(!loader.includes(unused), `the loader has ${unused}`);
    for (const path of ['/session/jwt', '/session/api-key', '/auth/exchange-token'])
      assert.ok(exchange.includes(path), `the exchange chunk lacks ${path}`);
    assert.ok(!exchange.includes('/auth/refresh'), 'the exchange chunk has the refresh path');
    assert.ok(loader.includes(manifest.exchange!), 'the loader names the exchange chunk');
  });
});

describe('the published types (dist/esm)', () => {
  const esm = fileURLToPath(new URL('../dist/esm/', import.meta.url));
  const declarations = async () => {
    const files = (await readdir(esm).catch(() => [])).filter((file) => file.endsWith('.d.ts'));
    assert.ok(files.includes('index.d.ts'), 'dist/esm/index.d.ts is missing: run `pnpm build` first');
    return files;
  };

  it('name no workspace package', async () => {
    for (const file of await declarations()) {
      assert.doesNotMatch(await readFile(join(esm, file), 'utf8'), /@deskgate\//, file);
    }
  });

  it("type-check in a consumer outside the workspace, with the protocol's error codes", async () => {
    await declarations();
    const consumer = await mkdtemp(join(tmpdir(), 'deskgate-sdk-consumer-'));
    try {
      const sdk = join(consumer, 'node_modules/@deskgate/sdk');
      await cp(esm, sdk, { recursive: true });
      const exports = { '.': { types: './index.d.ts', default: './index.js' } };
      await writeFile(
        join(sdk, 'package.json'),
        JSON.stringify({ name: '@deskgate/sdk', type: 'module', exports }),
      );
      await writeFile(join(consumer, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
      const compilerOptions = { target: 'es2022', lib: ['es2022', 'dom'], types: [] };
      await writeFile(
        join(consumer, 'tsconfig.json'),
        JSON.stringify({ compilerOptions, files: ['consumer.ts'] }),
      );
      await writeFile(join(consumer, 'consumer.ts'), CONSUMER);
      const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
      const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
      const result = spawnSync(process.execPath, [tsc, '-p', '.', ...flags, '--skipLibCheck', 'false'], {
        cwd: consumer,
        encoding: 'utf8',
      });
      assert.equal(result.status, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
    } finally {
      await rm(consumer, { recursive: true, force: true });
    }
  });
});

/** Uses every public name; each `@ts-expect-error` fails the check if a type has become `any` or `string`. */
const CONSUMER = `import {
  createDeskgate,
  type Deskgate,
  type DeskgateErrorCode,
  type DeskgateErrorInfo,
  type DeskgateEventMap,
  type DeskgateAgent,
  type DeskgateEventName,
  type DeskgateListener,
  type DeskgateOptions,
  type Locale,
  type OutboundOptions,
  type SessionInfo,
  type SessionUser,
} from '@deskgate/sdk';

const locale: Locale = 'nl-NL';
const options: DeskgateOptions = { tenant: 'acme', apiUrl: 'https://auth.example.com', locale };
const deskgate: Deskgate = createDeskgate(options);
const agent: DeskgateAgent = { id: 'a1', name: 'Agent', email: 'agent@example.com' };
createDeskgate({ ...options, apiKey: 'dgk_…', agent, fromUrl: true });
// @ts-expect-error: an agent has a name
const nameless: DeskgateAgent = { id: 'a1' };
const outbound: OutboundOptions = { features: 'popup' };
const opened: Promise<Window | null> = deskgate.openOutbound('/t/acme/collection', outbound);
const blocked: DeskgateErrorCode = 'popup_blocked';

const fromProtocol: DeskgateErrorCode = 'tenant_not_found';
const fromBrowser: DeskgateErrorCode = 'network_error';
// @ts-expect-error: not an error code
const bogus: DeskgateErrorCode = 'no_such_code';

const onError: DeskgateListener<'error'> = (error: DeskgateErrorInfo) => console.log(error.code, error.message);
const onReady = (session: DeskgateEventMap['ready']) => {
  const user: SessionUser = session.user;
  // @ts-expect-error: a string
  const expires: number = session.sessionExpiresAt;
  console.log(user.email, expires);
};
const event: DeskgateEventName = 'signed-out';
deskgate.on('error', onError);
deskgate.on('ready', onReady);
const session: SessionInfo | null = deskgate.session;
// @ts-expect-error: not an event
deskgate.on('no-such-event', () => {});
console.log(fromProtocol, fromBrowser, bogus, event, session?.user.roles, nameless, opened, blocked);
`;
