// One refresh at a time: shared within a tab by an in-flight promise, across tabs by a Web Lock.
import type { SessionInfo, SessionStatus } from '@deskgate/protocol';
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
  /** GET status: finds the session another tab's refresh already produced, or that none is to be had. */
  probe: () => Promise<SessionStatus>;
  /** Lock name; one per tenant, since each tenant has its own refresh cookie. */
  lockName: string;
  /** @default undefined: coordinate within this tab only */
  locks?: LockManagerLike | undefined;
}

/**
 * Returns `refreshSession()`. Concurrent calls in a tab share one attempt. With Web Locks, the tab holding
 * the lock first re-probes the session, so tabs queued behind a refresh reuse its result instead of
 * rotating again, and a tab without a refresh cookie sends no refresh that could only fail. After a 429
 * (rate_limited) calls fail with that same error, without a request, until its Retry-After has passed.
 */
export function createRefresher(options: RefresherOptions): () => Promise<SessionInfo | null> {
  const { refresh, probe, lockName, locks } = options;
  const probeThenRefresh = async () => {
    const status = await probe();
    // No refresh cookie (signed out in another tab, or never signed in): a refresh could only fail.
    return status.session ?? (status.refreshable ? refresh() : null);
  };
  let inFlight: Promise<SessionInfo | null> | undefined;
  let limited: { until: number; error: unknown } | undefined;
  return () => {
    if (limited && Date.now() < limited.until) return Promise.reject(limited.error);
    inFlight ??= (locks ? locks.request(lockName, probeThenRefresh) : refresh())
      .catch((error: unknown) => {
        // 429, or 503 while the API's database is down: wait for its Retry-After before asking again.
        const code = (error as DeskgateError).code;
        if (code === 'rate_limited' || code === 'store_unavailable')
          limited = { until: Date.now() + retryDelay(error, RATE_LIMITED_FALLBACK_MS), error };
        throw error;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
