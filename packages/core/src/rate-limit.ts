// Rate limits as data: which counters exist, their defaults, deployment overrides, and fixed-window math.
// The counting itself is the store's (shared by every instance); the API applies the rules to requests.
import { sha256 } from './encoding.ts';

export interface RateLimit {
  /** Requests (or failures) allowed per window and subject. */
  limit: number;
  windowSeconds: number;
}

interface RuleSpec extends RateLimit {
  /** What one count is, and per what subject: for operations.md and the settings error messages. */
  counts: string;
}

/**
 * Every counter, with defaults sized for contact centres: hundreds of agents may share one public address,
 * so per-address limits are generous and the tight limits sit on the object at stake (an attempt).
 * Hot paths count failures only, so a signed-in agent's refreshes and session checks pay nothing.
 */
export const RATE_LIMIT_RULES = {
  'attempts.create.ip': {
    limit: 300,
    windowSeconds: 60,
    counts: 'sign-in attempts created per client address',
  },
  'attempts.create.tenant': { limit: 3000, windowSeconds: 60, counts: 'sign-in attempts created per tenant' },
  // The SDK polls every 1.5 s (40 a minute); the fast path adds one.
  'attempts.redeem.attempt': { limit: 90, windowSeconds: 60, counts: 'redeem requests per attempt' },
  'attempts.redeem.failures.ip': {
    limit: 60,
    windowSeconds: 600,
    counts: 'failed redeems (unknown attempt, wrong verifier or proof, malformed) per client address',
  },
  'pages.ip': {
    limit: 1200,
    windowSeconds: 60,
    counts: 'sign-in page, completion page and SSO callback views per client address',
  },
  'methods.start.ip': {
    limit: 300,
    windowSeconds: 60,
    counts: 'sign-in method starts (SSO redirects) per client address',
  },
  'methods.start.attempt': { limit: 10, windowSeconds: 600, counts: 'sign-in method starts per attempt' },
  'confirm.ip': { limit: 600, windowSeconds: 600, counts: 'confirmation code entries per client address' },
  'refresh.failures.ip': {
    limit: 60,
    windowSeconds: 60,
    counts: 'refreshes with an unknown or malformed token per client address',
  },
  'session.failures.ip': {
    limit: 120,
    windowSeconds: 60,
    counts: 'session checks with a forged or malformed access token per client address',
  },
  'jwt.failures.ip': {
    limit: 30,
    windowSeconds: 60,
    counts: 'refused platform JWTs (POST /session/jwt, remote login) per client address',
  },
  'apikey.failures.ip': {
    limit: 30,
    windowSeconds: 60,
    counts: 'refused API keys (POST /session/api-key) per client address',
  },
  'apikey.failures.key': {
    limit: 60,
    windowSeconds: 60,
    counts: 'refused sign-ins per API key id, whatever the address',
  },
  'scim.failures.ip': {
    limit: 30,
    windowSeconds: 60,
    counts: 'refused SCIM bearer tokens per client address',
  },
  'scim.requests.token': {
    limit: 1200,
    windowSeconds: 60,
    counts: 'SCIM requests per SCIM token (a provisioning run of Entra ID or Okta stays well below)',
  },
  'exchange.mint.ip': {
    limit: 300,
    windowSeconds: 60,
    counts: 'outbound-link exchange tokens minted per client address',
  },
  'exchange.failures.ip': {
    limit: 30,
    windowSeconds: 60,
    counts: 'refused exchange tokens at the outbound-link landing page per client address',
  },
  'magic.request.ip': {
    limit: 60,
    windowSeconds: 600,
    counts: 'magic-link requests per client address',
  },
  'magic.request.email': {
    limit: 5,
    windowSeconds: 600,
    counts: 'magic-link requests per email address (known or not), whatever the client',
  },
  'magic.request.tenant': {
    limit: 1200,
    windowSeconds: 600,
    counts: 'magic-link requests per tenant',
  },
  'magic.redeem.failures.ip': {
    limit: 30,
    windowSeconds: 600,
    counts: 'refused magic links (unknown, used, replaced, expired, malformed) per client address',
  },
  'access.confirm.failures.ip': {
    limit: 30,
    windowSeconds: 600,
    counts: 'refused access-request confirmations (unknown, replaced, malformed) per client address',
  },
  'jwt.failures.tenant': {
    limit: 600,
    windowSeconds: 60,
    counts: 'refused platform JWTs per tenant, whatever the address',
  },
} as const satisfies Record<string, RuleSpec>;

export type RateLimitRule = keyof typeof RATE_LIMIT_RULES;
export type RateLimitSettings = Record<RateLimitRule, RateLimit>;

/** Wrong confirmation codes an attempt survives; the next one burns it. */
export const MAX_CONFIRM_FAILURES = 5;

export function defaultRateLimits(): RateLimitSettings {
  return Object.fromEntries(
    Object.entries(RATE_LIMIT_RULES).map(([name, { limit, windowSeconds }]) => [
      name,
      { limit, windowSeconds },
    ]),
  ) as RateLimitSettings;
}

/**
 * Deployment overrides (`DESKGATE_RATE_LIMITS`), a JSON object such as
 * `{"attempts.create.ip": {"limit": 300}}`; what is not named keeps its default. Throws a TypeError
 * naming the first problem, so a typo stops the start instead of silently keeping a default.
 */
export function parseRateLimitSettings(text: string | undefined): RateLimitSettings {
  const settings = defaultRateLimits();
  if (text === undefined || text.trim() === '') return settings;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TypeError('DESKGATE_RATE_LIMITS must be a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new TypeError('DESKGATE_RATE_LIMITS must be a JSON object');
  for (const [name, value] of Object.entries(parsed)) {
    if (!Object.hasOwn(RATE_LIMIT_RULES, name)) {
      throw new TypeError(
        `DESKGATE_RATE_LIMITS: unknown limit "${name}"; known: ${Object.keys(RATE_LIMIT_RULES).join(', ')}`,
      );
    }
    if (typeof value !== 'object' || value === null)
      throw new TypeError(
        `DESKGATE_RATE_LIMITS: "${name}" must be an object with limit and/or windowSeconds`,
      );
    const rule = settings[name as RateLimitRule];
    for (const [field, n] of Object.entries(value)) {
      if (field !== 'limit' && field !== 'windowSeconds')
        throw new TypeError(`DESKGATE_RATE_LIMITS: "${name}" has an unknown field "${field}"`);
      if (!Number.isSafeInteger(n) || (n as number) < 1)
        throw new TypeError(`DESKGATE_RATE_LIMITS: "${name}".${field} must be a whole number of 1 or more`);
      rule[field] = n as number;
    }
  }
  return settings;
}

export interface RateWindow {
  start: number;
  end: number;
}

/** The fixed window holding `now` (epoch ms); windows are aligned, so every instance agrees on them. */
export function rateWindow(limit: RateLimit, now: number): RateWindow {
  const size = limit.windowSeconds * 1000;
  const start = Math.floor(now / size) * size;
  return { start, end: start + size };
}

/** Whole seconds until the window ends, at least 1: the `Retry-After` of a 429. */
export function retryAfterSeconds(window: RateWindow, now: number): number {
  return Math.max(1, Math.ceil((window.end - now) / 1000));
}

/**
 * The store key of one counter: a digest, so client addresses and attempt ids are not stored in the clear
 * and every key has the same length.
 */
export function rateLimitKey(rule: RateLimitRule, subject: string): Promise<string> {
  return sha256(`rate-limit:${rule}:${subject}`);
}
