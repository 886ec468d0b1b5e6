// The one rate-limit mechanism: fixed-window counters in the store, so every instance counts together.
import {
  DeskgateError,
  type RateLimitRule,
  type RateLimitSettings,
  rateLimitKey,
  rateWindow,
  retryAfterSeconds,
  type Store,
} from '@deskgate/core';
import type { Metrics } from './metrics.ts';

export class RateLimiter {
  readonly #store: Store;
  readonly #settings: RateLimitSettings;
  readonly #now: () => number;
  readonly #metrics: Metrics | undefined;

  constructor(deps: { store: Store; settings: RateLimitSettings; now: () => number; metrics?: Metrics }) {
    this.#store = deps.store;
    this.#settings = deps.settings;
    this.#now = deps.now;
    this.#metrics = deps.metrics;
  }

  #limited(rule: RateLimitRule, retryAfter: number): DeskgateError {
    this.#metrics?.rateLimited(rule);
    return limited(retryAfter);
  }

  /** Counts one request against the rule; throws rate_limited once the window's count passes the limit. */
  async consume(rule: RateLimitRule, subject: string): Promise<void> {
    const now = this.#now();
    const limit = this.#settings[rule];
    const window = rateWindow(limit, now);
    const count = await this.#store.hitRateLimit(
      await rateLimitKey(rule, subject),
      window.start,
      window.end,
      1,
    );
    if (count > limit.limit) throw this.#limited(rule, retryAfterSeconds(window, now));
  }

  /** For failure-counted rules: throws rate_limited when the failures already reached the limit. */
  async check(rule: RateLimitRule, subject: string): Promise<void> {
    const now = this.#now();
    const limit = this.#settings[rule];
    const window = rateWindow(limit, now);
    const count = await this.#store.peekRateLimit(await rateLimitKey(rule, subject), window.start);
    if (count >= limit.limit) throw this.#limited(rule, retryAfterSeconds(window, now));
  }

  /** Counts one failure against a failure-counted rule. */
  async fail(rule: RateLimitRule, subject: string): Promise<void> {
    const window = rateWindow(this.#settings[rule], this.#now());
    await this.#store.hitRateLimit(await rateLimitKey(rule, subject), window.start, window.end, 1);
  }
}

function limited(retryAfter: number): DeskgateError {
  return new DeskgateError('rate_limited', `Too many requests; try again in ${retryAfter} seconds`, {
    headers: { 'Retry-After': String(retryAfter) },
  });
}
