// Faults an operator meets (docs/operations.md, "Faults"): PostgreSQL restarted under load, and a SIGTERM with
// requests in flight. Two API processes run on a PostgreSQL server of this test's own (initdb into a temp
// dir, from the machine's PostgreSQL binaries), so stopping it disturbs no other test. While it is down the
// instances answer 503 store_unavailable at once and /readyz says so; once it is back their pools recover
// by themselves; afterwards the database holds no half-written change and every token a client was given.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deriveKeys, generateMasterKey, parseMasterKey, sha256 } from '@deskgate/core';
import { COOKIE_REFRESH, paths, SDK_HEADER } from '@deskgate/protocol';
import { createPostgresStore } from '@deskgate/store';
import { SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { JwtKeyService } from './services/jwt-keys.ts';
import { freePort, type Instance, startInstance, stopInstance } from './test/instances.ts';

const run = promisify(execFile);
const TENANT = 'acme';
const ORIGIN = 'https://cx.test';

/** The newest PostgreSQL server binaries Debian installed (/usr/lib/postgresql/<major>/bin), if any. */
async function postgresBin(): Promise<string | undefined> {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = (await readdir(root)).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  return majors.map((v) => join(root, v, 'bin')).find((bin) => existsSync(join(bin, 'initdb')));
}

const bin = await postgresBin();
if (!bin) {
  if (process.env.CI) throw new Error('the fault tests need PostgreSQL server binaries (initdb, pg_ctl)');
  console.warn(
    'WARNING: skipping the fault tests: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)',
  );
}

/** A PostgreSQL server of our own: PostgreSQL refuses to run as root, so as the postgres user when we are root. */
class Cluster {
  readonly dir: string;
  readonly port: number;
  constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
  }
  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }
  async #pg(tool: string, args: string[]) {
    const command = join(bin!, tool);
    const asRoot = process.getuid?.() === 0;
    await run(asRoot ? 'runuser' : command, asRoot ? ['-u', 'postgres', '--', command, ...args] : args, {
      timeout: 60_000,
    });
  }
  static async create(): Promise<Cluster> {
    const dir = await mkdtemp(join(tmpdir(), 'deskgate-pg-'));
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const uid = Number(stdout.trim());
      await chown(dir, uid, uid);
    }
    const cluster = new Cluster(dir, await freePort());
    await cluster.#pg('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await cluster.start();
    return cluster;
  }
  start() {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
    return this.#pg('pg_ctl', [
      '-D',
      join(this.dir, 'data'),
      '-o',
      options,
      '-l',
      join(this.dir, 'log'),
      '-w',
      'start',
    ]);
  }
  /** A fast shutdown: open transactions are rolled back and every connection is cut, as in a restart. */
  stop() {
    return this.#pg('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
  }
  async close() {
    await this.stop().catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}

interface Outcome {
  status: number;
  code?: string;
  retryAfter?: string | null;
}

let client = 0;
const nextIp = () => `198.18.${(++client >> 8) & 255}.${client & 255}`;

async function postJwt(instance: Instance, token: string) {
  const response = await fetch(`${instance.url}${paths.sessionJwt(TENANT)}`, {
    method: 'POST',
    headers: {
      origin: ORIGIN,
      'content-type': 'application/json',
      [SDK_HEADER]: '1',
      'x-forwarded-for': nextIp(),
    },
    body: JSON.stringify({ token }),
  });
  return answer(response);
}

async function refreshOn(instance: Instance, refresh: string) {
  const response = await fetch(`${instance.url}${paths.refresh(TENANT)}`, {
    method: 'POST',
    headers: {
      origin: ORIGIN,
      'content-type': 'application/json',
      [SDK_HEADER]: '1',
      'x-forwarded-for': nextIp(),
      cookie: `${COOKIE_REFRESH}=${refresh}`,
    },
    body: '{}',
  });
  return answer(response);
}

async function answer(response: Response) {
  const body = (await response.json()) as { error?: { code: string } };
  const refresh = response.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${COOKIE_REFRESH}=`))
    ?.split(';')[0]
    ?.slice(COOKIE_REFRESH.length + 1);
  const outcome: Outcome = { status: response.status, code: body.error?.code };
  if (response.status === 503) outcome.retryAfter = response.headers.get('retry-after');
  return { outcome, refresh: refresh || undefined };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 100 ms until it returns true; fails naming `what` after `limitMs`. */
async function until(what: string, check: () => Promise<boolean>, limitMs = 30_000) {
  const deadline = Date.now() + limitMs;
  while (!(await check().catch(() => false))) {
    assert.ok(Date.now() < deadline, `gave up waiting: ${what}`);
    await pause(100);
  }
}

const readyz = async (instance: Instance) => (await fetch(`${instance.url}${paths.ready}`)).status;

describe.skipIf(!bin)('faults', () => {
  let cluster: Cluster;
  let dir: string;
  let env: Record<string, string>;
  const instances: Instance[] = [];
  let metricsPort: number;
  let sessionKey: { kid: string; secret: string };

  const mint = (claims: Record<string, unknown>) => {
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT({ iat, exp: iat + 600, ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: sessionKey.kid })
      .sign(new TextEncoder().encode(sessionKey.secret));
  };

  beforeAll(async () => {
    cluster = await Cluster.create();
    dir = await mkdtemp(join(tmpdir(), 'deskgate-faults-'));
    const seedFile = join(dir, 'seed.json');
    await writeFile(
      seedFile,
      JSON.stringify({
        tenants: [
          {
            code: TENANT,
            allowedOrigins: [ORIGIN],
            platformJwt: { profiles: { session: { preset: 'messenger' } } },
          },
        ],
      }),
    );
    const masterKey = generateMasterKey();
    env = {
      DATABASE_URL: cluster.url,
      DESKGATE_MASTER_KEY: masterKey,
      DESKGATE_SEED_FILE: seedFile,
      DESKGATE_DATA_DIR: join(dir, 'data'),
      DESKGATE_TRUSTED_PROXY_HOPS: '1',
      DESKGATE_PUBLIC_URL: 'https://auth.acme.test',
      // Ample for this test's load from one client address range: the limits have their own tests.
      DESKGATE_RATE_LIMITS: JSON.stringify({ 'jwt.failures.ip': { limit: 1000 } }),
    };
    metricsPort = await freePort();
    // Both start at once on the empty database: the migration lock lets one migrate while the other waits.
    instances.push(
      ...(await Promise.all([
        startInstance({ ...env, DESKGATE_METRICS_PORT: String(metricsPort) }),
        startInstance(env),
      ])),
    );
    const store = createPostgresStore({ connectionString: cluster.url });
    try {
      sessionKey = await new JwtKeyService(
        store,
        await deriveKeys(parseMasterKey(masterKey)),
        Date.now,
      ).create(TENANT, 'session');
    } finally {
      await store.close();
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all(instances.map(stopInstance));
    await cluster?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('migrated once although both instances started together', async () => {
    const db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
    try {
      const { rows } = await db.query(
        'SELECT version, COUNT(*)::int AS n FROM schema_migrations GROUP BY version',
      );
      assert.ok(rows.length >= 17);
      assert.ok(rows.every((row) => row.n === 1));
    } finally {
      await db.end();
    }
  });

  it('answers 503 store_unavailable while PostgreSQL restarts under load, recovers by itself, and half-writes nothing', async () => {
    const [a, b] = instances as [Instance, Instance];
    const outcomes: (Outcome & { phase: string })[] = [];
    /** The newest refresh token each client holds: the store must know every one. */
    const held = new Map<string, string>();
    let phase = 'before';
    let stop = false;
    const worker = async (id: number) => {
      for (let n = 0; !stop; n++) {
        const [first, second] = n % 2 ? [a, b] : [b, a];
        const signedIn = await postJwt(first, await mint({ deskpro_id: `load-${id}-${n}` }));
        outcomes.push({ ...signedIn.outcome, phase });
        let refresh = signedIn.refresh;
        if (refresh) held.set(`${id}-${n}`, refresh);
        for (const instance of [second, first]) {
          if (!refresh || stop) break;
          const refreshed = await refreshOn(instance, refresh);
          outcomes.push({ ...refreshed.outcome, phase });
          if (refreshed.refresh) {
            refresh = refreshed.refresh;
            held.set(`${id}-${n}`, refresh);
          }
        }
        // Clients back off on a 503 (its Retry-After is 5 s; here a moment, to keep the test short).
        if (outcomes.at(-1)?.status === 503) await pause(50);
      }
    };
    const ok = (during: string) => outcomes.filter((o) => o.phase === during && o.status === 200).length;
    const load = Promise.all([0, 1, 2, 3].map(worker));
    try {
      await until('requests succeed before the restart', async () => ok('before') >= 40);
      phase = 'down';
      await cluster.stop();
      await until('503 answers while the database is down', async () =>
        outcomes.some((o) => o.phase === 'down' && o.status === 503),
      );
      for (const instance of [a, b]) {
        assert.equal(await readyz(instance), 503, 'not ready while the database is down');
        assert.equal((await fetch(`${instance.url}${paths.health}`)).status, 200, 'yet alive');
      }
      phase = 'restarting';
      await cluster.start();
      // The same processes, no restart: each pool opens new connections on its own.
      await until('both ready again', async () => (await readyz(a)) === 200 && (await readyz(b)) === 200);
      phase = 'after';
      await until('requests succeed after the restart', async () => ok('after') >= 40);
    } finally {
      stop = true;
      await load.catch((error: unknown) => {
        throw new Error(`the load failed: ${error}\nA: ${a.output.join('')}\nB: ${b.output.join('')}`);
      });
    }

    const unexpected = outcomes.filter((o) => o.status !== 200 && o.status !== 503);
    assert.deepEqual(unexpected, [], `only successes and 503s:\n${a.output.join('')}\n${b.output.join('')}`);
    const unavailable = outcomes.filter((o) => o.status === 503);
    assert.ok(unavailable.length > 0);
    for (const o of unavailable) assert.deepEqual([o.code, o.retryAfter], ['store_unavailable', '5']);

    const db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
    try {
      const count = async (sql: string) => (await db.query(sql)).rows[0].n as number;
      assert.equal(
        await count(
          'SELECT COUNT(*)::int AS n FROM users u WHERE NOT EXISTS (SELECT 1 FROM identities i WHERE i.user_id = u.id)',
        ),
        0,
        'no user without its identity',
      );
      assert.equal(
        await count(
          'SELECT COUNT(*)::int AS n FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id)',
        ),
        0,
        'no session without its user',
      );
      assert.equal(
        await count(
          `SELECT COUNT(*)::int AS n FROM sessions s WHERE s.revoked_at IS NULL AND
             (SELECT COUNT(*) FROM refresh_tokens r WHERE r.session_id = s.id AND r.used_at IS NULL) <> 1`,
        ),
        0,
        'every live session has exactly one unused refresh token: a rotation is all or nothing',
      );
      const digests = await Promise.all([...held.values()].map((token) => sha256(token)));
      const { rows } = await db.query('SELECT digest FROM refresh_tokens WHERE digest = ANY($1)', [digests]);
      assert.equal(rows.length, digests.length, 'every refresh token a client was given is stored');
      assert.equal(
        await count("SELECT COUNT(*)::int AS n FROM sessions WHERE revoke_reason = 'refresh_reused'"),
        0,
        'no family was revoked: a retried refresh is no replay',
      );
    } finally {
      await db.end();
    }

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const unavailableErrors = Number(
      /^deskgate_store_errors_total\{kind="unavailable"\} (\d+)$/m.exec(metrics)?.[1],
    );
    assert.ok(unavailableErrors > 0, 'the outage shows in the metrics');
    assert.match(metrics, /^deskgate_store_pool_connections\{state="max"\} 10$/m);
    assert.match(
      metrics,
      /^deskgate_http_request_duration_seconds_count\{method="POST",route="[^"]+",status="503"\} \d+$/m,
      'and in the latencies of 503 answers',
    );
  }, 120_000);

  it('drains a request in flight on SIGTERM, refuses new connections, cuts one that never finishes, and exits 0', async () => {
    const port = await freePort();
    const instance = await startInstance({
      ...env,
      DESKGATE_DRAIN_TIMEOUT_MS: '1500',
      LOG_LEVEL: 'info',
      DESKGATE_METRICS_PORT: String(port),
    });
    const body = JSON.stringify({ token: await mint({ deskpro_id: 'drain' }) });
    /** A request whose body is still arriving: in flight until the rest is written. */
    const inFlight = (part: string) => {
      const socket = connect(instance.port, '127.0.0.1');
      socket.setNoDelay(true);
      let received = '';
      socket.on('data', (d) => {
        received += String(d);
      });
      const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
      socket.on('error', () => {});
      socket.write(
        `POST ${paths.sessionJwt(TENANT)} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${ORIGIN}\r\n` +
          `Content-Type: application/json\r\n${SDK_HEADER}: 1\r\nX-Forwarded-For: 203.0.113.9\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${part}`,
      );
      return { socket, closed };
    };
    const half = body.slice(0, 20);
    const finishing = inFlight(half);
    const hanging = inFlight(half);
    // Both connections are up and their headers sent before the signal; a moment for the server to read them.
    await Promise.all(
      [finishing, hanging].map(({ socket }) => new Promise((resolve) => socket.once('connect', resolve))),
    );
    await pause(300);
    instance.child.kill('SIGTERM');
    await until('readyz says draining', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      const ready = (await response.json()) as { checks: { draining: boolean } };
      return response.status === 503 && ready.checks.draining;
    });
    await assert.rejects(fetch(`${instance.url}${paths.health}`), 'no new connection is taken');
    finishing.socket.write(body.slice(half.length));
    const answered = await finishing.closed;
    assert.match(answered, /^HTTP\/1\.1 200 /, 'the request in flight was answered');
    assert.match(answered, /set-cookie: __Secure-access_token_cookie=/i);
    assert.equal(await hanging.closed, '', 'the one that never finished was cut at the drain timeout');
    assert.deepEqual(await instance.exited, { code: 0, signal: null });
    assert.match(instance.output.join(''), /shutting down: draining requests/);
  }, 60_000);
});
