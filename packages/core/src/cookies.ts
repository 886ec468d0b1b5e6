// Session cookies as data: names, paths and attributes decided here, written to headers at the edge.
import { COOKIE_ACCESS, COOKIE_REFRESH, paths } from '@deskgate/protocol';

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

export const BINDING_COOKIE = 'deskgate_binding';

/** First-party cookie in the popup tying sign-in steps to the browser that opened the sign-in page. */
export function bindingCookie(tenant: string, value: string, maxAgeSeconds: number): CookieDescriptor {
  return {
    name: BINDING_COOKIE,
    value,
    path: `${paths.tenant(tenant)}/auth`,
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
