// One refresh at a time: shared within a tab by an in-flight promise, across tabs by a Web Lock.
import type { SessionInfo } from '@deskgate/protocol';

/** The part of the Web Locks API (`navigator.locks`) the coordinator uses. */
export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

export interface RefresherOptions {
  /** POST refresh: the rotated session, or null when the refresh token is not usable. */
  refresh: () => Promise<SessionInfo | null>;
  /** GET session: finds the session another tab's refresh already produced. */
  probe: () => Promise<SessionInfo | null>;
  /** Lock name; one per tenant, since each tenant has its own refresh cookie. */
  lockName: string;
  /** @default undefined: coordinate within this tab only */
  locks?: LockManagerLike | undefined;
}

/**
 * Returns `refreshSession()`. Concurrent calls in a tab share one attempt. With Web Locks, the tab holding
 * the lock first re-probes the session, so tabs queued behind a refresh reuse its result instead of
 * presenting the rotated-away refresh token again (which the API would treat as reuse).
 */
export function createRefresher(options: RefresherOptions): () => Promise<SessionInfo | null> {
  const { refresh, probe, lockName, locks } = options;
  let inFlight: Promise<SessionInfo | null> | undefined;
  return () =>
    (inFlight ??= (
      locks ? locks.request(lockName, async () => (await probe()) ?? refresh()) : refresh()
    ).finally(() => {
      inFlight = undefined;
    }));
}
