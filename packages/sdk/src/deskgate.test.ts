import assert from 'node:assert/strict';
import { SDK_HEADER, type SessionInfo } from '@deskgate/protocol';
import { describe, it } from 'vitest';
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
    assert.throws(() => setup({}, { tenant: 'A!' }), TypeError);
    assert.throws(() => setup({}, { apiUrl: undefined as unknown as string }), TypeError);
  });
});

describe('login', () => {
  it('resolves the session from GET session, emits ready, and never loads the overlay', async () => {
    const t = setup({ 'GET /t/demo/auth/session': () => json(200, session()) });
    const ready: SessionInfo[] = [];
    t.deskgate.on('ready', (s) => ready.push(s));
    assert.deepEqual(await t.deskgate.login(), session());
    assert.deepEqual(t.deskgate.session, session());
    assert.deepEqual(ready, [session()]);
    assert.deepEqual(t.windowEvents, [{ type: 'deskgate:ready', detail: session() }]);
    assert.equal(t.overlayLoads, 0);
    assert.equal(t.requests[0]!.credentials, 'include');
  });

  it('refreshes when the session is missing, and resolves the refreshed session without the overlay', async () => {
    const t = setup({
      'GET /t/demo/auth/session': () => unauthorized('session_expired'),
      'POST /t/demo/auth/refresh': () => json(200, session('refreshed')),
    });
    assert.equal((await t.deskgate.login())?.user.id, 'refreshed');
    assert.equal(t.overlayLoads, 0);
    const refresh = t.requests.find((r) => r.method === 'POST')!;
    assert.equal(refresh.headers.get(SDK_HEADER), '1');
    assert.equal(refresh.headers.get('content-type'), 'application/json');
    assert.equal(refresh.credentials, 'include');
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
    assert.equal((await t.deskgate.login())?.user.id, 'other-tab');
    assert.deepEqual(names, ['deskgate-refresh:demo']);
    assert.equal(t.calls('POST /t/demo/auth/refresh'), 0);
  });

  it('shows the overlay only when both the session and the refresh fail, and resolves null', async () => {
    const t = setup(
      {
        'GET /t/demo/auth/session': () => unauthorized('session_missing'),
        'POST /t/demo/auth/refresh': () => unauthorized('refresh_missing'),
      },
      { anchor: '#composer', locale: 'nl-NL', productName: 'Acme' },
    );
    assert.equal(await t.deskgate.login(), null);
    assert.equal(t.mounts.length, 1);
    const context = t.mounts[0]!;
    assert.equal(context.tenant, 'demo');
    assert.equal(context.apiUrl, API);
    assert.equal(context.apiOrigin, API);
    assert.equal(context.anchor, '#composer');
    assert.equal(context.locale, 'nl-NL');
    assert.equal(context.productName, 'Acme');
    assert.deepEqual(t.windowEvents, [], 'never signed in, so no signed-out');
  });

  it('shares one run between concurrent calls', async () => {
    const t = setup({ 'GET /t/demo/auth/session': () => json(200, session()) });
    await Promise.all([t.deskgate.login(), t.deskgate.login()]);
    assert.equal(t.calls('GET /t/demo/auth/session'), 1);
  });

  it('emits a network_error and still shows the overlay when the API is unreachable', async () => {
    const t = setup({
      'GET /t/demo/auth/session': () => {
        throw new TypeError('Failed to fetch');
      },
    });
    assert.equal(await t.deskgate.login(), null);
    assert.deepEqual(t.windowEvents, [
      { type: 'deskgate:error', detail: { code: 'network_error', message: 'Failed to fetch' } },
    ]);
    assert.equal(t.mounts.length, 1);
  });

  it('emits overlay_load_failed when the overlay chunk cannot be loaded', async () => {
    const errors: unknown[] = [];
    const deskgate = createInstance(
      { tenant: 'demo', apiUrl: API, events: { error: (e) => errors.push(e.code) } },
      () => Promise.reject(new TypeError('Failed to fetch dynamically imported module')),
      { fetch: async () => unauthorized('session_missing'), events: new EventTarget(), locks: undefined },
    );
    assert.equal(await deskgate.login(), null);
    assert.deepEqual(errors, ['overlay_load_failed']);
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
    assert.equal(t.overlayDestroyed, 1);
    assert.deepEqual(t.deskgate.session, session());
    assert.deepEqual(t.windowEvents, [{ type: 'deskgate:ready', detail: session() }]);
  });

  it('forwards overlay errors as error events', async () => {
    const t = setup({
      'GET /t/demo/auth/session': () => unauthorized('session_missing'),
      'POST /t/demo/auth/refresh': () => unauthorized('refresh_missing'),
    });
    await t.deskgate.login();
    t.mounts[0]!.onError({ code: 'attempt_expired', message: 'expired' });
    assert.deepEqual(t.windowEvents.at(-1), {
      type: 'deskgate:error',
      detail: { code: 'attempt_expired', message: 'expired' },
    });
  });
});

describe('fetch', () => {
  it('sends credentials and the SDK header, and resolves a /path against apiUrl', async () => {
    const t = setup({ 'GET /t/demo/api/thing': () => json(200, { ok: true }) });
    const response = await t.deskgate.fetch('/t/demo/api/thing', { headers: { accept: 'application/json' } });
    assert.equal(response.status, 200);
    const [request] = t.requests;
    assert.equal(request!.url, `${API}/t/demo/api/thing`);
    assert.equal(request!.credentials, 'include');
    assert.equal(request!.headers.get(SDK_HEADER), '1');
    assert.equal(request!.headers.get('accept'), 'application/json');
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
    assert.equal(response.status, 200);
    assert.deepEqual(bodies, ['{"a":1}', '{"a":1}']);
    assert.equal(t.calls('POST /t/demo/auth/refresh'), 1);
    assert.deepEqual(t.deskgate.session, session());
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
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200, 200, 200],
    );
    assert.equal(t.calls('POST /t/demo/auth/refresh'), 1);
  });

  it('does not retry a second time when the retry is 401 too', async () => {
    const t = setup({
      'GET /t/demo/api/thing': () => unauthorized('session_invalid'),
      'POST /t/demo/auth/refresh': () => json(200, session()),
    });
    assert.equal((await t.deskgate.fetch('/t/demo/api/thing')).status, 401);
    assert.equal(t.calls('GET /t/demo/api/thing'), 2);
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
    assert.equal(response.status, 401);
    assert.equal(t.deskgate.session, null);
    assert.deepEqual(
      t.windowEvents.map((e) => e.type),
      ['deskgate:ready', 'deskgate:signed-out'],
    );
    assert.equal(t.mounts.length, 1);
  });
});

describe('signOut', () => {
  it('posts logout with the SDK header, clears the session, emits signed-out and shows the overlay', async () => {
    const t = setup({
      'GET /t/demo/auth/session': () => json(200, session()),
      'POST /t/demo/auth/logout': () => json(204, null),
    });
    await t.deskgate.login();
    await t.deskgate.signOut();
    const logout = t.requests.find((r) => new URL(r.url).pathname === '/t/demo/auth/logout')!;
    assert.equal(logout.method, 'POST');
    assert.equal(logout.headers.get(SDK_HEADER), '1');
    assert.equal(t.deskgate.session, null);
    assert.deepEqual(
      t.windowEvents.map((e) => e.type),
      ['deskgate:ready', 'deskgate:signed-out'],
    );
    assert.equal(t.mounts.length, 1);
  });
});

describe('events', () => {
  it('calls listeners given in options.events and stops calling a listener after off()', async () => {
    const calls: string[] = [];
    const t = setup(
      {
        'GET /t/demo/auth/session': () => json(200, session()),
        'POST /t/demo/auth/logout': () => json(204, null),
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
    assert.deepEqual(calls, ['option-ready', 'on-ready', 'option-signed-out', 'option-ready']);
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
    assert.equal(t.overlayDestroyed, 1);
    t.mounts[0]!.onSignedIn(session());
    assert.deepEqual(t.windowEvents, []);
    assert.equal(await t.deskgate.login(), null);
    assert.equal(t.mounts.length, 1, 'no new overlay after destroy');
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
    assert.equal(await login, null);
    assert.deepEqual(mounted, []);
  });
});
