// Drives the dev IdP's sign-in with plain fetch, so API integration tests need no browser.

export type HeadlessCredentials = { email: string; password: string } | 'cancel';

const MAX_STEPS = 20;

/**
 * Follows an authorization URL through the dev IdP (sign-in form, automatic consent) and returns the
 * redirect back to the relying party: its redirect_uri with code/state/iss, or with error=access_denied
 * after 'cancel'. Rejects when the IdP shows the form again (wrong credentials) or anything unexpected.
 */
export async function loginHeadless(
  authorizationUrl: string,
  credentials: HeadlessCredentials,
): Promise<URL> {
  let url = new URL(authorizationUrl);
  const idpOrigin = url.origin;
  const redirectUri = url.searchParams.get('redirect_uri');
  const jar = new CookieJar();
  let request: { method: 'GET' | 'POST'; body?: URLSearchParams } = { method: 'GET' };
  let submitted = false;

  for (let step = 0; step < MAX_STEPS; step++) {
    const headers: Record<string, string> = {};
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (request.body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, { ...request, headers, redirect: 'manual' });
    jar.store(url, response.headers.getSetCookie());

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      // The relying party's redirect_uri ends the walk; the IdP keeps its cookies to itself.
      if (url.origin !== idpOrigin || (redirectUri && withoutQuery(url) === redirectUri)) return url;
      request = { method: 'GET' };
      continue;
    }

    const html = await response.text();
    const action = /<form[^>]*\bid="login-form"[^>]*\baction="([^"]+)"/.exec(html)?.[1];
    if (response.status !== 200 || !action) {
      throw new Error(
        `dev IdP answered ${response.status} at ${url.pathname}: ${textOf(html).slice(0, 300)}`,
      );
    }
    if (submitted) {
      const message = /id="login-error"[^>]*>([^<]*)</.exec(html)?.[1] ?? 'the sign-in form came back';
      throw new Error(`dev IdP sign-in failed: ${decodeEntities(message)}`);
    }
    submitted = true;
    const body =
      credentials === 'cancel'
        ? new URLSearchParams({ action: 'cancel' })
        : new URLSearchParams({ email: credentials.email, password: credentials.password, action: 'login' });
    url = new URL(decodeEntities(action), url);
    request = { method: 'POST', body };
  }
  throw new Error(`dev IdP sign-in did not reach the relying party within ${MAX_STEPS} steps`);
}

function withoutQuery(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function decodeEntities(value: string): string {
  return value
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}

function textOf(html: string): string {
  return decodeEntities(
    html
      .replace(/<style[\s\S]*?<\/style>/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  expiresAt: number;
}

/**
 * Host-only, path-aware: oidc-provider sets same-named cookies per interaction, scoped by path, and
 * sending the wrong one fails its signature check.
 */
class CookieJar {
  #cookies = new Map<string, StoredCookie>();

  store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const cookie: StoredCookie = {
        name: pair.slice(0, eq).trim(),
        value: pair.slice(eq + 1).trim(),
        path: defaultPath(url),
        expiresAt: Infinity,
      };
      for (const attribute of attributes) {
        const [rawKey = '', ...rest] = attribute.split('=');
        const key = rawKey.trim().toLowerCase();
        const value = rest.join('=').trim();
        if (key === 'path' && value.startsWith('/')) cookie.path = value;
        else if (key === 'max-age') cookie.expiresAt = Date.now() + Number(value) * 1000;
        else if (key === 'expires' && cookie.expiresAt === Infinity) cookie.expiresAt = Date.parse(value);
      }
      const key = `${cookie.name}\0${cookie.path}`;
      if (!(cookie.expiresAt > Date.now())) this.#cookies.delete(key);
      else this.#cookies.set(key, cookie);
    }
  }

  header(url: URL): string {
    const now = Date.now();
    return [...this.#cookies.values()]
      .filter((cookie) => cookie.expiresAt > now && pathMatches(url.pathname, cookie.path))
      .sort((a, b) => b.path.length - a.path.length)
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }
}

function defaultPath(url: URL): string {
  const slash = url.pathname.lastIndexOf('/');
  return slash <= 0 ? '/' : url.pathname.slice(0, slash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}
