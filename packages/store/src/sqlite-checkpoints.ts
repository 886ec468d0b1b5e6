// Background checkpoints for a SQLite file in WAL mode.
//
// Why: a commit appends to the WAL; every 1,000 pages SQLite's automatic checkpoint copies it back into the
// database file inside the commit that crossed the mark, with two fsyncs. node:sqlite is synchronous, so
// that commit blocked the event loop for up to tens of milliseconds, and every request in flight with it:
// most of the time spent in COMMIT and the slowest 1% of sign-ins and refreshes (BENCHMARKS.md, bench/findings.md).
// A worker thread now runs the checkpoints on a connection of its own every `intervalMs`. The serving
// connection keeps an automatic checkpoint at a larger mark as a backstop, should the worker fall behind
// (a writer that never pauses keeps a PASSIVE checkpoint from ever reaching the WAL's end) or be gone.
import { Worker } from 'node:worker_threads';

/**
 * The backstop: the serving connection checkpoints itself past this many WAL pages (64 MB at 4 KB). Under a
 * steady stream of writes the worker's checkpoints never find the WAL's end, so the WAL restarts only at the
 * backstop, whose commit then waits for the disk: with 16,000 pages, 4 of 10,000 commits waited over 3 ms,
 * against 16 with 4,000 (bench/findings.md).
 */
export const BACKSTOP_PAGES = 16000;
/** How often the worker checkpoints. */
export const CHECKPOINT_INTERVAL_MS = 100;

export interface Checkpointer {
  /** Stops the worker and closes its connection; resolves once it has (before the serving one closes). */
  stop(): Promise<void>;
}

export function startCheckpoints(filename: string, intervalMs = CHECKPOINT_INTERVAL_MS): Checkpointer {
  const worker = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), {
    workerData: { filename, intervalMs },
    // It runs one prepared statement: V8's default heap for a thread would add some 30 MB to the process.
    resourceLimits: {
      maxOldGenerationSizeMb: 8,
      maxYoungGenerationSizeMb: 1,
      codeRangeSizeMb: 2,
      stackSizeMb: 1,
    },
  });
  // It must not keep a process alive that has nothing else to do.
  worker.unref();
  let stopped: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  // A worker that fails (it cannot open the file, say) leaves the backstop to do its job; nothing to report.
  worker.on('error', () => {});
  return {
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => worker.once('message', () => resolve()));
        worker.postMessage('stop');
        await Promise.race([closed, exited]);
        await worker.terminate();
      })();
      return stopped;
    },
  };
}
