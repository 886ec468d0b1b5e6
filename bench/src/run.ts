// `pnpm bench`: every measurement in one run on this machine, written to BENCHMARKS.md (docs of the figures in
// the file itself). `--smoke` runs each part for a moment, to prove the harness works (part of `pnpm test`).
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import pg from 'pg';
import {
  benchScaling,
  benchStore,
  type Profile,
  profileRun,
  type Scaling,
  type StoreResults,
} from './api-bench.ts';
import { type Ceiling, measureCeiling } from './ceiling.ts';
import { deploy } from './ours.ts';
import { benchPeer, type PeerResults } from './peer.ts';
import { type BrowserTimings, benchBrowsers } from './sdk-timing.ts';
import { measureSizes, type SizeRow } from './sizes.ts';

export interface BenchOptions {
  smoke: boolean;
  /** PostgreSQL for the second store and the scaling run; without it both are left out. */
  databaseUrl?: string;
  /** Leave the browser timings out (they need Chromium and Firefox). */
  browsers: boolean;
  log: (line: string) => void;
}

export interface BenchResults {
  at: Date;
  smoke: boolean;
  machine: { cpu: string; cores: number; memoryGb: number; node: string; postgres?: string };
  size: { connections: number; amount: number };
  ceiling: Ceiling;
  stores: StoreResults[];
  peer: PeerResults;
  scaling?: Scaling;
  profile?: Profile;
  sizes: SizeRow[];
  browsers?: BrowserTimings[];
}

/** A database of its own for one run, dropped afterwards. */
async function scratchDatabase(adminUrl: string) {
  const name = `deskgate_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const version = (await admin.query('SHOW server_version')).rows[0].server_version as string;
  return {
    url: url.href,
    version,
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const { log } = options;
  // 20 connections, as the peer comparison in the issue was measured; a smoke run only proves the harness.
  const size = options.smoke ? { connections: 4, amount: 60 } : { connections: 20, amount: 12_000 };
  const results: Partial<BenchResults> = {
    at: new Date(),
    smoke: options.smoke,
    size,
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
  };
  // The image's compile cache is filled by a first start, as a deployed instance's is by its first: every
  // figure below is of a restart, which is what runs in production.
  log("filling Node's compile cache");
  await (await deploy({})).close();
  log('ceiling: the cryptographic work in-process');
  results.ceiling = await measureCeiling(options.smoke ? 50 : 2_000);
  log('ours on SQLite');
  results.stores = [await benchStore(size)];
  const db = options.databaseUrl ? await scratchDatabase(options.databaseUrl) : undefined;
  if (db) {
    try {
      results.machine!.postgres = db.version;
      log('ours on PostgreSQL');
      results.stores.push(await benchStore(size, db.url));
    } finally {
      await db.drop();
    }
    const scaling = await scratchDatabase(options.databaseUrl!);
    try {
      log('one instance against two, on PostgreSQL');
      results.scaling = await benchScaling(size, scaling.url);
    } finally {
      await scaling.drop();
    }
  }
  log('the peer: oidc-provider');
  results.peer = await benchPeer(size);
  log('a CPU profile of the refresh');
  results.profile = await profileRun(size);
  log('SDK sizes');
  results.sizes = await measureSizes();
  if (options.browsers) {
    log('SDK timings in Chromium and Firefox');
    results.browsers = await benchBrowsers({ runs: options.smoke ? 1 : 15 });
  }
  return results as BenchResults;
}
