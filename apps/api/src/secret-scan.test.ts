// The log and message scan (issue 16): every harness records the secrets its run handles and its close()
// fails on any of them in a log line, an audit entry or an error body. Here: the scanner can fail (a planted
// secret in each place is reported, never printed whole), and one run of every sign-in flow and token kind
// (SSO with refresh and logout, magic link with the overlay's code, API key, platform JWT, exchange token,
// SCIM token, the admin API) is witnessed and comes out clean, so this file covers every kind of token even
// where another file does not.
import assert from 'node:assert/strict';
import { DeskgateError, type Store } from '@deskgate/core';
import {
  type CreateAttemptResponse,
  type ExchangeLink,
  paths,
  type RedeemAttemptResponse,
} from '@deskgate/protocol';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  CLIENT_SECRET,
  COOKIE_ACCESS,
  COOKIE_REFRESH,
  CX_ORIGIN,
  createAttempt,
  createHarness,
  type Harness,
  Jar,
  PUBLIC_URL,
  popupSignIn,
  proofFrom,
  secretWitness,
  sessionAs,
  signIn,
  socket,
  TENANT,
} from './test/harness.ts';
import { captureMail, type MailCapture } from './test/mail.ts';
import { describeFindings, findSecrets, logSources, SecretWitness } from './test/secret-scan.ts';

const SECRET = 'Zq8v1YwN3kD5rT7uP9sA2bC4eF6gH8jK';

describe('the scanner', () => {
  const secrets = new Map([[SECRET, 'cookie __Secure-refresh_token_cookie']]);
  const codes = new Map([
    ['K7Q-X2M', 'confirmation code'],
    ['K7QX2M', 'confirmation code'],
  ]);

  it('reports a secret in a log line, an audit entry and an error body, and passes clean ones', () => {
    const findings = findSecrets(secrets, codes, [
      ...logSources(['{"msg":"request","path":"/x"}', `{"msg":"oops","cookie":"${SECRET}"}`]),
      { where: 'audit entry sign_in e1', text: JSON.stringify({ details: { leaked: `x${SECRET}y` } }) },
      { where: 'error body of POST /x → 400', text: `{"error":{"message":"bad ${SECRET}"}}` },
      { where: 'error body of GET /y → 404', text: '{"error":{"code":"not_found"}}' },
    ]);
    assert.deepEqual(
      findings.map((f) => f.where),
      ['log line 2 ("oops")', 'audit entry sign_in e1', 'error body of POST /x → 400'],
    );
    assert.ok(findings.every((f) => f.kind === 'cookie __Secure-refresh_token_cookie'));
    assert.deepEqual(findSecrets(secrets, codes, logSources(['{"msg":"request","status":200}'])), []);
  });

  it('never prints the secret in its report: a few first characters only, and no leaking log message', () => {
    const findings = findSecrets(secrets, codes, logSources([`{"msg":"refresh ${SECRET} refused"}`]));
    const report = describeFindings(findings);
    assert.match(report, /secret scan: 1 secret\(s\)/);
    assert.match(report, /cookie __Secure-refresh_token_cookie \[Zq8v1Y…\] in log line 1$/m);
    assert.ok(!report.includes(SECRET.slice(0, 8)), report);
  });

  it('matches a confirmation code as a whole word only, with or without its dash', () => {
    const where = (text: string) => findSecrets(secrets, codes, [{ where: 'here', text }]).length;
    assert.equal(where('{"typed":"K7Q-X2M"}'), 1);
    assert.equal(where('code K7QX2M typed'), 1);
    assert.equal(where('AK7QX2M K7QX2MB k7q-x2m'), 0, 'inside a longer word or in another case it is chance');
  });

  it('records what it is shown: prefixed tokens, #token= links, secret fields, hidden inputs; not short values', () => {
    const w = new SecretWitness();
    w.recordBody(
      JSON.stringify({
        url: `${PUBLIC_URL}/x#token=dgx_${'a'.repeat(43)}`,
        key: `dgk_${'b'.repeat(51)}`,
        kid: 'k',
      }),
      'application/json',
      'an answer',
    );
    w.recordBody(
      '<input type="hidden" name="token" value="tok&amp;en-0123456789abcdef">',
      'text/html',
      'a page',
    );
    w.recordBody(
      new URLSearchParams({ verifier: 'v'.repeat(43), code: 'ABC-DEF', email: 'a@b.test' }).toString(),
      'application/x-www-form-urlencoded',
      'a form',
    );
    w.record('metrics token', 'short');
    assert.deepEqual([...w.secrets.keys()].sort(), [
      `dgk_${'b'.repeat(51)}`,
      `dgx_${'a'.repeat(43)}`,
      'tok&en-0123456789abcdef',
      'v'.repeat(43),
    ]);
    assert.deepEqual([...w.codes.keys()], ['ABC-DEF', 'ABCDEF']);
  });
});

describe('a harness is a witness', () => {
  it('fails close() on a planted secret in a log line, an audit entry and an error body, naming each', async () => {
    let plant = false;
    // The error body: a failure whose message quotes the tenant's client secret (as a careless throw would).
    const wrapStore = (store: Store) =>
      new Proxy(store, {
        get(target, prop) {
          if (prop === 'getTenant' && plant)
            return async () => {
              throw new DeskgateError('validation_failed', `tenant config: clientSecret ${CLIENT_SECRET}`);
            };
          const value = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const h = await createHarness({ wrapStore });
    const { jar } = await signIn(h);
    const access = jar.get(COOKIE_ACCESS)!;
    const refresh = jar.get(COOKIE_REFRESH)!;
    // The log line: through the app's own logger, as a careless log call would write it.
    h.deps.logger.info({ cookie: access }, 'planted');
    await h.store.appendAudit({
      id: 'planted-event',
      tenant: TENANT,
      at: h.now(),
      type: 'sign_in',
      actor: { kind: 'user', id: 'someone' },
      method: 'sso',
      outcome: 'ok',
      code: null,
      subject: null,
      details: { leaked: refresh },
    });
    plant = true;
    const failed = await h.sdk(paths.session(TENANT), { jar: new Jar() });
    assert.equal(failed.status, 400);
    plant = false;

    const error = await h.close().then(
      () => assert.fail('close() passed a run with planted secrets'),
      (e: Error) => e,
    );
    const report = error.message;
    assert.match(report, /secret scan: 3 secret\(s\)/);
    assert.match(
      report,
      /cookie __Secure-access_token_cookie \(set by POST \/t\/acme\/auth\/attempts\/\S+\/redeem\) \[\S+…\] in log line \d+ \("planted"\)/,
    );
    assert.match(
      report,
      /cookie __Secure-refresh_token_cookie \(set by [^)]+\) \[\S+…\] in audit entry sign_in planted-event/,
    );
    assert.match(
      report,
      /tenant OIDC client secret \[\S+…\] in error body of GET \/t\/acme\/auth\/session → 400/,
    );
    for (const secret of [access, refresh, CLIENT_SECRET])
      assert.ok(!report.includes(secret.slice(0, 12)), 'the report shows no more than a short prefix');
  });

  it('plantsLeaks: the one opt-out, for a test that plants a leak on purpose', async () => {
    const h = await createHarness({ plantsLeaks: true });
    h.logs.push(`{"msg":"planted","secret":"${CLIENT_SECRET}"}\n`);
    await h.close();
  });
});

describe('every flow and token kind, witnessed and clean', () => {
  let h: Harness;
  let mail: MailCapture;
  let closed = false;
  const KNOWN = 'mira.agent@example.com';
  /** Every secret this run handled, by kind: each must be among what the harness recorded. */
  const handled = new Map<string, string>();
  let client = 0;
  const nextIp = () => `198.18.7.${++client}`;

  beforeAll(async () => {
    h = await createHarness({
      tenant: {
        magicLink: { enabled: true },
        outboundLinks: { targets: ['/reports/'] },
        platformJwt: { profiles: { session: { preset: 'messenger' } } },
        scim: { groupRoles: { 'Deepdesk Editors': 'deepdesk.editor' } },
      },
    });
    mail = await captureMail(h);
    const id = crypto.randomUUID();
    const now = h.now();
    await h.store.createUserWithIdentity(
      {
        id,
        tenant: TENANT,
        email: KNOWN,
        name: 'Mira Agent',
        roles: ['deepdesk.agent'],
        confirmed: true,
        createdAt: now,
        updatedAt: now,
        disabledAt: null,
      },
      { tenant: TENANT, issuer: 'email', subject: KNOWN, userId: id, createdAt: now },
    );
  });
  afterAll(async () => {
    await mail?.close();
    if (!closed) await h?.close();
  });

  /** The admin console's JSON API, as admin.test.ts drives it. */
  async function admin(jar: Jar, method: string, path: string, body?: unknown) {
    const url = `/t/${TENANT}/admin/api${path}`;
    const response = await h.app.request(
      `${PUBLIC_URL}${url}`,
      {
        method,
        headers: {
          cookie: jar.header(url) ?? '',
          ...(body !== undefined && { origin: PUBLIC_URL, 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      },
      socket(nextIp()),
    );
    assert.equal(response.status, 200, `${method} ${path}: ${await response.clone().text()}`);
    return (await response.json()) as Record<string, string>;
  }

  const FORM = {
    'content-type': 'application/x-www-form-urlencoded',
    origin: 'null',
    'sec-fetch-site': 'same-origin',
  };

  it('SSO sign-in, refresh, an exchange token minted and redeemed, logout', async () => {
    const jar = new Jar();
    const { verifier, attempt } = await createAttempt(h, jar);
    const { callback, callbackUrl, popup } = await popupSignIn(h, attempt.signInUrl);
    const proof = proofFrom(await (await h.page(callback.headers.get('location')!, popup)).text());
    const redeem = await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), {
      body: { verifier, proof },
      jar,
    });
    assert.equal(redeem.status, 200);
    handled.set('verifier', verifier);
    handled.set('proof', proof);
    handled.set('IdP authorization code', callbackUrl.searchParams.get('code')!);
    handled.set('SSO state', callbackUrl.searchParams.get('state')!);
    handled.set('binding cookie', [...popup.cookies.values()][0]!.value);
    handled.set('access cookie', jar.get(COOKIE_ACCESS)!);
    handled.set('refresh cookie', jar.get(COOKIE_REFRESH)!);

    // A wrong verifier and a forged cookie: error bodies the scan reads.
    const wrong = await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), {
      body: { verifier: 'x'.repeat(43) },
    });
    assert.ok(wrong.status >= 400);
    const forged = new Jar();
    forged.cookies.set(COOKIE_ACCESS, {
      value: `${jar.get(COOKIE_ACCESS)!.slice(0, -4)}AAAA`,
      path: '/',
      attributes: '',
    });
    assert.equal((await h.sdk(paths.session(TENANT), { jar: forged })).status, 401);

    const refreshed = await h.sdk(paths.refresh(TENANT), { body: {}, jar });
    assert.equal(refreshed.status, 200, await refreshed.clone().text());
    handled.set('rotated refresh cookie', jar.get(COOKIE_REFRESH)!);

    const minted = await h.sdk(paths.exchangeToken(TENANT), {
      body: { redirect: paths.collection(TENANT) },
      jar,
    });
    assert.equal(minted.status, 200, await minted.clone().text());
    const token = new URL(((await minted.json()) as ExchangeLink).url).hash.replace(/^#token=/, '');
    handled.set('exchange token', token);
    const browser = new Jar();
    const post = () =>
      h.page(`${paths.exchange(TENANT)}?locale=en-US`, browser, {
        method: 'POST',
        headers: FORM,
        body: new URLSearchParams({ token }).toString(),
        ip: nextIp(),
      });
    assert.equal((await post()).status, 303);
    assert.ok((await post()).status >= 400, 'used once');
    handled.set('exchange session cookie', browser.get(COOKIE_ACCESS)!);

    assert.equal((await h.sdk(paths.logout(TENANT), { body: {}, jar })).status, 204);
  });

  it('a magic link opened in another browser, finished by the overlay’s code', async () => {
    const sdkJar = new Jar();
    const { verifier, attempt } = await createAttempt(h, sdkJar);
    const popup = new Jar();
    assert.equal((await h.page(attempt.signInUrl, popup)).status, 200);
    const asked = await h.page(`${paths.magicLink(TENANT)}?locale=en-US`, popup, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ email: KNOWN, attempt: attempt.attemptId }).toString(),
      ip: nextIp(),
    });
    assert.equal(asked.status, 202);
    const [message] = await mail.deliver();
    const link = new URL(message!.links.find((l) => l.includes(paths.magicLinkOpen(TENANT)))!);
    const token = link.hash.replace(/^#token=/, '');
    handled.set('magic-link token', token);
    const elsewhere = new Jar();
    const opened = await h.page(`${link.pathname}${link.search}`, elsewhere, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ token }).toString(),
      ip: nextIp(),
    });
    assert.equal(opened.status, 303);
    assert.equal((await h.page(opened.headers.get('location')!, elsewhere)).status, 200);
    const code = (attempt as CreateAttemptResponse).confirmationCode;
    handled.set('confirmation code', code);
    const type = (typed: string) =>
      h.page(paths.attemptConfirm(TENANT, attempt.attemptId), elsewhere, {
        method: 'POST',
        headers: FORM,
        body: new URLSearchParams({ code: typed }).toString(),
      });
    assert.equal((await type(code === 'AAA-AAA' ? 'BBB-BBB' : 'AAA-AAA')).status, 400);
    assert.equal((await type(code)).status, 200);
    const done = await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), {
      body: { verifier },
      jar: sdkJar,
    });
    assert.equal(((await done.json()) as RedeemAttemptResponse).status, 'signed_in');
  });

  it('the admin API makes an API key, a SCIM token and a platform-JWT secret; each is used', async () => {
    const manager = await sessionAs(h, ['deepdesk.manager']);
    const apiKey = (await admin(manager.jar, 'POST', '/api-keys', { allowedOrigins: [CX_ORIGIN] })).key!;
    const scimToken = (await admin(manager.jar, 'POST', '/scim-tokens', {})).key!;
    const jwtKey = await admin(manager.jar, 'POST', '/jwt-keys', { profile: 'session' });
    await admin(manager.jar, 'GET', '/audit?limit=100');
    handled.set('API key', apiKey);
    handled.set('SCIM token', scimToken);
    handled.set('platform JWT key secret', jwtKey.secret!);

    const byKey = await h.sdk(paths.sessionApiKey(TENANT), {
      body: { agentId: 'le-1', agentName: 'Lee Agent' },
      jar: new Jar(),
      headers: { authorization: `Bearer ${apiKey}` },
      ip: nextIp(),
    });
    assert.equal(byKey.status, 200, await byKey.clone().text());
    const badKey = await h.sdk(paths.sessionApiKey(TENANT), {
      body: { agentId: 'le-1', agentName: 'Lee Agent' },
      jar: new Jar(),
      headers: { authorization: `Bearer ${apiKey.slice(0, -3)}xyz` },
      ip: nextIp(),
    });
    assert.equal(badKey.status, 401);

    const seconds = Math.floor(h.now() / 1000);
    const jwt = await new SignJWT({
      deskpro_id: 101,
      email: 'ann@example.com',
      name: 'Ann',
      iat: seconds,
      exp: seconds + 600,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: jwtKey.kid! })
      .sign(new TextEncoder().encode(jwtKey.secret!));
    handled.set('platform JWT', jwt);
    const byJwt = await h.sdk(paths.sessionJwt(TENANT), {
      body: { token: jwt },
      jar: new Jar(),
      ip: nextIp(),
    });
    assert.equal(byJwt.status, 200, await byJwt.clone().text());
    const forgedJwt = `${jwt.slice(0, -4)}AAAA`;
    const refused = await h.sdk(paths.sessionJwt(TENANT), {
      body: { token: forgedJwt },
      jar: new Jar(),
      ip: nextIp(),
    });
    assert.equal(refused.status, 401, 'a bad signature is refused');

    const scim = (method: string, path: string, bearer: string, body?: unknown) =>
      h.app.request(
        `${PUBLIC_URL}/t/${TENANT}/scim/v2${path}`,
        {
          method,
          headers: {
            authorization: `Bearer ${bearer}`,
            accept: 'application/scim+json',
            ...(body !== undefined && { 'content-type': 'application/scim+json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        },
        socket(nextIp()),
      );
    const created = await scim('POST', '/Users', scimToken, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'sam@example.com',
      externalId: 'sam-1',
      active: true,
    });
    assert.equal(created.status, 201, await created.clone().text());
    assert.equal(
      (await scim('GET', '/Users?filter=userName%20eq%20%22sam@example.com%22', scimToken)).status,
      200,
    );
    assert.equal((await scim('GET', '/Users', `${scimToken.slice(0, -3)}xyz`)).status, 401);
  });

  it('recorded every secret it handled, and close() finds none in logs, audit entries or error bodies', async () => {
    const witness = secretWitness(h);
    const missing = [...handled].filter(
      ([, value]) => !witness.secrets.has(value) && !witness.codes.has(value),
    );
    assert.deepEqual(
      missing.map(([kind]) => kind),
      [],
      'every kind of secret was witnessed',
    );
    assert.ok(witness.secrets.has(CLIENT_SECRET), 'the client secret');
    assert.ok([...witness.secrets.values()].includes('master key'), 'the master key');
    assert.ok(witness.errorBodies.length >= 5, 'error bodies were collected');
    assert.ok(h.logs.length > 20, 'logs were captured');
    closed = true;
    await h.close();
  });
});
