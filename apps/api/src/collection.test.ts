// GET /t/{tenant}/collection: the agent's personal collection, a first-party page read with the access cookie.
// Signed in it shows who the agent is (escaped), their roles and saved replies, in either locale; without a live
// session it is a 401 page that sets no cookie; always under the strict page CSP and never cached.
import assert from 'node:assert/strict';
import { COOKIE_ACCESS, type ExchangeLink, paths, type RedeemAttemptResponse } from '@deskgate/protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PAGE_CSP } from './pages/render.ts';
import { ApiKeyService } from './services/api-keys.ts';
import {
  createAttempt,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  popupSignIn,
  proofFrom,
  TENANT,
} from './test/harness.ts';

let h: Harness;
let key: string;

beforeAll(async () => {
  h = await createHarness();
  key = (await new ApiKeyService(h.store, h.now).create(TENANT)).key;
});
afterAll(() => h.close());

const COLLECTION = paths.collection(TENANT);
const HOSTILE_NAME = '<script>alert(1)</script> Lee & "Co"';

/** An agent signed in with the tenant's API key (agent role, unconfirmed); the jar holds its cookies. */
async function apiKeySession(agent: Record<string, string> = {}) {
  const jar = new Jar();
  const response = await h.sdk(paths.sessionApiKey(TENANT), {
    body: { agentId: 'le-1', agentName: HOSTILE_NAME, email: 'lee@example.com', ...agent },
    headers: { authorization: `Bearer ${key}` },
    jar,
  });
  assert.equal(response.status, 200, await response.clone().text());
  return jar;
}

/** The manager of the dev IdP, signed in through the popup (SSO, confirmed). */
async function managerSession() {
  const jar = new Jar();
  const { verifier, attempt } = await createAttempt(h, jar);
  const { callback, popup } = await popupSignIn(h, attempt.signInUrl, new Jar(), {
    email: 'manager@demo.test',
    password: 'manager',
  });
  const complete = await h.page(callback.headers.get('location')!, popup);
  const redeem = await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), {
    body: { verifier, proof: proofFrom(await complete.text()) },
    jar,
  });
  assert.equal(((await redeem.json()) as RedeemAttemptResponse).status, 'signed_in');
  return jar;
}

/** A jar holding only an access cookie with this value, on its real path. */
function accessJar(value: string) {
  const jar = new Jar();
  jar.cookies.set(COOKIE_ACCESS, { value, path: paths.tenant(TENANT), attributes: '' });
  return jar;
}

function assertPageHeaders(response: Response, why: string) {
  assert.equal(response.headers.get('content-security-policy'), PAGE_CSP, why);
  assert.equal(response.headers.get('cache-control'), 'no-store', why);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff', why);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/, why);
  assert.deepEqual(response.headers.getSetCookie(), [], `${why}: no cookie`);
}

async function notSignedIn(jar: Jar, code: string, why: string) {
  const response = await h.page(COLLECTION, jar);
  assert.equal(response.status, 401, why);
  assertPageHeaders(response, why);
  const html = await response.clone().text();
  assert.match(html, /<h1>You are not signed in<\/h1>/, why);
  assert.match(html, /Open your personal collection from the agent desktop/, why);
  assert.doesNotMatch(html, /Saved replies|data-roles/, why);
  assert.equal(await errorCode(response), code, why);
}

describe('GET /t/{tenant}/collection signed in', () => {
  it('shows the agent (escaped), their roles and saved replies, under the page CSP, never cached', async () => {
    const jar = await apiKeySession();
    const response = await h.page(COLLECTION, jar);
    assert.equal(response.status, 200, await response.clone().text());
    assertPageHeaders(response, 'signed in');
    const html = await response.text();
    assert.match(html, /<html lang="en-US">/);
    assert.match(html, /<h1>Personal collection<\/h1>/);
    assert.ok(
      html.includes(
        '<p data-agent>Signed in as &lt;script&gt;alert(1)&lt;/script&gt; Lee &amp; &quot;Co&quot; (lee@example.com)</p>',
      ),
      html,
    );
    assert.ok(!html.includes('<script>alert'), 'the name is escaped');
    assert.match(html, /<ul data-roles>\n<li>Agent <code>deepdesk\.agent<\/code><\/li>\n<\/ul>/);
    assert.match(html, /Unconfirmed: no sign-in service or platform vouched for who you are\./);
    assert.match(html, /<h2>Saved replies<\/h2>/);
    assert.equal(html.match(/<li><h3>/g)?.length, 4, 'four saved replies');
    assert.doesNotMatch(html, /<script>|<style>|\son\w+=/, 'nothing inline that the CSP would block');
  });

  it('speaks Dutch for Accept-Language nl, and ?locale= wins over it', async () => {
    const jar = await apiKeySession();
    const dutch = await h.page(COLLECTION, jar, {
      headers: { 'accept-language': 'nl-NL,nl;q=0.9,en;q=0.5' },
    });
    assert.equal(dutch.status, 200);
    const html = await dutch.text();
    assert.match(html, /<html lang="nl-NL">/);
    assert.match(html, /<h1>Persoonlijke collectie<\/h1>/);
    assert.match(html, /Aangemeld als &lt;script&gt;alert\(1\)&lt;\/script&gt; Lee &amp; &quot;Co&quot;/);
    assert.match(html, /<h2>Je rollen<\/h2>/);
    assert.match(html, /<h2>Opgeslagen antwoorden<\/h2>/);
    assert.match(html, /Vertraagde levering/);
    const english = await h.page(`${COLLECTION}?locale=en-US`, jar, { headers: { 'accept-language': 'nl' } });
    assert.match(await english.text(), /<h1>Personal collection<\/h1>/);
    const junk = await h.page(`${COLLECTION}?locale=xx`, jar, { headers: { 'accept-language': 'nl' } });
    assert.equal(junk.status, 200, 'an unknown locale falls back to Accept-Language');
    assert.match(await junk.text(), /<h1>Persoonlijke collectie<\/h1>/);
  });

  it('lists the roles of an SSO session, without the unconfirmed note', async () => {
    const html = await (await h.page(COLLECTION, await managerSession())).text();
    assert.match(html, /<ul data-roles>\n<li>Manager <code>deepdesk\.manager<\/code><\/li>\n<\/ul>/);
    assert.match(html, /Signed in as [^<(]+ \(manager@demo\.test\)/);
    assert.doesNotMatch(html, /Unconfirmed/);
  });
});

describe('GET /t/{tenant}/collection not signed in', () => {
  it('without a cookie: 401, a page that says so, no cookie set', async () => {
    await notSignedIn(new Jar(), 'session_missing', 'no cookie');
  });

  it('with a garbage or forged access cookie: 401', async () => {
    await notSignedIn(accessJar('garbage'), 'session_invalid', 'garbage');
    const real = (await apiKeySession()).get(COOKIE_ACCESS)!;
    const [header, payload] = real.split('.');
    await notSignedIn(accessJar(`${header}.${payload}.AAAA`), 'session_invalid', 'bad signature');
  });

  it('after the session was ended (logout): 401 session_revoked', async () => {
    const jar = await apiKeySession();
    const access = jar.get(COOKIE_ACCESS)!;
    assert.equal((await h.page(COLLECTION, accessJar(access))).status, 200);
    const logout = await h.sdk(paths.logout(TENANT), { body: {}, jar });
    assert.equal(logout.status, 204, await logout.clone().text());
    await notSignedIn(accessJar(access), 'session_revoked', 'revoked');
  });

  it('in Dutch too', async () => {
    const response = await h.page(COLLECTION, new Jar(), { headers: { 'accept-language': 'nl' } });
    assert.equal(response.status, 401);
    const html = await response.text();
    assert.match(html, /<html lang="nl-NL">/);
    assert.match(html, /<h1>Je bent niet aangemeld<\/h1>/);
    assert.match(html, /Open je persoonlijke collectie vanuit het agentscherm/);
  });

  it('once the access token has expired: 401 (the refresh cookie never reaches this path)', async () => {
    const jar = await apiKeySession();
    h.advance(60 * 60 * 1000 + 1);
    const response = await h.page(COLLECTION, jar);
    assert.equal(response.status, 401);
    assert.equal(await errorCode(response), 'session_expired');
  });
});

describe('GET /t/{tenant}/collection, the rest', () => {
  it('is where an outbound link from the CX page lands, signed in as the same agent (F8)', async () => {
    const cx = await apiKeySession({ agentId: 'le-outbound', agentName: 'Lee Outbound' });
    const minted = await h.sdk(paths.exchangeToken(TENANT), { body: { redirect: COLLECTION }, jar: cx });
    assert.equal(minted.status, 200, await minted.clone().text());
    const token = new URL(((await minted.json()) as ExchangeLink).url).hash.replace(/^#token=/, '');
    const browser = new Jar();
    const landing = await h.page(paths.exchange(TENANT), browser, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'null',
        'sec-fetch-site': 'same-origin',
      },
      body: new URLSearchParams({ token }).toString(),
    });
    assert.equal(landing.status, 303, await landing.clone().text());
    assert.equal(landing.headers.get('location'), COLLECTION);
    const page = await h.page(COLLECTION, browser);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Signed in as Lee Outbound \(lee@example\.com\)/);
  });

  it('an unknown tenant is 404 tenant_not_found, as a page', async () => {
    for (const tenant of ['nosuch', 'NoSuch', 'x']) {
      const response = await h.page(paths.collection(tenant), new Jar());
      assert.equal(response.status, 404, tenant);
      assert.equal(response.headers.get('content-security-policy'), PAGE_CSP, tenant);
      assert.equal(await errorCode(response), 'tenant_not_found', tenant);
    }
  });

  it('is a hosted page in the OpenAPI document', async () => {
    const doc = (await (await h.app.request('https://auth.test/openapi.json')).json()) as {
      paths: Record<string, Record<string, { operationId: string; tags: string[]; responses: object }>>;
    };
    const operation = doc.paths['/t/{tenant}/collection']?.get;
    assert.equal(operation?.operationId, 'personalCollection');
    assert.deepEqual(operation?.tags, ['hosted pages']);
    assert.deepEqual(Object.keys(operation?.responses ?? {}).sort(), ['200', '401', '403', '404', '429']);
  });
});
