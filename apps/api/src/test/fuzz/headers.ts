import {
  COOKIE_ACCESS,
  COOKIE_REFRESH,
  LEGACY_COOKIE_ACCESS,
  LEGACY_COOKIE_REFRESH,
  SDK_HEADER,
} from '@deskgate/protocol';
import fc from 'fast-check';
import { CX_ORIGIN, type Jar, PUBLIC_URL } from '../harness.ts';
import type { RouteSpec } from './budget.ts';
import { headerText, tokenShaped } from './values.ts';

// --- Headers and cookies --------------------------------------------------------------------------------

export const originValue = fc.oneof(
  { arbitrary: fc.constantFrom(CX_ORIGIN, PUBLIC_URL), weight: 6 },
  {
    arbitrary: fc.constantFrom(
      'null',
      'https://evil.test',
      'http://cx.test',
      'https://cx.test:443',
      'https://CX.TEST',
      'https://cx.test.evil.test',
      'https://auth.test/',
      'file://',
      '',
    ),
    weight: 2,
  },
  { arbitrary: headerText(40), weight: 1 },
);

export const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'application/scim+json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'multipart/form-data',
    'text/plain',
    'text/html',
    'application/octet-stream',
    'application/json; charset=utf-16',
    'application/jsonx',
    '',
  ),
  headerText(30),
);

export type HeaderEntry = [string, string];

/** Each header the app reads, with values mostly plausible, sometimes garbage. */
export const HEADER_VALUES: Record<string, fc.Arbitrary<string>> = {
  origin: originValue,
  'content-type': contentType,
  accept: fc.oneof(
    fc.constantFrom('text/html', 'application/json', '*/*', 'text/html,application/xhtml+xml', 'image/png'),
    headerText(30),
  ),
  'sec-fetch-site': fc.oneof(
    fc.constantFrom('same-origin', 'same-site', 'cross-site', 'none'),
    headerText(10),
  ),
  'sec-fetch-mode': fc.constantFrom('navigate', 'cors', 'no-cors', 'same-origin', 'websocket', 'x'),
  'sec-fetch-dest': fc.constantFrom('document', 'empty', 'iframe', 'x'),
  'sec-fetch-user': fc.constantFrom('?1', '?0', 'x'),
  [SDK_HEADER]: fc.oneof(fc.constantFrom('1', '0', ''), headerText(10)),
  authorization: fc.oneof(
    fc
      .tuple(fc.constantFrom('Bearer ', 'bearer ', 'Bearer  ', 'Basic ', 'Bearer', ''), tokenShaped)
      .map(([scheme, token]) => scheme + token),
    headerText(60),
  ),
  'x-forwarded-for': fc.oneof(
    fc.constantFrom('203.0.113.9', '::1', '203.0.113.9, 10.0.0.1', 'unknown', ''),
    headerText(40),
  ),
  'accept-language': fc.oneof(
    fc.constantFrom('nl', 'en-US,en;q=0.9', 'de;q=x', '*', 'zz-ZZ'),
    headerText(30),
  ),
  'x-request-id': headerText(80),
  'if-match': fc.oneof(fc.constantFrom('W/"1"', '"1"', '*', 'W/'), headerText(20)),
  'if-none-match': fc.oneof(fc.constantFrom('W/"1"', '"x"', '*'), headerText(20)),
  'content-length': fc.oneof(
    fc.constantFrom('0', '-1', '1e3', 'abc', '99999999999999999999', ' 5'),
    fc.nat().map(String),
  ),
  'content-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x'),
  'transfer-encoding': fc.constantFrom('chunked', 'gzip, chunked', 'x'),
};

/**
 * The headers of each kind of client the app serves, so that a request gets past the first checks (CORS, CSRF,
 * content type) often enough for the code behind them to see the fuzzed parts.
 */
export const PROFILES: HeaderEntry[][] = [
  [
    ['origin', CX_ORIGIN],
    [SDK_HEADER, '1'],
    ['content-type', 'application/json'],
    ['accept', 'application/json'],
  ],
  [
    ['accept', 'text/html'],
    ['sec-fetch-site', 'same-origin'],
    ['sec-fetch-mode', 'navigate'],
    ['sec-fetch-dest', 'document'],
    ['sec-fetch-user', '?1'],
  ],
  [
    ['origin', PUBLIC_URL],
    ['sec-fetch-site', 'same-origin'],
    ['content-type', 'application/json'],
    ['accept', 'application/json'],
  ],
  [
    ['origin', PUBLIC_URL],
    ['sec-fetch-site', 'same-origin'],
    ['content-type', 'application/x-www-form-urlencoded'],
    ['accept', 'text/html'],
  ],
  [
    ['content-type', 'application/scim+json'],
    ['accept', 'application/scim+json'],
  ],
  [['content-type', 'application/json']],
  [],
];

/** The profiles that fit a route: the clients that call it (the SDK, a hosted page, the console, SCIM). */
export function profilesFor({
  method,
  path,
  sdk: cross,
}: Omit<RouteSpec, 'sdk'> & { sdk?: boolean }): HeaderEntry[][] {
  const [sdk, page, console, form, scim] = PROFILES as [
    HeaderEntry[],
    HeaderEntry[],
    HeaderEntry[],
    HeaderEntry[],
    HeaderEntry[],
  ];
  if (path.includes('/scim/v2')) return [scim];
  if (path.includes('/admin/api')) return [console];
  if (cross) return [sdk];
  if (method === 'GET') return [page];
  // The hosted pages' own JSON or form posts (the first-party origin).
  return [form, console];
}

/**
 * A client's profile (mostly the one that fits the route) with up to two of its headers dropped and up to
 * three set to fuzzed values.
 */
export const headersArb = (route: Omit<RouteSpec, 'sdk'> & { sdk?: boolean }): fc.Arbitrary<HeaderEntry[]> =>
  fc
    .tuple(
      fc.oneof(
        { arbitrary: fc.constantFrom(...profilesFor(route)), weight: 3 },
        fc.constantFrom(...PROFILES),
      ),
      fc.array(fc.constantFrom(...Object.keys(HEADER_VALUES)), { maxLength: 2 }),
      fc.array(
        fc.oneof(...Object.entries(HEADER_VALUES).map(([name, value]) => fc.tuple(fc.constant(name), value))),
        { maxLength: 3 },
      ),
    )
    .map(([profile, dropped, overrides]) => {
      const headers = new Map(profile.filter(([name]) => !dropped.includes(name)));
      for (const [name, value] of overrides) headers.set(name, value);
      return [...headers];
    });

/** How a cookie's value is made: literal garbage, or the live session's token as it is or mangled. */
export type Mangle = 'as-is' | 'truncate' | 'flip' | 'append' | 'prefix';
export type CookieValue =
  | { kind: 'raw'; text: string }
  | { kind: 'session'; token: 'access' | 'refresh'; mangle: Mangle };

export interface CookiePlan {
  name: string;
  value: CookieValue;
}

export const cookieName = fc.oneof(
  {
    arbitrary: fc.constantFrom(COOKIE_ACCESS, COOKIE_REFRESH, LEGACY_COOKIE_ACCESS, LEGACY_COOKIE_REFRESH),
    weight: 6,
  },
  { arbitrary: fc.constantFrom('__Host-x', 'deskgate_binding', 'dg_bind', '__proto__', ''), weight: 1 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 12 }), weight: 1 },
);

export const cookieValue: fc.Arbitrary<CookieValue> = fc.oneof(
  fc.record({
    kind: fc.constant('session' as const),
    token: fc.constantFrom('access' as const, 'refresh' as const),
    mangle: fc.constantFrom<Mangle>('as-is', 'truncate', 'flip', 'append', 'prefix'),
  }),
  fc.record({
    kind: fc.constant('raw' as const),
    // A cookie value with `;`, `=`, quotes and Latin-1 is still a valid header value.
    text: fc.oneof(tokenShaped, headerText(80), fc.constantFrom('"', '""', '%', '%zz', '=', ';', 'a;b=c')),
  }),
);

export const cookiesArb: fc.Arbitrary<CookiePlan[]> = fc.array(
  fc.record({ name: cookieName, value: cookieValue }),
  {
    maxLength: 3,
  },
);

/** The cookie header of a plan, with the session's tokens taken from `jar` (the raw text when it has none). */
export function cookieHeader(plans: CookiePlan[], jar: Jar | undefined, sessionMangles: boolean): string {
  return plans
    .map(({ name, value }) => {
      if (value.kind === 'raw') return `${name}=${value.text}`;
      const token = jar?.get(value.token === 'access' ? COOKIE_ACCESS : COOKIE_REFRESH) ?? '';
      // The exact refresh token of a shared session would be rotated by one run and replayed by the next,
      // which the app rightly answers by revoking that session: a side effect by design.
      const mangle = value.mangle === 'as-is' && !sessionMangles ? 'flip' : value.mangle;
      return `${name}=${mangleToken(token, mangle)}`;
    })
    .join('; ');
}

export function mangleToken(token: string, mangle: Mangle): string {
  const middle = Math.floor(token.length / 2);
  switch (mangle) {
    case 'as-is':
      return token;
    case 'truncate':
      return token.slice(0, middle);
    case 'flip':
      return `${token.slice(0, middle)}${token[middle] === 'A' ? 'B' : 'A'}${token.slice(middle + 1)}`;
    case 'append':
      return `${token}.x`;
    case 'prefix':
      return `x${token}`;
  }
}
