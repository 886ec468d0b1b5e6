import { SDK_HEADER, type SessionInfo } from '@deskgate/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInstance } from './deskgate.ts';
import type { LockManagerLike } from './refresh.ts';
import type { DeskgateOptions, OverlayContext, OverlayModule } from './types.ts';

const API = 'http://127.0.0.1:8787';
const session = (id = 'u1'): SessionInfo => ({
  tenant: 'demo',
  user: { id, email: null, name: null, roles: ['deepdesk.agent'], confirmed: true },
  accessExpiresAt: '2030-01-01T00:15:00Z',
  sessionExpiresAt: '2030-01-02T00:00:00Z',
});
const json = (status: number, body: unknown) =>
  status === 204 ? new Response(null, { status }) : new Response(JSON.stringify(body), { status });
const unauthorized = (code: string) => json(401, { error: { code, message: code } });
/** 429 rate_limited with `Retry-After: {seconds}`. */
const rateLimited = (seconds: number) =>
  new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'Too many requests' } }), {
    status: 429,
    headers: { 'retry-after': String(seconds) },
  });

afterEach(() => {
  vi.useRealTimers();
});

type Handler = (request: Request) => Response | Promise<Response>;

/** A fake API keyed by "METHOD /path"; records every request as a Request. */
function setup(
  routes: Record<string, Handler>,
  options: Partial<DeskgateOptions> = {},
  locks?: LockManagerLike,
) {
  const requests: Request[] = [];
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
  const deskgate = createInstance({ tenant: 'demo', apiUrl: API, ...options }, loadOverlay, {
    fetch,
    events,
    locks,
  });
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

  it('keeps a known session when the API answers 429: reports rate_limited, no signed-out, no overlay', async () => {
    let limited = false;
    const t = setup({
      'GET /t/demo/auth/session': () => (limited ? rateLimited(30) : json(200, session())),
      'POST /t/demo/auth/refresh': () => json(200, session('refreshed')),
    });
    await t.deskgate.login();
    limited = true;
    expect(await t.deskgate.login()).toStrictEqual(session());
    await settle();
    expect(t.deskgate.session).toStrictEqual(session());
    expect(t.windowEvents.map((e) => e.type)).toStrictEqual(['deskgate:ready', 'deskgate:error']);
    expect(t.windowEvents[1]!.detail).toStrictEqual({ code: 'rate_limited', message: 'Too many requests' });
    expect(t.calls('POST /t/demo/auth/refresh'), 'a 429 is not a missing session').toBe(0);
    expect(t.overlayLoads).toBe(0);
  });

  it('shares one run between concurrent calls', async () => {
    const t = setup({ 'GET /t/demo/auth/session': () => json(200, session()) });
    await Promise.all([t.deskgate.login(), t.deskgate.login()]);
    expect(t.calls('GET /t/demo/auth/session')).toBe(1);
  });

  it('emits a network_error and still shows the overlay when the API is unreachable', async () => {
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
  });

  it('emits overlay_load_failed when the overlay chunk cannot be loaded', async () => {
    const errors: unknown[] = [];
    const deskgate = createInstance(
      { tenant: 'demo', apiUrl: API, events: { error: (e) => errors.push(e.code) } },
      () => Promise.reject(new TypeError('Failed to fetch dynamically imported module')),
      { fetch: async () => unauthorized('session_missing'), events: new EventTarget(), locks: undefined },
    );
    expect(await deskgate.login()).toBe(null);
    expect(errors).toStrictEqual(['overlay_load_failed']);
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
        'GET /t/demo/auth/session': () => json(200, session('in-page')),
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
      { fetch: async () => unauthorized('session_missing'), events: new EventTarget(), locks: undefined },
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
