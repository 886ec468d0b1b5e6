import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  accessCookie,
  BINDING_COOKIE,
  bindingCookie,
  type CookieDescriptor,
  clearedLegacyCookies,
  clearedSessionCookies,
  refreshCookie,
  serializeCookie,
} from './cookies.ts';

/** Parses a Set-Cookie string into its name=value and a map of attribute name -> value (true if bare). */
function parse(header: string) {
  const [pair, ...attrs] = header.split('; ');
  const map = new Map<string, string | true>();
  for (const a of attrs) {
    const i = a.indexOf('=');
    map.set(i === -1 ? a : a.slice(0, i), i === -1 ? true : a.slice(i + 1));
  }
  return { pair, attrs: map };
}

/** The attributes a browser matches when deleting a cookie (everything except value and lifetime). */
function identity(header: string) {
  const { pair, attrs } = parse(header);
  return {
    name: pair!.split('=')[0],
    path: attrs.get('Path'),
    sameSite: attrs.get('SameSite'),
    partitioned: attrs.get('Partitioned') ?? false,
    secure: attrs.get('Secure') ?? false,
    httpOnly: attrs.get('HttpOnly') ?? false,
  };
}

describe('accessCookie', () => {
  it('is HttpOnly, Secure, SameSite=None, Partitioned on the tenant path', () => {
    assert.deepEqual(accessCookie('acme', 'jwt-value', 900), {
      name: '__Secure-access_token_cookie',
      value: 'jwt-value',
      path: '/t/acme',
      maxAgeSeconds: 900,
      httpOnly: true,
      secure: true,
      sameSite: 'None',
      partitioned: true,
    });
  });

  it('serializes with every attribute', () => {
    assert.equal(
      serializeCookie(accessCookie('acme', 'jwt-value', 900)),
      '__Secure-access_token_cookie=jwt-value; Path=/t/acme; Max-Age=900; HttpOnly; Secure; SameSite=None; Partitioned',
    );
  });
});

describe('refreshCookie', () => {
  it('is scoped to the refresh endpoint with the same security attributes', () => {
    assert.deepEqual(refreshCookie('acme', 'rt1.value', 86400), {
      name: '__Secure-refresh_token_cookie',
      value: 'rt1.value',
      path: '/t/acme/auth/refresh',
      maxAgeSeconds: 86400,
      httpOnly: true,
      secure: true,
      sameSite: 'None',
      partitioned: true,
    });
  });

  it('serializes with Path=/t/acme/auth/refresh', () => {
    assert.equal(
      serializeCookie(refreshCookie('acme', 'rt1.value', 86400)),
      '__Secure-refresh_token_cookie=rt1.value; Path=/t/acme/auth/refresh; Max-Age=86400; HttpOnly; Secure; SameSite=None; Partitioned',
    );
  });
});

describe('clearedSessionCookies', () => {
  const cleared = clearedSessionCookies('acme');

  it('clears the access and the refresh cookie with an empty value and Max-Age=0', () => {
    assert.deepEqual(
      cleared.map((c) => [c.name, c.value, c.maxAgeSeconds]),
      [
        ['__Secure-access_token_cookie', '', 0],
        ['__Secure-refresh_token_cookie', '', 0],
      ],
    );
  });

  it('serializes Max-Age=0 and an Expires date in the past', () => {
    for (const cookie of cleared) {
      const { attrs } = parse(serializeCookie(cookie));
      assert.equal(attrs.get('Max-Age'), '0');
      assert.equal(attrs.get('Expires'), 'Thu, 01 Jan 1970 00:00:00 GMT');
    }
  });

  it('uses the same name, Path, SameSite, Secure, HttpOnly and Partitioned as the cookies it clears', () => {
    const set = [accessCookie('acme', 'jwt', 900), refreshCookie('acme', 'rt1.x', 86400)];
    assert.deepEqual(
      cleared.map((c) => identity(serializeCookie(c))),
      set.map((c) => identity(serializeCookie(c))),
    );
    assert.deepEqual(identity(serializeCookie(cleared[1]!)), {
      name: '__Secure-refresh_token_cookie',
      path: '/t/acme/auth/refresh',
      sameSite: 'None',
      partitioned: true,
      secure: true,
      httpOnly: true,
    });
  });
});

describe('clearedLegacyCookies', () => {
  it('clears only the legacy cookies the request carried, on their own paths and partition', () => {
    assert.deepEqual(clearedLegacyCookies('acme', []), []);
    assert.deepEqual(
      clearedLegacyCookies('acme', ['refresh_token_cookie', 'other']).map((c) => serializeCookie(c)),
      [
        'refresh_token_cookie=; Path=/t/acme/auth/refresh; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=None; Partitioned',
      ],
    );
    assert.deepEqual(
      clearedLegacyCookies('acme', ['access_token_cookie', 'refresh_token_cookie']).map((c) => [
        c.name,
        c.path,
      ]),
      [
        ['access_token_cookie', '/t/acme'],
        ['refresh_token_cookie', '/t/acme/auth/refresh'],
      ],
    );
  });
});

describe('bindingCookie', () => {
  it('is a first-party __Host- cookie: SameSite=Lax, not Partitioned, Path=/ and no Domain', () => {
    const cookie = bindingCookie('bind-value', 600);
    assert.deepEqual(cookie, {
      name: BINDING_COOKIE,
      value: 'bind-value',
      path: '/',
      maxAgeSeconds: 600,
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
      partitioned: false,
    });
    assert.equal(
      serializeCookie(cookie),
      '__Host-deskgate_binding=bind-value; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=Lax',
    );
  });
});

describe('serializeCookie', () => {
  it('omits Expires for a cookie with a positive lifetime', () => {
    assert.equal(parse(serializeCookie(accessCookie('acme', 'v', 1))).attrs.has('Expires'), false);
  });

  it('writes Partitioned only when the descriptor asks for it', () => {
    const base: CookieDescriptor = accessCookie('acme', 'v', 60);
    assert.match(serializeCookie(base), /; Partitioned$/);
    assert.doesNotMatch(serializeCookie({ ...base, partitioned: false }), /Partitioned/);
  });
});
