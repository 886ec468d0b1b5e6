// Contract of /auth/session, /auth/refresh and /auth/refresh/logout through app.request(), real SQLite and IdP.
import assert from 'node:assert/strict';
import { REFRESH_GRACE_MS, sha256 } from '@deskgate/core';
import { paths, type SessionInfo } from '@deskgate/protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  COOKIE_ACCESS,
  COOKIE_REFRESH,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  signIn,
  TENANT,
} from './test/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe('GET /t/{tenant}/auth/session', () => {
  it('answers 401 session_missing without a cookie', async () => {
    const response = await h.sdk(paths.session(TENANT), { jar: new Jar() });
    assert.equal(response.status, 401);
    assert.equal(await errorCode(response), 'session_missing');
  });

  it('answers 401 session_invalid for a forged cookie', async () => {
    const jar = new Jar();
    jar.cookies.set(COOKIE_ACCESS, { value: 'eyJhbGciOiJub25lIn0.e30.', path: '/t/acme', attributes: '' });
    const response = await h.sdk(paths.session(TENANT), { jar });
    assert.equal(response.status, 401);
    assert.equal(await errorCode(response), 'session_invalid');
  });

  it('answers 404 tenant_not_found for an unknown tenant and sets no cookie', async () => {
    for (const path of [paths.session('nosuch'), paths.refresh('nosuch'), '/t/nosuch/anything']) {
      const response = await h.sdk(path, {
        jar: new Jar(),
        method: path.endsWith('refresh') ? 'POST' : 'GET',
      });
      assert.equal(response.status, 404, path);
      assert.equal(await errorCode(response), 'tenant_not_found');
      assert.deepEqual(response.headers.getSetCookie(), []);
    }
  });

  it('refuses a disallowed Origin with 403 origin_not_allowed, readable but with no session (origins.test.ts)', async () => {
    const { jar } = await signIn(h);
    const response = await h.sdk(paths.session(TENANT), { jar, origin: 'https://evil.test' });
    assert.equal(response.status, 403);
    assert.equal(await errorCode(response), 'origin_not_allowed');
    assert.deepEqual(response.headers.getSetCookie(), []);
  });

  it('answers a preflight from an allowed origin with credentials, the SDK header and Vary: Origin', async () => {
    const response = await h.app.request(`https://auth.test${paths.refresh(TENANT)}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://cx.test', 'access-control-request-method': 'POST' },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://cx.test');
    assert.equal(response.headers.get('access-control-allow-credentials'), 'true');
    assert.match(response.headers.get('access-control-allow-headers') ?? '', /x-deskgate-sdk/);
    assert.match(response.headers.get('vary') ?? '', /Origin/);
  });

  it('returns the signed-in user after SSO, with roles, confirmed flag and expiry', async () => {
    const { jar, body } = await signIn(h);
    assert.equal(body.status, 'signed_in');
    const response = await h.sdk(paths.session(TENANT), { jar });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const session = (await response.json()) as SessionInfo;
    assert.equal(session.tenant, TENANT);
    assert.equal(session.user.email, 'agent@demo.test');
    assert.equal(session.user.name, 'Ada Agent');
    assert.deepEqual(session.user.roles, ['deepdesk.agent']);
    assert.equal(session.user.confirmed, true);
    assert.equal(Date.parse(session.accessExpiresAt) - h.now() <= 15 * 60 * 1000, true);
  });
});

describe('GET /t/{tenant}/auth/refresh/status', () => {
  async function status(jar: Jar) {
    const response = await h.sdk(paths.sessionStatus(TENANT), { jar });
    assert.equal(response.status, 200, 'a signed-out page load logs no failed request');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://cx.test');
    assert.deepEqual(response.headers.getSetCookie(), [], 'it never changes a cookie');
    return (await response.json()) as { session: SessionInfo | null; refreshable: boolean };
  }

  it('answers 200 with no session and nothing to refresh without cookies', async () => {
    assert.deepEqual(await status(new Jar()), { session: null, refreshable: false });
  });

  it('answers the session of a valid access cookie, and that a refresh cookie was sent', async () => {
    const { jar } = await signIn(h);
    const read = await h.sdk(paths.session(TENANT), { jar });
    assert.deepEqual(await status(jar), { session: await read.json(), refreshable: true });
  });

  it('answers no session but refreshable when only the refresh cookie is left (the access cookie expired)', async () => {
    const { jar } = await signIn(h);
    jar.cookies.delete(COOKIE_ACCESS);
    assert.deepEqual(await status(jar), { session: null, refreshable: true });
    const refreshed = await h.sdk(paths.refresh(TENANT), { body: {}, jar });
    assert.equal(refreshed.status, 200, 'the refresh token was neither used nor burnt by the probe');
  });

  it('answers no session for a forged, expired or revoked access cookie', async () => {
    const forged = new Jar();
    forged.cookies.set(COOKIE_ACCESS, { value: 'eyJhbGciOiJub25lIn0.e30.', path: '/t/acme', attributes: '' });
    assert.deepEqual(await status(forged), { session: null, refreshable: false });
    const { jar } = await signIn(h);
    const kept = new Jar();
    for (const [name, cookie] of jar.cookies) kept.cookies.set(name, { ...cookie });
    assert.equal((await h.sdk(paths.logout(TENANT), { body: {}, jar })).status, 204);
    assert.equal((await status(kept)).session, null, 'revoked');
    h.advance(16 * 60_000);
    const { jar: later } = await signIn(h);
    h.advance(16 * 60_000);
    assert.equal((await status(later)).session, null, 'expired');
  });
});

describe('session cookies', () => {
  it('are HttpOnly, Secure, SameSite=None, Partitioned, access on /t/{tenant}, refresh on its endpoint', async () => {
    const { jar } = await signIn(h);
    const access = jar.cookies.get(COOKIE_ACCESS)!.attributes;
    const refresh = jar.cookies.get(COOKIE_REFRESH)!.attributes;
    assert.match(access, /; Path=\/t\/acme; Max-Age=86400; HttpOnly; Secure; SameSite=None; Partitioned$/);
    assert.match(
      refresh,
      /; Path=\/t\/acme\/auth\/refresh; Max-Age=86400; HttpOnly; Secure; SameSite=None; Partitioned$/,
    );
  });
});

describe('POST /t/{tenant}/auth/refresh', () => {
  it('requires JSON or the SDK header (403 csrf_header_required)', async () => {
    const { jar } = await signIn(h);
    const response = await h.app.request(`https://auth.test${paths.refresh(TENANT)}`, {
      method: 'POST',
      headers: {
        origin: 'https://cx.test',
        cookie: jar.header(paths.refresh(TENANT))!,
        'content-type': 'text/plain',
      },
    });
    assert.equal(response.status, 403);
    assert.equal(await errorCode(response), 'csrf_header_required');
    assert.deepEqual(response.headers.getSetCookie(), []);
  });

  it('requires an allowed Origin (403 origin_not_allowed), also when none is sent', async () => {
    const { jar } = await signIn(h);
    const response = await h.app.request(`https://auth.test${paths.refresh(TENANT)}`, {
      method: 'POST',
      headers: { 'x-deskgate-sdk': '1', cookie: jar.header(paths.refresh(TENANT))! },
    });
    assert.equal(response.status, 403);
    assert.equal(await errorCode(response), 'origin_not_allowed');
  });

  it('answers 401 refresh_missing without the cookie and 401 refresh_invalid for an unknown one', async () => {
    const missing = await h.sdk(paths.refresh(TENANT), { method: 'POST', jar: new Jar() });
    assert.equal(missing.status, 401);
    assert.equal(await errorCode(missing), 'refresh_missing');
    const jar = new Jar();
    jar.cookies.set(COOKIE_REFRESH, {
      value: `rt1.${'A'.repeat(43)}`,
      path: paths.refresh(TENANT),
      attributes: '',
    });
    const unknown = await h.sdk(paths.refresh(TENANT), { method: 'POST', jar });
    assert.equal(unknown.status, 401);
    assert.equal(await errorCode(unknown), 'refresh_invalid');
  });

  it('rotates the refresh token and issues a new access token for the same session', async () => {
    const { jar } = await signIn(h);
    const before = jar.get(COOKIE_REFRESH)!;
    const rotatedFrom = h.now();
    const response = await h.sdk(paths.refresh(TENANT), { method: 'POST', jar });
    assert.equal(response.status, 200);
    assert.notEqual(jar.get(COOKIE_REFRESH), before);
    const stored = await h.store.getRefreshToken(await sha256(before));
    assert.ok(
      stored?.usedAt != null && stored.usedAt >= rotatedFrom && stored.usedAt <= h.now(),
      'marked used',
    );
    assert.notEqual(await h.store.getRefreshToken(await sha256(jar.get(COOKIE_REFRESH)!)), undefined);
    assert.equal((await h.sdk(paths.session(TENANT), { jar })).status, 200);
  });

  it('gives parallel refreshes of one token the same successor within the grace window', async () => {
    const { jar } = await signIn(h);
    const tabA = new Jar();
    const tabB = new Jar();
    for (const tab of [tabA, tabB]) for (const [name, c] of jar.cookies) tab.cookies.set(name, { ...c });
    const [a, b] = await Promise.all([
      h.sdk(paths.refresh(TENANT), { method: 'POST', jar: tabA }),
      h.sdk(paths.refresh(TENANT), { method: 'POST', jar: tabB }),
    ]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    assert.equal(tabA.get(COOKIE_REFRESH), tabB.get(COOKIE_REFRESH));
    assert.equal((await h.sdk(paths.refresh(TENANT), { method: 'POST', jar: tabA })).status, 200);
  });

  it('revokes the whole session when an old token is replayed after the grace window (refresh_reused)', async () => {
    const { jar } = await signIn(h);
    const stolen = new Jar();
    for (const [name, c] of jar.cookies) stolen.cookies.set(name, { ...c });
    assert.equal((await h.sdk(paths.refresh(TENANT), { method: 'POST', jar })).status, 200);
    h.advance(REFRESH_GRACE_MS + 1);
    const replay = await h.sdk(paths.refresh(TENANT), { method: 'POST', jar: stolen });
    assert.equal(replay.status, 401);
    assert.equal(await errorCode(replay), 'refresh_reused');
    assert.match(
      replay.headers.getSetCookie().join('\n'),
      /refresh_token_cookie=; Path=\/t\/acme\/auth\/refresh; Max-Age=0/,
    );
    // The legitimate holder's successor dies with the family.
    const legit = await h.sdk(paths.refresh(TENANT), { method: 'POST', jar });
    assert.equal(legit.status, 401);
    assert.equal(await errorCode(legit), 'session_revoked');
    const session = await h.sdk(paths.session(TENANT), { jar });
    assert.equal(await errorCode(session), 'session_missing');
  });

  it('lets an expired access token be replaced (session_expired, then refresh succeeds)', async () => {
    const { jar } = await signIn(h);
    h.advance(16 * 60 * 1000);
    const expired = await h.sdk(paths.session(TENANT), { jar });
    assert.equal(expired.status, 401);
    assert.equal(await errorCode(expired), 'session_expired');
    assert.equal((await h.sdk(paths.refresh(TENANT), { method: 'POST', jar })).status, 200);
    assert.equal((await h.sdk(paths.session(TENANT), { jar })).status, 200);
  });

  it('answers refresh_expired after the absolute session lifetime', async () => {
    const { jar } = await signIn(h);
    h.advance(24 * 60 * 60 * 1000 + 1000);
    const response = await h.sdk(paths.refresh(TENANT), { method: 'POST', jar });
    assert.equal(response.status, 401);
    assert.equal(await errorCode(response), 'refresh_expired');
  });
});

describe('POST /t/{tenant}/auth/refresh/logout', () => {
  it('revokes the session server-side and clears both cookies with identical attributes', async () => {
    const { jar } = await signIn(h);
    const kept = new Jar();
    for (const [name, c] of jar.cookies) kept.cookies.set(name, { ...c });
    const response = await h.sdk(paths.logout(TENANT), { method: 'POST', jar });
    assert.equal(response.status, 204);
    const cleared = response.headers.getSetCookie();
    assert.deepEqual(cleared, [
      '__Secure-access_token_cookie=; Path=/t/acme; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=None; Partitioned',
      '__Secure-refresh_token_cookie=; Path=/t/acme/auth/refresh; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=None; Partitioned',
    ]);
    // A copy of the old cookies is worthless now.
    const session = await h.sdk(paths.session(TENANT), { jar: kept });
    assert.equal(await errorCode(session), 'session_revoked');
    const refresh = await h.sdk(paths.refresh(TENANT), { method: 'POST', jar: kept });
    assert.equal(await errorCode(refresh), 'session_revoked');
  });

  it('revokes the session even when the access token inside the cookie has expired', async () => {
    const { jar } = await signIn(h);
    const kept = new Jar();
    for (const [name, c] of jar.cookies) kept.cookies.set(name, { ...c });
    h.advance(20 * 60 * 1000);
    assert.equal((await h.sdk(paths.logout(TENANT), { method: 'POST', jar })).status, 204);
    const refresh = await h.sdk(paths.refresh(TENANT), { method: 'POST', jar: kept });
    assert.equal(await errorCode(refresh), 'session_revoked');
  });

  it('refuses a cross-site logout without an allowed Origin', async () => {
    const { jar } = await signIn(h);
    const response = await h.sdk(paths.logout(TENANT), { method: 'POST', jar, origin: 'https://evil.test' });
    assert.equal(response.status, 403);
    assert.equal((await h.sdk(paths.session(TENANT), { jar })).status, 200);
  });
});

describe('logout without the access cookie', () => {
  it('ends the session from the refresh cookie alone, which reaches the logout path', async () => {
    const { jar } = await signIn(h);
    const onlyRefresh = new Jar();
    onlyRefresh.cookies.set(COOKIE_REFRESH, jar.cookies.get(COOKIE_REFRESH)!);
    assert.ok(paths.logout(TENANT).startsWith(`${paths.refresh(TENANT)}/`), 'under the refresh cookie path');
    const response = await h.sdk(paths.logout(TENANT), { method: 'POST', jar: onlyRefresh });
    assert.equal(response.status, 204);
    assert.equal(await errorCode(await h.sdk(paths.session(TENANT), { jar })), 'session_revoked');
  });

  it('says that nothing was revoked when no session can be identified, and still clears the cookies', async () => {
    for (const path of [paths.logout(TENANT), paths.legacyLogout(TENANT)]) {
      const response = await h.sdk(path, { method: 'POST', jar: new Jar() });
      assert.equal(response.status, 200, path);
      assert.deepEqual(await response.json(), { revoked: false });
      assert.equal(response.headers.getSetCookie().length, 2);
    }
    const forged = new Jar();
    forged.cookies.set(COOKIE_ACCESS, { value: 'not.a.jwt', path: '/t/acme', attributes: '' });
    const response = await h.sdk(paths.logout(TENANT), { method: 'POST', jar: forged });
    assert.deepEqual(await response.json(), { revoked: false });
  });

  it('still ends the session through the earlier logout path with the access cookie', async () => {
    const { jar } = await signIn(h);
    const kept = new Jar();
    for (const [name, c] of jar.cookies) kept.cookies.set(name, { ...c });
    assert.equal((await h.sdk(paths.legacyLogout(TENANT), { method: 'POST', jar })).status, 204);
    assert.equal(await errorCode(await h.sdk(paths.session(TENANT), { jar: kept })), 'session_revoked');
  });
});

describe('cookies of earlier versions (unprefixed names)', () => {
  /** The browser of an agent who signed in before the `__Secure-` names: same values, old names. */
  async function legacyJar() {
    const { jar } = await signIn(h);
    const legacy = new Jar();
    for (const [name, c] of jar.cookies) legacy.cookies.set(name.replace('__Secure-', ''), { ...c });
    return legacy;
  }

  it('are still read, so nobody is signed out by the upgrade', async () => {
    const legacy = await legacyJar();
    assert.equal((await h.sdk(paths.session(TENANT), { jar: legacy })).status, 200);
  });

  it('are replaced at the first refresh: new names set, old ones deleted on their own paths', async () => {
    const legacy = await legacyJar();
    const response = await h.sdk(paths.refresh(TENANT), { method: 'POST', jar: legacy });
    assert.equal(response.status, 200);
    const set = response.headers.getSetCookie();
    assert.ok(set.some((line) => line.startsWith(`${COOKIE_ACCESS}=ey`)));
    assert.ok(set.some((line) => line.startsWith(`${COOKIE_REFRESH}=rt`)));
    assert.ok(
      set.includes(
        'refresh_token_cookie=; Path=/t/acme/auth/refresh; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=None; Partitioned',
      ),
    );
    assert.deepEqual([...legacy.cookies.keys()].toSorted(), [COOKIE_ACCESS, COOKIE_REFRESH].toSorted());
  });

  it('set no deletions for legacy cookies a browser does not have', async () => {
    const { jar } = await signIn(h);
    const response = await h.sdk(paths.refresh(TENANT), { method: 'POST', jar });
    assert.deepEqual(
      response.headers.getSetCookie().map((line) => line.split('=')[0]),
      [COOKIE_ACCESS, COOKIE_REFRESH],
    );
  });
});
