// The fixed-rate run of load.ts, on a thread of its own. The benchmark's main thread holds thousands of prepared
// credentials and autocannon's results, and its garbage collector paused it for 10 to 50 ms at times: a loader
// on that thread sent late and counted the delay as the server's latency. Plain JavaScript, as a thread that
// strips types would load a compiler first.
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ url: string, rate: number, connections: number, expect: number, requests: { method: string, path: string, headers: Record<string, string>, body?: string }[] }} */
const { url: href, rate, connections, expect, requests } = workerData;
const url = new URL(href);
const agent = new Agent({ keepAlive: true, maxSockets: Math.max(connections, 64) });
/** @type {number[]} */
const latencies = [];
/** @type {Record<string, number>} */
const kinds = {};
const count = (/** @type {string} */ kind) => {
  kinds[kind] = (kinds[kind] ?? 0) + 1;
};
const started = performance.now();
let lastAnswer = started;

/** Sends request `i` and resolves once its answer has been read, whatever it was. */
function one(/** @type {number} */ i, /** @type {number} */ planned) {
  const spec = requests[i];
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: spec.method,
        path: spec.path,
        headers: { ...spec.headers, ...(body && { 'content-length': String(body.length) }) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== expect) count(`status ${res.statusCode}`);
          lastAnswer = performance.now();
          latencies.push(lastAnswer - planned);
          resolve(undefined);
        });
      },
    );
    req.on('error', () => {
      count('connection');
      resolve(undefined);
    });
    req.end(body);
  });
}

const pending = [];
for (let i = 0; i < requests.length; i++) {
  const planned = started + (i * 1000) / rate;
  const wait = planned - performance.now();
  if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  pending.push(one(i, planned));
}
await Promise.all(pending);
agent.destroy();
parentPort?.postMessage({ latencies, kinds, seconds: (lastAnswer - started) / 1000 });
