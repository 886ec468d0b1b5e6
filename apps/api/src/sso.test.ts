// Contract of the sign-in handoff and OIDC SSO: attempts, popup pages, callback validation, redeem.
import assert from 'node:assert/strict';
import { sha256 } from '@deskgate/core';
import { DEMO_ACCOUNTS, loginHeadless } from '@deskgate/dev-idp';
import { paths } from '@deskgate/protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  AGENT,
  CHOOSER_CLICK,
  CLIENT_SECRET,
  createAttempt,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  PUBLIC_URL,
  popupSignIn,
  proofFrom,
  randomVerifier,
  startSso,
  TENANT,
} from './test/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

/** The attempt's user, and whether any session exists for it: failures must leave neither behind. */
async function leftovers(attemptId: string) {
  const attempt = await h.store.getAttempt(TENANT, attemptId);
  return { completed: attempt?.completedAt !== null, userId: attempt?.userId ?? null };
}

describe('POST /t/{tenant}/auth/attempts', () => {
  it('creates an attempt bound to the calling origin, with a sign-in URL and a confirmation code', async () => {
    const { attempt } = await createAttempt(h);
    assert.match(attempt.signInUrl, /^https:\/\/auth\.test\/t\/acme\/auth\/signin\?attempt=[\w-]{22}$/);
    assert.match(attempt.confirmationCode, /^[A-Z2-9]{3}-[A-Z2-9]{3}$/);
    const stored = await h.store.getAttempt(TENANT, attempt.attemptId);
    assert.equal(stored?.origin, 'https://cx.test');
    assert.equal(Date.parse(attempt.expiresAt), stored?.expiresAt);
  });

  it('rejects a malformed challenge with 400 validation_failed and stores nothing', async () => {
    for (const body of [
      { challenge: 'short', challengeMethod: 'S256' },
      { challenge: 'x'.repeat(43), challengeMethod: 'plain' },
      [],
    ]) {
      const response = await h.sdk(paths.attempts(TENANT), { body, jar: new Jar() });
      assert.equal(response.status, 400);
      assert.equal(await errorCode(response), 'validation_failed');
    }
  });

  it('refuses an origin that is not allowed (403 origin_not_allowed)', async () => {
    const response = await h.sdk(paths.attempts(TENANT), {
      body: { challenge: await sha256(randomVerifier()), challengeMethod: 'S256' },
      origin: 'https://evil.test',
      jar: new Jar(),
    });
    assert.equal(response.status, 403);
    assert.equal(await errorCode(response), 'origin_not_allowed');
  });

  it('refuses a form post without JSON or the SDK header (403 csrf_header_required)', async () => {
    const response = await h.app.request(`https://auth.test${paths.attempts(TENANT)}`, {
      method: 'POST',
      headers: { origin: 'https://cx.test', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'challenge=x',
    });
    assert.equal(response.status, 403);
    assert.equal(await errorCode(response), 'csrf_header_required');
  });
});

describe('POST /t/{tenant}/auth/attempts/{id}/redeem', () => {
  it('answers pending before the popup completed', async () => {
    const { verifier, attempt } = await createAttempt(h);
    const response = await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), { body: { verifier } });
    assert.deepEqual(await response.json(), { status: 'pending' });
  });

  it('refuses a wrong verifier with 403 attempt_verifier_mismatch', async () => {
    const { attempt } = await createAttempt(h);
    const response = await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), {
      body: { verifier: randomVerifier() },
    });
    assert.equal(response.status, 403);
    assert.equal(await errorCode(response), 'attempt_verifier_mismatch');
  });

  it('hides an attempt from another allowed origin than the one that created it (404 attempt_not_found)', async () => {
    const twoOrigins = await createHarness({
      tenant: { allowedOrigins: ['https://cx.test', 'https://other.test'] },
    });
    try {
      const { verifier, attempt } = await createAttempt(twoOrigins);
      const response = await twoOrigins.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), {
        body: { verifier },
        origin: 'https://other.test',
      });
      assert.equal(response.status, 404);
      assert.equal(await errorCode(response), 'attempt_not_found');
    } finally {
      await twoOrigins.close();
    }
  });

  it('refuses a redeem from an origin the tenant does not allow (403 origin_not_allowed)', async () => {
    const { verifier, attempt } = await createAttempt(h);
    const response = await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), {
      body: { verifier },
      origin: 'https://other.test',
    });
    assert.equal(response.status, 403);
    assert.equal(await errorCode(response), 'origin_not_allowed');
  });

  it('signs in on the fast path with the proof, once: a second redeem gets 409 attempt_already_redeemed', async () => {
    const { verifier, attempt, sdkJar } = await createAttempt(h);
    const { callback, popup } = await popupSignIn(h, attempt.signInUrl);
    assert.equal(callback.status, 303);
    const complete = await h.page(callback.headers.get('location')!, popup);
    assert.equal(complete.status, 200);
    const proof = proofFrom(await complete.text());
    const [first, second] = await Promise.all([
      h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), { body: { verifier, proof }, jar: sdkJar }),
      h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), { body: { verifier, proof }, jar: new Jar() }),
    ]);
    const statuses = [first.status, second.status].sort();
    assert.deepEqual(statuses, [200, 409]);
    const loser = first.status === 409 ? first : second;
    assert.equal(await errorCode(loser), 'attempt_already_redeemed');
    assert.deepEqual(loser.headers.getSetCookie(), []);
  });

  it('refuses a forged proof with 403 attempt_proof_invalid', async () => {
    const { verifier, attempt } = await createAttempt(h);
    await popupSignIn(h, attempt.signInUrl);
    const response = await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), {
      body: { verifier, proof: 'A'.repeat(43) },
    });
    assert.equal(response.status, 403);
    assert.equal(await errorCode(response), 'attempt_proof_invalid');
  });

  it('answers 410 attempt_expired after the attempt lifetime and sets no cookie', async () => {
    const { verifier, attempt } = await createAttempt(h);
    h.advance(10 * 60 * 1000 + 1);
    const response = await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), { body: { verifier } });
    assert.equal(response.status, 410);
    assert.equal(await errorCode(response), 'attempt_expired');
    assert.deepEqual(response.headers.getSetCookie(), []);
  });
});

describe('the popup pages', () => {
  it('serve the chooser with a strict CSP, no referrer and no COOP same-origin', async () => {
    const { attempt } = await createAttempt(h);
    const response = await h.page(attempt.signInUrl, new Jar());
    assert.equal(response.status, 200);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.notEqual(response.headers.get('cross-origin-opener-policy'), 'same-origin');
    const html = await response.text();
    assert.match(html, /Continue with Acme SSO/);
    assert.doesNotMatch(html, /<script>|<script [^>]*>(?!<\/script>)[^<]|https?:\/\/(?!auth\.test)/);
    assert.match(
      response.headers.getSetCookie()[0] ?? '',
      /^__Host-deskgate_binding=[\w-]+; Path=\/; .*HttpOnly; Secure; SameSite=Lax$/,
    );
  });

  it('speak Dutch for nl-NL', async () => {
    const { attempt } = await createAttempt(h);
    const html = await (await h.page(`${attempt.signInUrl}&locale=nl-NL`, new Jar())).text();
    assert.match(html, /<html lang="nl-NL">/);
    assert.match(html, /Aanmelden bij Deepdesk/);
    assert.match(html, /Doorgaan met Acme SSO/);
  });

  it('refuse a sign-in link already opened in another browser (sso_browser_mismatch)', async () => {
    const { attempt } = await createAttempt(h);
    assert.equal((await h.page(attempt.signInUrl, new Jar())).status, 200);
    const second = await h.page(attempt.signInUrl, new Jar());
    assert.equal(second.status, 400);
    assert.equal(await errorCode(second), 'sso_browser_mismatch');
  });

  it('answer an unknown tenant with a 404 tenant_not_found page that carries the hosted-page headers', async () => {
    const response = await h.page('/t/nosuch/auth/signin?attempt=x', new Jar());
    assert.equal(response.status, 404);
    assert.equal(await errorCode(response), 'tenant_not_found');
    assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
  });

  it('answer an unknown attempt with 404 attempt_not_found as an HTML page', async () => {
    const response = await h.page(`${paths.signIn(TENANT)}?attempt=nope`, new Jar());
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(await errorCode(response), 'attempt_not_found');
  });
});

describe('GET /t/{tenant}/auth/sso/start', () => {
  it('redirects to the IdP with code, PKCE S256, state, nonce and the registered redirect URI', async () => {
    const { attempt } = await createAttempt(h);
    const url = new URL(await startSso(h, attempt.signInUrl, new Jar()));
    assert.equal(url.origin, new URL(h.idp.issuer).origin);
    const q = url.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge') ?? '', /^[\w-]{43}$/);
    assert.match(q.get('state') ?? '', /^[\w-]{43}$/);
    assert.match(q.get('nonce') ?? '', /^[\w-]{43}$/);
    assert.equal(q.get('redirect_uri'), 'https://auth.test/t/acme/auth/sso/callback');
    assert.equal(q.get('scope'), 'openid email profile');
  });

  it('refuses a browser that did not open the sign-in page (sso_browser_mismatch)', async () => {
    const { attempt } = await createAttempt(h);
    await h.page(attempt.signInUrl, new Jar());
    const response = await h.page(
      `${paths.ssoStart(TENANT)}?attempt=${attempt.attemptId}&provider=acme-idp`,
      new Jar(),
      { headers: CHOOSER_CLICK },
    );
    assert.equal(await errorCode(response), 'sso_browser_mismatch');
  });

  it('answers 502 sso_idp_unreachable when the IdP cannot be reached, as a page with the hosted-page headers', async () => {
    const down = await createHarness({
      tenant: {
        oidc: { id: 'down', issuer: 'http://127.0.0.1:9', clientId: 'x', clientSecret: 'not-used-anywhere' },
      },
    });
    try {
      const { attempt } = await createAttempt(down);
      const popup = new Jar();
      await down.page(attempt.signInUrl, popup);
      const response = await down.page(
        `${paths.ssoStart(TENANT)}?attempt=${attempt.attemptId}&provider=down`,
        popup,
        { headers: CHOOSER_CLICK },
      );
      assert.equal(response.status, 502);
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.equal(await errorCode(response), 'sso_idp_unreachable');
    } finally {
      await down.close();
    }
  });

  it('answers an unknown provider with 404 sso_not_configured', async () => {
    const { attempt } = await createAttempt(h);
    const popup = new Jar();
    await h.page(attempt.signInUrl, popup);
    const response = await h.page(
      `${paths.ssoStart(TENANT)}?attempt=${attempt.attemptId}&provider=nope`,
      popup,
      { headers: CHOOSER_CLICK },
    );
    assert.equal(response.status, 404);
    assert.equal(await errorCode(response), 'sso_not_configured');
  });
});

describe('GET /t/{tenant}/auth/sso/callback', () => {
  it('creates the user keyed by (issuer, sub) on first sign-in and updates it on the next', async () => {
    const { attempt } = await createAttempt(h);
    await popupSignIn(h, attempt.signInUrl);
    const { userId } = await leftovers(attempt.attemptId);
    const agentSub = DEMO_ACCOUNTS.find((a) => a.email === AGENT.email)!.sub;
    const user = await h.store.findUserByIdentity(TENANT, h.idp.issuer, agentSub);
    assert.equal(user?.id, userId, 'the identity (issuer, sub) names the user');
    assert.notEqual(userId, agentSub, 'our user id is our own, not the IdP subject');
    const again = await createAttempt(h);
    await popupSignIn(h, again.attempt.signInUrl);
    assert.equal((await leftovers(again.attempt.attemptId)).userId, userId, 'same IdP subject, same user');
  });

  it('reports an IdP error (the agent cancelled) as 400 sso_idp_error, creating no user and no session', async () => {
    const { attempt } = await createAttempt(h);
    const { callback } = await popupSignIn(h, attempt.signInUrl, new Jar(), 'cancel');
    assert.equal(callback.status, 400);
    assert.equal(await errorCode(callback), 'sso_idp_error');
    assert.deepEqual(callback.headers.getSetCookie(), []);
    assert.deepEqual(await leftovers(attempt.attemptId), { completed: false, userId: null });
  });

  /** The IdP's error response to a sign-in in progress, as JSON (the message is what could be reflected). */
  async function idpError(params: Record<string, string>) {
    const { attempt } = await createAttempt(h);
    const popup = new Jar();
    const authorization = new URL(await startSso(h, attempt.signInUrl, popup));
    const callback = new URL(`${PUBLIC_URL}${paths.ssoCallback(TENANT)}`);
    callback.searchParams.set('state', authorization.searchParams.get('state')!);
    callback.searchParams.set('iss', h.idp.issuer);
    for (const [name, value] of Object.entries(params)) callback.searchParams.set(name, value);
    return h.page(callback.href, popup, { headers: { accept: 'application/json' } });
  }

  it('never reflects an IdP error value that is not a registered error code', async () => {
    const response = await idpError({
      error: 'access_denied<script>alert(1)</script>',
      error_description: '<img src=x onerror=alert(1)>',
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'sso_idp_error');
    assert.doesNotMatch(body.error.message, /script|alert|img|access_denied</);
    assert.match(body.error.message, /unrecognised error/);
  });

  it('repeats a registered IdP error code, such as access_denied', async () => {
    const response = await idpError({ error: 'access_denied' });
    assert.match(
      ((await response.json()) as { error: { message: string } }).error.message,
      /\(access_denied\)/,
    );
  });

  it('refuses an unknown state with 400 sso_state_mismatch', async () => {
    const popup = new Jar();
    const response = await h.page(`${paths.ssoCallback(TENANT)}?code=abc&state=forged`, popup);
    assert.equal(response.status, 400);
    assert.equal(await errorCode(response), 'sso_state_mismatch');
    assert.deepEqual(response.headers.getSetCookie(), []);
  });

  it('burns the state: replaying a callback gets sso_state_mismatch', async () => {
    const { attempt } = await createAttempt(h);
    const { callbackUrl, popup } = await popupSignIn(h, attempt.signInUrl);
    const replay = await h.page(callbackUrl.href, popup);
    assert.equal(await errorCode(replay), 'sso_state_mismatch');
  });

  it('refuses a callback arriving in another browser (sso_browser_mismatch) and completes nothing', async () => {
    const { attempt } = await createAttempt(h);
    const authorizationUrl = await startSso(h, attempt.signInUrl, new Jar());
    const callback = await loginHeadless(authorizationUrl, AGENT);
    const response = await h.page(callback.href, new Jar());
    assert.equal(await errorCode(response), 'sso_browser_mismatch');
    assert.deepEqual(await leftovers(attempt.attemptId), { completed: false, userId: null });
  });

  it('refuses a response whose RFC 9207 iss names another issuer (mix-up), completing nothing', async () => {
    const { attempt } = await createAttempt(h);
    const popup = new Jar();
    const callback = await loginHeadless(await startSso(h, attempt.signInUrl, popup), AGENT);
    assert.equal(callback.searchParams.get('iss'), h.idp.issuer, 'the IdP sends iss');
    callback.searchParams.set('iss', 'https://attacker.example');
    const response = await h.page(callback.href, popup);
    assert.equal(response.status, 400);
    assert.equal(await errorCode(response), 'sso_response_invalid');
    assert.deepEqual(await leftovers(attempt.attemptId), { completed: false, userId: null });
  });

  it('signs in with explicit endpoints instead of discovery', async () => {
    const discovery = (await (
      await fetch(`${h.idp.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    // Every dev IdP serves the same paths; only the origin differs.
    const path = (key: string) => new URL(discovery[key]!).pathname;
    const seen: string[] = [];
    const spy: typeof fetch = async (input, init) => {
      seen.push(input instanceof Request ? input.url : String(input));
      return fetch(input, init);
    };
    const explicit = await createHarness({
      fetch: spy,
      tenant: (issuer) => ({
        oidc: {
          id: 'explicit',
          issuer,
          clientId: 'deskgate-test',
          clientSecret: CLIENT_SECRET,
          authorizationEndpoint: issuer + path('authorization_endpoint'),
          tokenEndpoint: issuer + path('token_endpoint'),
          jwksUri: issuer + path('jwks_uri'),
          idTokenSigningAlgs: ['RS256'],
        },
      }),
    });
    try {
      const { attempt } = await createAttempt(explicit);
      const { callback } = await popupSignIn(explicit, attempt.signInUrl);
      assert.equal(callback.status, 303);
      assert.ok(
        seen.some((u) => u.endsWith(path('token_endpoint'))),
        'the token endpoint was called',
      );
      assert.equal(
        seen.some((u) => u.includes('openid-configuration')),
        false,
        'no discovery request',
      );
    } finally {
      await explicit.close();
    }
  });

  it('refuses an ID token whose nonce does not match (sso_nonce_mismatch)', async () => {
    const { attempt } = await createAttempt(h);
    const popup = new Jar();
    const authorizationUrl = new URL(await startSso(h, attempt.signInUrl, popup));
    const state = authorizationUrl.searchParams.get('state')!;
    const tx = await h.store.takeSsoTransaction(await sha256(state));
    await h.store.createSsoTransaction({ ...tx!, nonce: 'a-different-nonce-than-the-idp-saw' });
    const callback = await loginHeadless(authorizationUrl.href, AGENT);
    const response = await h.page(callback.href, popup);
    assert.equal(response.status, 400);
    assert.equal(await errorCode(response), 'sso_nonce_mismatch');
    assert.deepEqual(await leftovers(attempt.attemptId), { completed: false, userId: null });
  });

  it('refuses an ID token with a broken signature (sso_id_token_invalid)', async () => {
    // The real IdP answers; only its token response is tampered with on the way, as an attacker would.
    const tampering: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!url.endsWith('/token')) return response;
      const body = (await response.json()) as { id_token: string };
      const [header, payload, signature] = body.id_token.split('.');
      const flipped = (signature!.startsWith('A') ? 'B' : 'A') + signature!.slice(1);
      body.id_token = `${header}.${payload}.${flipped}`;
      return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    };
    const tampered = await createHarness({ fetch: tampering });
    try {
      const { attempt } = await createAttempt(tampered);
      const { callback } = await popupSignIn(tampered, attempt.signInUrl);
      assert.equal(callback.status, 400);
      assert.equal(await errorCode(callback), 'sso_id_token_invalid');
      assert.equal((await tampered.store.getAttempt(TENANT, attempt.attemptId))?.completedAt, null);
    } finally {
      await tampered.close();
    }
  });

  it('reads roles from the configured claim, keeping known roles only', async () => {
    const manager = await createAttempt(h);
    const { callback, popup } = await popupSignIn(h, manager.attempt.signInUrl, new Jar(), {
      email: 'manager@demo.test',
      password: 'manager',
    });
    await h.page(callback.headers.get('location')!, popup);
    const { userId } = await leftovers(manager.attempt.attemptId);
    assert.deepEqual((await h.store.getUser(TENANT, userId!))?.roles, ['deepdesk.manager']);
  });

  it('never writes tokens, codes or the client secret to the logs', async () => {
    const { verifier, attempt, sdkJar } = await createAttempt(h);
    const { callback, callbackUrl, popup } = await popupSignIn(h, attempt.signInUrl);
    const proof = proofFrom(await (await h.page(callback.headers.get('location')!, popup)).text());
    await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), { body: { verifier, proof }, jar: sdkJar });
    await h.sdk(paths.refresh(TENANT), { method: 'POST', jar: sdkJar });
    const logs = h.logs.join('\n');
    const secrets = [
      verifier,
      proof,
      attempt.attemptId,
      callbackUrl.searchParams.get('code')!,
      callbackUrl.searchParams.get('state')!,
      CLIENT_SECRET,
      ...[...sdkJar.cookies.values()].map((c) => c.value),
      ...[...popup.cookies.values()].map((c) => c.value),
    ];
    for (const [i, secret] of secrets.entries())
      assert.equal(logs.includes(secret), false, `secret #${i} appeared in the logs`);
    assert.match(logs, /"requestId":"[\w-]+"/);
  });
});
