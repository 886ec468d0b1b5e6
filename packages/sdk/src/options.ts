// Validates the options once, at creation. A bad tenant or apiUrl leaves nothing to sign in to: a TypeError.
// Any other bad option is reported (console and `invalid_option` error event) and replaced by its default,
// so the agent can still sign in: `events` in createDeskgate(), `anchor` and `productName` by the overlay
// that uses them.
import { TENANT_CODE_PATTERN } from '@deskgate/protocol';
import type { DeskgateOptions, Locale } from './types.ts';

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
