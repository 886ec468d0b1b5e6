// Outbound links (F8): the single-use exchange token's format, and which targets a link may open. A target is
// a path on the API's own site, because the landing page's first-party cookies must reach it.
import { paths } from '@deskgate/protocol';
import { randomToken } from './encoding.ts';
import { DeskgateError } from './errors.ts';
import { resolveReturnTarget } from './return-target.ts';

/** A public prefix, so a leaked token is recognisable (secret scanners, the log scan). */
export const EXCHANGE_TOKEN_PREFIX = 'dgx_';
/** `dgx_` and 256 random bits in base64url. */
export const EXCHANGE_TOKEN_PATTERN = /^dgx_[A-Za-z0-9_-]{43}$/;

export const EXCHANGE_TTL_SECONDS = 300;
/** An exchange token is for opening a window now: an hour is already generous. */
export const EXCHANGE_TTL_RANGE = [10, 3600] as const;

export function createExchangeToken(): string {
  return EXCHANGE_TOKEN_PREFIX + randomToken(32);
}

/** True for what could be an exchange token; anything else (a session token, garbage) needs no lookup. */
export function isExchangeTokenFormat(value: unknown): value is string {
  return typeof value === 'string' && EXCHANGE_TOKEN_PATTERN.test(value);
}

/**
 * The targets a tenant's outbound links may open: its own `targets` and, always, the personal collection.
 * An entry is a path (ending in `/`: that path and everything under it; otherwise exactly that path, any
 * query) or an exact URL on the API's site.
 */
export function outboundTargets(tenant: { code: string; outboundLinks: { targets: string[] } }): string[] {
  return [paths.collection(tenant.code), ...tenant.outboundLinks.targets];
}

function refused(why: string): never {
  throw new DeskgateError('return_target_invalid', `The outbound link target ${why}`);
}

/**
 * Returns the path (with query and fragment) on `origin` that an outbound link opens, or throws
 * return_target_invalid. `value` is a path or an absolute URL on `origin`; it is judged after the WHATWG URL
 * parser has normalised it (dot segments, percent-encoded dots, backslashes), as a browser would follow it.
 */
export function resolveOutboundTarget(
  value: unknown,
  options: { origin: string; targets: readonly string[] },
): string {
  let candidate = value;
  if (typeof value === 'string' && !value.startsWith('/')) {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {}
    // Only an absolute URL of this very origin becomes a path; anything else fails in resolveReturnTarget.
    if (url?.origin === options.origin && /^https?:$/.test(url.protocol) && !url.username && !url.password)
      candidate = url.pathname + url.search + url.hash;
  }
  let target: string;
  try {
    target = resolveReturnTarget(candidate, { origin: options.origin, allowed: [] });
  } catch (error) {
    const message = (error as Error).message.replace(/^The return target /, '');
    refused(
      message === 'is neither a path on this site nor an allowed URL' ? 'is not on this site' : message,
    );
  }
  const url = new URL(target, options.origin);
  const allowed = options.targets.some((entry) => {
    if (entry.startsWith('/'))
      return entry.endsWith('/') ? url.pathname.startsWith(entry) : url.pathname === entry;
    try {
      return new URL(entry).href === url.href;
    } catch {
      return false;
    }
  });
  if (!allowed) refused("is not one of the tenant's outbound link targets");
  return target;
}
