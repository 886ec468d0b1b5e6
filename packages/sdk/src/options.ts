// Validates the options once, at creation. A bad tenant or apiUrl leaves nothing to sign in to: a TypeError.
// Any other bad option is reported (console and `invalid_option` error event) and replaced by its default,
// so the agent can still sign in: `events` in createDeskgate(), `anchor` and `productName` by the overlay
// that uses them.
import { TENANT_CODE_PATTERN } from '@deskgate/protocol';
import type { DeskgateOptions, Locale, UrlCredentials } from './types.ts';

export interface ResolvedOptions {
  tenant: string;
  /** Without a trailing slash, so `apiUrl + path` is the request URL. */
  apiUrl: string;
  /** Origin of apiUrl: the only origin whose completion messages are accepted. */
  apiOrigin: string;
  /** As given, '' being none; the overlay reports one that is neither an Element nor a valid selector. */
  anchor: Element | string | null;
  locale: Locale;
  productName: string;
}

/** 'nl', 'nl-NL', 'nl_NL' and 'nl-BE' select Dutch; anything else (or nothing) English. */
export function resolveLocale(locale: string | undefined): Locale {
  return /^nl([-_]|$)/i.test(locale ?? '') ? 'nl-NL' : 'en-US';
}

/** Throws a TypeError for a bad tenant or apiUrl. */
export function resolveOptions(options: DeskgateOptions): ResolvedOptions {
  const { tenant, apiUrl, anchor, productName } = options ?? ({} as DeskgateOptions);
  if (typeof tenant !== 'string' || !TENANT_CODE_PATTERN.test(tenant)) {
    throw new TypeError(`deskgate: tenant must match ${TENANT_CODE_PATTERN}, got ${JSON.stringify(tenant)}`);
  }
  let url: URL | undefined;
  try {
    url = new URL(apiUrl);
  } catch {}
  if (!url || !/^https?:$/.test(url.protocol)) {
    throw new TypeError(`deskgate: apiUrl must be an absolute http(s) URL, got ${JSON.stringify(apiUrl)}`);
  }
  return {
    tenant,
    apiUrl: (url.origin + url.pathname).replace(/\/+$/, ''),
    apiOrigin: url.origin,
    // Checked where it is used, in the overlay chunk (overlay/index.ts), so the loader stays small.
    anchor: anchor || null,
    locale: resolveLocale(options.locale),
    productName: productName || 'Deepdesk',
  };
}

/**
 * Takes the `fromUrl` parameters from the page's query string and, when there was any, removes them from the
 * address bar at once (every other parameter kept as written, and the hash), so that the key is in no later
 * request's Referer, in no history entry, in no link the agent copies. Only what is removed is read.
 */
export function takeFromUrl(): UrlCredentials {
  let taken = '';
  const kept = location.search.replace(/[?&](apiKey|agent(Id|Name|Email))=[^&]*/g, (param) => {
    taken += param;
    return '';
  });
  if (taken)
    history.replaceState(history.state, '', location.pathname + kept.replace(/^&/, '?') + location.hash);
  return Object.fromEntries(new URLSearchParams(taken));
}

/** The event names `events` may name. */
const EVENT_NAMES = ['ready', 'signed-out', 'error'];

/**
 * A sentence for each `events` entry that is not a function or names no event (the instance leaves it out and
 * reports it as `invalid_option`). Only createDeskgate() needs it: a script tag cannot pass listeners.
 */
export function eventProblems(events: DeskgateOptions['events']): string[] {
  return Object.entries(events ?? {})
    .filter(
      ([name, listener]) =>
        listener != null && (typeof listener !== 'function' || !EVENT_NAMES.includes(name)),
    )
    .map(
      ([name]) =>
        `Invalid option events.${name}: not a function for ready, signed-out or error; it is ignored.`,
    );
}
