// The CSRF/CORS matrix (issue 16): every cookie-authenticated write and every sign-in start of the app's route
// table declares its origin rule on its guard (http/csrf.ts), and each is tried, with a live session's cookies,
// against every kind of Origin (allowed, this site, foreign, look-alikes, `null`, none), content type, SDK
// header and Fetch Metadata. A small pure policy says which combinations pass; every other one must be refused
// by the guard's own code and change nothing in the database nor set a cookie. A new route joins by itself,
// and one without a declared rule fails the inventory by name.
import assert from 'node:assert/strict';
import { SDK_HEADER } from '@deskgate/protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type OriginGuarded, REQUEST_ORIGIN, type RequestOriginKind } from './http/csrf.ts';
import { API_KEY_SDK_PATHS } from './routes/api-key.ts';
import { ATTEMPT_SDK_PATHS } from './routes/attempts.ts';
import { EXCHANGE_SDK_PATHS } from './routes/exchange.ts';
import { PLATFORM_JWT_SDK_PATHS } from './routes/platform-jwt.ts';
import { SESSION_SDK_PATHS } from './routes/session.ts';
import { ChangeLog, unexpectedChanges } from './test/change-log.ts';
import {
  CX_ORIGIN,
  createHarness,
  errorCode,
  type Harness,
  PUBLIC_URL,
  sessionAs,
  socket,
  TENANT,
  unlimitedRateLimits,
} from './test/harness.ts';

const EVIL = 'https://evil.test';
/** Origins a careless comparison (prefix, suffix, host only, case, URL parsing) would take for an allowed one. */
const LOOK_ALIKES = [
  'https://cx.test.evil.test',
  'https://evilcx.test',
  'http://cx.test',
  'https://cx.test:444',
  // The default port spelled out: browsers never serialise it, so it is not the allowed origin.
  'https://cx.test:443',
  // Browsers serialise hosts in lower case: an upper-case Origin comes from no browser page, so it is refused.
  'https://CX.test',
  'https://cx.test.',
  'https://cx.test/',
  'https://cx.test, https://evil.test',
  'https://auth.test.evil.test',
  'http://auth.test',
  'https://auth.test:444',
  'https://AUTH.test',
  'https://auth.test/',
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  undefined,
];
/** What each guard answers a refused request with. */
const GUARD_CODES = ['origin_not_allowed', 'csrf_header_required', 'signin_chooser_required'] as const;
/** A guard's code, `allowed`, or (bearer-only) refused for want of the only credential, whatever its code. */
type Verdict = 'allowed' | 'no_credential' | (typeof GUARD_CODES)[number];

/**
 * Routes that take no origin rule, with the reason. A route here that no longer exists fails the inventory,
 * so the list cannot go stale. (Today none: SCIM declares `bearer-only` on its token check.)
 */
const UNGUARDED: Record<string, string> = {};
/** Public, credential-less resources that any page may read (`*`, never with credentials). */
const PUBLIC_CORS = ['GET /.well-known/jwks.json', 'GET /sdk/:file', 'GET /openapi.json'];

interface Variant {
  origin?: string;
  /** Sec-Fetch-Site. */
  site?: string;
  type?: string;
  sdkHeader: boolean;
  /** Sec-Fetch-User and Sec-Fetch-Mode, for the chooser's navigations. */
  user?: string;
  mode?: string;
}

/** The policy: which requests each rule lets through, or the code it refuses the others with. */
function verdict(kind: RequestOriginKind, v: Variant): Verdict {
  const sameOrigin =
    v.origin === PUBLIC_URL || ((v.origin === undefined || v.origin === 'null') && v.site === 'same-origin');
  const json = v.type?.split(';')[0]?.trim().toLowerCase() === 'application/json';
  switch (kind) {
    case 'sdk':
      if (v.origin !== CX_ORIGIN) return 'origin_not_allowed';
      return json || v.sdkHeader ? 'allowed' : 'csrf_header_required';
    case 'same-origin':
      return sameOrigin ? 'allowed' : 'origin_not_allowed';
    case 'console':
      if (!sameOrigin) return 'origin_not_allowed';
      return json ? 'allowed' : 'csrf_header_required';
    case 'chooser':
      return v.site === 'same-origin' && v.user === '?1' && v.mode === 'navigate'
        ? 'allowed'
        : 'signin_chooser_required';
    case 'bearer-only':
      // Whatever the origin: the cookies sent are no credential here.
      return 'no_credential';
  }
}

/** The Origin and Sec-Fetch-Site pairs browsers send, and the lies a careless check would believe. */
const ORIGINS: Pick<Variant, 'origin' | 'site'>[] = [
  { origin: CX_ORIGIN, site: 'cross-site' },
  { origin: CX_ORIGIN, site: undefined },
  { origin: PUBLIC_URL, site: 'same-origin' },
  { origin: PUBLIC_URL, site: undefined },
  { origin: EVIL, site: 'cross-site' },
  // Fetch Metadata never overrides a foreign Origin.
  { origin: EVIL, site: 'same-origin' },
  ...['null', undefined].flatMap((origin) =>
    ['same-origin', 'same-site', 'cross-site', 'none', undefined].map((site) => ({ origin, site })),
  ),
];

function variants(kind: RequestOriginKind): Variant[] {
  if (kind === 'chooser') {
    const out: Variant[] = [];
    for (const site of ['same-origin', 'same-site', 'cross-site', 'none', undefined])
      for (const user of ['?1', undefined])
        for (const mode of ['navigate', 'no-cors', 'cors', undefined])
          out.push({ site, user, mode, sdkHeader: false });
    // A foreign page's fetch, even one that lies about where it comes from.
    out.push({ origin: EVIL, site: 'same-origin', user: '?1', mode: 'cors', sdkHeader: false });
    return out;
  }
  // The SDK header matters to the SDK's rule; the others must ignore it.
  const headers = kind === 'sdk' || kind === 'console' ? [false, true] : [false];
  const out: Variant[] = [];
  for (const o of ORIGINS)
    for (const type of CONTENT_TYPES) for (const sdkHeader of headers) out.push({ ...o, type, sdkHeader });
  // A look-alike origin with the most any rule could want besides it (JSON, the header, same-origin metadata):
  // only the comparison of the Origin itself can refuse it.
  for (const origin of LOOK_ALIKES)
    out.push({ origin, site: 'same-origin', type: 'application/json', sdkHeader: kind !== 'same-origin' });
  return out;
}

interface Guarded {
  method: string;
  path: string;
  kind: RequestOriginKind;
}

let h: Harness;
let db: ChangeLog;
let challenge: string;

beforeAll(async () => {
  h = await createHarness({ rateLimits: unlimitedRateLimits() });
  // The harness's SQLite file, read directly through a second connection (reads only).
  db = new ChangeLog(h.databaseFile);
  challenge = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
});
afterAll(async () => {
  db?.close();
  await h?.close();
});

/** The tables the request(s) since db.mark() changed, less what a refused request may write by design. */
function changedTables(): string[] {
  return [...new Set(unexpectedChanges(db.since()).map((change) => change.table))];
}

function routeKey(route: { method: string; path: string }) {
  return `${route.method} ${route.path}`;
}

const isWildcard = (path: string) => path.endsWith('/*');

/** The origin rule a handler declares, if it is a guard. */
function kindOf(handler: unknown): RequestOriginKind | undefined {
  return (handler as Partial<OriginGuarded>)[REQUEST_ORIGIN];
}

/**
 * The inventory: every write (not GET, HEAD or OPTIONS) and every GET with an origin rule (the sign-in
 * starts), with the rules declared on the route's handlers and on the catch-all middlewares above it.
 */
function inventory() {
  const wildcards = h.app.routes.filter((r) => r.method === 'ALL' && isWildcard(r.path) && kindOf(r.handler));
  const rules = new Map<string, { method: string; path: string; kinds: RequestOriginKind[] }>();
  const declared = new Set<string>();
  for (const route of h.app.routes) {
    if (route.method === 'ALL' || isWildcard(route.path)) continue;
    const key = routeKey(route);
    const entry = rules.get(key) ?? { method: route.method, path: route.path, kinds: [] };
    const kind = kindOf(route.handler);
    if (kind) {
      declared.add(key);
      entry.kinds.push(kind);
    }
    rules.set(key, entry);
  }
  for (const entry of rules.values())
    for (const w of wildcards)
      if (entry.path.startsWith(w.path.slice(0, -1))) entry.kinds.push(kindOf(w.handler)!);
  // A GET joins by its own declaration (a sign-in start), not by a catch-all's (SCIM's reads).
  return [...rules.values()].filter((r) =>
    ['GET', 'HEAD', 'OPTIONS'].includes(r.method) ? declared.has(routeKey(r)) : true,
  );
}

function guardedRoutes(): Guarded[] {
  return inventory()
    .filter((r) => r.kinds.length === 1)
    .map((r) => ({ method: r.method, path: r.path, kind: r.kinds[0]! }));
}

const ID = 'A'.repeat(22);
/** The user the console's people routes act on (another user than the signed-in manager). */
let target: string;
function concrete(path: string) {
  return path
    .replace(':tenant', TENANT)
    .replace(':id', path.includes('/admin/api/users/') ? target : ID)
    .replace(':kid', 'a'.repeat(12))
    .replace(':name', 'User')
    .replace(':file', 'deskgate.js');
}

/**
 * A body that acts where it is let through: a challenge creates an attempt, `redirect` mints an exchange
 * token, `profile` makes a JWT key; a form's `decision` decides. The content type sent varies on its own.
 */
function bodyFor(kind: RequestOriginKind) {
  if (kind === 'same-origin') return 'decision=approve&email=someone%40acme.test&code=ABCD-EFGH';
  return JSON.stringify({
    challenge,
    challengeMethod: 'S256',
    redirect: `/t/${TENANT}/collection`,
    profile: 'session',
    decision: 'approve',
  });
}

async function send(route: Guarded, v: Variant, cookie: string | undefined): Promise<Response> {
  const navigation = route.kind === 'chooser' || route.kind === 'same-origin';
  const headers: Record<string, string> = { accept: navigation ? 'text/html' : 'application/json' };
  if (v.origin !== undefined) headers.origin = v.origin;
  if (v.site !== undefined) headers['sec-fetch-site'] = v.site;
  if (v.user !== undefined) headers['sec-fetch-user'] = v.user;
  if (v.mode !== undefined) headers['sec-fetch-mode'] = v.mode;
  if (v.type !== undefined) headers['content-type'] = v.type;
  if (v.sdkHeader) headers[SDK_HEADER] = '1';
  if (cookie) headers.cookie = cookie;
  let url = PUBLIC_URL + concrete(route.path);
  // A sign-in start for an attempt (an unknown one: the guard answers before anyone looks it up). Remote
  // login's first-party start (`?return=`, no attempt) takes no chooser rule: a platform may link to it.
  if (route.kind === 'chooser') url += `?attempt=${ID}&provider=acme-idp`;
  const get = route.method === 'GET';
  // Bytes, not a string: a string body would make fetch add `text/plain` when no type is sent.
  const body = get ? undefined : new TextEncoder().encode(bodyFor(route.kind));
  return h.app.request(url, { method: route.method, headers, body }, socket());
}

const describeVariant = (v: Variant) =>
  Object.entries(v)
    .filter(([, value]) => value !== undefined && value !== false)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ') || '(no headers)';

/** Routes whose canonical allowed request with these fixtures really changes the database (the test's teeth). */
const ACTS = [
  'POST /t/:tenant/auth/refresh',
  'POST /t/:tenant/auth/refresh/logout',
  'POST /t/:tenant/auth/logout',
  'POST /t/:tenant/auth/attempts',
  'POST /t/:tenant/auth/exchange-token',
  'POST /t/:tenant/auth/refresh/signout',
  'POST /t/:tenant/admin/api/jwt-keys',
  'POST /t/:tenant/admin/api/api-keys',
  'POST /t/:tenant/admin/api/scim-tokens',
  // In the route table's order: the first disables the target, the second enables them again.
  'POST /t/:tenant/admin/api/users/:id/disable',
  'POST /t/:tenant/admin/api/users/:id/enable',
];

describe('the origin rules of the route table', () => {
  it('declares exactly one origin rule on every write and sign-in start, or says why not', () => {
    const routes = inventory();
    const problems: string[] = [];
    for (const route of routes) {
      const key = routeKey(route);
      if (key in UNGUARDED) {
        if (route.kinds.length > 0) problems.push(`${key} is declared and also in UNGUARDED`);
      } else if (route.kinds.length === 0) problems.push(`${key} declares no origin rule (http/csrf.ts)`);
      else if (route.kinds.length > 1) problems.push(`${key} declares ${route.kinds.join(' and ')}`);
    }
    for (const key of Object.keys(UNGUARDED))
      if (!routes.some((r) => routeKey(r) === key)) problems.push(`UNGUARDED lists ${key}, which is gone`);
    assert.deepEqual(problems, []);
    const kinds = guardedRoutes().map((r) => r.kind);
    assert.ok(routes.length >= 30, `only ${routes.length} routes`);
    for (const kind of ['sdk', 'same-origin', 'chooser', 'console', 'bearer-only'] as const)
      assert.ok(kinds.includes(kind), `no ${kind} route`);
    // The sign-in endpoints of the platforms are SDK writes, and the method starts take the chooser's rule.
    const table = guardedRoutes().map((r) => `${routeKey(r)} ${r.kind}`);
    for (const expected of [
      'POST /t/:tenant/session/jwt sdk',
      'POST /t/:tenant/session/api-key sdk',
      'POST /t/:tenant/auth/attempts/:id/redeem sdk',
      'POST /t/:tenant/auth/magic-link/open same-origin',
      'POST /t/:tenant/auth/exchange same-origin',
      'GET /t/:tenant/auth/sso/start chooser',
      'GET /t/:tenant/auth/remote-login chooser',
      'PATCH /t/:tenant/scim/v2/Users/:id bearer-only',
    ])
      assert.ok(table.includes(expected), `${expected} not in\n${table.join('\n')}`);
  });
});

describe('the CSRF matrix', () => {
  it('lets through only what the policy allows, and a refused request changes nothing', async () => {
    const routes = guardedRoutes();
    target = (await sessionAs(h, ['deepdesk.agent'])).user.id;
    let cases = 0;
    const failures: string[] = [];
    // Reported first: a refused request that acted anyway is the worst finding.
    const changes: string[] = [];
    for (const route of routes) {
      // A fresh session with every role, so a write let through would really act for someone.
      const session = () => sessionAs(h, ['deepdesk.agent', 'deepdesk.manager']);
      const cookieOf = async () => (await session()).jar.header(concrete(route.path));
      const cookie = await cookieOf();
      const all = variants(route.kind);
      const refused = all.filter((v) => verdict(route.kind, v) !== 'allowed');
      const allowed = all.filter((v) => verdict(route.kind, v) === 'allowed');
      const where = (v: Variant, r: Response, code: string) =>
        `${routeKey(route)} [${route.kind}] ${describeVariant(v)}: ${r.status} ${code}`;

      db.mark();
      for (const v of refused) {
        cases++;
        const response = await send(route, v, cookie);
        const code = await errorCode(response).catch(() => '(no error code)');
        const expected = verdict(route.kind, v);
        const ok =
          expected === 'no_credential'
            ? response.status === 401
            : response.status === 403 && code === expected;
        if (!ok) failures.push(`${where(v, response, code)}, expected ${expected}`);
        if (response.headers.getSetCookie().length > 0)
          failures.push(`${where(v, response, code)} set a cookie`);
        // Only the SDK's refusals may be read by the page refused (its exact Origin, never `*`).
        const acao = response.headers.get('access-control-allow-origin');
        if (acao !== null && (route.kind !== 'sdk' || acao !== v.origin))
          failures.push(`${where(v, response, code)} answered Access-Control-Allow-Origin: ${acao}`);
      }
      const touched = changedTables();
      if (touched.length > 0) {
        // Find the culprit: each refused request on its own, with a session of its own.
        for (const v of refused) {
          const own = await cookieOf();
          db.mark();
          const response = await send(route, v, own);
          const tables = changedTables();
          if (tables.length > 0)
            changes.push(`${where(v, response, '')} should be refused and changed ${tables.join(', ')}`);
        }
        changes.push(`${routeKey(route)}: refused requests changed ${touched.join(', ')}`);
      }

      for (const [index, v] of allowed.entries()) {
        cases++;
        if (index === 0) db.mark();
        const response = await send(route, v, cookie);
        const code = response.status >= 400 ? await errorCode(response).catch(() => '') : '';
        if ((GUARD_CODES as readonly string[]).includes(code))
          failures.push(`${where(v, response, code)}, expected to pass the guard`);
        if (index === 0 && ACTS.includes(routeKey(route)) && changedTables().length === 0)
          failures.push(`${where(v, response, code)}: the allowed request changed nothing (fixture broken?)`);
        if (route.kind !== 'sdk' && response.headers.has('access-control-allow-origin'))
          failures.push(`${where(v, response, code)} answered with Access-Control-Allow-Origin`);
      }
    }
    assert.deepEqual(changes.slice(0, 20), [], `${changes.length} state changes`);
    assert.deepEqual(failures.slice(0, 40), [], `${failures.length} failures`);
    assert.ok(cases > 1000, `${cases} cases`);
    console.info(`csrf matrix: ${routes.length} routes, ${cases} requests`);
  }, 60_000);
});

describe('CORS', () => {
  const sdkPaths = [
    ...[...SESSION_SDK_PATHS, ...ATTEMPT_SDK_PATHS, ...EXCHANGE_SDK_PATHS].map((p) => `/t/:tenant/auth${p}`),
    ...[...PLATFORM_JWT_SDK_PATHS, ...API_KEY_SDK_PATHS].map((p) => `/t/:tenant${p}`),
  ];
  const preflight = (path: string, origin: string | undefined) =>
    h.app.request(
      PUBLIC_URL + concrete(path),
      {
        method: 'OPTIONS',
        headers: {
          ...(origin !== undefined && { origin }),
          'access-control-request-method': 'POST',
          'access-control-request-headers': `content-type, ${SDK_HEADER}`,
        },
      },
      socket(),
    );
  const allowHeaders = (response: Response) =>
    [...response.headers.keys()].filter((name) => name.startsWith('access-control-allow-'));

  it("grants the SDK's paths to the tenant's exact origin only, with credentials, never *", async () => {
    assert.ok(sdkPaths.length >= 8, sdkPaths.join(', '));
    for (const path of sdkPaths) {
      const granted = await preflight(path, CX_ORIGIN);
      assert.equal(granted.status, 204, path);
      assert.equal(granted.headers.get('access-control-allow-origin'), CX_ORIGIN, path);
      assert.equal(granted.headers.get('access-control-allow-credentials'), 'true', path);
      assert.match(granted.headers.get('vary') ?? '', /\bOrigin\b/i, path);
      assert.match(granted.headers.get('access-control-allow-headers') ?? '', new RegExp(SDK_HEADER), path);
      for (const origin of [EVIL, 'null', PUBLIC_URL, ...LOOK_ALIKES, undefined]) {
        const refused = await preflight(path, origin);
        assert.deepEqual(allowHeaders(refused), [], `${path} from ${origin}`);
      }
    }
  });

  it("answers the SDK's reads to its origin only, and lets another origin read nothing but the refusal", async () => {
    const { jar } = await sessionAs(h, ['deepdesk.agent']);
    const read = (origin: string) =>
      h.app.request(
        PUBLIC_URL + concrete('/t/:tenant/auth/session'),
        { headers: { origin, cookie: jar.header(`/t/${TENANT}/auth/session`) ?? '' } },
        socket(),
      );
    const granted = await read(CX_ORIGIN);
    assert.equal(granted.status, 200);
    assert.equal(granted.headers.get('access-control-allow-origin'), CX_ORIGIN);
    assert.equal(granted.headers.get('access-control-allow-credentials'), 'true');
    assert.match(granted.headers.get('vary') ?? '', /\bOrigin\b/i);
    for (const origin of [EVIL, ...LOOK_ALIKES]) {
      const refused = await read(origin);
      // The integrator must be able to read why (an echo of a serialised origin), but never the session.
      assert.equal(refused.status, 403, origin);
      assert.equal(await errorCode(refused), 'origin_not_allowed', origin);
      assert.deepEqual(refused.headers.getSetCookie(), [], origin);
      assert.match(refused.headers.get('vary') ?? '', /\bOrigin\b/i, origin);
      const acao = refused.headers.get('access-control-allow-origin');
      assert.ok(acao === null || acao === origin, `${origin}: ${acao}`);
    }
  });

  it('never answers a hosted page, the admin console or SCIM with CORS, whatever the origin', async () => {
    const { jar } = await sessionAs(h, ['deepdesk.manager']);
    const seen = new Set<string>();
    let checked = 0;
    for (const route of h.app.routes) {
      const key = routeKey(route);
      if (route.method === 'ALL' || isWildcard(route.path) || sdkPaths.includes(route.path) || seen.has(key))
        continue;
      seen.add(key);
      const url = PUBLIC_URL + concrete(route.path);
      for (const origin of [CX_ORIGIN, EVIL, 'null']) {
        const asked = await preflight(route.path, origin);
        assert.deepEqual(allowHeaders(asked), [], `OPTIONS ${route.path} from ${origin}`);
        const headers: Record<string, string> = { origin, 'content-type': 'application/json' };
        const cookie = jar.header(concrete(route.path));
        if (cookie) headers.cookie = cookie;
        const body = route.method === 'GET' ? undefined : '{}';
        const response = await h.app.request(url, { method: route.method, headers, body }, socket());
        const acao = response.headers.get('access-control-allow-origin');
        if (PUBLIC_CORS.includes(key)) {
          // Public files: anyone may read them, and no credentials go with them.
          if (acao !== null) assert.equal(acao, '*', key);
          assert.equal(response.headers.get('access-control-allow-credentials'), null, key);
        } else assert.equal(acao, null, `${key} from ${origin}: ${acao}`);
        checked++;
      }
    }
    assert.ok(checked > 100, `${checked}`);
  }, 30_000);
});
