// The thread of sqlite-checkpoints.ts (plain JavaScript: a thread that strips types loads a compiler): copies
// the WAL back into the database file (a PASSIVE checkpoint, with its fsyncs) on a connection of its own.
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

const { filename, intervalMs } = workerData;
const db = new DatabaseSync(filename);
// PASSIVE never waits for a lock: a round that finds the checkpoint lock taken (another process's
// checkpointer) returns busy, and the next round tries again.
db.exec('PRAGMA busy_timeout = 0');
// Checkpoints sync the WAL before copying it and the database file after, at any level but OFF.
db.exec('PRAGMA synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch {
    // SQLITE_BUSY or a transient I/O error: the next round (or the writer's backstop) catches up.
  }
}, intervalMs);

parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.postMessage('closed');
});
