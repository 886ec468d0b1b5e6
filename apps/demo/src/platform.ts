// The demo platform backend: the part of a CX platform (Deskpro, Messenger, Tracebuzz) that already knows its
// agent and vouches for them to deskgate with a JWT it signs (docs/platform-jwt.md). Two endpoints:
//
//   GET /platform/token                  a session-profile token for signedUserInfo (text/plain)
//   GET /platform/remote-login?return=…  the platform's own login page of remote login: "you are signed in"
//                                        and a link back to deskgate with `jwt=<one-time token>`
//
// A real platform signs only for its own signed-in agent; this one always signs for the same demo agent.
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from './page.ts';

/** A key the tenant gave the platform (`jwt-key create`, or the seed's `jwtKeys`). */
export interface PlatformKey {
  kid: string;
  secret: string;
}

export interface PlatformSettings {
  /** Signs /platform/token (the tenant's session profile, preset messenger). */
  session?: PlatformKey | undefined;
  /** Signs the remote-login page's token (the tenant's one-time profile, preset deskpro). */
  oneTime?: PlatformKey | undefined;
  /**
   * The platform's clock in milliseconds, for `iat` and `exp`. @default Date.now. The e2e suite passes the
   * API's test clock, which its specs move forward.
   */
  now?: (() => number | Promise<number>) | undefined;
}

/** Who the demo platform says is signed in. */
export const PLATFORM_AGENT = {
  id: 'demo-agent-1',
  email: 'platform.agent@demo.test',
  name: 'Platform Agent',
} as const;
export const PLATFORM_NAME = 'Acme platform';
const SESSION_TOKEN_SECONDS = 600;
const ONE_TIME_TOKEN_SECONDS = 120;

/** The remote-login page's policy: no script at all, its one stylesheet, and links only. */
export const PLATFORM_PAGE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** An HS256 JWT with `kid` in its header, signed with the UTF-8 bytes of the secret (as jose signs). */
export function signJwt(claims: Record<string, unknown>, key: PlatformKey): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${part(claims)}`;
  return `${input}.${createHmac('sha256', key.secret).update(input).digest('base64url')}`;
}

/** Messenger's signedUserInfo claims (session profile, preset messenger). */
export function sessionToken(key: PlatformKey, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const { id, email, name } = PLATFORM_AGENT;
  return signJwt({ deskpro_id: id, email, name, iat, exp: iat + SESSION_TOKEN_SECONDS }, key);
}

/** Deskpro's remote-login claims (one-time profile, preset deskpro): single use by its jti. */
export function oneTimeToken(key: PlatformKey, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const { id, email, name } = PLATFORM_AGENT;
  return signJwt({ id, email, name, iat, exp: iat + ONE_TIME_TOKEN_SECONDS, jti: randomUUID() }, key);
}

/**
 * The `return` URL remote login gives the platform, if the platform may send the browser there: an absolute
 * http(s) URL under the deskgate API's URL (this platform sends browsers back to deskgate only).
 */
export function pickReturnUrl(value: string | null, apiUrl: string): URL | undefined {
  if (!value) return undefined;
  let target: URL;
  try {
    target = new URL(value);
  } catch {
    return undefined;
  }
  const api = new URL(apiUrl);
  const base = api.pathname.replace(/\/*$/, '/');
  const under =
    /^https?:$/.test(target.protocol) &&
    target.origin === api.origin &&
    !target.username &&
    !target.password &&
    target.pathname.startsWith(base);
  return under ? target : undefined;
}

function platformPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/platform.css">
</head>
<body>
<main>
<h1>${escapeHtml(PLATFORM_NAME)}</h1>
${body}
</main>
</body>
</html>
`;
}

/** The remote-login page: the agent is signed in here already, so it only links back with a fresh token. */
export function remoteLoginPage(back: URL, token: string): string {
  const target = new URL(back);
  target.searchParams.set('jwt', token);
  return platformPage(
    `${PLATFORM_NAME}: signed in`,
    `<p>${escapeHtml(PLATFORM_NAME)}: you are signed in as <strong>${escapeHtml(PLATFORM_AGENT.name)}</strong> (${escapeHtml(PLATFORM_AGENT.email)}).</p>
<p>Continue to let ${escapeHtml(PLATFORM_NAME)} sign you in to the agent assist too.</p>
<p><a class="button" href="${escapeHtml(target.href)}">Continue</a></p>`,
  );
}

/**
 * The demo platform backend as a middleware of the demo server: answers /platform/* and returns true, or
 * returns false for every other path. Without settings (or without the key an endpoint signs with) it
 * answers 404, as a CX platform that has not set up deskgate would.
 */
export function platformBackend(
  settings: PlatformSettings | undefined,
  apiUrl: string,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const now = settings?.now ?? Date.now;
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    if (url.pathname !== '/platform' && !url.pathname.startsWith('/platform/')) return false;
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    };
    const text = (status: number, body: string) => send(status, 'text/plain; charset=utf-8', `${body}\n`);

    const clock = async () => {
      try {
        return await now();
      } catch (error) {
        text(500, `demo platform: no clock (${error instanceof Error ? error.message : String(error)})`);
        return undefined;
      }
    };

    // A real platform answers only for its own signed-in agent (its session cookie); the demo's always is.
    if (url.pathname === '/platform/token' && settings?.session) {
      const nowMs = await clock();
      return (
        nowMs === undefined || send(200, 'text/plain; charset=utf-8', sessionToken(settings.session, nowMs))
      );
    }

    if (url.pathname === '/platform/remote-login' && settings?.oneTime) {
      const back = pickReturnUrl(url.searchParams.get('return'), apiUrl);
      if (!back)
        return text(400, `return must be an absolute http(s) URL under the deskgate API (${apiUrl})`);
      const nowMs = await clock();
      if (nowMs === undefined) return true;
      const html = remoteLoginPage(back, oneTimeToken(settings.oneTime, nowMs));
      return send(200, 'text/html; charset=utf-8', html, {
        'content-security-policy': PLATFORM_PAGE_CSP,
        // The link carries a token: no page it leads to learns this page's address.
        'referrer-policy': 'no-referrer',
      });
    }
    return text(404, 'Not found');
  };
}

/**
 * The keys a seed file gives `tenant` (its `jwtKeys`), as the demo platform signs with them; undefined when
 * the file, the tenant or its keys are missing.
 */
export function platformKeysFromSeed(file: string, tenant: string): PlatformSettings | undefined {
  let seed: { tenants?: { code?: string; jwtKeys?: { kid: string; profile: string; secret: string }[] }[] };
  try {
    seed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const keys = seed.tenants?.find((t) => t.code === tenant)?.jwtKeys ?? [];
  const of = (profile: string) => {
    const key = keys.find((k) => k.profile === profile);
    return key && { kid: key.kid, secret: key.secret };
  };
  const session = of('session');
  const oneTime = of('one-time');
  return session || oneTime ? { session, oneTime } : undefined;
}
