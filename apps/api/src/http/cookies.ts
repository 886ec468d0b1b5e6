// Writes cookie descriptors from core to response headers, and reads request cookies.
import { type CookieDescriptor, clearedLegacyCookies, serializeCookie } from '@deskgate/core';
import {
  COOKIE_ACCESS,
  COOKIE_REFRESH,
  LEGACY_COOKIE_ACCESS,
  LEGACY_COOKIE_REFRESH,
} from '@deskgate/protocol';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';

export function setCookies(c: Context, cookies: CookieDescriptor[]): void {
  for (const cookie of cookies) c.header('Set-Cookie', serializeCookie(cookie), { append: true });
}

export function readCookie(c: Context, name: string): string | undefined {
  const value = getCookie(c, name);
  return value === '' ? undefined : value;
}

/** The session cookies a request carries: the `__Secure-` names, else the legacy ones of earlier versions. */
export function readSessionCookies(c: Context): { access?: string; refresh?: string } {
  return {
    access: readCookie(c, COOKIE_ACCESS) ?? readCookie(c, LEGACY_COOKIE_ACCESS),
    refresh: readCookie(c, COOKIE_REFRESH) ?? readCookie(c, LEGACY_COOKIE_REFRESH),
  };
}

/**
 * Sets session cookies (or their deletions), and deletes the legacy-named cookies the request still
 * carried, so a browser moves to the `__Secure-` names at its first refresh, sign-in or logout.
 */
export function setSessionCookies(c: Context, tenant: string, cookies: CookieDescriptor[]): void {
  const sent = Object.keys(getCookie(c));
  setCookies(c, [...cookies, ...clearedLegacyCookies(tenant, sent)]);
}
