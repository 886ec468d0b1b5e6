// Property-based fuzzing of every endpoint's input handling (issue 16): random and malformed paths, queries,
// headers, cookies, tokens and bodies never get a 5xx, a hang, an unlogged crash, an error body without a stable
// code, or (when refused) any change to the store beyond the ones refusals make by design. Bounded inside
// `pnpm test`; `pnpm fuzz` runs the same properties far longer (docs/development.md).
import assert from 'node:assert/strict';
import { SDK_HEADER } from '@deskgate/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ApiKeyService } from './services/api-keys.ts';
import { JwtKeyService } from './services/jwt-keys.ts';
import { ChangeLog, unexpectedChanges } from './test/change-log.ts';
import {
  type Answer,
  describeRequest,
  errorBodyProblem,
  errorLogs,
  FUZZ_RUNS,
  type FuzzRequest,
  type Known,
  type RouteSpec,
  requestArb,
  routeInventory,
  runParameters,
  send,
  signHs256,
  toRequest,
} from './test/fuzz/index.ts';
import {
  CX_ORIGIN,
  createAttempt,
  createHarness,
  type Harness,
  type Jar,
  PUBLIC_URL,
  sessionAs,
  TENANT,
  unlimitedRateLimits,
} from './test/harness.ts';

// Each property gets about 10 ms a run on a busy 2-core machine, plus the harness.
const TIMEOUT_MS = Math.max(60_000, FUZZ_RUNS * 60);

describe('fuzzing every endpoint', () => {
  let h: Harness;
  let db: ChangeLog;
  let inventory: RouteSpec[];
  let known: Known;
  /** A manager's session shared by the runs without their own: its tokens only ever go out mangled. */
  let shared: Jar;

  beforeAll(async () => {
    // Every feature on, so its code is fuzzed too: magic links, platform JWTs (both profiles), remote login.
    h = await createHarness({
      rateLimits: unlimitedRateLimits(),
      tenant: {
        magicLink: { enabled: true },
        platformJwt: {
          profiles: { session: { preset: 'messenger' }, 'one-time': { preset: 'deskpro' } },
          remoteLogin: {
            url: 'https://platform.test/deskgate-login',
            returnUrls: ['https://desk.test/home'],
            logoutRedirectUrl: 'https://platform.test/logged-out',
          },
        },
      },
    });
    db = new ChangeLog(h.databaseFile);
    inventory = routeInventory(h.app.routes);
    const { attempt } = await createAttempt(h);
    const manager = await sessionAs(h, ['deepdesk.manager']);
    shared = manager.jar;
    const scim = await new ApiKeyService(h.store, h.now, 'scim').create(TENANT);
    const apiKey = await new ApiKeyService(h.store, h.now).create(TENANT);
    const jwtKeys = new JwtKeyService(h.store, h.deps.keys, h.now);
    const sessionKey = await jwtKeys.create(TENANT, 'session');
    const oneTimeKey = await jwtKeys.create(TENANT, 'one-time');
    known = {
      attemptIds: [attempt.attemptId],
      userIds: [manager.user.id],
      kids: [scim.kid, apiKey.kid, sessionKey.kid],
      bearers: [scim.key, apiKey.key],
      jwtKeys: [sessionKey, oneTimeKey],
    };
  });

  afterAll(async () => {
    if (process.env.DESKGATE_FUZZ_STATS)
      for (const [route, byStatus] of [...stats].sort())
        console.log(route.padEnd(60), [...byStatus].map(([k, n]) => `${k}:${n}`).join(' '));
    db?.close();
    await h?.close();
  });

  /** Answers by route and status class: printed under DESKGATE_FUZZ_STATS=1, to see what the runs reach. */
  const stats = new Map<string, Map<string, number>>();
  function tally(req: FuzzRequest, answer: Answer) {
    const byStatus = stats.get(req.route) ?? new Map<string, number>();
    const code =
      /"code":"([a-z_]+)"/.exec(answer.text)?.[1] ?? /data-error-code="([a-z_]+)"/.exec(answer.text)?.[1];
    const key =
      answer.status >= 400 ? `${answer.status}${code ? ` ${code}` : ''}` : `${String(answer.status)[0]}xx`;
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
    stats.set(req.route, byStatus);
  }

  /** Sends one fuzzed request and applies every oracle to its answer. */
  async function check(req: FuzzRequest, jar: Jar, sendJar: boolean) {
    // Work a previous request left running (a magic link's mail) must not count as this one's side effect.
    await h.idle();
    const logged = h.logs.length;
    db.mark();
    const answer = await send(h.app, toRequest(req, jar, { sendJar }), req.ip);
    await h.idle();
    const what = `${answer.status} for ${describeRequest(req)}`;
    tally(req, answer);
    const changes = db.since();
    try {
      assert.ok(answer.status < 500, `server error: ${what}\n${answer.text.slice(0, 300)}`);
      const problem = errorBodyProblem(req, answer);
      assert.equal(problem, undefined, `${problem}: ${what}`);
      assert.deepEqual(errorLogs(h.logs.slice(logged)), [], `logged an error: ${what}`);
      if (answer.status >= 400)
        assert.deepEqual(unexpectedChanges(changes), [], `a refusal changed the store: ${what}`);
    } finally {
      // A run that wrote settings or revoked a key is undone (shrinking included), so later runs still reach
      // the same code.
      db.restore(changes, ['tenants', 'api_keys', 'jwt_keys']);
    }
  }

  it('takes its inventory from the route table: every family of endpoints, so it cannot pass vacuously', () => {
    assert.ok(inventory.length >= 30, `only ${inventory.length} routes`);
    for (const prefix of [
      '/t/:tenant/auth/',
      '/t/:tenant/session/',
      '/t/:tenant/admin/api/',
      '/t/:tenant/scim/v2/',
    ])
      assert.ok(
        inventory.some((r) => r.path.startsWith(prefix)),
        `no route under ${prefix}`,
      );
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
      assert.ok(
        inventory.some((r) => r.method === method),
        `no ${method} route`,
      );
    // The oracle reads the tables the app writes.
    for (const table of ['sessions', 'attempts', 'users', 'audit_events', 'rate_limits'])
      assert.ok(db.tables.includes(table), `no ${table} table`);
  });

  it('sees the app’s writes (the side-effect oracle is not blind)', async () => {
    db.mark();
    await createAttempt(h);
    const changes = db.since();
    assert.ok(
      changes.some((c) => c.table === 'attempts' && c.kind === 'added'),
      JSON.stringify(changes),
    );
    assert.ok(unexpectedChanges(changes).length > 0);
  });

  // Found by the properties below: the app's onError logged every ScimError (a SCIM 404 or 409, which
  // scimErrors() then answers in SCIM's shape) as an "unhandled error".
  it('logs a SCIM refusal as a refusal, not as an unhandled error (regression)', async () => {
    const scimToken = known.bearers.find((t) => t.startsWith('dgs_'))!;
    for (const path of ['/ResourceTypes/Nope', '/Schemas/nope', '/ResourceTypes/', '/Nope']) {
      const logged = h.logs.length;
      const request = new Request(`${PUBLIC_URL}/t/${TENANT}/scim/v2${path}`, {
        headers: { authorization: `Bearer ${scimToken}` },
      });
      const answer = await send(h.app, request, '192.0.2.1');
      assert.equal(answer.status, 404, path);
      assert.match(answer.contentType, /^application\/scim\+json/, path);
      assert.deepEqual(errorLogs(h.logs.slice(logged)), [], path);
    }
  });

  // Found by the properties below: a signed platform JWT whose exp lies past Date's range got a 500
  // (verifyPlatformJwt described it with toISOString, which throws a RangeError).
  it('refuses a signed JWT with an exp past any date, without a 500 (regression)', async () => {
    const [key] = known.jwtKeys;
    for (const exp of [1e300, 1e20, 8.64e12 + 1]) {
      const logged = h.logs.length;
      const token = signHs256(key!.secret, { alg: 'HS256', typ: 'JWT', kid: key!.kid }, { exp, iat: 0 });
      const request = new Request(`${PUBLIC_URL}/t/${TENANT}/session/jwt`, {
        method: 'POST',
        headers: { origin: CX_ORIGIN, [SDK_HEADER]: '1', 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      const answer = await send(h.app, request, '192.0.2.1');
      assert.equal(answer.status, 401, `exp ${exp}: ${answer.text}`);
      assert.equal(JSON.parse(answer.text).error.code, 'jwt_claims_invalid');
      assert.deepEqual(errorLogs(h.logs.slice(logged)), [], `exp ${exp}`);
    }
  });

  it(
    'answers hostile requests without a session: no 5xx, hang, unstable error body or side effect',
    async () => {
      await fc.assert(
        fc.asyncProperty(requestArb(inventory, known), (req) => check(req, shared, false)),
        runParameters(),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'answers hostile requests with a live session (manager or agent) the same way',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          requestArb(inventory, known),
          fc.constantFrom(['deepdesk.manager'], ['deepdesk.agent']),
          async (req, roles) => {
            // A session of its own per run: its refresh token may be rotated, even replayed, within the run.
            const { jar } = await sessionAs(h, [...roles]);
            await check(req, jar, true);
          },
        ),
        runParameters(),
      );
    },
    TIMEOUT_MS,
  );
});
