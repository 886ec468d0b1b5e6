// Remote login (F6): from the chooser it completes the popup's attempt; first-party it sets cookies and goes
// on to a validated return target. The platform is played by the test: it signs one-time tokens.
import assert from 'node:assert/strict';
import { paths } from '@deskgate/protocol';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { JwtKeyService } from './services/jwt-keys.ts';
import {
  CHOOSER_CLICK,
  createAttempt,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  PUBLIC_URL,
  proofFrom,
  TENANT,
} from './test/harness.ts';

const PLATFORM_LOGIN = 'https://platform.example.com/deskgate-login?team=support';
const ALLOWED_RETURN = 'https://desk.example.com/agent/home';

let h: Harness;
let oneTime: { kid: string; secret: string };
let session: { kid: string; secret: string };

beforeAll(async () => {
  h = await createHarness({
    tenant: {
      platformJwt: {
        profiles: { session: { preset: 'messenger' }, 'one-time': { preset: 'deskpro' } },
        remoteLogin: {
          url: PLATFORM_LOGIN,
          returnUrls: [ALLOWED_RETURN],
          logoutRedirectUrl: 'https://platform.example.com/logged-out',
        },
      },
    },
  });
  const keys = new JwtKeyService(h.store, h.deps.keys, h.now);
  oneTime = await keys.create(TENANT, 'one-time');
  session = await keys.create(TENANT, 'session');
});
afterAll(() => h.close());

/** What the platform's login page does: sign a Deskpro-style one-time token for its agent. */
function platformToken(claims: Record<string, unknown> = {}, key = oneTime) {
  const now = Math.floor(h.now() / 1000);
  return new SignJWT({
    id: 'rl-1',
    email: 'rl1@example.com',
    name: 'Remote Agent',
    jti: crypto.randomUUID(),
    ...claims,
  })
    .setProtectedHeader({ alg: 'HS256', kid: key.kid })
    .setIssuedAt(now)
    .setExpirationTime(now + 120)
    .sign(new TextEncoder().encode(key.secret));
}

/** The platform redirects back to `return` with `jwt` added. */
function back(location: string, token: string) {
  const target = new URL(location).searchParams.get('return')!;
  const url = new URL(target);
  url.searchParams.set('jwt', token);
  return url.pathname + url.search;
}

/** Chooser, then the remote-login link as the agent clicks it. */
async function startFromChooser(popup = new Jar()) {
  const { attempt, verifier, sdkJar } = await createAttempt(h);
  const chooser = await h.page(attempt.signInUrl, popup);
  const html = await chooser.text();
  const href = /href="([^"]*\/remote-login\?[^"]*)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
  assert.ok(href, 'the chooser offers remote login');
  assert.match(html, />Continue with Acme</);
  const start = await h.page(href, popup, { headers: CHOOSER_CLICK });
  return { attempt, verifier, sdkJar, popup, start, href };
}

describe('remote login from the sign-in chooser (the SDK popup)', () => {
  it('goes to the platform with return = our callback, and its one-time token completes the attempt', async () => {
    const { attempt, verifier, sdkJar, popup, start } = await startFromChooser();
    assert.equal(start.status, 302);
    const location = new URL(start.headers.get('location')!);
    assert.equal(location.origin + location.pathname, 'https://platform.example.com/deskgate-login');
    assert.equal(location.searchParams.get('team'), 'support', "the platform URL's own query is kept");
    assert.match(
      location.searchParams.get('return') ?? '',
      new RegExp(`^${PUBLIC_URL}${paths.remoteLoginCallback(TENANT)}/[\\w-]{22}$`),
      'return = our callback, with the state of this start',
    );
    const context = start.headers.getSetCookie().find((c) => c.startsWith('__Host-deskgate_remote_login='));
    assert.match(context ?? '', /; Path=\/; Max-Age=600; HttpOnly; Secure; SameSite=Lax$/);

    const callback = await h.page(back(location.href, await platformToken()), popup);
    assert.equal(callback.status, 303, await callback.clone().text());
    const complete = callback.headers.get('location')!;
    assert.match(complete, new RegExp(`^${paths.complete(TENANT)}\\?attempt=${attempt.attemptId}&locale=`));
    assert.deepEqual(
      callback.headers.getSetCookie().filter((c) => !c.startsWith('__Host-deskgate_remote_login=;')),
      [],
      'no session cookie in the popup; the context cookie is cleared',
    );
    const proof = proofFrom(await (await h.page(complete, popup)).text());
    const redeem = await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), {
      body: { verifier, proof },
      jar: sdkJar,
    });
    const body = (await redeem.json()) as { status: string; session: { user: { email: string } } };
    assert.equal(body.status, 'signed_in');
    assert.equal(body.session.user.email, 'rl1@example.com');
  });

  it('starts only from a click on the chooser', async () => {
    const { popup, href } = await startFromChooser();
    const forged = await h.page(href, popup);
    assert.equal(forged.status, 403);
    assert.equal(await errorCode(forged), 'signin_chooser_required');
  });

  it('refuses a callback in a browser that did not start it, without using the token up', async () => {
    const { start, popup } = await startFromChooser();
    const token = await platformToken();
    const stranger = await h.page(back(start.headers.get('location')!, token), new Jar());
    assert.equal(stranger.status, 400);
    assert.equal(await errorCode(stranger), 'sso_state_mismatch');
    const owner = await h.page(back(start.headers.get('location')!, token), popup);
    assert.equal(owner.status, 303, 'the token still works for the browser that started');
  });

  it('refuses a replayed token, and a session-profile token: the callback takes one-time tokens only', async () => {
    const token = await platformToken();
    const first = await startFromChooser();
    assert.equal((await h.page(back(first.start.headers.get('location')!, token), first.popup)).status, 303);
    const second = await startFromChooser();
    const replay = await h.page(back(second.start.headers.get('location')!, token), second.popup);
    assert.equal(replay.status, 401);
    assert.equal(await errorCode(replay), 'jwt_replayed');
    const third = await startFromChooser();
    const wrongProfile = await h.page(
      back(third.start.headers.get('location')!, await platformToken({}, session)),
      third.popup,
    );
    assert.equal(wrongProfile.status, 401);
    assert.equal(await errorCode(wrongProfile), 'jwt_key_unknown');
  });
});

describe('remote login, first-party (return target)', () => {
  async function firstParty(target: string, jar = new Jar()) {
    return h.page(`${paths.remoteLogin(TENANT)}?return=${encodeURIComponent(target)}`, jar);
  }

  it('signs in on the API site and goes on to a path on this site', async () => {
    const jar = new Jar();
    const start = await firstParty('/t/acme/auth/session?x=1', jar);
    assert.equal(start.status, 302);
    const callback = await h.page(
      back(start.headers.get('location')!, await platformToken({ id: 'fp-1' })),
      jar,
    );
    assert.equal(callback.status, 303);
    assert.equal(callback.headers.get('location'), '/t/acme/auth/session?x=1');
    const names = callback.headers.getSetCookie().map((c) => c.split('=')[0]);
    assert.ok(
      names.includes('__Secure-access_token_cookie') && names.includes('__Secure-refresh_token_cookie'),
    );
    const me = await h.app.request(`${PUBLIC_URL}${paths.session(TENANT)}`, {
      headers: { cookie: jar.header(paths.session(TENANT)) ?? '' },
    });
    assert.equal(((await me.json()) as { user: { email: string } }).user.email, 'rl1@example.com');
  });

  it('goes on to a URL the tenant lists exactly', async () => {
    const jar = new Jar();
    const start = await firstParty(ALLOWED_RETURN, jar);
    const callback = await h.page(
      back(start.headers.get('location')!, await platformToken({ id: 'fp-2' })),
      jar,
    );
    assert.equal(callback.headers.get('location'), ALLOWED_RETURN);
  });

  it('refuses any other return target with 400 return_target_invalid, before going anywhere', async () => {
    for (const target of [
      'https://evil.test/',
      '//evil.test/x',
      '/\\evil.test',
      `${ALLOWED_RETURN}/more`,
      'javascript:alert(1)',
      '',
    ]) {
      const response = await firstParty(target);
      assert.equal(response.status, 400, target);
      assert.equal(await errorCode(response), 'return_target_invalid', target);
      assert.deepEqual(response.headers.getSetCookie(), [], target);
    }
  });

  it('gives the platform a callback URL with a random state of this start, which the callback requires', async () => {
    const jar = new Jar();
    const start = await firstParty('/done', jar);
    const back = new URL(new URL(start.headers.get('location')!).searchParams.get('return')!);
    const state = back.pathname.slice(`${paths.remoteLoginCallback(TENANT)}/`.length);
    assert.match(state, /^[\w-]{22}$/);
    const again = await firstParty('/done', new Jar());
    assert.notEqual(again.headers.get('location'), start.headers.get('location'), 'a new state per start');
  });

  it('refuses login CSRF: a start driven in the agent’s browser, then the attacker’s own token (sso_state_mismatch)', async () => {
    // The attacker starts in their own browser, gets their state and a one-time token of their own account.
    const attackerJar = new Jar();
    const attackerStart = await firstParty('/done', attackerJar);
    const attackerToken = await platformToken({ id: 'mallory', email: 'mallory@example.com' });
    const attackerCallback = back(attackerStart.headers.get('location')!, attackerToken);
    const agent = new Jar();
    // …then to the callback with the attacker's token: under the attacker's state, a made-up one, or none.
    for (const path of [
      attackerCallback,
      `${paths.remoteLoginCallback(TENANT, 'x'.repeat(22))}?jwt=${attackerToken}`,
      `${paths.remoteLoginCallback(TENANT)}?jwt=${attackerToken}`,
    ]) {
      // A page the agent visits navigates the agent's browser to the start (a top-level GET sets the cookie)…
      const driven = await h.page(`${paths.remoteLogin(TENANT)}?return=/done`, agent, {
        headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
      });
      assert.equal(driven.status, 302);
      const refused = await h.page(path, agent);
      assert.ok([400, 404].includes(refused.status), `${refused.status} for ${path.split('?')[0]}`);
      assert.ok(
        !refused.headers.getSetCookie().some((c) => c.startsWith('__Secure-')),
        'no session cookie for the agent',
      );
      assert.equal(agent.get('__Secure-access_token_cookie'), undefined);
    }
    assert.deepEqual(await h.store.findUsersByEmail(TENANT, 'mallory@example.com'), [], 'nobody signed in');
    // The refusals did not use the token up: in the attacker's own browser it signs the attacker in.
    assert.equal((await h.page(attackerCallback, attackerJar)).status, 303);
  });
});

describe('the hosted sign-out', () => {
  const SAME_ORIGIN_FORM = {
    origin: PUBLIC_URL,
    'sec-fetch-site': 'same-origin',
    'content-type': 'application/x-www-form-urlencoded',
  };

  it('offers one button; its same-origin post ends the session and goes on to the logout redirect URL', async () => {
    const jar = new Jar();
    const start = await h.page(`${paths.remoteLogin(TENANT)}?return=/done`, jar);
    await h.page(back(start.headers.get('location')!, await platformToken({ id: 'so-1' })), jar);
    const before = await h.app.request(`${PUBLIC_URL}${paths.session(TENANT)}`, {
      headers: { cookie: jar.header(paths.session(TENANT)) ?? '' },
    });
    assert.equal(before.status, 200);
    const kept = jar.header(paths.session(TENANT)) ?? '';

    const form = await h.page(paths.signOut(TENANT), jar);
    assert.equal(form.status, 200);
    assert.match(
      await form.text(),
      /<form method="post" action="\/t\/acme\/auth\/refresh\/signout\?locale=en-US"><button[^>]*>Sign out<\/button>/,
    );

    const forged = await h.page(paths.signOut(TENANT), jar, {
      method: 'POST',
      headers: { ...SAME_ORIGIN_FORM, origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(forged.status, 403);
    assert.equal(await errorCode(forged), 'origin_not_allowed');

    const out = await h.page(paths.signOut(TENANT), jar, { method: 'POST', headers: SAME_ORIGIN_FORM });
    assert.equal(out.status, 303);
    assert.equal(out.headers.get('location'), 'https://platform.example.com/logged-out');
    assert.ok(out.headers.getSetCookie().some((c) => /^__Secure-access_token_cookie=;.*Max-Age=0/.test(c)));
    const after = await h.app.request(`${PUBLIC_URL}${paths.session(TENANT)}`, { headers: { cookie: kept } });
    assert.equal(after.status, 401, 'the old access cookie names a revoked session');
    assert.equal(await errorCode(after), 'session_revoked');
  });
});

describe('remote login not set up', () => {
  it('answers 404 remote_login_not_configured', async () => {
    const other = await createHarness();
    try {
      const response = await other.page(`${paths.remoteLogin(TENANT)}?return=/`, new Jar());
      assert.equal(response.status, 404);
      assert.equal(await errorCode(response), 'remote_login_not_configured');
    } finally {
      await other.close();
    }
  });
});
