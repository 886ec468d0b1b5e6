// The deployment's settings read from the environment (each checked at start: a bad value stops the start with
// a TypeError naming the variable, never quoting a secret). docs/operations.md lists them all.
import { parseRateLimitSettings, type RateLimitSettings } from '@deskgate/core';
import { DEFAULT_MAIL_FROM } from './mail/index.ts';

/** MAIL_FROM, or the default; throws TypeError for a value with no address in it. */
export function mailFrom(env: NodeJS.ProcessEnv): string {
  const from = env.MAIL_FROM?.trim() || DEFAULT_MAIL_FROM;
  if (/[\r\n]/.test(from) || !/[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+/.test(from))
    throw new TypeError('MAIL_FROM must be an address, optionally with a name: Name <no-reply@example.com>');
  return from;
}

/** Request limits from DESKGATE_RATE_LIMITS and DESKGATE_TRUSTED_PROXY_HOPS; throws on a bad value. */
export function limitSettings(env: NodeJS.ProcessEnv): {
  rateLimits: RateLimitSettings;
  trustedProxyHops: number;
} {
  const hops = env.DESKGATE_TRUSTED_PROXY_HOPS?.trim() || '0';
  if (!/^\d{1,2}$/.test(hops)) {
    throw new TypeError(
      'DESKGATE_TRUSTED_PROXY_HOPS must be the number of proxies in front of the API (0-99)',
    );
  }
  return { rateLimits: parseRateLimitSettings(env.DESKGATE_RATE_LIMITS), trustedProxyHops: Number(hops) };
}

/** DESKGATE_DB_POOL_SIZE: the most PostgreSQL connections an instance opens (1-200, default 10). */
export function poolSize(env: NodeJS.ProcessEnv): number {
  const text = env.DESKGATE_DB_POOL_SIZE?.trim() || '10';
  const size = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
  if (!(size >= 1 && size <= 200))
    throw new TypeError('DESKGATE_DB_POOL_SIZE must be a number of connections from 1 to 200');
  return size;
}

export interface OperationsSettings {
  /** DESKGATE_METRICS_TOKEN: /metrics on the API's port for a request bearing it. */
  metricsToken?: string;
  /** DESKGATE_METRICS_PORT (and DESKGATE_METRICS_HOST, default 127.0.0.1): /metrics on a port of its own. */
  metricsPort?: { port: number; hostname: string };
  /** DESKGATE_DRAIN_TIMEOUT_MS: how long a shutdown waits for requests in flight (default 10 s). */
  drainTimeoutMs: number;
}

/** Metrics and shutdown settings from the environment; throws TypeError on a bad value (never quoting a token). */
export function operationsSettings(env: NodeJS.ProcessEnv): OperationsSettings {
  const token = env.DESKGATE_METRICS_TOKEN?.trim();
  if (token !== undefined && token !== '' && token.length < 16)
    throw new TypeError('DESKGATE_METRICS_TOKEN must be at least 16 characters (a random secret)');
  const port = env.DESKGATE_METRICS_PORT?.trim();
  if (port && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65_535))
    throw new TypeError('DESKGATE_METRICS_PORT must be a port number (1-65535)');
  const drain = env.DESKGATE_DRAIN_TIMEOUT_MS?.trim() || '10000';
  if (!/^\d{1,6}$/.test(drain) || Number(drain) > 300_000)
    throw new TypeError('DESKGATE_DRAIN_TIMEOUT_MS must be a number of milliseconds from 0 to 300000');
  return {
    ...(token ? { metricsToken: token } : {}),
    ...(port
      ? { metricsPort: { port: Number(port), hostname: env.DESKGATE_METRICS_HOST?.trim() || '127.0.0.1' } }
      : {}),
    drainTimeoutMs: Number(drain),
  };
}
