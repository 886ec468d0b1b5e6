import assert from 'node:assert/strict';
import type { SessionInfo } from '@deskgate/protocol';
import { describe, it } from 'vitest';
import { createRefresher, type LockManagerLike } from './refresh.ts';

const session = (id: string): SessionInfo => ({
  tenant: 'demo',
  user: { id, email: null, name: null, roles: [], confirmed: true },
  accessExpiresAt: '2026-01-01T00:15:00Z',
  sessionExpiresAt: '2026-01-02T00:00:00Z',
});

/** An in-memory exclusive lock manager, shared by "tabs" like navigator.locks is. */
function fakeLocks(): LockManagerLike & { names: string[] } {
  const tails = new Map<string, Promise<unknown>>();
  const names: string[] = [];
  return {
    names,
    request<T>(name: string, callback: () => Promise<T>): Promise<T> {
      names.push(name);
      const run = (tails.get(name) ?? Promise.resolve()).then(callback);
      tails.set(
        name,
        run.catch(() => {}),
      );
      return run;
    },
  };
}

/** A fake API with a cookie jar shared by all tabs: refresh rotates, probe reads. */
function fakeServer() {
  let current: SessionInfo | null = null;
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
    refresh: async () => {
      refreshes++;
      await new Promise((r) => setTimeout(r, 5));
      current = session(`s${refreshes}`);
      return current;
    },
    probe: async () => {
      probes++;
      return current;
    },
  };
}

describe('createRefresher', () => {
  it('shares one in-flight refresh between concurrent callers in a tab', async () => {
    const server = fakeServer();
    const refreshSession = createRefresher({ refresh: server.refresh, probe: server.probe, lockName: 'x' });
    const results = await Promise.all([refreshSession(), refreshSession(), refreshSession()]);
    assert.equal(server.refreshes, 1);
    assert.equal(server.probes, 0, 'without locks there is nothing to re-probe for');
    assert.ok(results.every((r) => r === results[0]));
  });

  it('starts a new refresh once the previous one settled', async () => {
    const server = fakeServer();
    const refreshSession = createRefresher({ refresh: server.refresh, probe: server.probe, lockName: 'x' });
    await refreshSession();
    await refreshSession();
    assert.equal(server.refreshes, 2);
  });

  it('lets the next call retry after a refresh that threw', async () => {
    let calls = 0;
    const refreshSession = createRefresher({
      refresh: async () => {
        calls++;
        if (calls === 1) throw new TypeError('Failed to fetch');
        return session('ok');
      },
      probe: async () => null,
      lockName: 'x',
    });
    await assert.rejects(refreshSession(), TypeError);
    assert.equal((await refreshSession())?.user.id, 'ok');
  });

  it('resolves null when the refresh token is not usable', async () => {
    const refreshSession = createRefresher({
      refresh: async () => null,
      probe: async () => null,
      lockName: 'x',
    });
    assert.equal(await refreshSession(), null);
  });

  it('refreshes once across tabs: the tabs queued on the lock find the new session by probing', async () => {
    const server = fakeServer();
    const locks = fakeLocks();
    const tabs = [1, 2, 3].map(() =>
      createRefresher({
        refresh: server.refresh,
        probe: server.probe,
        lockName: 'deskgate-refresh:demo',
        locks,
      }),
    );
    const results = await Promise.all(tabs.map((refreshSession) => refreshSession()));
    assert.equal(server.refreshes, 1);
    assert.deepEqual(
      results.map((r) => r?.user.id),
      ['s1', 's1', 's1'],
    );
    assert.deepEqual(locks.names, [
      'deskgate-refresh:demo',
      'deskgate-refresh:demo',
      'deskgate-refresh:demo',
    ]);
  });

  it('refreshes inside the lock when the probe finds no session', async () => {
    const server = fakeServer();
    const refreshSession = createRefresher({
      refresh: server.refresh,
      probe: server.probe,
      lockName: 'l',
      locks: fakeLocks(),
    });
    assert.equal((await refreshSession())?.user.id, 's1');
    server.expireAccess();
    assert.equal((await refreshSession())?.user.id, 's2');
    assert.equal(server.probes, 2);
    assert.equal(server.refreshes, 2);
  });
});
