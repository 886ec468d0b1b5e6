// Contract of outbound links (F8): POST /t/{tenant}/auth/exchange-token mints a single-use link; the landing
// page's same-origin form redeems it once into a first-party session of the same user (method `exchange`,
// the source's limits, never longer) and goes on to the target. Every refusal: its code, no cookie, nothing used.
import assert from 'node:assert/strict';
import { type ExchangeLink, paths } from '@deskgate/protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ApiKeyService } from './services/api-keys.ts';
import { TenantService } from './services/tenants.ts';
import {
  COOKIE_ACCESS,
  COOKIE_REFRESH,
  CX_ORIGIN,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  PUBLIC_URL,
  signIn,
  TENANT,
} from './test/harness.ts';

let h: Harness;
let apiKey: string;

beforeAll(async () => {
  h = await createHarness({ tenant: { outboundLinks: { targets: ['/reports/'] } } });
  apiKey = (await new ApiKeyService(h.store, h.now).create(TENANT)).key;
});
afterAll(() => h.close());

const COLLECTION = paths.collection(TENANT);
let client = 0;
const nextIp = () => `198.18.${Math.floor(++client / 250)}.${(client % 250) + 1}`;

/** An agent signed in on the CX page by API key: the SDK's jar. */
async function agentByApiKey(agentId = `le-${++client}`, name = `Lee ${client}`) {
  const jar = new Jar();
  const response = await h.sdk(paths.sessionApiKey(TENANT), {
    body: { agentId, agentName: name },
    jar,
    headers: { authorization: `Bearer ${apiKey}` },
    ip: nextIp(),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const { user } = (await response.json()) as { user: { id: string } };
  return { jar, userId: user.id };
}

function mint(jar: Jar, redirect: unknown = COLLECTION, init: { origin?: string } = {}) {
  return h.sdk(paths.exchangeToken(TENANT), { body: { redirect }, jar, origin: init.origin, ip: nextIp() });
}

async function link(jar: Jar, redirect: unknown = COLLECTION) {
  const response = await mint(jar, redirect);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as ExchangeLink;
}

const tokenOf = (url: string) => new URL(url).hash.replace(/^#token=/, '');

/** The landing page's form post, as a browser sends it from the page (same-origin, Origin null). */
function redeem(
  token: string,
  browser = new Jar(),
  init: { choice?: string; headers?: Record<string, string>; ip?: string } = {},
) {
  const body = new URLSearchParams({ token, ...(init.choice && { choice: init.choice }) });
  return h.page(`${paths.exchange(TENANT)}?locale=en-US`, browser, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: 'null',
      'sec-fetch-site': 'same-origin',
      ...init.headers,
    },
    body: body.toString(),
    ip: init.ip ?? nextIp(),
  });
}

async function refused(response: Response, status: number, code: string, why: string) {
  assert.equal(response.status, status, `${why}: ${await response.clone().text()}`);
  assert.equal(await errorCode(response), code, why);
  assert.deepEqual(response.headers.getSetCookie(), [], `${why}: no cookie`);
}

async function sessionOf(browser: Jar) {
  const response = await h.page(paths.session(TENANT), browser);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as { user: { id: string; roles: string[]; confirmed: boolean } };
}

describe('POST /t/{tenant}/auth/exchange-token', () => {
  it('returns the landing page with a single-use token in the fragment, never the query', async () => {
    const { jar } = await agentByApiKey();
    const before = h.now();
    const response = await mint(jar);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('access-control-allow-origin'), CX_ORIGIN);
    const { url, expiresAt } = (await response.json()) as ExchangeLink;
    const parsed = new URL(url);
    assert.equal(parsed.origin + parsed.pathname, PUBLIC_URL + paths.exchange(TENANT));
    assert.equal(parsed.search, '');
    assert.match(parsed.hash, /^#token=dgx_[A-Za-z0-9_-]{43}$/);
    assert.ok(expiresAt >= before + 300_000 && expiresAt <= h.now() + 300_000, 'default TTL 300 s');
    assert.ok(!h.logs.join('\n').includes(tokenOf(url)), 'the token is never logged');
  });

  it('needs a live session: 401 with the session codes, nothing minted', async () => {
    await refused(await mint(new Jar()), 401, 'session_missing', 'no cookie');
    const garbage = new Jar();
    garbage.cookies.set(COOKIE_ACCESS, { value: 'garbage', path: paths.tenant(TENANT), attributes: '' });
    await refused(await mint(garbage), 401, 'session_invalid', 'garbage cookie');
    const { jar } = await agentByApiKey();
    assert.equal((await h.sdk(paths.logout(TENANT), { body: {}, jar: new Jar(), ip: nextIp() })).status, 200);
    const ended = new Jar();
    for (const [name, cookie] of jar.cookies) ended.cookies.set(name, cookie);
    assert.equal((await h.sdk(paths.logout(TENANT), { body: {}, jar, ip: nextIp() })).status, 204);
    await refused(await mint(ended), 401, 'session_revoked', 'signed out');
  });

  it('checks the Origin and the CSRF header as every SDK write does', async () => {
    const { jar } = await agentByApiKey();
    const foreign = await mint(jar, COLLECTION, { origin: 'https://evil.test' });
    assert.equal(foreign.status, 403);
    assert.equal(await errorCode(foreign), 'origin_not_allowed');
    const form = await h.app.request(`${PUBLIC_URL}${paths.exchangeToken(TENANT)}`, {
      method: 'POST',
      headers: {
        origin: CX_ORIGIN,
        'content-type': 'text/plain',
        cookie: jar.header(paths.exchangeToken(TENANT)) ?? '',
      },
      body: JSON.stringify({ redirect: COLLECTION }),
    });
    assert.equal(form.status, 403);
    assert.equal(await errorCode(form), 'csrf_header_required');
  });

  it('refuses targets off the allowed paths of this site: 400 return_target_invalid, nothing minted', async () => {
    const { jar } = await agentByApiKey();
    let created = 0;
    const create = h.store.createExchangeToken.bind(h.store);
    h.store.createExchangeToken = (token) => {
      created++;
      return create(token);
    };
    try {
      for (const payload of [
        '//evil.test/x',
        '/\\evil.test',
        '/%09/evil.test',
        'https:evil.test',
        `https://${new URL(PUBLIC_URL).host}@evil.test${COLLECTION}`,
        `https://evil.test${COLLECTION}`,
        'javascript:alert(1)',
        'data:text/html,hi',
        '／／evil.test',
        '%2F%2Fevil.test',
        '/reports/../t/acme/auth/session',
        '/t/acme/auth/session',
        '/',
      ])
        await refused(await mint(jar, payload), 400, 'return_target_invalid', payload);
      const invalid = await mint(jar, 42);
      assert.equal(invalid.status, 400);
      assert.equal(await errorCode(invalid), 'validation_failed');
      assert.equal(created, 0);
    } finally {
      h.store.createExchangeToken = create;
    }
    assert.equal((await mint(jar, `${PUBLIC_URL}/reports/q4?x=1`)).status, 200, 'an allowed prefix');
  });

  it('lets the tenant set the TTL, never past the session', async () => {
    const short = await new TenantService(h.store, h.deps.keys, h.now).save(
      { code: 'brief', allowedOrigins: [CX_ORIGIN], outboundLinks: { ttlSeconds: 3600 } },
      'create',
    );
    const key = (await new ApiKeyService(h.store, h.now).create(short.code)).key;
    const jar = new Jar();
    const signedIn = await h.sdk(paths.sessionApiKey(short.code), {
      body: { agentId: 'b-1', agentName: 'B' },
      jar,
      headers: { authorization: `Bearer ${key}` },
      ip: nextIp(),
    });
    const { sessionExpiresAt } = (await signedIn.json()) as { sessionExpiresAt: string };
    const response = await h.sdk(paths.exchangeToken(short.code), {
      body: { redirect: paths.collection(short.code) },
      jar,
      ip: nextIp(),
    });
    const { expiresAt } = (await response.json()) as ExchangeLink;
    assert.ok(expiresAt > h.now() + 3_500_000 && expiresAt <= h.now() + 3_600_000);
    assert.ok(expiresAt <= Date.parse(sessionExpiresAt));
  });
});

describe('the landing page and the redemption', () => {
  it('GET /exchange is a script-driven page: strict CSP, no referrer, COOP same-origin, no cookie', async () => {
    const response = await h.page(paths.exchange(TENANT), new Jar());
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /<form id="exchange" method="post" action="\/t\/acme\/auth\/exchange\?locale=en-US">/);
    assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.deepEqual(response.headers.getSetCookie(), []);
    const dutch = await h.page(paths.exchange(TENANT), new Jar(), { headers: { 'accept-language': 'nl' } });
    assert.match(await dutch.text(), /Een moment, je wordt aangemeld/);
  });

  it('signs a new browser in as the same agent (method exchange, the source’s limits) and goes on', async () => {
    const { jar, userId } = await agentByApiKey();
    const { url } = await link(jar, `${COLLECTION}?tab=replies`);
    const browser = new Jar();
    const response = await redeem(tokenOf(url), browser);
    assert.equal(response.status, 303, await response.clone().text());
    assert.equal(response.headers.get('location'), `${COLLECTION}?tab=replies`);
    assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.ok(browser.get(COOKIE_ACCESS) && browser.get(COOKIE_REFRESH), 'both session cookies');
    const session = await sessionOf(browser);
    assert.equal(session.user.id, userId);
    // From an API-key session: still agent-only and unconfirmed, also after a refresh.
    assert.deepEqual([session.user.roles, session.user.confirmed], [['deepdesk.agent'], false]);
    const refreshed = await h.page(paths.refresh(TENANT), browser, {
      method: 'POST',
      headers: { origin: CX_ORIGIN, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(refreshed.status, 200, await refreshed.clone().text());
    const after = (await refreshed.json()) as { user: { roles: string[]; confirmed: boolean } };
    assert.deepEqual([after.user.roles, after.user.confirmed], [['deepdesk.agent'], false]);
    assert.ok(!h.logs.join('\n').includes(tokenOf(url)), 'the token is never logged');
  });

  it('keeps the roles of a full session, and never outlives it', async () => {
    const { jar, body } = await signIn(h);
    assert.equal(body.status, 'signed_in');
    const user = (await h.store.getUser(TENANT, body.status === 'signed_in' ? body.session.user.id : ''))!;
    await h.store.updateUser({ ...user, roles: ['deepdesk.manager'], confirmed: true });
    const { url } = await link(jar);
    const browser = new Jar();
    assert.equal((await redeem(tokenOf(url), browser)).status, 303);
    const session = await sessionOf(browser);
    assert.deepEqual([session.user.id, session.user.roles], [user.id, ['deepdesk.manager']]);
    const access = browser.get(COOKIE_ACCESS)!;
    const sid = JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()).sid as string;
    const created = (await h.store.getSession(sid))!;
    assert.deepEqual([created.method, created.via], ['exchange', 'sso']);
    const source = JSON.parse(Buffer.from(jar.get(COOKIE_ACCESS)!.split('.')[1]!, 'base64url').toString())
      .sid as string;
    assert.ok(created.expiresAt <= (await h.store.getSession(source))!.expiresAt);
  });

  it('is single use: a second redemption, and all but one of concurrent ones, get exchange_token_invalid', async () => {
    const { jar } = await agentByApiKey();
    const token = tokenOf((await link(jar)).url);
    assert.equal((await redeem(token)).status, 303);
    await refused(await redeem(token), 400, 'exchange_token_invalid', 'second use');
    const raced = tokenOf((await link(jar)).url);
    const responses = await Promise.all(Array.from({ length: 8 }, () => redeem(raced)));
    assert.deepEqual(responses.map((r) => r.status).sort(), [303, 400, 400, 400, 400, 400, 400, 400]);
    assert.equal(responses.filter((r) => r.headers.getSetCookie().length > 0).length, 1);
  });

  it('refuses an expired token, one of another tenant, and one whose source session ended', async () => {
    const { jar } = await agentByApiKey();
    const expiring = tokenOf((await link(jar)).url);
    h.advance(300_000);
    await refused(await redeem(expiring), 400, 'exchange_token_invalid', 'expired');
    const fresh = await agentByApiKey();
    const ended = tokenOf((await link(fresh.jar)).url);
    assert.equal((await h.sdk(paths.logout(TENANT), { body: {}, jar: fresh.jar, ip: nextIp() })).status, 204);
    await refused(await redeem(ended), 400, 'exchange_token_invalid', 'source signed out');
    const other = tokenOf((await link((await agentByApiKey()).jar)).url);
    const foreign = await h.page(`${paths.exchange('brief')}`, new Jar(), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
      },
      body: new URLSearchParams({ token: other }).toString(),
      ip: nextIp(),
    });
    await refused(foreign, 400, 'exchange_token_invalid', 'other tenant');
    assert.equal((await redeem(other)).status, 303, 'not used up by the other tenant');
  });

  it('takes no session token, API key or garbage, and looks none of them up', async () => {
    const { jar } = await agentByApiKey();
    let lookups = 0;
    const get = h.store.getExchangeToken.bind(h.store);
    h.store.getExchangeToken = (digest, now) => {
      lookups++;
      return get(digest, now);
    };
    try {
      for (const token of [jar.get(COOKIE_ACCESS)!, jar.get(COOKIE_REFRESH)!, apiKey, 'dgx_short', ''])
        await refused(await redeem(token), 400, 'exchange_token_invalid', token.slice(0, 8));
      assert.equal(lookups, 0);
    } finally {
      h.store.getExchangeToken = get;
    }
  });

  it('is useless as an access or refresh token', async () => {
    const { jar } = await agentByApiKey();
    const token = tokenOf((await link(jar)).url);
    const forged = new Jar();
    forged.cookies.set(COOKIE_ACCESS, { value: token, path: paths.tenant(TENANT), attributes: '' });
    forged.cookies.set(COOKIE_REFRESH, { value: token, path: paths.refresh(TENANT), attributes: '' });
    assert.equal(await errorCode(await h.sdk(paths.session(TENANT), { jar: forged })), 'session_invalid');
    const refreshed = await h.sdk(paths.refresh(TENANT), { body: {}, jar: forged, ip: nextIp() });
    assert.equal(await errorCode(refreshed), 'refresh_invalid');
    assert.equal((await redeem(token)).status, 303, 'and still unused');
  });

  it('refuses a cross-site post (login CSRF) without using the token up', async () => {
    const { jar } = await agentByApiKey();
    const token = tokenOf((await link(jar)).url);
    for (const headers of [
      { origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
      { origin: 'null', 'sec-fetch-site': '' },
    ])
      await refused(
        await redeem(token, new Jar(), { headers }),
        403,
        'origin_not_allowed',
        JSON.stringify(headers),
      );
    assert.equal((await redeem(token)).status, 303);
  });

  it('asks before switching when another agent is signed in in this browser', async () => {
    const lee = await agentByApiKey('le-switch-a', 'Lee <A>');
    const kim = await agentByApiKey('le-switch-b', 'Kim B');
    const browser = new Jar();
    assert.equal((await redeem(tokenOf((await link(kim.jar)).url), browser)).status, 303);
    const kimSid = JSON.parse(Buffer.from(browser.get(COOKIE_ACCESS)!.split('.')[1]!, 'base64url').toString())
      .sid as string;
    const token = tokenOf((await link(lee.jar)).url);
    const asked = await redeem(token, browser);
    assert.equal(asked.status, 200);
    assert.deepEqual(asked.headers.getSetCookie(), []);
    const html = await asked.text();
    assert.match(html, /signed in to Deepdesk as Kim B\. The link you opened signs in Lee &lt;A&gt;\./);
    assert.match(html, /name="choice" value="switch"/);
    assert.match(html, /name="choice" value="stay"/);
    assert.equal((await sessionOf(browser)).user.id, kim.userId, 'nothing changed yet');
    const switched = await redeem(token, browser, { choice: 'switch' });
    assert.equal(switched.status, 303);
    assert.equal((await sessionOf(browser)).user.id, lee.userId);
    assert.equal((await h.store.getSession(kimSid))?.revokeReason, 'switched');
    await refused(await redeem(token, browser, { choice: 'switch' }), 400, 'exchange_token_invalid', 'used');
  });

  it('stays signed in as the other agent when asked to, using the token up', async () => {
    const lee = await agentByApiKey();
    const kim = await agentByApiKey();
    const browser = new Jar();
    assert.equal((await redeem(tokenOf((await link(kim.jar)).url), browser)).status, 303);
    const token = tokenOf((await link(lee.jar)).url);
    const stayed = await redeem(token, browser, { choice: 'stay' });
    assert.equal(stayed.status, 303);
    assert.deepEqual(stayed.headers.getSetCookie(), []);
    assert.equal((await sessionOf(browser)).user.id, kim.userId);
    await refused(await redeem(token, browser), 400, 'exchange_token_invalid', 'used by stay');
  });

  it('does not ask when the same agent is signed in already: the token is used, the session kept', async () => {
    const { jar, userId } = await agentByApiKey();
    const browser = new Jar();
    assert.equal((await redeem(tokenOf((await link(jar)).url), browser)).status, 303);
    const access = browser.get(COOKIE_ACCESS);
    const token = tokenOf((await link(jar)).url);
    const again = await redeem(token, browser);
    assert.equal(again.status, 303);
    assert.deepEqual(again.headers.getSetCookie(), []);
    assert.equal(browser.get(COOKIE_ACCESS), access);
    assert.equal((await sessionOf(browser)).user.id, userId);
    await refused(await redeem(token), 400, 'exchange_token_invalid', 'used');
  });

  it('limits refused tokens per client address', async () => {
    const ip = '203.0.113.77';
    const codes: string[] = [];
    for (let i = 0; i < 31; i++)
      codes.push(await errorCode(await redeem(`dgx_${'A'.repeat(43)}`, new Jar(), { ip })));
    assert.deepEqual(new Set(codes.slice(0, 30)), new Set(['exchange_token_invalid']));
    assert.equal(codes[30], 'rate_limited');
  });
});
