// The API server: reads the environment, applies the seed file, and serves createApp over HTTP or HTTPS (main.ts starts it).
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createApp } from './app.ts';
import { loadAdminAssets, loadReferenceAssets, loadSdkAssets, watchSdkAssets } from './assets.ts';
import { EMPTY_BODY_LIMIT, limitBody } from './http/body-limit.ts';
import { metricsResponse, readiness } from './routes/operations.ts';
import { applySeedFile, createLogger, createRuntime } from './runtime.ts';
import { auditRetentionDays, DAY_MS } from './services/audit.ts';
import { BackgroundWork } from './services/background.ts';
import { Metrics } from './services/metrics.ts';
import { staffSettings } from './services/staff.ts';
import { limitSettings, operationsSettings } from './settings.ts';

const env = process.env;
const logger = createLogger(undefined, 1, { async: true });
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
const operations = operationsSettings(env);
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
const metrics = new Metrics({ store: runtime.store, processMetrics: true });
/** Set when a shutdown begins: /readyz then answers 503, so balancers send no new requests. */
let stopping = false;
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
  metrics,
  ...(operations.metricsToken && { metricsToken: operations.metricsToken }),
  draining: () => stopping,
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

// HTTP/1.1 (node:http or node:https): both have the connection-closing methods the shutdown uses.
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
) as HttpServer;

// DESKGATE_METRICS_PORT: /metrics (with /healthz and /readyz) on a port of its own, for the scraper only.
const metricsServer =
  operations.metricsPort &&
  serve({
    port: operations.metricsPort.port,
    hostname: operations.metricsPort.hostname,
    fetch: async (request) => {
      const { pathname } = new URL(request.url);
      if (request.method !== 'GET') return new Response(null, { status: 405 });
      if (pathname === '/metrics') return metricsResponse(metrics);
      if (pathname === '/healthz') return Response.json({ status: 'ok' });
      if (pathname === '/readyz') {
        const result = await readiness(runtime.store, stopping);
        return Response.json(result, { status: result.ready ? 200 : 503 });
      }
      return new Response('Not found\n', { status: 404 });
    },
  });

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

/** Past the drain, the rest of a shutdown (mail run, store) gets this long before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * SIGTERM/SIGINT: /readyz turns 503, the listener closes (idle keep-alive connections at once), requests in
 * flight finish within DESKGATE_DRAIN_TIMEOUT_MS (then their connections are cut), the mail run in progress
 * finishes; mail not sent yet stays in the outbox for the next start or another instance. Exits 0.
 */
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal, drainTimeoutMs: operations.drainTimeoutMs }, 'shutting down: draining requests');
  clearInterval(purge);
  const watchdog = setTimeout(() => {
    logger.error('shutdown took too long; exiting');
    process.exit(1);
  }, operations.drainTimeoutMs + SHUTDOWN_GRACE_MS);
  watchdog.unref();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, operations.drainTimeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
  // The answered magic-link requests still writing their mail to the outbox finish first.
  await background.idle();
  try {
    await mailWorker?.stop();
  } catch (error) {
    logger.error({ err: error }, 'stopping the mail worker failed');
  }
  metricsServer?.close();
  await runtime.store.close();
  logger.info('shut down');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
