// One refresh at a time: shared within a tab by an in-flight promise, across tabs by a Web Lock.
import type { SessionInfo } from '@deskgate/protocol';
import { type DeskgateError, retryDelay } from './http.ts';

/** How long refreshes are held back after a 429 whose `Retry-After` the page cannot read. */
export const RATE_LIMITED_FALLBACK_MS = 10_000;

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
 * presenting the rotated-away refresh token again (which the API would treat as reuse). After a 429
 * (rate_limited) calls fail with that same error, without a request, until its Retry-After has passed.
 */
export function createRefresher(options: RefresherOptions): () => Promise<SessionInfo | null> {
  const { refresh, probe, lockName, locks } = options;
  let inFlight: Promise<SessionInfo | null> | undefined;
  let limited: { until: number; error: unknown } | undefined;
  return () => {
    if (limited && Date.now() < limited.until) return Promise.reject(limited.error);
    inFlight ??= (locks ? locks.request(lockName, async () => (await probe()) ?? refresh()) : refresh())
      .catch((error: unknown) => {
        if ((error as DeskgateError).code === 'rate_limited')
          limited = { until: Date.now() + retryDelay(error, RATE_LIMITED_FALLBACK_MS), error };
        throw error;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
