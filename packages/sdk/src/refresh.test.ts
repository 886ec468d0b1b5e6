import type { SessionInfo } from '@deskgate/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeskgateError } from './http.ts';
import { createRefresher, RATE_LIMITED_FALLBACK_MS } from './refresh.ts';

const session = (id: string): SessionInfo => ({
  tenant: 'demo',
  user: { id, email: null, name: null, roles: [], confirmed: true, identity: null },
  accessExpiresAt: '2026-01-01T00:15:00Z',
  sessionExpiresAt: '2026-01-02T00:00:00Z',
});

/** A fake API with a cookie jar shared by all tabs: refresh rotates, probe reads (GET refresh/status). */
function fakeServer() {
  let current: SessionInfo | null = null;
  let refreshCookie = true;
  let refreshes = 0;
  let probes = 0;
  return {
    get refreshes() {
      return refreshes;
    },
    get probes() {
      return probes;
    },
    expireAccess() {
      current = null;
    },
    signOut() {
      current = null;
      refreshCookie = false;
    },
    refresh: async () => {
      refreshes++;
      await new Promise((r) => setTimeout(r, 5));
      current = session(`s${refreshes}`);
      return current;
    },
    probe: async () => {
      probes++;
      return { session: current, refreshable: refreshCookie };
    },
  };
}

const NOT_SIGNED_IN = { session: null, refreshable: true };

describe('createRefresher', () => {
  it('shares one in-flight refresh between concurrent callers in a tab', async () => {
    const server = fakeServer();
    const refreshSession = createRefresher({ refresh: server.refresh, probe: server.probe, lockName: 'x' });
    const results = await Promise.all([refreshSession(), refreshSession(), refreshSession()]);
    expect(server.refreshes).toBe(1);
    expect(server.probes, 'without locks there is nothing to re-probe for').toBe(0);
    expect(results.every((r) => r === results[0])).toBeTruthy();
  });

  it('starts a new refresh once the previous one settled', async () => {
    const server = fakeServer();
    const refreshSession = createRefresher({ refresh: server.refresh, probe: server.probe, lockName: 'x' });
    await refreshSession();
    await refreshSession();
    expect(server.refreshes).toBe(2);
  });

  it('lets the next call retry after a refresh that threw', async () => {
    let calls = 0;
    const refreshSession = createRefresher({
      refresh: async () => {
        calls++;
        if (calls === 1) throw new TypeError('Failed to fetch');
        return session('ok');
      },
      probe: async () => NOT_SIGNED_IN,
      lockName: 'x',
    });
    await expect(refreshSession()).rejects.toThrow(TypeError);
    expect((await refreshSession())?.user.id).toBe('ok');
  });

  it('resolves null when the refresh token is not usable', async () => {
    const refreshSession = createRefresher({
      refresh: async () => null,
      probe: async () => NOT_SIGNED_IN,
      lockName: 'x',
    });
    expect(await refreshSession()).toBe(null);
  });

  it("refreshes once across tabs with the browser's Web Locks: tabs queued on the lock find the new session by probing", async () => {
    const server = fakeServer();
    const lockName = `deskgate-refresh:${crypto.randomUUID()}`;
    const tabs = [1, 2, 3].map(() =>
      createRefresher({ refresh: server.refresh, probe: server.probe, lockName, locks: navigator.locks }),
    );
    const running = Promise.all(tabs.map((refreshSession) => refreshSession()));
    const state = await navigator.locks.query();
    expect(state.held?.filter((lock) => lock.name === lockName)).toHaveLength(1);
    expect(state.pending?.filter((lock) => lock.name === lockName)).toHaveLength(2);
    const results = await running;
    expect(server.refreshes).toBe(1);
    expect(results.map((r) => r?.user.id)).toStrictEqual(['s1', 's1', 's1']);
    expect((await navigator.locks.query()).held?.some((lock) => lock.name === lockName)).toBe(false);
  });

  it('refreshes inside the lock when the probe finds no session', async () => {
    const server = fakeServer();
    const refreshSession = createRefresher({
      refresh: server.refresh,
      probe: server.probe,
      lockName: `deskgate-refresh:${crypto.randomUUID()}`,
      locks: navigator.locks,
    });
    expect((await refreshSession())?.user.id).toBe('s1');
    server.expireAccess();
    expect((await refreshSession())?.user.id).toBe('s2');
    expect(server.probes).toBe(2);
    expect(server.refreshes).toBe(2);
  });

  it('sends no refresh inside the lock when the probe says no refresh cookie was sent (it could only fail)', async () => {
    const server = fakeServer();
    server.signOut();
    const refreshSession = createRefresher({
      refresh: server.refresh,
      probe: server.probe,
      lockName: `deskgate-refresh:${crypto.randomUUID()}`,
      locks: navigator.locks,
    });
    expect(await refreshSession()).toBe(null);
    expect(server.probes).toBe(1);
    expect(server.refreshes).toBe(0);
  });
});

describe('createRefresher: rate limits', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A refresh the API answers 429 (with the given Retry-After) until `limited` is set to false. */
  function limitedServer(retryAfterMs?: number) {
    const server = { limited: true, refreshes: 0, probes: 0 };
    const refresh = async () => {
      server.refreshes++;
      if (server.limited) throw new DeskgateError('rate_limited', 'Too many requests', retryAfterMs);
      return session('after');
    };
    const probe = async () => {
      server.probes++;
      return NOT_SIGNED_IN;
    };
    return { server, refreshSession: createRefresher({ refresh, probe, lockName: 'x' }) };
  }

  it('after a 429, fails at once with the same error, without a request, until Retry-After has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { server, refreshSession } = limitedServer(20_000);
    const first = await refreshSession().catch((e: unknown) => e);
    expect((first as DeskgateError).code).toBe('rate_limited');
    server.limited = false;
    vi.advanceTimersByTime(19_999);
    expect(await refreshSession().catch((e: unknown) => e)).toBe(first);
    expect(server.refreshes).toBe(1);
    vi.advanceTimersByTime(1);
    expect((await refreshSession())?.user.id).toBe('after');
    expect(server.refreshes).toBe(2);
  });

  it('holds back for a fallback time when the 429 carries no readable Retry-After', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { server, refreshSession } = limitedServer();
    await expect(refreshSession()).rejects.toMatchObject({ code: 'rate_limited' });
    server.limited = false;
    vi.advanceTimersByTime(RATE_LIMITED_FALLBACK_MS - 1);
    await expect(refreshSession()).rejects.toMatchObject({ code: 'rate_limited' });
    expect(server.refreshes).toBe(1);
    vi.advanceTimersByTime(1);
    expect((await refreshSession())?.user.id).toBe('after');
  });

  it('holds back after a 429 from the probe inside the cross-tab lock as well', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let probes = 0;
    const refreshSession = createRefresher({
      refresh: async () => session('refreshed'),
      probe: async () => {
        probes++;
        throw new DeskgateError('rate_limited', 'Too many requests', 1_000);
      },
      lockName: 'x',
      locks: { request: (_name, callback) => callback() },
    });
    await expect(refreshSession()).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(refreshSession()).rejects.toMatchObject({ code: 'rate_limited' });
    expect(probes).toBe(1);
  });
});
