// What operators and load balancers ask: liveness (/healthz), readiness (/readyz) and metrics (/metrics).
import { DeskgateError, type Store, sha256, timingSafeEqual } from '@deskgate/core';
import { paths } from '@deskgate/protocol';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import type { AppEnv } from '../deps.ts';
import { bearerKey } from '../http/bearer.ts';
import { notFound } from '../http/errors.ts';
import { errorResponses } from '../schemas/common.ts';
import type { Metrics } from '../services/metrics.ts';
import type { Services } from './context.ts';

/** How long /readyz waits for the store before it calls it unreachable: a probe must answer in time. */
const READY_TIMEOUT_MS = 2_000;

export interface Readiness {
  ready: boolean;
  /** `store`: reachable; `migrations`: the schema is the one this build knows; `draining`: a shutdown began. */
  checks: {
    store: 'ok' | 'unreachable';
    migrations: 'current' | 'pending' | 'newer' | 'unknown';
    draining: boolean;
  };
}

/** Ready when the store answers within READY_TIMEOUT_MS at the schema version this build knows, and not draining. */
export async function readiness(store: Store, draining = false): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), READY_TIMEOUT_MS);
  });
  const status = await Promise.race([store.schemaStatus().catch(() => undefined), timeout]);
  clearTimeout(timer);
  const migrations: Readiness['checks']['migrations'] = !status
    ? 'unknown'
    : status.applied === status.latest
      ? 'current'
      : status.applied < status.latest
        ? 'pending'
        : 'newer';
  const checks = { store: status ? ('ok' as const) : ('unreachable' as const), migrations, draining };
  return { ready: checks.store === 'ok' && migrations === 'current' && !draining, checks };
}

/** The metrics text, for GET /metrics here or on the metrics port (main.ts). */
export async function metricsResponse(metrics: Metrics): Promise<Response> {
  const { body, contentType } = await metrics.render();
  return new Response(body, { headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
}

const json = (description: string, schema: object) => ({
  description,
  content: { 'application/json': { schema } },
});

const READINESS_SCHEMA = {
  type: 'object',
  properties: {
    ready: { type: 'boolean' },
    checks: {
      type: 'object',
      properties: {
        store: { enum: ['ok', 'unreachable'] },
        migrations: { enum: ['current', 'pending', 'newer', 'unknown'] },
        draining: { type: 'boolean' },
      },
    },
  },
} as const;

export function operationsRoutes({ deps, metrics }: Services) {
  const app = new Hono<AppEnv>();

  app.get(
    paths.health,
    describeRoute({
      operationId: 'health',
      tags: ['operations'],
      summary: 'Liveness: the process answers (it does not ask the database; see /readyz)',
      responses: {
        200: json('Up', { type: 'object', properties: { status: { const: 'ok' } } }),
      },
    }),
    (c) => c.json({ status: 'ok' }),
  );

  app.get(
    paths.ready,
    describeRoute({
      operationId: 'ready',
      tags: ['operations'],
      summary:
        'Readiness: the database answers, its schema is the one this build knows, and no shutdown began. A load balancer sends traffic only while it answers 200',
      responses: {
        200: json('Ready', READINESS_SCHEMA),
        503: json('Not ready: which check failed', READINESS_SCHEMA),
      },
    }),
    async (c) => {
      const result = await readiness(deps.store, deps.draining?.() ?? false);
      c.header('cache-control', 'no-store');
      return c.json(result, result.ready ? 200 : 503);
    },
  );

  app.get(
    paths.metrics,
    describeRoute({
      operationId: 'metrics',
      tags: ['operations'],
      summary:
        'Prometheus metrics, with `Authorization: Bearer <DESKGATE_METRICS_TOKEN>`. Without that setting it answers 404 here (use DESKGATE_METRICS_PORT)',
      responses: {
        200: {
          description: 'Text exposition format',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
        ...errorResponses(['metrics_token_invalid', 'not_found']),
      },
    }),
    async (c) => {
      const token = deps.metricsToken;
      if (!token) return notFound(c);
      const presented = bearerKey(c.req.header('authorization'));
      // Digests first: equal lengths for the constant-time comparison, whatever was sent.
      if (!presented || !timingSafeEqual(await sha256(presented), await sha256(token)))
        throw new DeskgateError(
          'metrics_token_invalid',
          'GET /metrics needs the metrics token as a bearer token',
          {
            headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' },
          },
        );
      return metricsResponse(metrics);
    },
  );

  return app;
}
