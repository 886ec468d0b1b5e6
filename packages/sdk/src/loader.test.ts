// The script-tag loader with its tag: one instance per page however often the tag is included, and a tag
// that cannot start says so where the page listens.
import type { SessionInfo } from '@deskgate/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Environment } from './deskgate.ts';
import { STARTED, startLoader } from './loader.ts';
import { API, json, session } from './test/fixtures.ts';
import type { OverlayContext, OverlayModule } from './types.ts';

const SRC = `${API}/sdk/deskgate.js`;

/** A `<script src=".../deskgate.js" data-*>` as an integrator writes it (never inserted, so never loaded). */
function tag(data: Record<string, string>, src = SRC): HTMLScriptElement {
  const script = document.createElement('script');
  script.src = src;
  Object.assign(script.dataset, data);
  return script;
}

/** A signed-out API and an overlay that records its mounts; the page's events on their own target. */
function page() {
  const requests: string[] = [];
  const sent: Request[] = [];
  const mounts: OverlayContext[] = [];
  const events = new EventTarget();
  const ready: SessionInfo[] = [];
  events.addEventListener('deskgate:ready', (e) => ready.push((e as CustomEvent<SessionInfo>).detail));
  const environment: Partial<Environment> = {
    fetch: async (input, init) => {
      const request = new Request(input, init);
      requests.push(`${request.method} ${request.url}`);
      sent.push(request);
      return request.method === 'GET' ? json(200, { session: null, refreshable: false }) : json(200, session);
    },
    events,
    locks: undefined,
    channels: undefined,
  };
  const overlay: OverlayModule = {
    mountOverlay(context) {
      mounts.push(context);
      return { destroy() {} };
    },
  };
  const sources: string[] = [];
  const loadOverlay = async (src: string) => {
    sources.push(src);
    return overlay;
  };
  const loadExchange = () => import('./exchange.ts');
  return { environment, loadOverlay, loadExchange, requests, sent, mounts, ready, sources };
}

afterEach(() => {
  window.deskgate?.destroy();
  delete window.deskgate;
  delete (window as unknown as Record<symbol, unknown>)[STARTED];
  vi.restoreAllMocks();
});

describe('startLoader', () => {
  it('starts from the data-* attributes: window.deskgate, login(), apiUrl from the src, the overlay next to the script', async () => {
    const p = page();
    const instance = startLoader(
      tag({ tenant: 'demo', anchor: '#composer', locale: 'nl', productName: 'Acme' }),
      p.loadOverlay,
      p.environment,
    );
    expect(window.deskgate).toBe(instance);
    await vi.waitFor(() => expect(p.mounts).toHaveLength(1));
    expect(p.requests[0]).toBe(`GET ${API}/t/demo/auth/refresh/status`);
    expect(p.sources).toStrictEqual([SRC]);
    const { anchor, locale, productName } = p.mounts[0]!;
    expect({ anchor, locale, productName }).toStrictEqual({
      anchor: '#composer',
      locale: 'nl-NL',
      productName: 'Acme',
    });
  });

  it('takes signedUserInfo from data-signed-user-info, or from window.deskgateSignedUserInfo set before the tag', async () => {
    for (const [attributes, global] of [
      [{ tenant: 'demo', signedUserInfo: 'from-attribute' }, undefined],
      [{ tenant: 'demo' }, () => 'from-function'],
    ] as const) {
      const p = page();
      window.deskgateSignedUserInfo = global;
      startLoader(tag(attributes), p.loadOverlay, p.environment, p.loadExchange);
      await vi.waitFor(() => expect(p.requests).toHaveLength(1));
      expect(p.requests[0]).toBe(`POST ${API}/t/demo/session/jwt`);
      expect(p.mounts, 'no overlay').toStrictEqual([]);
      window.deskgate?.destroy();
      delete window.deskgate;
      delete window.deskgateSignedUserInfo;
      delete (window as unknown as Record<symbol, unknown>)[STARTED];
    }
  });

  it('a second tag does nothing but warn: window.deskgate stays the first instance, one probe, one overlay, one ready', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const p = page();
    const first = startLoader(tag({ tenant: 'demo' }), p.loadOverlay, p.environment);
    const second = startLoader(tag({ tenant: 'demo', apiUrl: `${API}/` }), p.loadOverlay, p.environment);
    expect(second).toBeUndefined();
    expect(window.deskgate).toBe(first);
    expect(warn.mock.calls).toStrictEqual([
      [
        'deskgate: deskgate.js is included more than once; window.deskgate stays the first instance and this tag is ignored.',
      ],
    ]);
    await vi.waitFor(() => expect(p.mounts).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 20));
    expect(p.mounts).toHaveLength(1);
    expect(p.requests.filter((r) => r.startsWith('GET '))).toStrictEqual([
      `GET ${API}/t/demo/auth/refresh/status`,
    ]);
    p.mounts[0]!.onSignedIn(session);
    expect(p.ready).toStrictEqual([session]);
    expect(window.deskgate?.session).toStrictEqual(session);
  });

  it("says that a second tag's different tenant and apiUrl were ignored", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const p = page();
    startLoader(tag({ tenant: 'demo' }), p.loadOverlay, p.environment);
    startLoader(
      tag({ tenant: 'acme' }, 'https://auth.other.example/sdk/deskgate.js'),
      p.loadOverlay,
      p.environment,
    );
    startLoader(tag({ tenant: 'Not valid' }), p.loadOverlay, p.environment);
    expect(warn.mock.calls.map(([message]) => message)).toStrictEqual([
      `deskgate: deskgate.js is included more than once; window.deskgate stays the first instance and this tag is ignored, with its tenant "acme" and apiUrl "https://auth.other.example" (the page uses tenant "demo" at ${API}).`,
      `deskgate: deskgate.js is included more than once; window.deskgate stays the first instance and this tag is ignored, with its tenant "Not valid" and apiUrl "${API}" (the page uses tenant "demo" at ${API}).`,
    ]);
    expect(p.requests.every((r) => r.includes('/t/demo/'))).toBe(true);
  });

  it('a tag with a bad tenant or apiUrl starts nothing, says why (console and deskgate:error on window), and leaves room for a good one', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const seen: unknown[] = [];
    const listener = (event: Event) => seen.push((event as CustomEvent).detail);
    addEventListener('deskgate:error', listener);
    try {
      const p = page();
      expect(startLoader(tag({}), p.loadOverlay, p.environment)).toBeUndefined();
      expect(
        startLoader(tag({ tenant: 'demo', apiUrl: 'auth.example.com' }), p.loadOverlay, p.environment),
      ).toBe(undefined);
      const messages = [
        'Not started: tenant must match /^[a-z0-9]{3,}$/, got undefined',
        'Not started: apiUrl must be an absolute http(s) URL, got "auth.example.com"',
      ];
      expect(seen).toStrictEqual(messages.map((message) => ({ code: 'invalid_option', message })));
      expect(consoleError.mock.calls).toStrictEqual(messages.map((message) => [`deskgate: ${message}`]));
      expect(window.deskgate).toBeUndefined();
      expect(p.requests).toStrictEqual([]);

      const good = startLoader(tag({ tenant: 'demo' }), p.loadOverlay, p.environment);
      expect(good).toBeDefined();
      expect(window.deskgate).toBe(good);
    } finally {
      removeEventListener('deskgate:error', listener);
    }
  });

  it('without its own tag (a module script has no document.currentScript) it says so and starts nothing', () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const p = page();
    expect(startLoader(null, p.loadOverlay, p.environment)).toBeUndefined();
    expect(consoleError).toHaveBeenCalledWith(
      'deskgate: deskgate.js needs a classic <script src> tag (not type="module"); not started.',
    );
    expect(window.deskgate).toBeUndefined();
  });

  describe('sign-in with an API key', () => {
    let original: { url: string; state: unknown } | undefined;
    const visit = (query: string) => {
      original ??= { url: location.href, state: history.state };
      history.replaceState({ widget: 1 }, '', `${location.pathname}${query}#panel`);
    };
    afterEach(() => {
      if (original) history.replaceState(original.state, '', original.url);
    });

    it('data-from-url: takes the key and the agent from the page URL and removes them at once; no overlay', async () => {
      visit('?conversation=c1&apiKey=dgk_k&agentId=7&agentName=Ann&agentEmail=ann%40example.com');
      const p = page();
      startLoader(tag({ tenant: 'demo', fromUrl: '' }), p.loadOverlay, p.environment, p.loadExchange);
      expect(location.search, 'synchronously').toBe('?conversation=c1');
      expect(location.hash).toBe('#panel');
      expect(history.state).toStrictEqual({ widget: 1 });
      await vi.waitFor(() => expect(p.ready).toStrictEqual([session]));
      expect(p.requests).toStrictEqual([`POST ${API}/t/demo/session/api-key`]);
      expect(p.sent[0]!.headers.get('authorization')).toBe('Bearer dgk_k');
      expect(await p.sent[0]!.json()).toStrictEqual({
        agentId: '7',
        agentName: 'Ann',
        email: 'ann@example.com',
      });
      expect(p.mounts, 'no overlay').toStrictEqual([]);
    });

    it('data-api-key and data-agent-* win over the URL, which is cleaned all the same', async () => {
      visit('?apiKey=from-url&agentId=7&agentEmail=ann%40example.com');
      const p = page();
      const attributes = { tenant: 'demo', fromUrl: '', apiKey: 'dgk_tag', agentId: 'a1', agentName: 'Ann' };
      startLoader(tag(attributes), p.loadOverlay, p.environment, p.loadExchange);
      expect(location.search).toBe('');
      await vi.waitFor(() => expect(p.ready).toHaveLength(1));
      expect(p.sent[0]!.headers.get('authorization')).toBe('Bearer dgk_tag');
      expect(await p.sent[0]!.json()).toStrictEqual({
        agentId: 'a1',
        agentName: 'Ann',
        email: 'ann@example.com',
      });
    });

    it('without data-from-url leaves the URL alone and, without a key, shows the overlay', async () => {
      visit('?apiKey=dgk_k&agentId=7');
      const p = page();
      startLoader(tag({ tenant: 'demo' }), p.loadOverlay, p.environment, p.loadExchange);
      await vi.waitFor(() => expect(p.mounts).toHaveLength(1));
      expect(location.search).toBe('?apiKey=dgk_k&agentId=7');
      expect(p.requests).toStrictEqual([`GET ${API}/t/demo/auth/refresh/status`]);
    });
  });
});
