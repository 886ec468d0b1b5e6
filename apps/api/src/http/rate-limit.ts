// Rate limits on routes: which rule, counted per which subject, and whether every request or only failures count.
import { DeskgateError, type RateLimitRule } from '@deskgate/core';
import type { ErrorCode } from '@deskgate/protocol';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps.ts';
import type { RateLimiter } from '../services/rate-limiter.ts';
import { apiKeySubject, scimTokenSubject } from './bearer.ts';
import { clientSubject } from './client.ts';

export type Subject = 'ip' | 'tenant' | 'attempt' | 'apiKey' | 'scimToken';

export type RateLimits = ReturnType<typeof rateLimits>;

export function rateLimits(limiter: RateLimiter, trustedProxyHops: number) {
  const subjects: Record<Subject, (c: Context<AppEnv>) => string> = {
    ip: (c) => clientSubject(c, trustedProxyHops),
    tenant: (c) => `tenant:${c.get('tenant').code}`,
    // The attempt at stake, from the path (/attempts/:id/...) or the query (?attempt=); it is only a key,
    // so an unknown or malformed id counts like any other.
    attempt: (c) => `attempt:${c.get('tenant').code}:${c.req.param('id') ?? c.req.query('attempt') ?? ''}`,
    // The key id of the presented API key: failures of one key are limited wherever they come from.
    apiKey: (c) => apiKeySubject(c.req.header('authorization')),
    scimToken: (c) => scimTokenSubject(c.req.header('authorization')),
  };

  return {
    /** Counts one request of `key` (a subject a route computes itself, e.g. from its body) against `rule`. */
    consume: (rule: RateLimitRule, key: string) => limiter.consume(rule, key),

    /** Every request counts; the one past the limit is answered 429 rate_limited with Retry-After. */
    requests(rule: RateLimitRule, subject: Subject): MiddlewareHandler<AppEnv> {
      return async function rateLimit(c, next) {
        await limiter.consume(rule, subjects[subject](c));
        await next();
      };
    },

    /**
     * Only the failures named count: those that mean guessing or garbage, not the normal end of a session
     * (an expired access token, a revoked session). So the normal use of a hot path pays one read and
     * nothing more; once failures reach the limit, every request of that subject is refused until the
     * window ends. A route that answers a failure with a 200 (a probe) names it in `c.var.failure`.
     */
    failures(rule: RateLimitRule, subject: Subject, codes: readonly ErrorCode[]): MiddlewareHandler<AppEnv> {
      return async function rateLimitFailures(c, next) {
        const key = subjects[subject](c);
        await limiter.check(rule, key);
        await next();
        const failure = c.error instanceof DeskgateError ? c.error.code : c.get('failure');
        if (failure && codes.includes(failure)) await limiter.fail(rule, key);
      };
    },
  };
}
