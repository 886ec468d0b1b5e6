import fc from 'fast-check';
import type { App } from '../../app.ts';
import { type Jar, PUBLIC_URL, socket } from '../harness.ts';
import { type BodySpec, bodyArb, bodyFor } from './bodies.ts';
import { REQUEST_TIMEOUT_MS, type RouteSpec } from './budget.ts';
import { type CookiePlan, cookieHeader, cookiesArb, type HeaderEntry, headersArb } from './headers.ts';
import { type Known, queryString, routePath, unknownPath } from './values.ts';

// --- Requests -------------------------------------------------------------------------------------------

export interface FuzzRequest {
  method: string;
  /** Path and query, starting with `/`. */
  path: string;
  /** Which route of the inventory it came from (or `unknown`). */
  route: string;
  headers: HeaderEntry[];
  cookies: CookiePlan[];
  body: BodySpec | undefined;
  ip: string;
}

// Not TRACE or CONNECT: fetch's Request refuses them, so no client of this kind can send them.
export const OTHER_METHODS = [
  'OPTIONS',
  'HEAD',
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'PROPFIND',
  'QUERY',
];

/** A hostile request for one of `inventory`'s routes (mostly with its own method), or for an unknown path. */
export function requestArb(inventory: RouteSpec[], known: Known): fc.Arbitrary<FuzzRequest> {
  // A valid bearer token (SCIM's under /scim/v2) most of the time, so the code past authentication is reached.
  const bearer = (path: string) => {
    const scim = known.bearers.filter((t) => t.startsWith('dgs_'));
    const tokens = path.includes('/scim/v2') && scim.length ? scim : known.bearers;
    return tokens.length
      ? fc.option(
          fc.constantFrom(...tokens).map((t) => `Bearer ${t}`),
          { freq: 4, nil: null },
        )
      : fc.constant(null);
  };
  const target: fc.Arbitrary<[string, string, string, HeaderEntry[], BodySpec | null, string | null]> =
    fc.oneof(
      {
        arbitrary: fc
          .constantFrom(...inventory)
          .chain((route) =>
            fc.tuple(
              fc.oneof(
                { arbitrary: fc.constant(route.method), weight: 8 },
                { arbitrary: fc.constantFrom(...OTHER_METHODS), weight: 1 },
              ),
              routePath(route, known),
              fc.constant(`${route.method} ${route.path}`),
              headersArb(route),
              fc.option(bodyFor(route.path, known), { freq: 5, nil: null }),
              bearer(route.path),
            ),
          ),
        weight: 12,
      },
      {
        arbitrary: fc.tuple(
          fc.constantFrom(...OTHER_METHODS),
          unknownPath,
          fc.constant('unknown'),
          headersArb({ method: 'GET', path: '/' }),
          fc.option(bodyArb(known), { freq: 5, nil: null }),
          bearer(''),
        ),
        weight: 1,
      },
    );
  return fc
    .record({
      target,
      query: queryString(known),
      cookies: cookiesArb,
      ip: fc.constantFrom('192.0.2.1', '198.51.100.7', '::1', '2001:db8::1', ''),
    })
    .map(({ target: [method, path, route, headers, body, bearer], query, cookies, ip }) => ({
      method,
      path: path + query,
      route,
      headers:
        bearer === null
          ? headers
          : [...headers.filter(([name]) => name !== 'authorization'), ['authorization', bearer]],
      cookies,
      // GET and HEAD cannot carry a body (fetch's Request refuses one).
      body: method === 'GET' || method === 'HEAD' ? undefined : (body ?? undefined),
      ip,
    }));
}

/** The Request the app receives; `jar` supplies the session's cookies (its own, then the fuzzed ones). */
export function toRequest(req: FuzzRequest, jar: Jar | undefined, options: { sendJar: boolean }): Request {
  const headers = new Headers();
  for (const [name, value] of req.headers) headers.append(name, byteString(value));
  const cookies = [
    options.sendJar ? jar?.header(new URL(`${PUBLIC_URL}${req.path}`).pathname) : undefined,
    req.cookies.length ? cookieHeader(req.cookies, jar, options.sendJar) : undefined,
  ].filter(Boolean);
  if (cookies.length) headers.set('cookie', byteString(cookies.join('; ')));
  const body = req.body === undefined ? undefined : 'text' in req.body ? req.body.text : req.body.bytes;
  return new Request(`${PUBLIC_URL}${req.path}`, { method: req.method, headers, body });
}

/**
 * What a client can put in a header: fetch refuses CR, LF, NUL and anything above U+00FF, so those go out
 * percent-encoded as UTF-8 (the app still sees a `%` where it expected none).
 */
export function byteString(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/gu, (c) =>
    [...Buffer.from(c)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
  );
}

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  ms: number;
}

/** Sends the request and reads the whole answer, or throws when that takes longer than REQUEST_TIMEOUT_MS. */
export async function send(app: App, request: Request, ip: string): Promise<Answer> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`hang: no answer within ${REQUEST_TIMEOUT_MS} ms`)),
      REQUEST_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      (async () => {
        const response = await app.request(request, undefined, socket(ip));
        const text = await response.text();
        return {
          status: response.status,
          contentType: response.headers.get('content-type') ?? '',
          text,
          ms: performance.now() - started,
        };
      })(),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
