// `pnpm start`: the whole demo on one machine: dev IdP, dev SMTP (captures the mail the API sends), deskgate API
// (child process) and the agent desktop.
// `pnpm dev` (--dev): the same, plus the demo on Vite's dev server and the SDK rebuilt and reloaded on save.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBuilder } from 'vite';
import {
  apiKeyFromSeed,
  type Demo,
  platformKeysFromSeed,
  startDemo,
  WIDGET_AGENT,
  widgetUrl,
} from '../apps/demo/src/index.ts';
import {
  DEMO_ACCOUNTS,
  DEMO_STAFF_ACCOUNT,
  type DevIdp,
  startDevIdp,
} from '../packages/dev-idp/src/index.ts';
import { type DevSmtp, startDevSmtp } from '../packages/dev-smtp/src/index.ts';

// Fixed on purpose: apps/demo/seed.json names these exact origins (issuer, redirect URI, allowed origin).
const IDP_URL = 'http://127.0.0.1:8788';
const API_URL = 'http://127.0.0.1:8787';
// Fixed too, so the mail page has an address to bookmark (MailHog/MailDev's usual ports).
const SMTP_PORT = 1025;
const MAIL_PAGE_PORT = 8025;
const DEMO_HOST = 'localhost';
const DEMO_PORT = 5173;
const TENANT = 'demo';
const HEALTH_TIMEOUT_MS = 30_000;
/** Editors write a file in several steps; one rebuild per burst. */
const REBUILD_DEBOUNCE_MS = 100;
const dev = process.argv.includes('--dev');
/** The staff provider's client secret at the dev IdP (a demo value). */
const STAFF_SECRET = 'demo-staff-client-secret';

const root = fileURLToPath(new URL('..', import.meta.url));
const apiEntry = 'apps/api/src/main.ts';
const seedFile = 'apps/demo/seed.json';

let idp: DevIdp | undefined;
let smtp: DevSmtp | undefined;
let api: ChildProcess | undefined;
let demo: Demo | undefined;
let stopping = false;

async function main(): Promise<void> {
  idp = await startDevIdp({
    port: Number(new URL(IDP_URL).port),
    host: '127.0.0.1',
    clients: [
      {
        clientId: 'deskgate-demo',
        clientSecret: 'demo-client-secret',
        redirectUris: [`${API_URL}/t/${TENANT}/auth/sso/callback`],
      },
      // The vendor's staff provider (staff SSO): the same dev IdP plays it, with its own client.
      { clientId: 'deskgate-staff', clientSecret: STAFF_SECRET, redirectUris: [`${API_URL}/staff/callback`] },
    ],
    accounts: [...DEMO_ACCOUNTS, DEMO_STAFF_ACCOUNT],
  });

  // Before the API: its outbox worker sends to it from the start.
  smtp = await startDevSmtp({ host: '127.0.0.1', smtpPort: SMTP_PORT, httpPort: MAIL_PAGE_PORT });

  if (!existsSync(new URL(`../${apiEntry}`, import.meta.url))) {
    throw new Error(`${apiEntry} does not exist yet; nothing to start the API from`);
  }
  const { hostname, port } = new URL(API_URL);
  api = spawn(process.execPath, [apiEntry], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      PORT: port,
      HOST: hostname,
      DESKGATE_PUBLIC_URL: API_URL,
      DESKGATE_DATA_DIR: './data',
      DESKGATE_SEED_FILE: seedFile,
      SMTP_URL: smtp.smtpUrl,
      DESKGATE_STAFF_ISSUER: IDP_URL,
      DESKGATE_STAFF_CLIENT_ID: 'deskgate-staff',
      DESKGATE_STAFF_CLIENT_SECRET: STAFF_SECRET,
      DESKGATE_STAFF_DOMAIN: 'vendor.test',
      ...(dev && { DESKGATE_SDK_WATCH: '1' }),
    },
  });
  api.once('exit', (code, signal) => {
    // Ctrl+C reaches the API too (same process group): let our own signal handler claim the shutdown first.
    setTimeout(() => {
      if (stopping) return;
      console.error(`\nThe deskgate API exited (${signal ?? `code ${code}`}); stopping the demo.`);
      void stop(1);
    }, 200);
  });
  await waitForHealth(api);

  const apiKey = apiKeyFromSeed(join(root, seedFile), TENANT);
  demo = await startDemo({
    port: DEMO_PORT,
    host: DEMO_HOST,
    apiUrl: API_URL,
    tenant: TENANT,
    origin: `http://${DEMO_HOST}:${DEMO_PORT}`,
    // The demo platform backend (?platform=1) signs with the keys the seed gives the demo tenant.
    platform: platformKeysFromSeed(join(root, seedFile), TENANT),
    // The desktop's link opens the LiveEngage-style widget with the API key the seed gives the demo tenant.
    apiKey,
    dev,
  });
  if (dev) watchSdk();

  const [agent, manager] = DEMO_ACCOUNTS;
  console.log(`
  deskgate demo is running${dev ? ' (dev: the demo and the SDK reload on save)' : ''}

    Agent desktop (demo)   ${demo.url}
      platform mode        ${demo.url}/?platform=1  (the demo platform signs its agent in: no sign-in button)
      LiveEngage widget    ${widgetUrl(apiKey, demo.url)}
                           (the SDK signs ${WIDGET_AGENT.name} in with the demo tenant's API key in the URL)
    deskgate API           ${API_URL}
      about me             ${API_URL}/t/${TENANT}/me  (who you are signed in as: your subject, roles, permissions)
      admin console        ${API_URL}/t/${TENANT}/admin  (sign in as ${manager?.email} / ${manager?.password})
      staff sign-in        ${API_URL}/t/${TENANT}/staff/signin  (${DEMO_STAFF_ACCOUNT.email} / ${DEMO_STAFF_ACCOUNT.password}: the vendor's staff, read-only)
    Acme SSO (dev IdP)     ${idp.issuer}
    Mail (captured)        ${smtp.url}  (JSON: ${smtp.url}/messages.json)

    Sign in as ${agent?.email} / ${agent?.password}  (${agent?.roles.join(', ')})
            or ${manager?.email} / ${manager?.password}  (${manager?.roles.join(', ')})

  Ctrl+C to stop
`);
}

/** Rebuilds the SDK (packages/sdk/vite.config.ts) when its sources or the wire protocol change. */
function watchSdk(): void {
  const sdkRoot = join(root, 'packages/sdk');
  let timer: NodeJS.Timeout | undefined;
  let building: Promise<void> = Promise.resolve();
  const rebuild = () => {
    building = building.then(async () => {
      const started = Date.now();
      try {
        const builder = await createBuilder({ root: sdkRoot, logLevel: 'warn' });
        await builder.buildApp();
        console.log(`SDK rebuilt in ${Date.now() - started} ms`);
      } catch (error) {
        console.error(`SDK build failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  };
  for (const dir of ['packages/sdk/src', 'packages/protocol/src']) {
    watch(join(root, dir), { recursive: true }, (_event, file) => {
      if (!file || /\.test\.tsx?$/.test(file)) return;
      clearTimeout(timer);
      timer = setTimeout(rebuild, REBUILD_DEBOUNCE_MS);
    });
  }
}

/** Resolves once GET /healthz answers 200; rejects if the API dies first or takes longer than 30 s. */
async function waitForHealth(child: ChildProcess): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`the deskgate API exited (${signal ?? `code ${code}`}) before it became healthy`)),
    );
  });
  exited.catch(() => {});
  while (Date.now() < deadline) {
    const healthy = await fetch(`${API_URL}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
      async (response) => {
        await response.body?.cancel();
        return response.status === 200;
      },
      () => false,
    );
    if (healthy) return;
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 250))]);
  }
  throw new Error(
    `the deskgate API did not answer GET ${API_URL}/healthz with 200 within ${HEALTH_TIMEOUT_MS / 1000} s`,
  );
}

async function stopApi(): Promise<void> {
  const child = api;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // The API first: its outbox worker may be sending to the dev SMTP server.
  const results = await Promise.allSettled([
    demo?.close(),
    stopApi().then(() => smtp?.close()),
    idp?.close(),
  ]);
  for (const result of results) {
    if (result.status === 'rejected') console.error('while stopping:', result.reason);
  }
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl+C means "now": do not wait for a stuck child.
    if (stopping) process.exit(130);
    console.log('\nStopping…');
    void stop(0);
  });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const inUse = (error as { code?: string }).code === 'EADDRINUSE';
  console.error(
    `\nCould not start the demo: ${message}${inUse ? ' (is another `pnpm start` still running?)' : ''}`,
  );
  void stop(1);
});
