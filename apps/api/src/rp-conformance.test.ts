// Relying-party conformance (issue 16 item 1), after the OpenID Foundation's RP certification tests: a
// hostile OpenID Provider (test/hostile-idp.ts) answers each sign-in with one fault, and the RP must refuse
// it with the right code, completing no attempt and creating no user, identity or session. Positive controls
// (RS256, ES256, kid rules, key rotation) keep the suite honest: a provider that can do no right would pass
// every refusal. docs/sso.md "Relying-party conformance" lists the cases.
import assert from 'node:assert/strict';
import { paths } from '@deskgate/protocol';
import { describe, it, vi } from 'vitest';
import {
  CHOOSER_CLICK,
  createAttempt,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  startSso,
  TENANT,
} from './test/harness.ts';
import {
  type HostileIdp,
  type ProviderSettings,
  type SignInFault,
  startHostileIdp,
} from './test/hostile-idp.ts';

interface Case {
  idp: HostileIdp;
  h: Harness;
}

/**
 * A fresh provider and a fresh app for each case: the RP caches discovery (an hour) and JWKS (per URI) inside
 * one createApp, so a case must not see what the previous one taught it.
 */
async function withCase(settings: ProviderSettings | undefined, run: (c: Case) => Promise<void>) {
  const idp = await startHostileIdp({ settings });
  const h = await createHarness({
    tenant: {
      oidc: {
        id: 'hostile',
        displayName: 'Hostile SSO',
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
      },
    },
  });
  try {
    await run({ idp, h });
  } finally {
    await h.close();
    await idp.close();
  }
}

/** One popup sign-in through the hostile provider, with `fault` for this sign-in; the callback's answer. */
async function signInWith(c: Case, fault: SignInFault = {}) {
  c.idp.next(fault);
  const { attempt, verifier, sdkJar } = await createAttempt(c.h);
  const popup = new Jar();
  const authorization = await startSso(c.h, attempt.signInUrl, popup);
  assert.ok(authorization.startsWith(`${c.idp.issuer}/authorize?`), 'off to the hostile provider');
  const redirect = await fetch(authorization, { redirect: 'manual' });
  assert.equal(redirect.status, 302);
  const response = await c.h.page(redirect.headers.get('location')!, popup);
  return { attempt, verifier, sdkJar, response };
}

/** The refusal, and that it left nothing behind: no completed attempt, no user, no identity, no session. */
async function assertRefused(c: Case, result: Awaited<ReturnType<typeof signInWith>>, code: string) {
  const { response, attempt, verifier, sdkJar } = result;
  assert.notEqual(response.status, 303, 'the RP signed the user in');
  assert.equal(await errorCode(response), code);
  assert.equal(response.status, code === 'sso_idp_unreachable' ? 502 : 400);
  assert.deepEqual(response.headers.getSetCookie(), [], 'no cookie');
  const stored = await c.h.store.getAttempt(TENANT, attempt.attemptId);
  assert.equal(stored?.completedAt, null, 'the attempt is not completed');
  assert.equal(stored?.userId, null, 'the attempt names no user');
  assert.deepEqual(await c.h.store.listUsers(TENANT), [], 'no user was created');
  assert.equal(await c.h.store.findUserByIdentity(TENANT, c.idp.issuer, c.idp.subject), undefined);
  // The SDK cannot get a session out of it either: the attempt is still pending.
  const redeem = await c.h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), {
    body: { verifier },
    jar: sdkJar,
  });
  assert.deepEqual(await redeem.json(), { status: 'pending' });
  assert.deepEqual(redeem.headers.getSetCookie(), []);
}

/** The sign-in went through: the attempt is completed for the user keyed by (issuer, the ID token's sub). */
async function assertSignedIn(c: Case, result: Awaited<ReturnType<typeof signInWith>>) {
  assert.equal(result.response.status, 303, await result.response.clone().text());
  const stored = await c.h.store.getAttempt(TENANT, result.attempt.attemptId);
  assert.notEqual(stored?.completedAt, null);
  const user = await c.h.store.findUserByIdentity(TENANT, c.idp.issuer, c.idp.subject);
  assert.ok(user, 'the identity (issuer, sub) names a user');
  assert.equal(stored?.userId, user.id);
}

/** A case whose only fault is in the sign-in answer. */
function refuses(fault: SignInFault, code: string, settings?: ProviderSettings) {
  return () => withCase(settings, async (c) => assertRefused(c, await signInWith(c, fault), code));
}

const now = () => Math.floor(Date.now() / 1000);

describe('positive controls', () => {
  it('accepts an RS256 ID token', () =>
    withCase(undefined, async (c) => {
      await assertSignedIn(c, await signInWith(c, { key: 'rs' }));
      assert.equal(c.idp.hits.token, 1);
    }));

  it('accepts an ES256 ID token', () =>
    withCase(undefined, async (c) => assertSignedIn(c, await signInWith(c, { key: 'es' }))));

  it('accepts aud as an array holding only our client_id', () =>
    withCase(undefined, async (c) =>
      assertSignedIn(c, await signInWith(c, { claims: { aud: [c.idp.clientId], azp: c.idp.clientId } })),
    ));

  it('accepts a response without iss when discovery does not advertise RFC 9207', () =>
    withCase({ issParameterSupported: false }, async (c) =>
      assertSignedIn(c, await signInWith(c, { authIss: null })),
    ));
});

describe('ID token claims (OIDC Core 3.1.3.7)', () => {
  it('refuses a wrong iss', refuses({ claims: { iss: 'https://attacker.example' } }, 'sso_id_token_invalid'));
  it('refuses a missing aud', refuses({ claims: { aud: undefined } }, 'sso_id_token_invalid'));
  it('refuses a wrong aud', refuses({ claims: { aud: 'another-client' } }, 'sso_id_token_invalid'));

  it('refuses an aud with an extra untrusted audience and no azp', () =>
    withCase(undefined, async (c) =>
      assertRefused(
        c,
        await signInWith(c, { claims: { aud: [c.idp.clientId, 'another-client'] } }),
        'sso_id_token_invalid',
      ),
    ));

  it('refuses an aud with an extra untrusted audience even when azp names us', () =>
    withCase(undefined, async (c) =>
      assertRefused(
        c,
        await signInWith(c, { claims: { aud: [c.idp.clientId, 'another-client'], azp: c.idp.clientId } }),
        'sso_id_token_invalid',
      ),
    ));

  it(
    'refuses an azp naming another client',
    refuses({ claims: { azp: 'another-client' } }, 'sso_id_token_invalid'),
  );
  it('refuses a missing sub', refuses({ claims: { sub: undefined } }, 'sso_id_token_invalid'));
  it('refuses a missing iat', refuses({ claims: { iat: undefined } }, 'sso_id_token_invalid'));

  it('refuses an expired ID token', () =>
    // Past oauth4webapi's 30 s clock tolerance.
    refuses({ claims: { iat: now() - 600, exp: now() - 120 } }, 'sso_id_token_invalid')());

  it('refuses a wrong nonce', refuses({ claims: { nonce: 'not-the-nonce-we-sent' } }, 'sso_nonce_mismatch'));
  it('refuses a missing nonce', refuses({ claims: { nonce: undefined } }, 'sso_nonce_mismatch'));
});

describe('ID token signatures', () => {
  it('refuses a bad RS256 signature', refuses({ key: 'rs', sign: 'bad-signature' }, 'sso_id_token_invalid'));
  it('refuses a bad ES256 signature', refuses({ key: 'es', sign: 'bad-signature' }, 'sso_id_token_invalid'));

  it('refuses HS256 made with the provider’s public key, even when discovery advertises HS256', () =>
    withCase({ algs: ['RS256', 'ES256', 'HS256'] }, async (c) =>
      assertRefused(c, await signInWith(c, { sign: 'hs256-with-public-key' }), 'sso_id_token_invalid'),
    ));

  it(
    'refuses HS256 made with the public key when discovery does not advertise it',
    refuses({ sign: 'hs256-with-public-key' }, 'sso_id_token_invalid'),
  );

  it('refuses HS256 made with the client secret, even when discovery advertises HS256 (we take no HS*)', () =>
    withCase({ algs: ['RS256', 'HS256'] }, async (c) =>
      assertRefused(c, await signInWith(c, { sign: 'hs256-with-client-secret' }), 'sso_id_token_invalid'),
    ));

  it('refuses an unsigned ID token (alg none), even when discovery advertises none', () =>
    withCase({ algs: ['RS256', 'none'] }, async (c) =>
      assertRefused(c, await signInWith(c, { sign: 'none' }), 'sso_id_token_invalid'),
    ));

  it(
    'refuses an unsigned ID token (alg none) when discovery does not advertise it',
    refuses({ sign: 'none' }, 'sso_id_token_invalid'),
  );
});

describe('keys and kid', () => {
  it('accepts a token without kid when the JWKS holds one key', () =>
    withCase({ jwks: ['rs'] }, async (c) =>
      assertSignedIn(c, await signInWith(c, { header: { kid: undefined } })),
    ));

  it('accepts a token without kid when only one published key fits its alg (one RSA, one EC key)', () =>
    withCase({ jwks: ['rs', 'es'] }, async (c) =>
      assertSignedIn(c, await signInWith(c, { header: { kid: undefined } })),
    ));

  it('refuses a token without kid when several published keys fit its alg (OIDC Core 10.1)', () =>
    withCase({ jwks: ['rs', 'rs2'] }, async (c) =>
      assertRefused(c, await signInWith(c, { header: { kid: undefined } }), 'sso_id_token_invalid'),
    ));

  it('ignores an unparseable key in the JWKS while a good key still verifies', () =>
    withCase(
      {
        jwks: [
          { kty: 'RSA', kid: 'broken-rsa', n: '!!not base64url!!', e: 'AQAB' },
          { kty: 'EC', kid: 'broken-ec', crv: 'P-256', x: 'short', y: 'short' },
          { kty: 'nonsense', kid: 'nonsense' },
          { kid: 'no-kty-at-all' },
          'rs',
        ],
      },
      async (c) => assertSignedIn(c, await signInWith(c, { key: 'rs' })),
    ));

  it('follows a key rotation with one JWKS refetch, and never refetches on every unknown kid', () =>
    withCase({ jwks: ['rs'] }, async (c) => {
      // jose refetches for an unknown kid only 30 s after its last fetch (its cooldown); time moves here.
      let shift = 0;
      const realNow = Date.now.bind(Date);
      const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + shift);
      try {
        await assertSignedIn(c, await signInWith(c, { key: 'rs' }));
        assert.equal(c.idp.hits.jwks, 1);
        // An unknown kid straight after the fetch: refused, within the cooldown, without a refetch.
        const early = await signInWith(c, { key: 'rs', header: { kid: 'unknown-1' } });
        assert.equal(await errorCode(early.response), 'sso_id_token_invalid');
        assert.equal(c.idp.hits.jwks, 1);

        // The IdP rotates to a new key; past the cooldown, its first token causes one refetch and passes.
        c.idp.configure({ jwks: ['rs2'] });
        shift = 31_000;
        await assertSignedIn(c, await signInWith(c, { key: 'rs2' }));
        assert.equal(c.idp.hits.jwks, 2, 'one refetch for the rotation');

        // Unknown kids right after: each refused, none fetches the JWKS again.
        for (const kid of ['unknown-2', 'unknown-3', 'unknown-4']) {
          const result = await signInWith(c, { key: 'rs2', header: { kid } });
          assert.equal(await errorCode(result.response), 'sso_id_token_invalid');
          assert.equal((await c.h.store.getAttempt(TENANT, result.attempt.attemptId))?.completedAt, null);
        }
        assert.equal(c.idp.hits.jwks, 2, 'no refetch within the cooldown');
        // The retired key no longer verifies (it left the JWKS).
        const retired = await signInWith(c, { key: 'rs' });
        assert.equal(await errorCode(retired.response), 'sso_id_token_invalid');
      } finally {
        clock.mockRestore();
      }
    }));
});

describe('userinfo', () => {
  it('keys the identity by the ID token’s sub; userinfo (never called) cannot change it', () =>
    withCase(undefined, async (c) => {
      await assertSignedIn(c, await signInWith(c, { userinfoSub: 'someone-else' }));
      assert.equal(c.idp.hits.userinfo, 0, 'the RP does not call userinfo for an OIDC provider');
      assert.equal(await c.h.store.findUserByIdentity(TENANT, c.idp.issuer, 'someone-else'), undefined);
      const [user] = await c.h.store.listUsers(TENANT);
      assert.equal(user?.email, 'hostile.user@acme.test', 'the profile is the ID token’s');
    }));
});

describe('authorization response (RFC 9207)', () => {
  it('refuses an iss naming another issuer (mix-up)', () =>
    withCase(undefined, async (c) => {
      await assertRefused(
        c,
        await signInWith(c, { authIss: 'https://attacker.example' }),
        'sso_response_invalid',
      );
      assert.equal(c.idp.hits.token, 0, 'the code was never sent anywhere');
    }));

  it('refuses a missing iss when discovery advertises authorization_response_iss_parameter_supported', () =>
    withCase({ issParameterSupported: true }, async (c) => {
      await assertRefused(c, await signInWith(c, { authIss: null }), 'sso_response_invalid');
      assert.equal(c.idp.hits.token, 0);
    }));
});

describe('error responses', () => {
  it('reports an authorization error (access_denied) as sso_idp_error', () =>
    withCase(undefined, async (c) => {
      await assertRefused(c, await signInWith(c, { authError: 'access_denied' }), 'sso_idp_error');
      assert.equal(c.idp.hits.token, 0);
    }));

  it(
    'reports a token endpoint 400 invalid_grant as sso_idp_error',
    refuses(
      {
        tokenError: {
          status: 400,
          contentType: 'application/json',
          body: JSON.stringify({ error: 'invalid_grant' }),
        },
      },
      'sso_idp_error',
    ),
  );

  it(
    'reports a token endpoint 500 with an HTML page as sso_idp_unreachable (502)',
    refuses(
      { tokenError: { status: 500, contentType: 'text/html', body: '<h1>Internal Server Error</h1>' } },
      'sso_idp_unreachable',
    ),
  );

  it('refuses a discovery document naming another issuer (sso_idp_unreachable), before sending anyone there', () =>
    withCase({ discoveryIssuer: 'https://attacker.example' }, async (c) => {
      const { attempt } = await createAttempt(c.h);
      const popup = new Jar();
      assert.equal((await c.h.page(attempt.signInUrl, popup)).status, 200);
      const start = await c.h.page(
        `${paths.ssoStart(TENANT)}?attempt=${attempt.attemptId}&provider=hostile`,
        popup,
        { headers: CHOOSER_CLICK },
      );
      assert.equal(start.status, 502);
      assert.equal(await errorCode(start), 'sso_idp_unreachable');
      assert.equal(c.idp.hits.discovery, 1);
      assert.equal(c.idp.hits.authorize, 0, 'no redirect to the provider');
      assert.deepEqual(await c.h.store.listUsers(TENANT), []);
    }));
});
