// Validates createDeskgate() options once, at creation, so misuse fails loudly with a TypeError.
import { TENANT_CODE_PATTERN } from '@deskgate/protocol';
import type { DeskgateOptions, Locale } from './types.ts';

export interface ResolvedOptions {
  tenant: string;
  /** Without a trailing slash, so `apiUrl + path` is the request URL. */
  apiUrl: string;
  /** Origin of apiUrl: the only origin whose completion messages are accepted. */
  apiOrigin: string;
  anchor: Element | string | null;
  locale: Locale;
  productName: string;
}

/** 'nl', 'nl-NL' and 'nl-BE' select Dutch; anything else (or nothing) English. */
export function resolveLocale(locale: string | undefined): Locale {
  return /^nl(-|$)/i.test(locale ?? '') ? 'nl-NL' : 'en-US';
}

export function resolveOptions(options: DeskgateOptions): ResolvedOptions {
  const { tenant, apiUrl } = options ?? ({} as DeskgateOptions);
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
    anchor: options.anchor ?? null,
    locale: resolveLocale(options.locale),
    productName: options.productName || 'Deepdesk',
  };
}
