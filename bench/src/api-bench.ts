// Our API under load on one store: every scenario at peak (as fast as it answers, at a fixed concurrency) and
// at half that rate; then, on PostgreSQL, one instance against two; and a CPU profile of one refresh run.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadResult, load, peakRssMb, sumErrorKinds } from './load.ts';
import { deploy, startServer } from './ours.ts';
import { SCENARIOS, type Scenario } from './scenarios.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ScenarioResult {
  scenario: Scenario;
  peak: LoadResult;
  half: LoadResult;
}

export interface StoreResults {
  store: 'SQLite' | 'PostgreSQL';
  scenarios: ScenarioResult[];
  /**
   * GET /healthz at peak on the same server: every request's middleware (request log, metrics, security
   * headers) and Node's HTTP, with no tenant, no store and no cryptography. What any request costs at least.
   */
  floor: LoadResult;
  rssMb: number;
}

export interface RunSize {
  connections: number;
  /** Requests of each peak run; a half-peak run sends half as many. */
  amount: number;
}

export async function benchStore(size: RunSize, databaseUrl?: string): Promise<StoreResults> {
  const deployment = await deploy({ databaseUrl });
  try {
    const server = deployment.servers[0]!;
    const scenarios: ScenarioResult[] = [];
    for (const scenario of SCENARIOS) {
      const half = Math.max(1, Math.floor(size.amount / 2));
      const options = await scenario.prepare(deployment, size.amount + half);
      const base = { url: server.url, connections: size.connections, ...options };
      const peak = await load({ ...base, amount: size.amount });
      const halfRun = await load({ ...base, amount: half, rate: Math.max(1, Math.round(peak.rps / 2)) });
      scenarios.push({ scenario, peak, half: halfRun });
    }
    const floor = await load({
      url: server.url,
      connections: size.connections,
      amount: size.amount,
      path: '/healthz',
    });
    return {
      store: databaseUrl ? 'PostgreSQL' : 'SQLite',
      scenarios,
      floor,
      rssMb: await peakRssMb(server.child.pid!),
    };
  } finally {
    await deployment.close();
  }
}

export interface Scaling {
  one: LoadResult;
  two: LoadResult;
}

/** Refresh throughput of one instance, then of two on the same PostgreSQL database, at equal total concurrency. */
export async function benchScaling(size: RunSize, databaseUrl: string): Promise<Scaling> {
  const deployment = await deploy({ databaseUrl, instances: 2 });
  try {
    const refresh = SCENARIOS.find((s) => s.name === 'refresh')!;
    const [a, b] = [deployment.servers[0]!, deployment.servers[1]!];
    const options = await refresh.prepare(deployment, size.amount * 2);
    const one = await load({ ...options, url: a.url, connections: size.connections, amount: size.amount });
    const halves = await Promise.all(
      [a, b].map((server) =>
        load({
          ...options,
          url: server.url,
          connections: Math.max(1, size.connections / 2),
          amount: Math.floor(size.amount / 2),
        }),
      ),
    );
    const two: LoadResult = {
      rps: halves[0]!.rps + halves[1]!.rps,
      p50: Math.max(halves[0]!.p50, halves[1]!.p50),
      p99: Math.max(halves[0]!.p99, halves[1]!.p99),
      max: Math.max(halves[0]!.max, halves[1]!.max),
      errors: halves[0]!.errors + halves[1]!.errors,
      errorKinds: sumErrorKinds(...halves),
      requests: halves[0]!.requests + halves[1]!.requests,
    };
    return { one, two };
  } finally {
    await deployment.close();
  }
}

export interface ProfileEntry {
  name: string;
  where: string;
  selfPercent: number;
}

export interface Profile {
  top: ProfileEntry[];
  /** Self time by where the code lives: ours, a dependency, Node itself, the garbage collector, idle. */
  byArea: { area: string; selfPercent: number }[];
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

function areaOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(idle)' || name === '(program)')
    return name === '(idle)' ? 'idle' : 'V8 and native (program)';
  if (!url) return 'native (crypto, I/O, C++)';
  if (url.startsWith('node:')) return 'Node.js internals';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return `dependency: ${pkg}`;
  if (url.includes('/packages/') || url.includes('/apps/')) return 'deskgate';
  return 'other';
}

/** A run of `scenario` against a server started with --cpu-prof; self time per function and per area. */
export async function profileRun(size: RunSize, scenario: Scenario['name'] = 'refresh'): Promise<Profile> {
  const dir = await mkdtemp(join(tmpdir(), 'deskgate-prof-'));
  try {
    const deployment = await deploy({});
    try {
      // A second server on the same data, profiled from its start to its exit.
      const options = await SCENARIOS.find((s) => s.name === scenario)!.prepare(deployment, size.amount);
      const profiled = await startServer(deployment.env, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
      await load({ ...options, url: profiled.url, connections: size.connections, amount: size.amount });
      await profiled.stop();
    } finally {
      await deployment.close();
    }
    const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no CPU profile was written');
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const self = new Map<number, number>();
    let total = 0;
    profile.samples.forEach((id, i) => {
      const delta = profile.timeDeltas[i] ?? 0;
      self.set(id, (self.get(id) ?? 0) + delta);
      total += delta;
    });
    const functions = new Map<string, ProfileEntry>();
    const areas = new Map<string, number>();
    for (const [id, time] of self) {
      const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
      const name = functionName || '(anonymous)';
      const where = url ? `${relative(ROOT, url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '';
      const key = `${name} ${where}`;
      const entry = functions.get(key) ?? { name, where, selfPercent: 0 };
      entry.selfPercent += (time / total) * 100;
      functions.set(key, entry);
      const area = areaOf(url, name);
      areas.set(area, (areas.get(area) ?? 0) + (time / total) * 100);
    }
    const round = (n: number) => Math.round(n * 10) / 10;
    return {
      top: [...functions.values()]
        .filter((f) => f.name !== '(idle)')
        .sort((a, b) => b.selfPercent - a.selfPercent)
        .slice(0, 15)
        .map((f) => ({ ...f, selfPercent: round(f.selfPercent) })),
      byArea: [...areas.entries()]
        .map(([area, percent]) => ({ area, selfPercent: round(percent) }))
        .sort((a, b) => b.selfPercent - a.selfPercent),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
