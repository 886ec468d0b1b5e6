import { SDK_HEADER, type SessionInfo } from '@deskgate/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { channelName, createInstance, type Environment } from './deskgate.ts';
import { eventProblems } from './options.ts';
import type { LockManagerLike } from './refresh.ts';
import type { DeskgateOptions, OverlayContext, OverlayModule } from './types.ts';

const API = 'http://127.0.0.1:8787';
const session = (id = 'u1'): SessionInfo => ({
  tenant: 'demo',
  user: { id, email: null, name: null, roles: ['deepdesk.agent'], confirmed: true, identity: null },
  accessExpiresAt: '2030-01-01T00:15:00Z',
  sessionExpiresAt: '2030-01-02T00:00:00Z',
});
const json = (status: number, body: unknown) =>
  status === 204 ? new Response(null, { status }) : new Response(JSON.stringify(body), { status });
const unauthorized = (code: string) => json(401, { error: { code, message: code } });
/** What GET refresh/status answers a browser with no deskgate cookies at all. */
const signedOut = () => json(200, { session: null, refreshable: false });
/** 429 rate_limited with `Retry-After: {seconds}`. */
const rateLimited = (seconds: number) =>
  new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'Too many requests' } }), {
    status: 429,
    headers: { 'retry-after': String(seconds) },
  });

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

type Handler = (request: Request) => Response | Promise<Response>;

const SESSION = 'GET /t/demo/auth/session';
const STATUS = 'GET /t/demo/auth/refresh/status';
const REFRESH = 'POST /t/demo/auth/refresh';

/**
 * The API's status probe, as the real one derives it from the session: 200 with the session, or 200 with
 * none and whether a refresh cookie was sent (here: whether the fake has a refresh route); other errors as is.
 */
function statusFrom(routes: Record<string, Handler>): Handler {
  return async (request) => {
    const response = await routes[SESSION]!(request);
    if (response.status === 200) return json(200, { session: await response.json(), refreshable: true });
    if (response.status === 401) return json(200, { session: null, refreshable: REFRESH in routes });
    return response;
  };
}

/** A fake API keyed by "METHOD /path"; records every request as a Request. */
function setup(
  routes: Record<string, Handler>,
  options: Partial<DeskgateOptions> = {},
  locks?: LockManagerLike,
  environment: Partial<Environment> = {},
  problems?: string[],
) {
  const requests: Request[] = [];
  if (routes[SESSION] && !routes[STATUS]) routes = { ...routes, [STATUS]: statusFrom(routes) };
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    requests.push(request);
    const url = new URL(request.url);
    const handler = routes[`${request.method} ${url.pathname}`];
    return handler ? handler(request) : json(404, { error: { code: 'not_found', message: 'no route' } });
  };
  const events = new EventTarget();
  const windowEvents: { type: string; detail: unknown }[] = [];
  for (const type of ['deskgate:ready', 'deskgate:signed-out', 'deskgate:error']) {
    events.addEventListener(type, (e) => windowEvents.push({ type, detail: (e as CustomEvent).detail }));
  }
  const mounts: OverlayContext[] = [];
  let destroyed = 0;
  let loads = 0;
  const overlayModule: OverlayModule = {
    mountOverlay(context) {
      mounts.push(context);
      return {
        destroy() {
          destroyed++;
        },
      };
    },
  };
  const loadOverlay = async () => {
    loads++;
    return overlayModule;
  };
  const deskgate = createInstance(
    { tenant: 'demo', apiUrl: API, ...options },
    loadOverlay,
    {
      fetch,
      events,
      locks,
      ...environment,
    },
    problems,
    () => import('./exchange.ts'),
  );
  return {
    deskgate,
    requests,
    windowEvents,
    mounts,
    get overlayDestroyed() {
      return destroyed;
    },
    get overlayLoads() {
      return loads;
    },
    calls: (key: string) => requests.filter((r) => `${r.method} ${new URL(r.url).pathname}` === key).length,
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('createInstance: options', () => {
  it('throws a TypeError for an invalid tenant code or a missing apiUrl', () => {
    expect(() => setup({}, { tenant: 'A!' })).toThrow(TypeError);
    expect(() => setup({}, { apiUrl: undefined as unknown as string })).toThrow(TypeError);
  });

  it('reports a bad events entry as invalid_option (console, and an error event that on() right after creation hears) and ignores it', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const events = { signedIn: () => {}, ready: 'log' } as unknown as DeskgateOptions['events'];
    const t = setup({ 'GET /t/demo/auth/session': () => json(200, session()) }, { events }, undefined, {}, [
      ...eventProblems(events),
    ]);
    const errors: unknown[] = [];
    t.deskgate.on('error', (e) => errors.push(e));
    await settle();
    const messages = [
      'Invalid option events.signedIn: not a function for ready, signed-out or error; it is ignored.',
      'Invalid option events.ready: not a function for ready, signed-out or error; it is ignored.',
    ];
    expect(errors).toStrictEqual(messages.map((message) => ({ code: 'invalid_option', message })));
    expect(consoleError.mock.calls).toStrictEqual(messages.map((message) => [`deskgate: ${message}`]));
    expect(await t.deskgate.login()).toStrictEqual(session());
  });
});

describe('a bad anchor, with the real overlay chunk', () => {
  it('reports invalid_option, still shows the overlay at the bottom right, and login() resolves', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const errors: unknown[] = [];
    const deskgate = createInstance(
      { tenant: 'demo', apiUrl: API, anchor: '##bad', events: { error: (e) => errors.push(e) } },
      () => import('./overlay/index.ts'),
      { fetch: async () => signedOut(), events: new EventTarget(), locks: undefined },
    );
    try {
      expect(await deskgate.login()).toBe(null);
      const message =
        'Invalid option anchor "##bad": not a valid CSS selector; the sign-in overlay is shown at the bottom right.';
      expect(errors).toStrictEqual([{ code: 'invalid_option', message }]);
      expect(consoleError).toHaveBeenCalledWith(`deskgate: ${message}`);
      const host = document.querySelector('[data-deskgate-overlay]')!;
      expect(host.shadowRoot!.querySelector('button')!.textContent).toBe('Sign in to Deepdesk');
      const box = host.getBoundingClientRect();
      expect(box.right).toBeCloseTo(innerWidth - 16, 0);
      expect(box.bottom).toBeLessThanOrEqual(innerHeight - 16);
    } finally {
      deskgate.destroy();
    }
    await settle();
    expect(document.querySelector('[data-deskgate-overlay]')).toBeNull();
  });

  it('reports an overlay that fails to start as overlay_load_failed, and login() still resolves', async () => {
    const errors: unknown[] = [];
    const deskgate = createInstance(
      { tenant: 'demo', apiUrl: API, events: { error: (e) => errors.push(e) } },
      async () => ({
        mountOverlay() {
          throw new Error('boom');
        },
      }),
      { fetch: async () => signedOut(), events: new EventTarget(), locks: undefined },
    );
    expect(await deskgate.login()).toBe(null);
    expect(errors).toStrictEqual([{ code: 'overlay_load_failed', message: 'Error: boom' }]);
  });
});

describe('login', () => {
  it('resolves the session from GET session, emits ready, and never loads the overlay', async () => {
    const t = setup({ 'GET /t/demo/auth/session': () => json(200, session()) });
    const ready: SessionInfo[] = [];
    t.deskgate.on('ready', (s) => ready.push(s));
    expect(await t.deskgate.login()).toStrictEqual(session());
    expect(t.deskgate.session).toStrictEqual(session());
    expect(ready).toStrictEqual([session()]);
    expect(t.windowEvents).toStrictEqual([{ type: 'deskgate:ready', detail: session() }]);
    expect(t.overlayLoads).toBe(0);
    expect(t.requests[0]!.credentials).toBe('include');
  });

  it('refreshes when the session is missing, and resolves the refreshed session without the overlay', async () => {
    const t = setup({
      'GET /t/demo/auth/session': () => unauthorized('session_expired'),
      'POST /t/demo/auth/refresh': () => json(200, session('refreshed')),
    });
    expect((await t.deskgate.login())?.user.id).toBe('refreshed');
    expect(t.overlayLoads).toBe(0);
    const refresh = t.requests.find((r) => r.method === 'POST')!;
    expect(refresh.headers.get(SDK_HEADER)).toBe('1');
    expect(refresh.headers.get('content-type')).toBe('application/json');
    expect(refresh.credentials).toBe('include');
  });

  it('re-probes the session inside the cross-tab lock before refreshing', async () => {
    const names: string[] = [];
    const locks: LockManagerLike = {
      request: (name, callback) => {
        names.push(name);
        return callback();
      },
    };
    let probes = 0;
    const t = setup(
      {
        'GET /t/demo/auth/session': () =>
          ++probes === 1 ? unauthorized('session_expired') : json(200, session('other-tab')),
        'POST /t/demo/auth/refresh': () => json(200, session('refreshed')),
      },
      {},
      locks,
    );
    expect((await t.deskgate.login())?.user.id).toBe('other-tab');
    expect(names).toStrictEqual(['deskgate-refresh:demo']);
    expect(t.calls('POST /t/demo/auth/refresh')).toBe(0);
  });

  it('shows the overlay only when both the session and the refresh fail, and resolves null', async () => {
    const t = setup(
      {
        'GET /t/demo/auth/session': () => unauthorized('session_missing'),
        'POST /t/demo/auth/refresh': () => unauthorized('refresh_missing'),
      },
      { anchor: '#composer', locale: 'nl-NL', productName: 'Acme' },
    );
    expect(await t.deskgate.login()).toBe(null);
    expect(t.mounts.length).toBe(1);
    const context = t.mounts[0]!;
    expect(context.tenant).toBe('demo');
    expect(context.apiUrl).toBe(API);
    expect(context.apiOrigin).toBe(API);
    expect(context.anchor).toBe('#composer');
    expect(context.locale).toBe('nl-NL');
    expect(context.productName).toBe('Acme');
    expect(t.windowEvents, 'never signed in, so no signed-out').toStrictEqual([]);
  });

  /** 503 store_unavailable: the API's database is down for a moment. */
  const storeDown = () =>
    new Response(JSON.stringify({ error: { code: 'store_unavailable', message: 'Try again shortly' } }), {
      status: 503,
      headers: { 'retry-after': '5' },
    });
  it.each([
    ['429 rate_limited', () => rateLimited(30), { code: 'rate_limited', message: 'Too many requests' }],
    ['503 store_unavailable', storeDown, { code: 'store_unavailable', message: 'Try again shortly' }],
  ])(
    'keeps a known session when the API answers %s: reports it, no signed-out, no overlay',
    async (_, answer, detail) => {
      let limited = false;
      const t = setup({
        'GET /t/demo/auth/session': () => (limited ? answer() : json(200, session())),
        'POST /t/demo/auth/refresh': () => json(200, session('refreshed')),
      });
      await t.deskgate.login();
      limited = true;
      expect(await t.deskgate.login()).toStrictEqual(session());
      await settle();
      expect(t.deskgate.session).toStrictEqual(session());
      expect(t.windowEvents.map((e) => e.type)).toStrictEqual(['deskgate:ready', 'deskgate:error']);
      expect(t.windowEvents[1]!.detail).toStrictEqual(detail);
      expect(t.calls('POST /t/demo/auth/refresh'), 'not a missing session').toBe(0);
      expect(t.overlayLoads).toBe(0);
    },
  );

  it('shares one run between concurrent calls', async () => {
    const t = setup({ 'GET /t/demo/auth/session': () => json(200, session()) });
    await Promise.all([t.deskgate.login(), t.deskgate.login()]);
    expect(t.calls(STATUS)).toBe(1);
  });

  it('emits a network_error and shows the overlay with it (which says what to check) when the API is unreachable', async () => {
    const t = setup({
      'GET /t/demo/auth/session': () => {
        throw new TypeError('Failed to fetch');
      },
    });
    expect(await t.deskgate.login()).toBe(null);
    expect(t.windowEvents).toStrictEqual([
      { type: 'deskgate:error', detail: { code: 'network_error', message: 'Failed to fetch' } },
    ]);
    expect(t.mounts.length).toBe(1);
    expect(t.mounts[0]!.problem).toStrictEqual({ code: 'network_error', message: 'Failed to fetch' });
  });

  it('asks one question on a signed-out page load: no refresh without a refresh cookie, and no failed request', async () => {
    const t = setup({
      [STATUS]: () => signedOut(),
      [REFRESH]: () => unauthorized('refresh_missing'),
    });
    expect(await t.deskgate.login()).toBe(null);
    expect(t.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toStrictEqual([STATUS]);
    expect(t.mounts.length).toBe(1);
  });

  it('emits overlay_load_failed when the overlay chunk cannot be loaded', async () => {
    const errors: unknown[] = [];
    const deskgate = createInstance(
      { tenant: 'demo', apiUrl: API, events: { error: (e) => errors.push(e.code) } },
      () => Promise.reject(new TypeError('Failed to fetch dynamically imported module')),
      { fetch: async () => signedOut(), events: new EventTarget(), locks: undefined },
    );
    expect(await deskgate.login()).toBe(null);
    expect(errors).toStrictEqual(['overlay_load_failed']);
  });
});

describe('login: a page that is not set up for the tenant', () => {
  const refusal = (status: number, code: string, message: string) => () =>
    json(status, { error: { code, message } });
  const NOT_ALLOWED = `The origin ${location.origin} may not use tenant "demo": it is not one of the tenant's allowed origins, or there is no such tenant`;

  it('origin_not_allowed: an error event with the API message, and the overlay gets it (no refresh tried)', async () => {
    const t = setup({
      [STATUS]: refusal(403, 'origin_not_allowed', NOT_ALLOWED),
      [REFRESH]: () => json(200, session()),
    });
    expect(await t.deskgate.login()).toBe(null);
    expect(t.windowEvents).toStrictEqual([
      { type: 'deskgate:error', detail: { code: 'origin_not_allowed', message: NOT_ALLOWED } },
    ]);
    expect(t.mounts.length).toBe(1);
    expect(t.mounts[0]!.problem).toStrictEqual({ code: 'origin_not_allowed', message: NOT_ALLOWED });
    expect(t.calls(REFRESH), 'nothing else is tried').toBe(0);
  });

  it('tenant_not_found likewise', async () => {
    const t = setup({ [STATUS]: refusal(404, 'tenant_not_found', 'There is no tenant "demo"') });
    expect(await t.deskgate.login()).toBe(null);
    expect(t.windowEvents.map((e) => e.detail)).toStrictEqual([
      { code: 'tenant_not_found', message: 'There is no tenant "demo"' },
    ]);
    expect(t.mounts[0]!.problem?.code).toBe('tenant_not_found');
  });

  it('a tenant that takes only platform tokens, on a page without signedUserInfo: signed_user_info_required', async () => {
    const t = setup({
      [STATUS]: () => json(200, { session: null, refreshable: false, signedUserInfoRequired: true }),
    });
    expect(await t.deskgate.login()).toBe(null);
    expect(t.windowEvents.map((e) => (e.detail as { code: string }).code)).toStrictEqual([
      'signed_user_info_required',
    ]);
    expect(t.mounts[0]!.problem?.code).toBe('signed_user_info_required');
  });

  it('mounts the overlay afresh once a later login() finds the page set up', async () => {
    let allowed = false;
    const t = setup({
      [STATUS]: () => (allowed ? signedOut() : refusal(403, 'origin_not_allowed', NOT_ALLOWED)()),
    });
    await t.deskgate.login();
    allowed = true;
    await t.deskgate.login();
    expect(t.overlayDestroyed).toBe(1);
    expect(t.mounts.map((m) => m.problem?.code)).toStrictEqual(['origin_not_allowed', undefined]);
  });
});

describe('sign-in through the overlay', () => {
  it('removes the overlay, sets the session and emits ready when the overlay reports signed_in', async () => {
    const t = setup({
      'GET /t/demo/auth/session': () => unauthorized('session_missing'),
      'POST /t/demo/auth/refresh': () => unauthorized('refresh_missing'),
    });
    await t.deskgate.login();
    t.mounts[0]!.onSignedIn(session());
    await settle();
    expect(t.overlayDestroyed).toBe(1);
    expect(t.deskgate.session).toStrictEqual(session());
    expect(t.windowEvents).toStrictEqual([{ type: 'deskgate:ready', detail: session() }]);
  });

  it('forwards overlay errors as error events', async () => {
    const t = setup({
      'GET /t/demo/auth/session': () => unauthorized('session_missing'),
      'POST /t/demo/auth/refresh': () => unauthorized('refresh_missing'),
    });
    await t.deskgate.login();
    t.mounts[0]!.onError({ code: 'attempt_expired', message: 'expired' });
    expect(t.windowEvents.at(-1)).toStrictEqual({
      type: 'deskgate:error',
      detail: { code: 'attempt_expired', message: 'expired' },
    });
  });
});

describe('fetch', () => {
  it('sends credentials and the SDK header, and resolves a /path against apiUrl', async () => {
    const t = setup({ 'GET /t/demo/api/thing': () => json(200, { ok: true }) });
    const response = await t.deskgate.fetch('/t/demo/api/thing', { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    const [request] = t.requests;
    expect(request!.url).toBe(`${API}/t/demo/api/thing`);
    expect(request!.credentials).toBe('include');
    expect(request!.headers.get(SDK_HEADER)).toBe('1');
    expect(request!.headers.get('accept')).toBe('application/json');
  });

  it('on 401 refreshes once and retries the request once, with its body', async () => {
    let attempts = 0;
    const bodies: string[] = [];
    const t = setup({
      'POST /t/demo/api/thing': async (request) => {
        bodies.push(await request.text());
        return ++attempts === 1 ? unauthorized('session_expired') : json(200, { ok: true });
      },
      'POST /t/demo/auth/refresh': () => json(200, session()),
    });
    const response = await t.deskgate.fetch(`${API}/t/demo/api/thing`, { method: 'POST', body: '{"a":1}' });
    expect(response.status).toBe(200);
    expect(bodies).toStrictEqual(['{"a":1}', '{"a":1}']);
    expect(t.calls('POST /t/demo/auth/refresh')).toBe(1);
    expect(t.deskgate.session).toStrictEqual(session());
  });

  it('refreshes once for many concurrent 401s in a tab', async () => {
    let refreshed = false;
    const t = setup({
      'GET /t/demo/api/thing': () => (refreshed ? json(200, {}) : unauthorized('session_expired')),
      'POST /t/demo/auth/refresh': async () => {
        await new Promise((r) => setTimeout(r, 10));
        refreshed = true;
        return json(200, session());
      },
    });
    const responses = await Promise.all([1, 2, 3, 4].map(() => t.deskgate.fetch('/t/demo/api/thing')));
    expect(responses.map((r) => r.status)).toStrictEqual([200, 200, 200, 200]);
    expect(t.calls('POST /t/demo/auth/refresh')).toBe(1);
  });

  it('does not retry a second time when the retry is 401 too', async () => {
    const t = setup({
      'GET /t/demo/api/thing': () => unauthorized('session_invalid'),
      'POST /t/demo/auth/refresh': () => json(200, session()),
    });
    expect((await t.deskgate.fetch('/t/demo/api/thing')).status).toBe(401);
    expect(t.calls('GET /t/demo/api/thing')).toBe(2);
  });

  it('when the refresh fails: returns the 401, clears the session, emits signed-out and shows the overlay', async () => {
    let signedIn = true;
    const t = setup({
      'GET /t/demo/auth/session': () => (signedIn ? json(200, session()) : unauthorized('session_expired')),
      'GET /t/demo/api/thing': () => unauthorized('session_expired'),
      'POST /t/demo/auth/refresh': () => unauthorized('refresh_reused'),
    });
    await t.deskgate.login();
    signedIn = false;
    const response = await t.deskgate.fetch('/t/demo/api/thing');
    await settle();
    expect(response.status).toBe(401);
    expect(t.deskgate.session).toBe(null);
    expect(t.windowEvents.map((e) => e.type)).toStrictEqual(['deskgate:ready', 'deskgate:signed-out']);
    expect(t.mounts.length).toBe(1);
  });
});

describe('fetch: a request the browser refuses', () => {
  // What the browser does with a URL on the API that has no CORS for this page (such as /openapi.json, whose
  // `Access-Control-Allow-Origin: *` does not allow credentials), offline, or blocked by connect-src.
  const refused = () => {
    throw new TypeError('Failed to fetch');
  };

  it('rejects with the TypeError as before, and emits network_error naming the URL without its query', async () => {
    const t = setup({ 'GET /openapi.json': refused });
    const rejection = t.deskgate.fetch('/openapi.json?token=s3cret#part');
    await expect(rejection).rejects.toThrow(new TypeError('Failed to fetch'));
    expect(t.windowEvents).toStrictEqual([
      {
        type: 'deskgate:error',
        detail: { code: 'network_error', message: `GET ${API}/openapi.json failed: Failed to fetch` },
      },
    ]);
  });

  it('names an absolute URL and the method, and reports the retry after a refresh the same way', async () => {
    let refreshed = false;
    const t = setup({
      'POST /t/demo/api/thing': () => {
        if (refreshed) refused();
        return unauthorized('session_expired');
      },
      'POST /t/demo/auth/refresh': () => {
        refreshed = true;
        return json(200, session());
      },
    });
    await expect(
      t.deskgate.fetch(new URL(`${API}/t/demo/api/thing?q=1`), { method: 'POST', body: '{}' }),
    ).rejects.toThrow(TypeError);
    expect(t.windowEvents).toStrictEqual([
      { type: 'deskgate:ready', detail: session() },
      {
        type: 'deskgate:error',
        detail: { code: 'network_error', message: `POST ${API}/t/demo/api/thing failed: Failed to fetch` },
      },
    ]);
  });

  it('emits nothing for a request the caller aborted', async () => {
    const t = setup({
      'GET /t/demo/api/thing': (request) => {
        request.signal.throwIfAborted();
        return json(200, {});
      },
    });
    const controller = new AbortController();
    controller.abort();
    await expect(t.deskgate.fetch('/t/demo/api/thing', { signal: controller.signal })).rejects.toThrow(
      expect.objectContaining({ name: 'AbortError' }),
    );
    expect(t.windowEvents).toStrictEqual([]);
  });

  it('in the browser: a real refused request (a port fetch may not use) is a TypeError and a network_error', async () => {
    const errors: unknown[] = [];
    const deskgate = createInstance({ tenant: 'demo', apiUrl: API }, async () => ({}) as OverlayModule, {
      events: new EventTarget(),
      locks: undefined,
    });
    deskgate.on('error', (error) => errors.push(error));
    await expect(deskgate.fetch('http://127.0.0.1:1/openapi.json?token=s3cret')).rejects.toThrow(TypeError);
    expect(errors).toStrictEqual([
      {
        code: 'network_error',
        message: expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:1\/openapi\.json failed: \S/),
      },
    ]);
    deskgate.destroy();
  });
});

describe('fetch: rate limited refresh', () => {
  it('keeps the session on a 429 refresh, reports it, and refreshes again only after Retry-After', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let refreshLimited = true;
    let accessValid = false;
    const t = setup({
      'GET /t/demo/auth/session': () => json(200, session()),
      'GET /t/demo/api/thing': () => (accessValid ? json(200, {}) : unauthorized('session_expired')),
      'POST /t/demo/auth/refresh': () => {
        if (refreshLimited) return rateLimited(30);
        accessValid = true;
        return json(200, session());
      },
    });
    await t.deskgate.login();

    expect((await t.deskgate.fetch('/t/demo/api/thing')).status).toBe(401);
    await settle();
    expect(t.deskgate.session, 'a 429 is not a sign-out').toStrictEqual(session());
    expect(t.windowEvents.map((e) => e.type)).toStrictEqual(['deskgate:ready', 'deskgate:error']);
    expect((t.windowEvents[1]!.detail as { code: string }).code).toBe('rate_limited');
    expect(t.mounts.length).toBe(0);

    // Within Retry-After, another 401 does not hit the refresh endpoint again.
    refreshLimited = false;
    vi.advanceTimersByTime(29_999);
    expect((await t.deskgate.fetch('/t/demo/api/thing')).status).toBe(401);
    expect(t.calls('POST /t/demo/auth/refresh')).toBe(1);

    vi.advanceTimersByTime(1);
    expect((await t.deskgate.fetch('/t/demo/api/thing')).status).toBe(200);
    expect(t.calls('POST /t/demo/auth/refresh')).toBe(2);
    expect(t.windowEvents.map((e) => e.type)).not.toContain('deskgate:signed-out');
  });
});

describe('signOut', () => {
  it('posts logout with the SDK header, clears the session, emits signed-out and shows the overlay', async () => {
    const t = setup({
      'GET /t/demo/auth/session': () => json(200, session()),
      'POST /t/demo/auth/refresh/logout': () => json(204, null),
    });
    await t.deskgate.login();
    await t.deskgate.signOut();
    const logout = t.requests.find((r) => new URL(r.url).pathname === '/t/demo/auth/refresh/logout')!;
    expect(logout.method).toBe('POST');
    expect(logout.headers.get(SDK_HEADER)).toBe('1');
    expect(t.deskgate.session).toBe(null);
    expect(t.windowEvents.map((e) => e.type)).toStrictEqual(['deskgate:ready', 'deskgate:signed-out']);
    expect(t.mounts.length).toBe(1);
  });
});

describe('signOut: the answers of the logout endpoint', () => {
  const signedInWith = (logout: Handler) =>
    setup({
      'GET /t/demo/auth/session': () => json(200, session()),
      'POST /t/demo/auth/refresh/logout': logout,
    });

  it('signs out without an error when the API found no session to end (200 {"revoked": false})', async () => {
    const t = signedInWith(() => json(200, { revoked: false }));
    await t.deskgate.login();
    await t.deskgate.signOut();
    expect(t.calls('POST /t/demo/auth/refresh/logout')).toBe(1);
    expect(t.deskgate.session).toBe(null);
    expect(t.windowEvents.map((e) => e.type)).toStrictEqual(['deskgate:ready', 'deskgate:signed-out']);
    expect(t.mounts.length).toBe(1);
  });

  it('when the logout fails, reports that the session may still be active, then signs out locally', async () => {
    for (const [logout, code, cause] of [
      [
        () => {
          throw new TypeError('Failed to fetch');
        },
        'network_error',
        'Failed to fetch',
      ],
      [
        () => json(500, { error: { code: 'internal_error', message: 'Something went wrong' } }),
        'internal_error',
        'Something went wrong',
      ],
      [() => new Response('bad gateway', { status: 502 }), 'internal_error', 'HTTP 502'],
    ] as const) {
      const t = signedInWith(logout);
      await t.deskgate.login();
      await t.deskgate.signOut();
      expect(t.deskgate.session).toBe(null);
      expect(t.windowEvents).toStrictEqual([
        { type: 'deskgate:ready', detail: session() },
        {
          type: 'deskgate:error',
          detail: { code, message: `Logout failed, the session may still be active: ${cause}` },
        },
        { type: 'deskgate:signed-out', detail: null },
      ]);
      expect(t.mounts.length).toBe(1);
    }
  });
});

describe('events', () => {
  it('calls listeners given in options.events and stops calling a listener after off()', async () => {
    const calls: string[] = [];
    const t = setup(
      {
        'GET /t/demo/auth/session': () => json(200, session()),
        'POST /t/demo/auth/refresh/logout': () => json(204, null),
      },
      {
        events: {
          ready: () => calls.push('option-ready'),
          'signed-out': () => calls.push('option-signed-out'),
        },
      },
    );
    const off = t.deskgate.on('ready', () => calls.push('on-ready'));
    await t.deskgate.login();
    off();
    await t.deskgate.signOut();
    await t.deskgate.login();
    expect(calls).toStrictEqual(['option-ready', 'on-ready', 'option-signed-out', 'option-ready']);
  });
});

describe('in the page, with the browser defaults', () => {
  it('dispatches deskgate:* events on window, where a script-tag integrator listens', async () => {
    const seen: string[] = [];
    const listener = (event: Event) =>
      seen.push(`${event.type} ${(event as CustomEvent<SessionInfo>).detail?.user.id ?? ''}`.trim());
    addEventListener('deskgate:ready', listener);
    addEventListener('deskgate:signed-out', listener);
    try {
      const responses: Record<string, () => Response> = {
        [STATUS]: () => json(200, { session: session('in-page'), refreshable: true }),
        'POST /t/demo/auth/refresh/logout': () => json(204, null),
      };
      const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        return responses[`${request.method} ${new URL(request.url).pathname}`]!();
      };
      const mounted = { mountOverlay: () => ({ destroy() {} }) };
      const deskgate = createInstance({ tenant: 'demo', apiUrl: API }, async () => mounted, { fetch });
      await deskgate.login();
      await deskgate.signOut();
      deskgate.destroy();
      expect(seen).toStrictEqual(['deskgate:ready in-page', 'deskgate:signed-out']);
    } finally {
      removeEventListener('deskgate:ready', listener);
      removeEventListener('deskgate:signed-out', listener);
    }
  });
});

describe('destroy', () => {
  it('removes the overlay and emits nothing afterwards', async () => {
    const t = setup({
      'GET /t/demo/auth/session': () => unauthorized('session_missing'),
      'POST /t/demo/auth/refresh': () => unauthorized('refresh_missing'),
    });
    await t.deskgate.login();
    t.deskgate.destroy();
    await settle();
    expect(t.overlayDestroyed).toBe(1);
    t.mounts[0]!.onSignedIn(session());
    expect(t.windowEvents).toStrictEqual([]);
    expect(await t.deskgate.login()).toBe(null);
    expect(t.mounts.length, 'no new overlay after destroy').toBe(1);
  });

  it('does not mount an overlay whose chunk arrives after destroy()', async () => {
    let release: (m: OverlayModule) => void = () => {};
    const mounted: unknown[] = [];
    const deskgate = createInstance(
      { tenant: 'demo', apiUrl: API },
      () =>
        new Promise<OverlayModule>((resolve) => {
          release = resolve;
        }),
      { fetch: async () => signedOut(), events: new EventTarget(), locks: undefined },
    );
    const login = deskgate.login();
    await new Promise((r) => setTimeout(r, 10));
    deskgate.destroy();
    release({
      mountOverlay(context) {
        mounted.push(context);
        return { destroy() {} };
      },
    });
    expect(await login).toBe(null);
    expect(mounted).toStrictEqual([]);
  });
});

describe('across tabs (BroadcastChannel)', () => {
  const live: { deskgate: { destroy(): void } }[] = [];
  const channels: BroadcastChannel[] = [];
  afterEach(() => {
    for (const t of live.splice(0)) t.deskgate.destroy();
    for (const channel of channels.splice(0)) channel.close();
  });

  /** A tab: an instance on the real BroadcastChannel, on `routes` (the browser's shared cookies). */
  function tab(routes: Record<string, Handler>, options: Partial<DeskgateOptions> = {}) {
    const t = setup(routes, options, undefined, { channels: BroadcastChannel });
    live.push(t);
    return t;
  }

  /** Everything said on a tenant's channel, heard as a third tab would. */
  function overhear(tenant = 'demo', apiUrl = API) {
    const channel = new BroadcastChannel(channelName(apiUrl, tenant));
    channels.push(channel);
    const heard: unknown[] = [];
    channel.onmessage = (event) => heard.push(event.data);
    return { heard, say: (message: unknown) => channel.postMessage(message) };
  }

  /** Long enough for any message (a task away) and the request it could cause to have happened. */
  const quiet = () => new Promise((r) => setTimeout(r, 50));

  /** One browser's cookie jar: signed in or not, whichever tab asks. */
  function browser() {
    const jar = { signedIn: false };
    const routes: Record<string, Handler> = {
      'GET /t/demo/auth/session': () =>
        jar.signedIn ? json(200, session()) : unauthorized('session_missing'),
      'POST /t/demo/auth/refresh': () => unauthorized('refresh_missing'),
      'POST /t/demo/auth/refresh/logout': () => {
        jar.signedIn = false;
        return json(204, null);
      },
    };
    return { jar, routes };
  }

  it('a sign-in in one tab signs the other in (GET session, overlay gone, ready once); its sign-out signs the first out', async () => {
    const { jar, routes } = browser();
    const a = tab(routes);
    const b = tab(routes);
    await Promise.all([a.deskgate.login(), b.deskgate.login()]);
    expect([a.mounts.length, b.mounts.length]).toStrictEqual([1, 1]);
    const { heard } = overhear();

    jar.signedIn = true;
    a.mounts[0]!.onSignedIn(session());
    await vi.waitFor(() => expect(b.deskgate.session).toStrictEqual(session()));
    expect(b.overlayDestroyed, "B's overlay is gone").toBe(1);
    expect(b.windowEvents).toStrictEqual([{ type: 'deskgate:ready', detail: session() }]);
    await quiet();
    expect(heard, 'A told it once; B did not pass it on').toStrictEqual(['signed-in']);
    expect(b.calls(STATUS), "B's login, then one check").toBe(2);
    expect(a.calls(STATUS), 'A asked nothing more').toBe(1);
    expect(a.windowEvents).toStrictEqual([{ type: 'deskgate:ready', detail: session() }]);

    await b.deskgate.signOut();
    await vi.waitFor(() => expect(a.deskgate.session).toBe(null));
    expect(a.windowEvents.map((e) => e.type)).toStrictEqual(['deskgate:ready', 'deskgate:signed-out']);
    await vi.waitFor(() => expect(a.mounts.length, "A's overlay is back").toBe(2));
    await quiet();
    expect(heard, 'B told it once; A did not pass it on').toStrictEqual(['signed-in', 'signed-out']);
    expect(a.calls('POST /t/demo/auth/refresh/logout')).toBe(0);
    expect(a.calls(STATUS)).toBe(1);
    expect(b.windowEvents.map((e) => e.type)).toStrictEqual(['deskgate:ready', 'deskgate:signed-out']);
  });

  it('a tab that already has a session asks nothing when told of a sign-in; a signed-out tab ignores a sign-out and anything else', async () => {
    const { jar, routes } = browser();
    jar.signedIn = true;
    const signedIn = tab(routes);
    await signedIn.deskgate.login();
    const other = overhear();
    other.say('signed-in');
    await quiet();
    expect(signedIn.requests.length, 'no request').toBe(1);

    jar.signedIn = false;
    const signedOut = tab(routes);
    await signedOut.deskgate.login();
    const before = signedOut.requests.length;
    other.say('signed-out');
    await vi.waitFor(() => expect(signedIn.deskgate.session).toBe(null));
    other.say('hello');
    other.say({ type: 'signed-in' });
    await quiet();
    expect(signedOut.windowEvents, 'nothing for the tab that was signed out').toStrictEqual([]);
    expect(signedOut.mounts.length).toBe(1);
    expect(signedOut.requests.length, 'no request for any of it').toBe(before);
    expect(signedIn.requests.length, 'signed out without a request').toBe(1);
  });

  it('only tabs of the same tenant on the same API listen, and a destroyed instance no longer does', async () => {
    const { jar, routes } = browser();
    const acme = browser().routes;
    for (const key of Object.keys(acme)) acme[key.replace('/demo/', '/acme/')] = acme[key]!;
    const otherTenant = tab(acme, { tenant: 'acme' });
    const otherApi = tab(routes, { apiUrl: 'https://other.example' });
    const destroyed = tab(routes);
    await Promise.all([otherTenant, otherApi, destroyed].map((t) => t.deskgate.login()));
    destroyed.deskgate.destroy();
    const before = [otherTenant, otherApi, destroyed].map((t) => t.requests.length);

    jar.signedIn = true;
    overhear().say('signed-in');
    await quiet();
    expect([otherTenant, otherApi, destroyed].map((t) => t.requests.length)).toStrictEqual(before);
    expect([otherTenant, otherApi, destroyed].map((t) => t.deskgate.session)).toStrictEqual([
      null,
      null,
      null,
    ]);
  });

  it('tells the other tabs when a refresh fails (the shared cookies are gone), not when it is only rate limited', async () => {
    let refresh: () => Response = () => rateLimited(1);
    const t = tab({
      'GET /t/demo/auth/session': () => json(200, session()),
      'GET /t/demo/api/thing': () => unauthorized('session_expired'),
      'POST /t/demo/auth/refresh': () => refresh(),
    });
    await t.deskgate.login();
    const { heard } = overhear();
    await t.deskgate.fetch('/t/demo/api/thing');
    await quiet();
    expect(heard).toStrictEqual([]);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.advanceTimersByTime(1000);
    refresh = () => unauthorized('refresh_expired');
    await t.deskgate.fetch('/t/demo/api/thing');
    vi.useRealTimers();
    await vi.waitFor(() => expect(heard).toStrictEqual(['signed-out']));
  });
});

describe('signedUserInfo: the platform vouches for the agent', () => {
  const JWT = 'POST /t/demo/session/jwt';

  it('exchanges a token before anything else, emits ready, and never shows the overlay', async () => {
    const t = setup({ [JWT]: () => json(200, session('platform')) }, { signedUserInfo: 'token-1' });
    expect((await t.deskgate.login())?.user.id).toBe('platform');
    expect(t.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toStrictEqual([JWT]);
    expect(await t.requests[0]!.json()).toStrictEqual({ token: 'token-1' });
    expect(t.requests[0]!.headers.get('content-type')).toBe('application/json');
    expect(t.windowEvents.map((e) => e.type)).toStrictEqual(['deskgate:ready']);
    expect(t.overlayLoads).toBe(0);
  });

  it('calls a function for the token (async), and again when a request gets a 401 it cannot refresh', async () => {
    const tokens: string[] = [];
    let n = 0;
    let authorised = false;
    const t = setup(
      {
        [JWT]: async (request) => {
          tokens.push(((await request.json()) as { token: string }).token);
          authorised = true;
          return json(200, session());
        },
        [REFRESH]: () => unauthorized('refresh_expired'),
        'GET /t/demo/api/thing': () =>
          authorised ? json(200, { ok: true }) : unauthorized('session_expired'),
      },
      { signedUserInfo: async () => `token-${++n}` },
    );
    await t.deskgate.login();
    authorised = false;
    const response = await t.deskgate.fetch('/t/demo/api/thing');
    expect(response.status).toBe(200);
    expect(tokens).toStrictEqual(['token-1', 'token-2']);
    expect(t.overlayLoads).toBe(0);
  });

  it('reports a refused token as an error event with the API code, shows no overlay, and resolves null', async () => {
    const t = setup(
      { [JWT]: () => json(401, { error: { code: 'jwt_expired', message: 'The token expired' } }) },
      { signedUserInfo: 'old' },
    );
    expect(await t.deskgate.login()).toBe(null);
    expect(t.windowEvents).toStrictEqual([
      { type: 'deskgate:error', detail: { code: 'jwt_expired', message: 'The token expired' } },
    ]);
    expect(t.overlayLoads).toBe(0);
  });

  it('reports a function that fails or gives no token as invalid_option, without a request', async () => {
    for (const signedUserInfo of [() => Promise.reject(new Error('platform down')), () => '']) {
      const t = setup({ [JWT]: () => json(200, session()) }, { signedUserInfo });
      expect(await t.deskgate.login()).toBe(null);
      expect((t.windowEvents[0]!.detail as { code: string }).code).toBe('invalid_option');
      expect(t.requests).toStrictEqual([]);
      expect(t.overlayLoads).toBe(0);
    }
  });
});

describe('apiKey: the widget page holds a tenant API key', () => {
  const API_KEY = 'POST /t/demo/session/api-key';
  const KEY = 'dgk_abcdefghijkl_secretsecretsecretsecretsecretsecre';
  const agent = { id: 'agent-7', name: 'Ann Agent', email: 'ann@example.com' };

  it('signs the agent in before anything else: the key in the Authorization header (never in a URL), the agent in the body; ready, no overlay', async () => {
    const t = setup({ [API_KEY]: () => json(200, session('keyed')) }, { apiKey: KEY, agent });
    expect((await t.deskgate.login())?.user.id).toBe('keyed');
    expect(t.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toStrictEqual([API_KEY]);
    const [request] = t.requests;
    expect(request!.headers.get('authorization')).toBe(`Bearer ${KEY}`);
    expect(request!.headers.get('content-type')).toBe('application/json');
    expect(request!.headers.get(SDK_HEADER)).toBe('1');
    expect(request!.credentials).toBe('include');
    expect(await request!.json()).toStrictEqual({
      agentId: 'agent-7',
      agentName: 'Ann Agent',
      email: 'ann@example.com',
    });
    expect(
      t.requests.some((r) => r.url.includes(KEY)),
      'the key in no URL',
    ).toBe(false);
    expect(t.windowEvents).toStrictEqual([{ type: 'deskgate:ready', detail: session('keyed') }]);
    expect(t.overlayLoads).toBe(0);
  });

  it('reports a refused key as an error event with the API code and message (never the key, never logged), shows no overlay, and resolves null', async () => {
    const logged = ['log', 'info', 'warn', 'error'].map((level) =>
      vi.spyOn(console, level as 'log').mockImplementation(() => {}),
    );
    const t = setup(
      { [API_KEY]: () => unauthorized('api_key_revoked') },
      { apiKey: KEY, agent: { id: 'agent-7', name: 'Ann Agent' } },
    );
    expect(await t.deskgate.login()).toBe(null);
    expect(t.windowEvents).toStrictEqual([
      { type: 'deskgate:error', detail: { code: 'api_key_revoked', message: 'api_key_revoked' } },
    ]);
    expect(await t.requests[0]!.json(), 'no email: none sent').toStrictEqual({
      agentId: 'agent-7',
      agentName: 'Ann Agent',
    });
    expect(t.overlayLoads).toBe(0);
    expect(JSON.stringify(logged.flatMap((spy) => spy.mock.calls))).not.toContain('secret');
  });

  it("leaves a missing agent out of the body, for the API's validation_failed", async () => {
    const refusal = { code: 'validation_failed', message: 'agentId: Invalid type' };
    const t = setup({ [API_KEY]: () => json(400, { error: refusal }) }, { apiKey: KEY });
    expect(await t.deskgate.login()).toBe(null);
    expect(await t.requests[0]!.json()).toStrictEqual({});
    expect(t.windowEvents).toStrictEqual([{ type: 'deskgate:error', detail: refusal }]);
    expect(t.overlayLoads).toBe(0);
  });

  it('signs in again with the key when a request gets a 401 that no refresh can mend, and retries it', async () => {
    let authorised = false;
    const t = setup(
      {
        [API_KEY]: () => {
          authorised = true;
          return json(200, session());
        },
        [REFRESH]: () => unauthorized('refresh_expired'),
        'GET /t/demo/api/thing': () =>
          authorised ? json(200, { ok: true }) : unauthorized('session_expired'),
      },
      { apiKey: KEY, agent },
    );
    await t.deskgate.login();
    authorised = false;
    const response = await t.deskgate.fetch('/t/demo/api/thing');
    expect(response.status).toBe(200);
    expect(t.calls(API_KEY)).toBe(2);
    expect(t.calls('GET /t/demo/api/thing')).toBe(2);
    expect(t.overlayLoads).toBe(0);
  });

  it('takes signedUserInfo over apiKey when a page gives both', async () => {
    const JWT = 'POST /t/demo/session/jwt';
    const t = setup(
      { [JWT]: () => json(200, session('platform')), [API_KEY]: () => json(200, session('keyed')) },
      { apiKey: KEY, agent, signedUserInfo: 'token-1' },
    );
    expect((await t.deskgate.login())?.user.id).toBe('platform');
    expect(t.calls(API_KEY)).toBe(0);
  });

  it('reports an exchange chunk that cannot be loaded as an error event, and resolves null without an overlay', async () => {
    const errors: unknown[] = [];
    const deskgate = createInstance(
      { tenant: 'demo', apiUrl: API, apiKey: KEY, agent, events: { error: (e) => errors.push(e) } },
      async () => ({ mountOverlay: () => ({ destroy() {} }) }),
      { fetch: async () => json(200, session()), events: new EventTarget(), locks: undefined },
      [],
      () => Promise.reject(new TypeError('Failed to fetch dynamically imported module')),
    );
    expect(await deskgate.login()).toBe(null);
    expect(errors).toStrictEqual([
      { code: 'network_error', message: 'Failed to fetch dynamically imported module' },
    ]);
  });
});

describe('fromUrl: the widget URL carries the key and the agent', () => {
  const API_KEY = 'POST /t/demo/session/api-key';
  let original: { url: string; state: unknown };

  /** Puts `query` (with `hash`) in the address bar of the test page, with a history state. */
  function visit(query: string, hash = '#panel') {
    original ??= { url: location.href, state: history.state };
    history.replaceState({ widget: 1 }, '', `${location.pathname}${query}${hash}`);
  }
  afterEach(() => {
    if (original) history.replaceState(original.state, '', original.url);
  });

  it('takes apiKey, agentId, agentName and agentEmail, and removes exactly those from the address bar at once, before any request', async () => {
    visit(
      '?a=1&apiKey=dgk_k%2B1&b=two%20words&agentId=7&agentName=Ann+Agent&agentEmail=ann%40example.com&flag',
    );
    const t = setup({ [API_KEY]: () => json(200, session('keyed')) }, { fromUrl: true });
    expect(location.search, 'synchronously, at creation').toBe('?a=1&b=two%20words&flag');
    expect(location.hash).toBe('#panel');
    expect(history.state).toStrictEqual({ widget: 1 });
    expect(t.requests).toStrictEqual([]);
    expect((await t.deskgate.login())?.user.id).toBe('keyed');
    const [request] = t.requests;
    expect(request!.headers.get('authorization')).toBe('Bearer dgk_k+1');
    expect(await request!.json()).toStrictEqual({
      agentId: '7',
      agentName: 'Ann Agent',
      email: 'ann@example.com',
    });
  });

  it('drops the query string when nothing else is in it, and leaves a URL without the parameters alone', () => {
    visit('?apiKey=k&agentId=7');
    setup({}, { fromUrl: true });
    expect(location.search).toBe('');
    expect(location.hash).toBe('#panel');

    visit('?a=b%20c&apiKeys=1&xagentId=2', '');
    const replaceState = vi.spyOn(history, 'replaceState');
    setup({}, { fromUrl: true });
    expect(replaceState).not.toHaveBeenCalled();
    expect(location.search).toBe('?a=b%20c&apiKeys=1&xagentId=2');
  });

  it('lets each value given as an option win over the URL, and still cleans the URL', async () => {
    visit('?apiKey=from-url&agentId=7&agentName=Url%20Name&agentEmail=url%40example.com');
    const t = setup(
      { [API_KEY]: () => json(200, session()) },
      { fromUrl: true, apiKey: 'from-option', agent: { id: 'x1', name: 'Option Name' } },
    );
    expect(location.search).toBe('');
    await t.deskgate.login();
    const [request] = t.requests;
    expect(request!.headers.get('authorization')).toBe('Bearer from-option');
    expect(await request!.json()).toStrictEqual({
      agentId: 'x1',
      agentName: 'Option Name',
      email: 'url@example.com',
    });
  });

  it('without an apiKey in the URL behaves as without a key: the overlay', async () => {
    visit('?agentId=7&agentName=Ann');
    const t = setup({ [STATUS]: () => signedOut() }, { fromUrl: true });
    expect(location.search).toBe('');
    expect(await t.deskgate.login()).toBe(null);
    expect(t.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toStrictEqual([STATUS]);
    expect(t.mounts.length).toBe(1);
  });

  it('without fromUrl reads nothing from the URL and leaves it alone', async () => {
    visit('?apiKey=k&agentId=7');
    const t = setup({ [STATUS]: () => signedOut() });
    expect(location.search).toBe('?apiKey=k&agentId=7');
    expect(await t.deskgate.login()).toBe(null);
    expect(t.mounts.length).toBe(1);
  });
});

describe('openOutbound', () => {
  const EXCHANGE_TOKEN = 'POST /t/demo/auth/exchange-token';
  const LINK = { url: `${API}/t/demo/auth/exchange#token=t1`, expiresAt: 1_900_000_000_000 };

  /** window.open, faked: records the call order and the window it returns (null: blocked). */
  function popup(order: string[], blocked = false) {
    const win = {
      opener: window as unknown,
      location: { replace: vi.fn((url: string) => order.push(`replace ${url}`)) },
      close: vi.fn(() => order.push('close')),
    };
    const open = vi.spyOn(window, 'open').mockImplementation((...args) => {
      order.push(`open ${JSON.stringify(args)}`);
      return blocked ? null : (win as unknown as Window);
    });
    return { win, open };
  }

  /** A fake API that also notes in `order` every request it gets. */
  function api(order: string[], routes: Record<string, Handler>, options: Partial<DeskgateOptions> = {}) {
    const noted: Record<string, Handler> = {};
    for (const [key, handler] of Object.entries(routes))
      noted[key] = (request) => {
        order.push(key);
        return handler(request);
      };
    return setup(noted, options);
  }

  it('opens the window before any await, cuts its opener, posts the redirect, and points the window at the link', async () => {
    const order: string[] = [];
    const { win, open } = popup(order);
    const t = api(order, { [EXCHANGE_TOKEN]: () => json(200, LINK) });
    const opened = t.deskgate.openOutbound('/t/demo/collection', { features: 'popup,width=900' });
    expect(open, 'synchronously, in the click').toHaveBeenCalledTimes(1);
    expect(win.opener).toBe(null);
    expect(t.requests).toStrictEqual([]);
    expect(await opened).toBe(win);
    expect(order).toStrictEqual([
      'open ["","_blank","popup,width=900"]',
      EXCHANGE_TOKEN,
      `replace ${LINK.url}`,
    ]);
    const [request] = t.requests;
    expect(await request!.json()).toStrictEqual({ redirect: '/t/demo/collection' });
    expect(request!.headers.get('content-type')).toBe('application/json');
    expect(request!.headers.get(SDK_HEADER)).toBe('1');
    expect(request!.credentials).toBe('include');
    expect(t.windowEvents).toStrictEqual([]);
  });

  it('when the browser blocks the window: popup_blocked, no request, resolves null', async () => {
    const order: string[] = [];
    popup(order, true);
    const t = api(order, { [EXCHANGE_TOKEN]: () => json(200, LINK) });
    expect(await t.deskgate.openOutbound('https://app.example.com/x')).toBe(null);
    expect(order).toStrictEqual(['open ["","_blank",null]']);
    expect(t.requests).toStrictEqual([]);
    expect(t.windowEvents.map((e) => (e.detail as { code: string }).code)).toStrictEqual(['popup_blocked']);
  });

  it('when the API refuses: closes the window, reports the code and message, resolves null', async () => {
    const order: string[] = [];
    const { win } = popup(order);
    const refusal = { code: 'return_target_invalid', message: 'https://evil.example is not allowed' };
    const t = api(order, { [EXCHANGE_TOKEN]: () => json(400, { error: refusal }) });
    expect(await t.deskgate.openOutbound('https://evil.example')).toBe(null);
    expect(win.close).toHaveBeenCalledTimes(1);
    expect(win.location.replace).not.toHaveBeenCalled();
    expect(t.windowEvents).toStrictEqual([{ type: 'deskgate:error', detail: refusal }]);
  });

  it('when the request fails in the browser: closes the window, reports network_error once, resolves null', async () => {
    const order: string[] = [];
    const { win } = popup(order);
    const t = api(order, {
      [EXCHANGE_TOKEN]: () => {
        throw new TypeError('Failed to fetch');
      },
    });
    expect(await t.deskgate.openOutbound('/t/demo/collection')).toBe(null);
    expect(win.close).toHaveBeenCalledTimes(1);
    expect(t.windowEvents).toStrictEqual([
      {
        type: 'deskgate:error',
        detail: {
          code: 'network_error',
          message: `POST ${API}/t/demo/auth/exchange-token failed: Failed to fetch`,
        },
      },
    ]);
  });

  it('on 401 refreshes once and retries, then points the window at the link', async () => {
    const order: string[] = [];
    const { win } = popup(order);
    let refreshed = false;
    const t = api(order, {
      [EXCHANGE_TOKEN]: () => (refreshed ? json(200, LINK) : unauthorized('session_expired')),
      [REFRESH]: () => {
        refreshed = true;
        return json(200, session());
      },
    });
    expect(await t.deskgate.openOutbound('/t/demo/collection')).toBe(win);
    expect(order.slice(1)).toStrictEqual([EXCHANGE_TOKEN, REFRESH, EXCHANGE_TOKEN, `replace ${LINK.url}`]);
    expect(win.close).not.toHaveBeenCalled();
  });

  it('on a 401 that no refresh mends: closes the window, reports the code, resolves null', async () => {
    const order: string[] = [];
    const { win } = popup(order);
    const t = api(order, {
      [EXCHANGE_TOKEN]: () => unauthorized('session_expired'),
      [REFRESH]: () => unauthorized('refresh_expired'),
    });
    expect(await t.deskgate.openOutbound('/t/demo/collection')).toBe(null);
    expect(win.close).toHaveBeenCalledTimes(1);
    expect(t.windowEvents.map((e) => e.detail)).toStrictEqual([
      { code: 'session_expired', message: 'session_expired' },
    ]);
  });

  it('closes the window and reports it when the exchange chunk cannot be loaded', async () => {
    const order: string[] = [];
    const { win } = popup(order);
    const errors: unknown[] = [];
    const deskgate = createInstance(
      { tenant: 'demo', apiUrl: API, events: { error: (e) => errors.push(e) } },
      async () => ({ mountOverlay: () => ({ destroy() {} }) }),
      { fetch: async () => json(200, LINK), events: new EventTarget(), locks: undefined },
      [],
      () => Promise.reject(new TypeError('Failed to fetch dynamically imported module')),
    );
    expect(await deskgate.openOutbound('/t/demo/collection')).toBe(null);
    expect(win.close).toHaveBeenCalledTimes(1);
    expect(errors).toStrictEqual([
      { code: 'network_error', message: 'Failed to fetch dynamically imported module' },
    ]);
  });
});
