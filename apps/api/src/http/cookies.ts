// Writes cookie descriptors from core to response headers, and reads request cookies.
import { type CookieDescriptor, serializeCookie } from '@deskgate/core';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';

export function setCookies(c: Context, cookies: CookieDescriptor[]): void {
  for (const cookie of cookies) c.header('Set-Cookie', serializeCookie(cookie), { append: true });
}

export function readCookie(c: Context, name: string): string | undefined {
  const value = getCookie(c, name);
  return value === '' ? undefined : value;
}
