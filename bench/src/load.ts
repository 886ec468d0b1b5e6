// One load run with autocannon, from this process against a server in another: requests per second, latency
// percentiles, errors, and the server's peak RSS (VmHWM, which the kernel keeps for the process's whole life,
// so each server process is measured from a fresh start).
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';

export interface LoadResult {
  /** Completed requests per second over the run. */
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** Requests that failed: connection errors, timeouts and answers other than the expected status. */
  errors: number;
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
  const expect = options.expect ?? 200;
  let unexpected = 0;
  const started = performance.now();
  let lastAnswer = started;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    amount: options.amount,
    ...(options.rate ? { overallRate: options.rate } : {}),
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
          if (status !== expect) unexpected++;
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
    errors: result.errors + result.timeouts + unexpected,
    requests: done,
  };
}

/** The peak resident set size of a process (Linux VmHWM), in MB. */
export async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
  return Math.round(kb / 1024);
}
