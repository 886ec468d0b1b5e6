// One load run with autocannon, from this process against a server in another: requests per second, latency
// percentiles, errors, and the server's peak RSS (VmHWM, which the kernel keeps for the process's whole life,
// so each server process is measured from a fresh start).
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
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
 * the burst, not the service.)
 */
async function paced(options: LoadOptions, rate: number): Promise<LoadResult> {
  const expect = options.expect ?? 200;
  const url = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(options.connections, 64) });
  const latencies: number[] = [];
  const kinds: Record<string, number> = {};
  const started = performance.now();
  let lastAnswer = started;
  const one = (planned: number) =>
    new Promise<void>((resolve) => {
      const copy = { headers: { ...(options.headers ?? {}) }, body: options.body };
      options.next?.(copy);
      const body = copy.body === undefined ? undefined : Buffer.from(copy.body);
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: options.method ?? 'GET',
          path: options.path,
          headers: { ...copy.headers, ...(body && { 'content-length': String(body.length) }) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== expect) count(kinds, `status ${res.statusCode}`);
            lastAnswer = performance.now();
            latencies.push(lastAnswer - planned);
            resolve();
          });
        },
      );
      req.on('error', () => {
        count(kinds, 'connection');
        resolve();
      });
      req.end(body);
    });
  const pending: Promise<void>[] = [];
  for (let i = 0; i < options.amount; i++) {
    const planned = started + (i * 1000) / rate;
    const wait = planned - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(one(planned));
  }
  await Promise.all(pending);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return {
    rps: Math.round(latencies.length / ((lastAnswer - started) / 1000)),
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

/** The peak resident set size of a process (Linux VmHWM), in MB. */
export async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
  return Math.round(kb / 1024);
}
