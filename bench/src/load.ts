// One load run with autocannon, from this process against a server in another: requests per second, latency
// percentiles, errors, and the server's peak RSS (VmHWM, which the kernel keeps for the process's whole life,
// so each server process is measured from a fresh start).
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';

export interface LoadResult {
  /** Completed requests per second over the run. */
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** Requests that failed: connection errors, timeouts and answers other than the expected status. */
  errors: number;
  /** The errors by kind: `status 503`, `timeout`, `connection`. */
  errorKinds: Record<string, number>;
  requests: number;
}

export interface LoadOptions {
  url: string;
  /** Concurrent connections (each with one request in flight). */
  connections: number;
  /** Total requests; each request of a single-use credential takes one from its pool. */
  amount: number;
  /** A fixed rate for the whole run, requests/s (half-peak runs); omitted: as fast as the server answers. */
  rate?: number;
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A per-request change (a fresh refresh cookie, the next token): called once per request sent. */
  next?: (request: { headers: Record<string, string>; body?: string }) => void;
  /** The status every answer must have; others count as errors. @default 200 */
  expect?: number;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  return options.rate ? paced(options, options.rate) : flat(options);
}

/**
 * A fixed rate, open loop: request i leaves at start + i/rate whatever the earlier ones are doing, over a pool
 * of keep-alive connections that grows when answers are slow, and its latency counts from that planned moment.
 * (autocannon's own rate limit sends each second's requests in a burst at the second's start, which measures
 * the burst, not the service.) Every request is prepared here and sent from a thread of its own
 * (paced-worker.mjs), away from this thread's garbage collection.
 */
async function paced(options: LoadOptions, rate: number): Promise<LoadResult> {
  const requests = Array.from({ length: options.amount }, () => {
    const copy = { headers: { ...(options.headers ?? {}) }, body: options.body };
    options.next?.(copy);
    return { method: options.method ?? 'GET', path: options.path, ...copy };
  });
  const worker = new Worker(new URL('./paced-worker.mjs', import.meta.url), {
    workerData: {
      url: options.url,
      rate,
      connections: options.connections,
      expect: options.expect ?? 200,
      requests,
    },
  });
  const { latencies, kinds, seconds } = await new Promise<{
    latencies: number[];
    kinds: Record<string, number>;
    seconds: number;
  }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the paced loader stopped (exit code ${code})`)));
  });
  await worker.terminate();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return {
    rps: Math.round(latencies.length / seconds),
    p50: at(0.5),
    p99: at(0.99),
    max: Math.round(latencies.at(-1) ?? 0),
    errors: total(kinds),
    errorKinds: kinds,
    requests: latencies.length,
  };
}

/** As fast as the server answers, over a fixed number of connections each with one request in flight. */
async function flat(options: LoadOptions): Promise<LoadResult> {
  const expect = options.expect ?? 200;
  const kinds: Record<string, number> = {};
  const started = performance.now();
  let lastAnswer = started;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    amount: options.amount,
    timeout: 10,
    requests: [
      {
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers ?? {},
        ...(options.body !== undefined && { body: options.body }),
        ...(options.next && {
          setupRequest: (request: autocannon.Request) => {
            const copy = {
              headers: { ...(request.headers as Record<string, string>) },
              body: request.body as string | undefined,
            };
            options.next!(copy);
            return { ...request, headers: copy.headers, body: copy.body };
          },
        }),
        onResponse: (status: number) => {
          if (status !== expect) count(kinds, `status ${status}`);
          lastAnswer = performance.now();
        },
      },
    ],
  });
  // From the start to the last answer: autocannon's own duration, and its end, fall on whole seconds.
  const seconds = (lastAnswer - started) / 1000;
  const done = result.requests.total;
  return {
    rps: Math.round(done / seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + total(kinds),
    errorKinds: {
      ...kinds,
      // autocannon counts a timeout among its errors as well.
      ...(result.timeouts && { timeout: result.timeouts }),
      ...(result.errors - result.timeouts > 0 && { connection: result.errors - result.timeouts }),
    },
    requests: done,
  };
}

function count(kinds: Record<string, number>, kind: string): void {
  kinds[kind] = (kinds[kind] ?? 0) + 1;
}

const total = (kinds: Record<string, number>) => Object.values(kinds).reduce((sum, n) => sum + n, 0);

/** The error kinds of several runs, counted together. */
export function sumErrorKinds(...results: LoadResult[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const result of results)
    for (const [kind, n] of Object.entries(result.errorKinds)) kinds[kind] = (kinds[kind] ?? 0) + n;
  return kinds;
}

/** The peak resident set size of a process (Linux VmHWM), in MB. */
export async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
  return Math.round(kb / 1024);
}
