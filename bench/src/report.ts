// BENCHMARKS.md from one run's results: the machine, every figure, the ratios and the targets; the findings
// (what the profile showed and what was changed, with the numbers before and after) come from findings.md.
import { readFileSync } from 'node:fs';
import type { ScenarioResult } from './api-bench.ts';
import { WORK } from './ceiling.ts';
import type { LoadResult } from './load.ts';
import type { BenchResults } from './run.ts';

const FINDINGS = new URL('../findings.md', import.meta.url);

/** A package's version, from the bench's or the API's dependencies (some export no package.json). */
function version(pkg: string): string {
  for (const dir of ['../node_modules/', '../../apps/api/node_modules/']) {
    try {
      const manifest = readFileSync(new URL(`${dir}${pkg}/package.json`, import.meta.url), 'utf8');
      return (JSON.parse(manifest) as { version: string }).version;
    } catch {}
  }
  return '?';
}

const n = (value: number) => value.toLocaleString('en-US');
const ms = (value: number) => `${Math.round(value * 10) / 10}`;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : '-');
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const table = (head: string[], rows: (string | number)[][]) =>
  [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
const pass = (ok: boolean) => (ok ? 'met' : '**not met**');

/** The count, and what they were: `1 (status 500)`. */
function errorCell(result: LoadResult): string {
  const kinds = Object.entries(result.errorKinds).map(([kind, count]) => `${kind}: ${n(count)}`);
  return kinds.length ? `${n(result.errors)} (${kinds.join(', ')})` : n(result.errors);
}

function loadCells(result: LoadResult) {
  return [n(result.rps), ms(result.p50), ms(result.p99), ms(result.max), errorCell(result)];
}

export function renderReport(results: BenchResults): string {
  const sqlite = results.stores[0]!;
  const of = (name: string, store = sqlite): ScenarioResult =>
    store.scenarios.find((s) => s.scenario.name === name)!;
  const ceiling = results.ceiling.node;
  const peerRefresh = results.peer.refresh.peak.rps;
  const out: string[] = [];
  out.push('# Benchmarks');
  out.push('');
  out.push(
    `Written by \`pnpm bench\` on ${results.at.toISOString().slice(0, 16).replace('T', ' ')} UTC` +
      (results.smoke ? ' as a **smoke run** (a few requests each: the figures mean nothing).' : '.') +
      ' Every figure below comes from that one run on this machine; rerun it to compare. How it measures: ' +
      '`bench/src/` (autocannon in the benchmark process against the API in a child process, as `node apps/api/src/main.ts` runs it).',
  );
  out.push('');
  const m = results.machine;
  out.push(
    table(
      ['machine', ''],
      [
        ['CPU', `${m.cpu}, ${m.cores} cores (the load generator shares them with the server)`],
        ['memory', `${m.memoryGb} GB`],
        ['Node.js', m.node],
        ['PostgreSQL', m.postgres ?? 'not measured (set DATABASE_URL)'],
        [
          'packages',
          ['hono', 'jose', 'pg', 'oidc-provider', 'autocannon', 'playwright']
            .map((p) => `${p} ${version(p)}`)
            .join(', '),
        ],
        [
          'load',
          `${results.size.connections} connections; ${n(results.size.amount)} requests a peak run, half as many at half the peak rate`,
        ],
      ],
    ),
  );
  out.push('');
  out.push('## Targets');
  out.push('');
  const half = results.stores.flatMap((store) => store.scenarios.map((s) => ({ store: store.store, s })));
  const worstHalfP99 = Math.max(...half.map(({ s }) => s.half.p99));
  const rss = Math.max(...results.stores.map((s) => s.rssMb));
  const browsers = results.browsers ?? [];
  const targets: string[][] = [
    [
      "refresh >= 2x the peer's refresh_token grant",
      `${ratio(of('refresh').peak.rps, peerRefresh)}`,
      pass(of('refresh').peak.rps >= 2 * peerRefresh),
    ],
    [
      "platform-JWT sign-in >= 2x the peer's refresh_token grant",
      `${ratio(of('jwt').peak.rps, peerRefresh)}`,
      pass(of('jwt').peak.rps >= 2 * peerRefresh),
    ],
    [
      'refresh >= 60% of its crypto ceiling',
      `${ratio(of('refresh').peak.rps, ceiling.refresh)}`,
      pass(of('refresh').peak.rps >= 0.6 * ceiling.refresh),
    ],
    [
      'platform-JWT sign-in >= 60% of its crypto ceiling',
      `${ratio(of('jwt').peak.rps, ceiling.jwt)}`,
      pass(of('jwt').peak.rps >= 0.6 * ceiling.jwt),
    ],
    [
      'GET /auth/session >= 80% of its crypto ceiling',
      `${ratio(of('session').peak.rps, ceiling.session)}`,
      pass(of('session').peak.rps >= 0.8 * ceiling.session),
    ],
    [
      'p99 <= 15 ms at half-peak (every request, every store)',
      `${ms(worstHalfP99)} ms`,
      pass(worstHalfP99 <= 15),
    ],
    ['peak RSS <= 150 MB', `${rss} MB`, pass(rss <= 150)],
    ...(browsers.length
      ? [
          [
            "a signed-in agent's page makes exactly one API request after the loader",
            browsers.map((b) => `${b.browser}: ${b.readyRequests} (${b.readyPaths.join(', ')})`).join('; '),
            pass(browsers.every((b) => b.readyRequests === 1)),
          ],
        ]
      : []),
  ];
  out.push(table(['target', 'measured', ''], targets));
  out.push('');
  out.push(
    'Ratios are SQLite figures at peak; the ceiling is node:crypto with KeyObjects on one core (below).',
  );
  out.push('');
  for (const store of results.stores) {
    out.push(`## Our API on ${store.store}`);
    out.push('');
    out.push(
      table(
        [
          'request',
          'peak req/s',
          'p50 ms',
          'p99 ms',
          'max ms',
          'errors',
          'half-peak req/s',
          'p50 ms',
          'p99 ms',
          'max ms',
          'errors',
          'ceiling ops/s',
          'ours/ceiling',
        ],
        store.scenarios.map(({ scenario, peak, half: h }) => [
          scenario.title,
          ...loadCells(peak),
          ...loadCells(h),
          n(ceiling[scenario.name]),
          ratio(peak.rps, ceiling[scenario.name]),
        ]),
      ),
    );
    out.push('');
    out.push(`Peak RSS of the API process over the whole run: ${store.rssMb} MB.`);
    out.push('');
  }
  out.push('## The peer: oidc-provider');
  out.push('');
  out.push(
    `oidc-provider ${version('oidc-provider')} in a child process, storage an unbounded Map (its bundled memory adapter is an LRU of 1,000 entries), ` +
      'refresh tokens minted beforehand through its own models. Its `refresh_token` grant rotates the token and answers with an ES256 JWT access token for a resource server; ' +
      '`client_credentials` issues the same kind of access token with no token to look up.',
  );
  out.push('');
  const peer = results.peer;
  out.push(
    table(
      [
        'grant',
        'req/s',
        'p50 ms',
        'p99 ms',
        'max ms',
        'errors',
        'ours/peer (refresh)',
        'ours/peer (platform JWT)',
      ],
      [
        [
          'refresh_token, peak',
          ...loadCells(peer.refresh.peak),
          ratio(of('refresh').peak.rps, peer.refresh.peak.rps),
          ratio(of('jwt').peak.rps, peer.refresh.peak.rps),
        ],
        ['refresh_token, half-peak', ...loadCells(peer.refresh.half), '', ''],
        [
          'client_credentials, peak',
          ...loadCells(peer.clientCredentials),
          ratio(of('refresh').peak.rps, peer.clientCredentials.rps),
          ratio(of('jwt').peak.rps, peer.clientCredentials.rps),
        ],
      ],
    ),
  );
  out.push('');
  out.push(`Peak RSS of the peer: ${peer.rssMb} MB.`);
  out.push('');
  out.push('## The crypto ceiling');
  out.push('');
  out.push('The cryptographic work of each request alone, in one process on one core, no HTTP, no store.');
  out.push('');
  out.push(
    table(
      ['request', 'work', 'node:crypto + KeyObject ops/s', 'jose over WebCrypto ops/s'],
      (Object.keys(WORK) as (keyof typeof WORK)[]).map((work) => [
        work,
        WORK[work],
        n(ceiling[work]),
        n(results.ceiling.jose[work]),
      ]),
    ),
  );
  out.push('');
  out.push('### The HTTP floor');
  out.push('');
  const floor = sqlite.floor.rps;
  out.push(
    `\`GET /healthz\` on the same server in the same run (every request's middleware: the request log, metrics, ` +
      `security headers; no tenant, no store, no cryptography) answered ${n(floor)} req/s at ` +
      `${results.size.connections} connections: about ${n(Math.round(1e6 / floor))} µs a request before any work. ` +
      'A request whose only other cost were its cryptography (no tenant, no store, no cookies) could answer at most ' +
      '1 / (1/floor + 1/ceiling) requests a second, on one core as both figures are:',
  );
  out.push('');
  const bound = (work: keyof typeof WORK) => Math.round(1 / (1 / floor + 1 / ceiling[work]));
  out.push(
    table(
      [
        'request',
        'ceiling ops/s',
        'floor + cryptography, req/s',
        'of the ceiling',
        'measured req/s',
        'of that bound',
      ],
      (['session', 'refresh', 'jwt'] as const).map((work) => [
        work,
        n(ceiling[work]),
        n(bound(work)),
        ratio(bound(work), ceiling[work]),
        n(of(work).peak.rps),
        ratio(of(work).peak.rps, bound(work)),
      ]),
    ),
  );
  out.push('');
  if (results.scaling) {
    const { one, two } = results.scaling;
    out.push('## One instance against two, on PostgreSQL');
    out.push('');
    out.push(
      table(
        ['instances', 'refresh req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors'],
        [
          ['1', ...loadCells(one)],
          ['2', ...loadCells(two)],
        ],
      ),
    );
    out.push('');
    out.push(
      `Two instances give ${ratio(two.rps, one.rps)} of one on this ${m.cores}-core machine, where the load generator and PostgreSQL share the cores: see docs/operations.md for what it implies for a deployment.`,
    );
    out.push('');
  }
  if (results.profile) {
    out.push('## Where the time goes');
    out.push('');
    out.push(
      'A CPU profile (`node --cpu-prof`) of the API serving one refresh run on SQLite: self time by area, and the 15 functions with the most.',
    );
    out.push('');
    out.push(
      table(
        ['area', 'self time'],
        results.profile.byArea.filter((a) => a.selfPercent >= 0.5).map((a) => [a.area, `${a.selfPercent}%`]),
      ),
    );
    out.push('');
    out.push(
      table(
        ['function', 'where', 'self time'],
        results.profile.top.map((f) => [
          `\`${f.name}\``,
          f.where ? `\`${f.where}\`` : '',
          `${f.selfPercent}%`,
        ]),
      ),
    );
    out.push('');
  }
  out.push('## SDK');
  out.push('');
  out.push('Transfer sizes of the script-tag builds, each file compressed on its own as a server sends it.');
  out.push('');
  out.push(
    table(
      ['script', 'file', 'bytes', 'gzip -9', 'brotli 11'],
      results.sizes.map((s) => [s.name, `\`${s.file}\``, n(s.raw), n(s.gzip), n(s.brotli)]),
    ),
  );
  out.push('');
  if (browsers.length) {
    out.push(
      `In real browsers on loopback (the end-to-end stack: two HTTPS sites), median of ${browsers[0]!.runs} page loads, measured from the loader script's arrival (its responseEnd):`,
    );
    out.push('');
    out.push(
      table(
        [
          'browser',
          'signed in: to `deskgate:ready`',
          'API requests',
          "signed out: to the overlay's button",
          'API requests',
        ],
        browsers.map((b) => [
          b.browser,
          `${b.readyMs} ms`,
          b.readyRequests,
          `${b.overlayMs} ms`,
          b.overlayRequests,
        ]),
      ),
    );
    out.push('');
  }
  out.push(readFileSync(FINDINGS, 'utf8').trim());
  out.push('');
  return out.join('\n');
}
