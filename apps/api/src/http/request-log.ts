// Request ids and one structured log line per request; paths only, since query strings carry codes.
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { AppEnv } from '../deps.ts';
import type { Metrics } from '../services/metrics.ts';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Path segments that identify an attempt are replaced, so a log reader learns no handle to one. */
function loggablePath(path: string): string {
  return path.replace(/\/attempts\/[^/]+/, '/attempts/:id');
}

/** Also observes each request's latency in `metrics`, labelled by the route pattern that answered it. */
export function requestLog(logger: Logger, metrics?: Metrics): MiddlewareHandler<AppEnv> {
  return async function requestLog(c, next) {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    const log = logger.child({ requestId });
    c.set('requestId', requestId);
    c.set('log', log);
    c.header('x-request-id', requestId);
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    log.info(
      { method: c.req.method, path: loggablePath(c.req.path), status: c.res.status, ms: Math.round(ms) },
      'request',
    );
    metrics?.request(c.req.method, routePath(c), c.res.status, ms / 1000);
  };
}
