// A smoke run of `pnpm bench` (a few requests of each kind, every part of it, both stores when PostgreSQL is
// reachable, both browsers): the harness works and the report names every figure. It measures nothing:
// speed is read from a full `pnpm bench` run, never asserted by a test.
import assert from 'node:assert/strict';
import pg from 'pg';
import { describe, it } from 'vitest';
import { renderReport } from './report.ts';
import { runBench } from './run.ts';

const DATABASE_URL = process.env.DESKGATE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch (error) {
    if (process.env.CI) throw error;
    console.warn(`WARNING: the bench smoke run leaves PostgreSQL out (${(error as Error).message}).`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

describe('pnpm bench --smoke', () => {
  it('runs every part and reports every figure', async () => {
    const databaseUrl = (await reachable(DATABASE_URL)) ? DATABASE_URL : undefined;
    const results = await runBench({ smoke: true, databaseUrl, browsers: true, log: () => {} });
    const report = renderReport(results);
    const stores = databaseUrl ? ['SQLite', 'PostgreSQL'] : ['SQLite'];
    assert.deepEqual(
      results.stores.map((s) => s.store),
      stores,
    );
    for (const store of results.stores) {
      assert.equal(store.scenarios.length, 6);
      for (const { scenario, peak, half } of store.scenarios) {
        assert.deepEqual(
          [peak.errors, peak.errorKinds],
          [0, {}],
          `${store.store} ${scenario.name}: every request answered as expected`,
        );
        assert.deepEqual(
          [half.errors, half.errorKinds],
          [0, {}],
          `${store.store} ${scenario.name} at half-peak`,
        );
        assert.ok(peak.rps > 0 && peak.p99 >= peak.p50);
      }
      assert.ok(store.rssMb > 0);
      assert.deepEqual(
        [store.floor.errors, store.floor.requests > 0],
        [0, true],
        `${store.store} GET /healthz`,
      );
    }
    assert.equal(results.peer.refresh.peak.errors, 0, 'the peer rotated every refresh token');
    assert.equal(results.peer.clientCredentials.errors, 0);
    if (databaseUrl) assert.equal(results.scaling?.two.errors, 0);
    assert.ok(results.profile && results.profile.top.length > 0);
    assert.equal(results.sizes.length, 5);
    assert.deepEqual(
      results.browsers?.map((b) => [b.browser, b.readyRequests]),
      [
        ['Chromium', 1],
        ['Firefox', 1],
      ],
      'a signed-in page makes one API request after the loader',
    );
    for (const heading of [
      '## Targets',
      '## Our API on SQLite',
      '## The peer: oidc-provider',
      '## The crypto ceiling',
      '### The HTTP floor',
      '## Where the time goes',
      '## SDK',
    ])
      assert.ok(report.includes(heading), heading);
    assert.match(report, /smoke run/);
  }, 180_000);
});
