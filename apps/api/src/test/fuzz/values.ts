import fc from 'fast-check';
import { CX_ORIGIN, PUBLIC_URL, TENANT } from '../harness.ts';
import { signedJwt } from './bodies.ts';
import type { RouteSpec } from './budget.ts';

// --- Values the fuzzer knows ----------------------------------------------------------------------------

/** Real values the app will recognise, so that fuzzing gets past "not found" now and then. */
export interface Known {
  attemptIds: string[];
  userIds: string[];
  kids: string[];
  /** Bearer tokens that are valid (a SCIM token, an API key); the property may also mangle them. */
  bearers: string[];
  /** The tenant's platform JWT keys (HS256): JWTs with a valid signature over fuzzed claims reach the claims' code. */
  jwtKeys: { kid: string; secret: string }[];
}

/** A byte-string header value (what `Headers` accepts): tab, printable ASCII and Latin-1, no CR, LF or NUL. */
export const headerChar = fc.oneof(
  { arbitrary: fc.integer({ min: 0x20, max: 0x7e }), weight: 20 },
  { arbitrary: fc.integer({ min: 0x80, max: 0xff }), weight: 2 },
  { arbitrary: fc.constant(0x09), weight: 1 },
);
export const headerText = (maxLength = 60) =>
  fc.string({ unit: headerChar.map((n) => String.fromCharCode(n)), maxLength });

/**
 * Long runs of one character. Paths and credentials draw from different characters: the harness's secret scan
 * records every cookie, bearer token and secret field a run sends and fails on finding one in a log line, and
 * the request log rightly prints paths; a path made of the same run as some earlier cookie would be a false leak.
 */
export const longRun = (units: string[]) =>
  fc.tuple(fc.constantFrom(...units), fc.integer({ min: 200, max: 9000 })).map(([unit, n]) => unit.repeat(n));
export const longText = longRun(['A', 'x', '=', '-', '+', 'ü', '\u{1F600}']);
export const longPath = longRun(['a', '%', '.', '/', 'é', '\u{1F4A9}', '%00']);

/** Things shaped like our tokens and other credentials, right or nearly right. */
export const tokenShaped = fc.oneof(
  fc.stringMatching(/^dg[kmrsx]_[a-z0-9]{0,14}_?[A-Za-z0-9_-]{0,50}$/),
  fc.stringMatching(/^rt1\.[A-Za-z0-9_.-]{0,80}$/),
  // JWT-shaped: three base64url parts, sometimes with a JSON header that names an algorithm.
  fc
    .tuple(
      fc.oneof(
        fc.base64String(),
        fc.constantFrom(
          b64url({ alg: 'none' }),
          b64url({ alg: 'RS256', kid: 'x' }),
          b64url({ alg: 'HS256' }),
          b64url({ alg: 'ES256', kid: '../../etc' }),
          b64url([]),
          b64url('x'),
        ),
      ),
      fc.oneof(
        fc.base64String(),
        fc.jsonValue().map(b64url),
        fc.constantFrom(b64url({ sub: 'a', iss: PUBLIC_URL, exp: 1e12 }), b64url({ exp: 'soon' })),
      ),
      fc.base64String(),
    )
    .map((parts) => parts.join('.').replace(/=/g, '')),
  fc.constantFrom('', '.', '..', 'null', 'undefined', '[object Object]', 'Bearer', '%00', '\t'),
  headerText(120),
  longText,
);

export function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Path segments that are not what the route expects. */
export const garbageSegment = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '%00',
    '%',
    '%zz',
    '%E0%A4%A',
    '%C0%AE',
    '%2F',
    '%5C..',
    '%20',
    '-',
    '__proto__',
    'constructor',
    'null',
    'ACME',
    'acme%00',
    'acme.',
    ' acme',
    'globex',
    'a'.repeat(300),
    '0',
    '-1',
    '1e309',
  ),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 10 }).map(encodeURIComponent),
  // Raw: the URL parser sees what a client typed (a `?` or `#` ends the path early, which is fine).
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }),
  longPath.map(encodeURIComponent),
  longPath,
  // Our token formats without their secret part (a whole token in a path would be logged: see longRun).
  fc.stringMatching(/^dg[kmrsx]_[a-z0-9]{0,11}$/),
);

export function paramValue(name: string, known: Known): fc.Arbitrary<string> {
  const valid: fc.Arbitrary<string>[] = [];
  if (name === 'tenant') valid.push(fc.constant(TENANT));
  if (name === 'id') {
    valid.push(fc.constantFrom(...known.attemptIds, ...known.userIds), fc.uuid());
  }
  if (name === 'kid' && known.kids.length) valid.push(fc.constantFrom(...known.kids));
  if (name === 'kid') valid.push(fc.stringMatching(/^[a-z0-9]{12}$/));
  if (name === 'file')
    valid.push(fc.constantFrom('deskgate.js', 'manifest.json', 'index.css', 'swagger-ui.css'));
  if (name === 'name') valid.push(fc.constantFrom('User', 'Group', 'user'));
  // The tenant is right more often: a wrong one stops every request at tenant_not_found.
  return valid.length
    ? fc.oneof(
        { arbitrary: fc.oneof(...valid), weight: name === 'tenant' ? 12 : 4 },
        { arbitrary: garbageSegment, weight: 1 },
      )
    : garbageSegment;
}

export const QUERY_KEYS = [
  'locale',
  'attempt',
  'return',
  'redirect',
  'state',
  'code',
  'iss',
  'error',
  'error_description',
  'token',
  'jwt',
  'session',
  'filter',
  'startIndex',
  'count',
  'excludedAttributes',
  'attributes',
  'limit',
  'since',
  'type',
  'status',
  'q',
  'cursor',
  '__proto__',
];

// Not longPath: a `state` or `code` is a secret to the harness's scan (see longRun).
export const queryValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('en', 'nl', 'de-DE', 'xx', '', '0', '-1', '1e9', 'NaN', 'true', CX_ORIGIN, PUBLIC_URL),
  // Past the edges of Date and of safe integers (a `since`, a `count`, a `startIndex`).
  fc.constantFrom(
    '1e300',
    '8640000000000001',
    '-8640000000000001',
    '9007199254740993',
    '+275760-09-13T00:00:00.001Z',
  ),
  fc.constantFrom(
    'https://evil.test/',
    '//evil.test',
    'javascript:alert(1)',
    '/\\evil.test',
    'userName eq "a"',
  ),
  fc.constantFrom('userName eq "x" or (', 'emails[type eq "work"].value co "@"', 'meta.lastModified gt "x"'),
  tokenShaped,
  longText,
);

/**
 * Query names the harness's secret scan treats as secrets: their values are never public strings (a URL, a SCIM
 * filter) that an error body may rightly quote, or the scan would report a leak that is none.
 */
export const SECRET_QUERY_KEYS = [
  'code',
  'state',
  'token',
  'jwt',
  'session',
  'access_token',
  'id_token',
  'key',
];

/** A query parameter: a name the app reads with a plausible value, or anything. */
export const queryPair = (known: Known) =>
  fc.oneof(
    {
      arbitrary: fc.tuple(
        fc.constantFrom('attempt', 'locale', 'return'),
        fc.constantFrom(...known.attemptIds, 'en-US', 'nl-NL', `${CX_ORIGIN}/case/1`, `/t/${TENANT}/me`),
      ),
      weight: 2,
    },
    {
      arbitrary: fc.tuple(
        fc.constantFrom(...SECRET_QUERY_KEYS),
        // Signed JWTs too: the remote-login callback takes its token in `jwt`.
        fc.oneof(
          tokenShaped,
          fc.string({ maxLength: 15 }),
          ...(known.jwtKeys.length ? [signedJwt(known.jwtKeys)] : []),
        ),
      ),
      weight: 1,
    },
    {
      arbitrary: fc.tuple(
        fc.oneof(
          {
            arbitrary: fc.constantFrom(...QUERY_KEYS.filter((k) => !SECRET_QUERY_KEYS.includes(k))),
            weight: 4,
          },
          fc.string({ maxLength: 10 }).filter((k) => !SECRET_QUERY_KEYS.includes(k.toLowerCase())),
        ),
        queryValue,
      ),
      weight: 3,
    },
  );

export const queryString = (known: Known) =>
  fc.oneof(
    { arbitrary: fc.constant(''), weight: 3 },
    {
      arbitrary: fc
        .array(
          fc.tuple(queryPair(known), fc.boolean()).map(([[k, v], raw]) => [k, v, raw] as const),
          { minLength: 1, maxLength: 4 },
        )
        // Mostly encoded; sometimes raw, with stray `%` and `&` as a careless client would send.
        .map(
          (pairs) =>
            `?${pairs.map(([k, v, raw]) => (raw ? `${k}=${v}` : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join('&')}`,
        ),
      weight: 3,
    },
    {
      arbitrary: fc.constantFrom('?', '?&&', '?=', '?%', '?locale', '?a=%zz', '?locale=en&locale=nl'),
      weight: 1,
    },
  );

/** A route's path with its params filled in, valid or not. */
export function routePath(route: RouteSpec, known: Known): fc.Arbitrary<string> {
  const parts = route.path
    .split('/')
    .map((part) => (part.startsWith(':') ? paramValue(part.slice(1), known) : fc.constant(part)));
  return fc.tuple(...parts).map((segments) => segments.join('/'));
}

/** Paths no route declares, under each prefix that has catch-alls or middleware of its own. */
export const unknownPath = fc
  .tuple(
    fc.constantFrom(
      '',
      `/t/${TENANT}`,
      `/t/${TENANT}/auth`,
      `/t/${TENANT}/admin/api`,
      `/t/${TENANT}/scim/v2`,
      '/t/nope/auth',
      '/t',
      '/admin/assets',
      '/assets',
      '/sdk',
      '/.well-known',
    ),
    fc.array(garbageSegment, { minLength: 0, maxLength: 4 }),
    fc.boolean(),
  )
  .map(([prefix, segments, slash]) => `${prefix}/${segments.join('/')}${slash ? '/' : ''}`);
