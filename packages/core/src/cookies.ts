// Session cookies as data: names, paths and attributes decided here, written to headers at the edge.
import {
  COOKIE_ACCESS,
  COOKIE_REFRESH,
  LEGACY_COOKIE_ACCESS,
  LEGACY_COOKIE_REFRESH,
  paths,
} from '@deskgate/protocol';

export interface CookieDescriptor {
  name: string;
  value: string;
  path: string;
  maxAgeSeconds: number;
  httpOnly: true;
  secure: true;
  sameSite: 'None' | 'Lax';
  partitioned: boolean;
}

/** Access cookie: every tenant route may read it. */
export function accessCookie(tenant: string, value: string, maxAgeSeconds: number): CookieDescriptor {
  return {
    name: COOKIE_ACCESS,
    value,
    path: paths.tenant(tenant),
    maxAgeSeconds,
    httpOnly: true,
    secure: true,
    sameSite: 'None',
    partitioned: true,
  };
}

/** Refresh cookie: sent only to the refresh endpoint, so no other route ever sees it. */
export function refreshCookie(tenant: string, value: string, maxAgeSeconds: number): CookieDescriptor {
  return { ...accessCookie(tenant, value, maxAgeSeconds), name: COOKIE_REFRESH, path: paths.refresh(tenant) };
}

/** The same attributes with Max-Age=0: browsers delete a cookie only when name, path and partition match. */
export function clearedSessionCookies(tenant: string): CookieDescriptor[] {
  return [accessCookie(tenant, '', 0), refreshCookie(tenant, '', 0)];
}

/** Deletions of the unprefixed cookies of earlier versions (same paths and partition, legacy names). */
export function clearedLegacyCookies(tenant: string, names: readonly string[]): CookieDescriptor[] {
  return [
    { ...accessCookie(tenant, '', 0), name: LEGACY_COOKIE_ACCESS },
    { ...refreshCookie(tenant, '', 0), name: LEGACY_COOKIE_REFRESH },
  ].filter((cookie) => names.includes(cookie.name));
}

/** `__Host-`: Secure, Path=/ and no Domain, so no other host (a sibling subdomain) can set or shadow it. */
export const BINDING_COOKIE = '__Host-deskgate_binding';

/**
 * First-party cookie in the popup naming this browser: an attempt is bound to the browser whose sign-in
 * page opened it first, and every later popup step needs the same cookie. One value serves every attempt
 * and tenant in the browser, so two sign-ins in parallel do not overwrite each other's binding.
 */
export function bindingCookie(value: string, maxAgeSeconds: number): CookieDescriptor {
  return firstPartyCookie(BINDING_COOKIE, value, maxAgeSeconds);
}

/**
 * A `__Host-` cookie of the popup's pages on the API site: Path=/, HttpOnly, Secure, SameSite=Lax (sent on
 * the top-level navigations that come back to us from an IdP or a platform), not partitioned.
 */
export function firstPartyCookie(name: string, value: string, maxAgeSeconds: number): CookieDescriptor {
  return {
    name,
    value,
    path: '/',
    maxAgeSeconds,
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    partitioned: false,
  };
}

/** Serializes a descriptor. Browsers accept Secure cookies from http://localhost and 127.0.0.1 too. */
export function serializeCookie(cookie: CookieDescriptor): string {
  const parts = [`${cookie.name}=${cookie.value}`, `Path=${cookie.path}`, `Max-Age=${cookie.maxAgeSeconds}`];
  if (cookie.maxAgeSeconds === 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  parts.push('HttpOnly');
  parts.push('Secure');
  parts.push(`SameSite=${cookie.sameSite}`);
  if (cookie.partitioned) parts.push('Partitioned');
  return parts.join('; ');
}
