// Node entry: reads the environment, applies the seed file, and serves createApp over HTTP or HTTPS.
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createApp } from './app.ts';
import { EMPTY_BODY_LIMIT, limitBody } from './http/body-limit.ts';
import {
  applySeedFile,
  createLogger,
  createRuntime,
  limitSettings,
  loadAdminAssets,
  loadReferenceAssets,
  loadSdkAssets,
  watchSdkAssets,
} from './runtime.ts';
import { auditRetentionDays, DAY_MS } from './services/audit.ts';
import { BackgroundWork } from './services/background.ts';
import { staffSettings } from './services/staff.ts';

const env = process.env;
const logger = createLogger();
const port = Number(env.PORT ?? 8787);
const hostname = env.HOST ?? '127.0.0.1';
const tls = env.DESKGATE_TLS_CERT && env.DESKGATE_TLS_KEY;
const publicUrl = (env.DESKGATE_PUBLIC_URL ?? `${tls ? 'https' : 'http'}://${hostname}:${port}`).replace(
  /\/$/,
  '',
);

// Only for end-to-end tests: lets a test move this server's clock. Never set it anywhere else.
let clockOffsetMs = 0;
const unsafeTestClock = env.DESKGATE_UNSAFE_TEST_CLOCK === '1';
const now = () => Date.now() + clockOffsetMs;

const limits = limitSettings(env);
const auditRetentionMs = auditRetentionDays(env) * DAY_MS;
// The outbox worker runs on this clock too: a test that moves it forward brings retries due.
const runtime = await createRuntime(env, logger, { now });
const mailWorker = runtime.mailWorker;
/** What requests left running (a magic-link request's mail): awaited before the store closes. */
const background = new BackgroundWork();

if (env.DESKGATE_SEED_FILE) {
  const codes = await applySeedFile(runtime, env.DESKGATE_SEED_FILE, now);
  logger.info({ tenants: codes }, 'applied seed file');
}
let sdk = await loadSdkAssets(env.DESKGATE_SDK_DIR);
if (!sdk) logger.warn('the SDK is not built (run `pnpm build`); /sdk/deskgate.js answers 404');
// Development only (`pnpm dev`): serve each rebuild of the SDK without a restart.
if (env.DESKGATE_SDK_WATCH === '1') {
  watchSdkAssets(
    env.DESKGATE_SDK_DIR,
    (assets) => {
      sdk = assets;
    },
    logger,
  );
}

const admin = await loadAdminAssets(env.DESKGATE_ADMIN_DIR);
if (!admin) logger.warn('the admin console is not built (run `pnpm build`); /t/{tenant}/admin answers 404');
const reference = await loadReferenceAssets();
// Staff SSO, when all of DESKGATE_STAFF_ISSUER, _CLIENT_ID, _CLIENT_SECRET and _DOMAIN are set (a half setup stops here).
const staff = staffSettings(env);
const api = createApp({
  store: runtime.store,
  keys: runtime.keys,
  publicUrl,
  now,
  logger,
  // Read per request, so a reloaded SDK is served at once.
  get sdk() {
    return sdk;
  },
  admin,
  reference,
  ...(staff && { staff }),
  ...limits,
  background,
  // A queued mail goes out at once, not at the worker's next poll.
  onMailEnqueued: mailWorker ? () => mailWorker.kick() : undefined,
});
let app: { fetch: typeof api.fetch } = api;
if (unsafeTestClock) {
  logger.warn('DESKGATE_UNSAFE_TEST_CLOCK is on: POST /__test__/clock moves the clock. Tests only!');
  const root = new Hono();
  root.post('/__test__/clock', limitBody(EMPTY_BODY_LIMIT), async (c) => {
    const { advanceMs } = await c.req.json<{ advanceMs: number }>();
    clockOffsetMs += advanceMs;
    return c.json({ now: new Date(now()).toISOString() });
  });
  root.route('/', api);
  app = root;
}

const server = serve(
  {
    fetch: app.fetch,
    port,
    hostname,
    ...(tls
      ? {
          createServer: createHttpsServer,
          serverOptions: {
            cert: readFileSync(env.DESKGATE_TLS_CERT!),
            key: readFileSync(env.DESKGATE_TLS_KEY!),
          },
        }
      : {}),
  },
  () => {
    logger.info(
      { url: publicUrl, store: env.DATABASE_URL ? 'postgresql' : 'sqlite', dataDir: runtime.dataDir },
      'listening',
    );
    console.log(`deskgate API listening on ${publicUrl}`);
    if (mailWorker) mailWorker.start();
    else logger.warn('mail stays in the outbox: SMTP_URL is not set');
  },
);

// Expired attempts, SSO transactions, refresh tokens and sessions are deleted in the background; each
// instance does it, which is harmless since deletes of expired rows are idempotent.
const PURGE_INTERVAL_MS = 10 * 60 * 1000;
const purge = setInterval(() => {
  runtime.store.purgeExpired(now()).catch((error: unknown) => logger.error({ err: error }, 'purge failed'));
  // Audit events older than DESKGATE_AUDIT_RETENTION_DAYS (default 365).
  runtime.store
    .purgeAudit(now() - auditRetentionMs)
    .catch((error: unknown) => logger.error({ err: error }, 'audit purge failed'));
}, PURGE_INTERVAL_MS);
purge.unref();

/** How long a shutdown waits for requests in flight before it goes on. */
const DRAIN_TIMEOUT_MS = 2_000;
let stopping = false;

/**
 * SIGTERM/SIGINT: no new requests, those in flight finish (for a moment), the mail run in progress finishes;
 * mail not sent yet stays in the outbox for the next start or another instance.
 */
async function shutdown() {
  if (stopping) return;
  stopping = true;
  clearInterval(purge);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  // The answered magic-link requests still writing their mail to the outbox finish first.
  await background.idle();
  try {
    await mailWorker?.stop();
  } catch (error) {
    logger.error({ err: error }, 'stopping the mail worker failed');
  }
  await runtime.store.close();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
