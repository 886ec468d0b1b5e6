// Contract of the operations endpoints (docs/operations.md): /healthz is the process, /readyz the store (and
// its schema, and whether a shutdown began), /metrics the Prometheus text behind a token; and an unreachable
// store answers 503 store_unavailable with Retry-After, as JSON to the SDK and as a page to a navigation.
// The outage here is a store that throws what the PostgreSQL adapter throws when the database is down;
// faults.test.ts stops a real PostgreSQL server.
import assert from 'node:assert/strict';
import { parseRateLimitSettings, type Store, StoreUnavailableError } from '@deskgate/core';
import { paths } from '@deskgate/protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { operationsSettings, poolSize } from './settings.ts';
import {
  COOKIE_REFRESH,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  sessionAs,
  signIn,
  TENANT,
} from './test/harness.ts';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** The store, until `down` is set: then every call rejects as the PostgreSQL adapter does when it is down. */
function failingStore(store: Store, state: { down: boolean; schema?: { applied: number; latest: number } }) {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (name === 'stats') return value.bind(target);
      return (...args: unknown[]) => {
        if (state.down) return Promise.reject(new StoreUnavailableError('the database is unreachable'));
        if (name === 'schemaStatus' && state.schema) return Promise.resolve(state.schema);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

let h: Harness;
const state: { down: boolean; schema?: { applied: number; latest: number } } = { down: false };
let draining = false;

beforeAll(async () => {
  h = await createHarness({
    metricsToken: METRICS_TOKEN,
    wrapStore: (store) => failingStore(store, state),
    draining: () => draining,
  });
});
afterAll(() => h?.close());

const get = (path: string, headers: Record<string, string> = {}) =>
  h.app.request(`https://auth.test${path}`, { headers });

async function metricsText(): Promise<string> {
  const response = await get(paths.metrics, { authorization: `Bearer ${METRICS_TOKEN}` });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The value of one sample line, `name{labels} value`; 0 when the series is absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('GET /healthz and /readyz', () => {
  it('answers healthz 200 and readyz 200 with its checks while the store answers at the current schema', async () => {
    assert.deepEqual(await (await get(paths.health)).json(), { status: 'ok' });
    const ready = await get(paths.ready);
    assert.equal(ready.status, 200);
    assert.equal(ready.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await ready.json(), {
      ready: true,
      checks: { store: 'ok', migrations: 'current', draining: false },
    });
  });

  it('is not ready while the store is unreachable, yet stays healthy (a restart would not help)', async () => {
    state.down = true;
    try {
      assert.equal((await get(paths.health)).status, 200);
      const ready = await get(paths.ready);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), {
        ready: false,
        checks: { store: 'unreachable', migrations: 'unknown', draining: false },
      });
    } finally {
      state.down = false;
    }
  });

  it('is not ready with migrations pending, or with a schema newer than this build', async () => {
    for (const [schema, migrations] of [
      [{ applied: 16, latest: 17 }, 'pending'],
      [{ applied: 18, latest: 17 }, 'newer'],
    ] as const) {
      state.schema = schema;
      try {
        const ready = await get(paths.ready);
        assert.equal(ready.status, 503);
        assert.equal(
          ((await ready.json()) as { checks: { migrations: string } }).checks.migrations,
          migrations,
        );
      } finally {
        state.schema = undefined;
      }
    }
  });

  it('is not ready once a shutdown began, so the balancer stops sending requests', async () => {
    draining = true;
    try {
      const ready = await get(paths.ready);
      assert.equal(ready.status, 503);
      assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, {
        store: 'ok',
        migrations: 'current',
        draining: true,
      });
    } finally {
      draining = false;
    }
  });
});

describe('an unreachable store', () => {
  it('answers the SDK 503 store_unavailable with Retry-After, and a navigation the same as a page', async () => {
    const { jar } = await sessionAs(h, ['deepdesk.agent']);
    state.down = true;
    try {
      const refreshed = await h.sdk(paths.refresh(TENANT), { body: {}, jar });
      assert.equal(refreshed.status, 503);
      assert.equal(refreshed.headers.get('retry-after'), '5');
      assert.deepEqual(await refreshed.json(), {
        error: {
          code: 'store_unavailable',
          message: 'The service cannot reach its database; try again shortly',
        },
      });
      assert.deepEqual(refreshed.headers.getSetCookie(), [], 'no cookie is cleared: the session may hold');
      const page = await h.page(paths.signInFirstParty(TENANT), new Jar());
      assert.equal(page.status, 503);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(await errorCode(page), 'store_unavailable');
    } finally {
      state.down = false;
    }
    // Back up: the same session refreshes as if nothing happened.
    assert.equal((await h.sdk(paths.refresh(TENANT), { body: {}, jar })).status, 200);
    const logged = h.logs.filter((line) => line.includes('store_unavailable'));
    assert.ok(logged.length >= 2, 'each failure is logged with its code');
    assert.ok(
      logged.every((line) => !line.includes('unhandled error')),
      'an outage is not logged as a crash',
    );
  });
});

describe('GET /metrics', () => {
  it('needs the metrics token: none or a wrong one is 401 metrics_token_invalid, and says nothing else', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer wrong-token-0123456789abcdef' },
      { authorization: `Basic ${METRICS_TOKEN}` },
      { authorization: `Bearer ${METRICS_TOKEN}x` },
    ]) {
      const response = await get(paths.metrics, headers);
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="metrics"');
      assert.equal(await errorCode(response), 'metrics_token_invalid');
    }
  });

  it('is not served on the API port without a metrics token (404)', async () => {
    const plain = await createHarness();
    try {
      const response = await plain.app.request(`https://auth.test${paths.metrics}`);
      assert.equal(response.status, 404);
      assert.equal(await errorCode(response), 'not_found');
    } finally {
      await plain.close();
    }
  });

  it('counts sign-ins by method and outcome, refreshes by outcome, latencies by route, store errors and the outbox', async () => {
    const before = await metricsText();
    const { jar } = await signIn(h);
    // A refresh that rotates, one that is refused, and a refused sign-in.
    assert.equal((await h.sdk(paths.refresh(TENANT), { body: {}, jar })).status, 200);
    const stranger = new Jar();
    stranger.cookies.set(COOKIE_REFRESH, { value: 'not-a-refresh-token', path: '/', attributes: '' });
    assert.equal((await h.sdk(paths.refresh(TENANT), { body: {}, jar: stranger })).status, 401);
    const refused = await h.sdk(paths.sessionApiKey(TENANT), {
      body: { agentId: 'nobody', agentName: 'Nobody' },
      headers: { authorization: 'Bearer dgk_nope' },
    });
    assert.equal(refused.status, 401);
    state.down = true;
    await h.sdk(paths.refresh(TENANT), { body: {}, jar });
    state.down = false;

    const after = await metricsText();
    const delta = (series: string) => sample(after, series) - sample(before, series);
    assert.equal(delta('deskgate_sign_ins_total{method="sso",outcome="ok",code=""}'), 1);
    assert.equal(
      delta('deskgate_sign_ins_total{method="api_key",outcome="refused",code="api_key_invalid"}'),
      1,
    );
    assert.equal(delta('deskgate_refreshes_total{outcome="rotated"}'), 1);
    assert.equal(delta('deskgate_refreshes_total{outcome="refresh_invalid"}'), 1);
    // The outage turned the refresh away before it began (the tenant could not be read): a 503 of the route.
    assert.equal(
      delta(
        'deskgate_http_request_duration_seconds_count{method="POST",route="/t/:tenant/auth/refresh",status="503"}',
      ),
      1,
    );
    assert.match(
      after,
      /^deskgate_http_request_duration_seconds_count\{method="POST",route="\/t\/:tenant\/auth\/refresh",status="200"\} \d+$/m,
      'latency by route pattern',
    );
    assert.match(after, /^# TYPE deskgate_store_errors_total counter$/m);
    assert.match(after, /^deskgate_mail_outbox_depth\{state="queued"\} \d+$/m);
    assert.match(after, /^deskgate_mail_outbox_depth\{state="failed"\} \d+$/m);
    // Labels are patterns and codes: no tenant code, path, attempt id, cookie or token.
    assert.doesNotMatch(after, /\/t\/acme|attempts\/[A-Za-z0-9_-]{10}|not-a-refresh-token|dgk_nope/);
    for (const cookie of jar.cookies.values()) assert.ok(!after.includes(cookie.value));
  });

  it('counts requests turned away by a rate limit, by rule', async () => {
    const limited = await createHarness({
      metricsToken: METRICS_TOKEN,
      rateLimits: parseRateLimitSettings('{"attempts.create.ip": {"limit": 1}}'),
    });
    try {
      const create = () =>
        limited.sdk(paths.attempts(TENANT), {
          body: { challenge: 'A'.repeat(43), challengeMethod: 'S256' },
        });
      assert.equal((await create()).status, 201);
      assert.equal((await create()).status, 429);
      const text = await (
        await limited.app.request(`https://auth.test${paths.metrics}`, {
          headers: { authorization: `Bearer ${METRICS_TOKEN}` },
        })
      ).text();
      assert.equal(sample(text, 'deskgate_rate_limited_total{rule="attempts.create.ip"}'), 1);
    } finally {
      await limited.close();
    }
  });
});

describe('operations settings from the environment', () => {
  it('reads the metrics token and port, the drain timeout and the pool size, with their defaults', () => {
    assert.deepEqual(operationsSettings({}), { drainTimeoutMs: 10_000 });
    assert.deepEqual(
      operationsSettings({
        DESKGATE_METRICS_TOKEN: METRICS_TOKEN,
        DESKGATE_METRICS_PORT: '9464',
        DESKGATE_METRICS_HOST: '0.0.0.0',
        DESKGATE_DRAIN_TIMEOUT_MS: '2500',
      }),
      {
        metricsToken: METRICS_TOKEN,
        metricsPort: { port: 9464, hostname: '0.0.0.0' },
        drainTimeoutMs: 2500,
      },
    );
    assert.equal(operationsSettings({ DESKGATE_METRICS_PORT: '9464' }).metricsPort?.hostname, '127.0.0.1');
    assert.equal(poolSize({}), 10);
    assert.equal(poolSize({ DESKGATE_DB_POOL_SIZE: '25' }), 25);
  });

  it('stops the start on a bad value, naming the variable and never quoting a token', () => {
    for (const [env, variable] of [
      [{ DESKGATE_METRICS_TOKEN: 'short-secret' }, 'DESKGATE_METRICS_TOKEN'],
      [{ DESKGATE_METRICS_PORT: '70000' }, 'DESKGATE_METRICS_PORT'],
      [{ DESKGATE_METRICS_PORT: 'http' }, 'DESKGATE_METRICS_PORT'],
      [{ DESKGATE_DRAIN_TIMEOUT_MS: '-1' }, 'DESKGATE_DRAIN_TIMEOUT_MS'],
      [{ DESKGATE_DRAIN_TIMEOUT_MS: '999999' }, 'DESKGATE_DRAIN_TIMEOUT_MS'],
    ] as const) {
      assert.throws(
        () => operationsSettings(env),
        (error: Error) =>
          error instanceof TypeError &&
          error.message.startsWith(variable) &&
          !error.message.includes('short-secret'),
      );
    }
    for (const size of ['0', '201', 'ten'])
      assert.throws(() => poolSize({ DESKGATE_DB_POOL_SIZE: size }), /^TypeError: DESKGATE_DB_POOL_SIZE/);
  });
});
