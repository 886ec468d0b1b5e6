// Work a request starts and does not wait for (a magic-link request decides what to mail after its answer, so
// its timing tells nothing). Kept here so a draining shutdown, and a test, can wait until it is done.
import type { Logger } from 'pino';

export class BackgroundWork {
  readonly #pending = new Set<Promise<void>>();

  /** Runs `task` now, without waiting; a failure is logged with `what`, never thrown. */
  run(task: () => Promise<void>, logger: Logger, what: string, context: Record<string, unknown>): void {
    const work = task().catch((error: unknown) => {
      logger.error({ err: error, ...context }, what);
    });
    this.#pending.add(work);
    work.finally(() => this.#pending.delete(work));
  }

  /** Resolves once every task started so far (and any they start) has finished. */
  async idle(): Promise<void> {
    while (this.#pending.size) await Promise.all(this.#pending);
  }
}
