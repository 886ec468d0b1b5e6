// The API's Prometheus metrics (docs/operations.md, "Metrics"): one registry per app, never prom-client's
// global one, so two apps in one process (tests) keep their own counts. Label values are bounded sets: route
// patterns, sign-in methods, error codes and rate-limit rule names, never a path, tenant, user or token.
import type { Store } from '@deskgate/core';
import type { ErrorCode } from '@deskgate/protocol';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** How a refresh ended: a new token, the grace window's same successor, or the error code it answered. */
export type RefreshOutcome = 'rotated' | 'grace' | ErrorCode;

export class Metrics {
  readonly registry = new Registry();
  readonly #signIns: Counter<'method' | 'outcome' | 'code'>;
  readonly #refreshes: Counter<'outcome'>;
  readonly #rateLimited: Counter<'rule'>;
  readonly #requests: Histogram<'method' | 'route' | 'status'>;

  /**
   * `store`: read at each scrape for its error counts, pool use and the outbox depth. `processMetrics`: also
   * prom-client's default process metrics (CPU, memory, event-loop lag, handles); off in tests.
   */
  constructor(options: { store?: Store; processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    // Under their usual names (process_cpu_seconds_total, nodejs_eventloop_lag_seconds...), as dashboards expect.
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.#signIns = new Counter({
      name: 'deskgate_sign_ins_total',
      help: 'Sign-ins by method (sso, magic_link, jwt, api_key, exchange, ...) and outcome (ok or refused, with the error code)',
      labelNames: ['method', 'outcome', 'code'],
      registers,
    });
    this.#refreshes = new Counter({
      name: 'deskgate_refreshes_total',
      help: 'POST /auth/refresh by outcome: rotated, grace (a parallel refresh got the same successor), or the error code',
      labelNames: ['outcome'],
      registers,
    });
    this.#rateLimited = new Counter({
      name: 'deskgate_rate_limited_total',
      help: 'Requests turned away by a rate limit, by rule',
      labelNames: ['rule'],
      registers,
    });
    this.#requests = new Histogram({
      name: 'deskgate_http_request_duration_seconds',
      help: 'Request latency by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const store = options.store;
    if (!store) return;
    new Counter({
      name: 'deskgate_store_errors_total',
      help: 'Failed store statements since start, by kind: unavailable (database unreachable), conflict, other',
      labelNames: ['kind'],
      registers,
      // The store counts; the scrape copies its totals.
      collect() {
        this.reset();
        for (const [kind, count] of Object.entries(store.stats().errors)) this.inc({ kind }, count);
      },
    });
    new Gauge({
      name: 'deskgate_store_pool_connections',
      help: "The PostgreSQL pool's connections: max, total (open), idle, and waiting (queries queued for one)",
      labelNames: ['state'],
      registers,
      collect() {
        const pool = store.stats().pool;
        if (!pool) return;
        for (const [state, count] of Object.entries(pool)) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'deskgate_mail_outbox_depth',
      help: 'Mail not sent: queued (being tried) and failed (given up; see pnpm deskgate mail list --failed)',
      labelNames: ['state'],
      registers,
      async collect() {
        // An unreachable store must not fail the scrape: the other metrics are what tells of the outage.
        const depth = await store.mailDepth().catch(() => undefined);
        if (!depth) return;
        this.set({ state: 'queued' }, depth.queued);
        this.set({ state: 'failed' }, depth.failed);
      },
    });
  }

  signIn(method: string, code: ErrorCode | null): void {
    this.#signIns.inc({ method, outcome: code ? 'refused' : 'ok', code: code ?? '' });
  }

  refresh(outcome: RefreshOutcome): void {
    this.#refreshes.inc({ outcome });
  }

  rateLimited(rule: string): void {
    this.#rateLimited.inc({ rule });
  }

  request(method: string, route: string, status: number, seconds: number): void {
    this.#requests.observe({ method, route, status: String(status) }, seconds);
  }

  /** The text exposition format, and its content type. */
  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
