// First-party sign-in on the API site (issue 10, item 4): /t/{tenant}/signin?return=… with the tenant's
// methods, ending in this site's session cookies and a redirect to a validated same-site path.
import assert from 'node:assert/strict';
import { loginHeadless } from '@deskgate/dev-idp';
import { paths } from '@deskgate/protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { TenantService } from './services/tenants.ts';
import {
  AGENT,
  CHOOSER_CLICK,
  COOKIE_ACCESS,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  TENANT,
} from './test/harness.ts';
import { captureMail, type MailCapture } from './test/mail.ts';

let h: Harness;
let mail: MailCapture;
beforeAll(async () => {
  h = await createHarness({ tenant: { magicLink: { enabled: true } } });
  mail = await captureMail(h);
  await new TenantService(h.store, h.deps.keys, h.now).save(
    {
      code: 'globex',
      allowedOrigins: [],
      magicLink: { enabled: true, approverEmails: ['lead@globex.test'] },
    },
    'create',
  );
});
afterAll(async () => {
  await mail?.close();
  await h?.close();
});

const COLLECTION = paths.collection(TENANT);
const signInPage = (returnTo: string) =>
  `${paths.signInFirstParty(TENANT)}?return=${encodeURIComponent(returnTo)}&locale=en-US`;

/** The chooser, then its SSO link (a click), then the IdP: returns the callback URL the IdP sent back. */
async function throughIdp(browser: Jar, returnTo = `${COLLECTION}?tab=replies`) {
  const chooser = await h.page(signInPage(returnTo), browser);
  assert.equal(chooser.status, 200);
  const html = await chooser.text();
  assert.match(html, /<input type="hidden" name="return" value="[^"]+">/, 'the email form, first-party');
  const href = /href="([^"]*\/sso\/start[^"]*)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
  assert.ok(href && !href.includes('attempt=') && href.includes('return='), href);
  const start = await h.page(href, browser, { headers: CHOOSER_CLICK });
  assert.equal(start.status, 302, await start.clone().text());
  return loginHeadless(start.headers.get('location')!, AGENT);
}

describe('GET /t/{tenant}/signin?return=…', () => {
  it('signs in with SSO on this site and goes on to the return path with first-party cookies', async () => {
    const browser = new Jar();
    const callback = await throughIdp(browser);
    const landed = await h.page(callback.href, browser);
    assert.equal(landed.status, 303, await landed.clone().text());
    assert.equal(landed.headers.get('location'), `${COLLECTION}?tab=replies`);
    assert.ok(browser.get(COOKIE_ACCESS));
    const collection = await h.page(COLLECTION, browser);
    assert.equal(collection.status, 200);
    assert.match(await collection.text(), new RegExp(AGENT.email.replace('.', '\\.')));
    // Signed in: the page goes straight on.
    const again = await h.page(signInPage('/t/acme/collection'), browser);
    assert.equal(again.status, 303);
    assert.equal(again.headers.get('location'), COLLECTION);
  });

  it('refuses a return target off this site, before anything else', async () => {
    for (const target of ['//evil.test/x', 'https://evil.test/', '/\\evil.test', 'javascript:alert(1)', ''])
      assert.equal(
        await errorCode(await h.page(signInPage(target), new Jar())),
        'return_target_invalid',
        target,
      );
    assert.equal(
      await errorCode(await h.page(paths.signInFirstParty(TENANT), new Jar())),
      'return_target_invalid',
    );
  });

  it('binds the sign-in to the browser that started it', async () => {
    const browser = new Jar();
    const callback = await throughIdp(browser);
    const elsewhere = await h.page(callback.href, new Jar());
    assert.equal(await errorCode(elsewhere), 'sso_browser_mismatch');
    assert.deepEqual(elsewhere.headers.getSetCookie(), []);
    const start = await h.page(
      `${paths.ssoStart(TENANT)}?provider=acme-idp&return=${encodeURIComponent(COLLECTION)}`,
      new Jar(),
      { headers: CHOOSER_CLICK },
    );
    assert.equal(await errorCode(start), 'sso_browser_mismatch', 'no binding cookie: no start');
  });

  it('refuses a return target off this site at the SSO start too', async () => {
    const browser = new Jar();
    await h.page(signInPage(COLLECTION), browser);
    const start = await h.page(
      `${paths.ssoStart(TENANT)}?provider=acme-idp&return=${encodeURIComponent('https://evil.test/')}`,
      browser,
      { headers: CHOOSER_CLICK },
    );
    assert.equal(await errorCode(start), 'return_target_invalid');
  });
});

/** The first-party chooser's email form, posted as the browser does. */
async function askFirstParty(browser: Jar, email: string, returnTo: string, tenant = TENANT) {
  await h.page(`${paths.signInFirstParty(tenant)}?return=${encodeURIComponent(returnTo)}`, browser);
  return h.page(`${paths.magicLink(tenant)}?locale=en-US`, browser, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: 'null',
      'sec-fetch-site': 'same-origin',
    },
    body: new URLSearchParams({ email, return: returnTo }).toString(),
  });
}

/** Uses the link of the newest mail to `to` in `browser` (any browser: first-party links are not bound). */
async function useLinkOf(to: string, browser: Jar, tenant = TENANT) {
  const [message] = (await mail.deliver()).filter((m) => m.to.includes(to));
  const link = new URL(message!.links.find((l) => l.includes(paths.magicLinkOpen(tenant)))!);
  return h.page(`${link.pathname}${link.search}`, browser, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: 'null',
      'sec-fetch-site': 'same-origin',
    },
    body: new URLSearchParams({ token: link.hash.slice('#token='.length) }).toString(),
  });
}

describe('first-party sign-in by email link', () => {
  it('signs a known user in on this site and goes on to the return path', async () => {
    const browser = new Jar();
    // The user exists: signed in once by SSO.
    const sso = new Jar();
    assert.equal((await h.page((await throughIdp(sso)).href, sso)).status, 303);
    const known = await h.store.findUsersByEmail(TENANT, AGENT.email);
    const asked = await askFirstParty(browser, AGENT.email, `${COLLECTION}?tab=replies`);
    assert.equal(asked.status, 202);
    assert.doesNotMatch(await asked.text(), /magic-wait/, 'no popup waits');
    const used = await useLinkOf(AGENT.email, new Jar());
    assert.equal(used.status, 303);
    assert.equal(used.headers.get('location'), `${COLLECTION}?tab=replies`);
    assert.ok(used.headers.getSetCookie().some((c) => c.startsWith(`${COOKIE_ACCESS}=`)));
    assert.equal(known.length, 1);
  });

  it('refuses a return target off this site', async () => {
    const asked = await askFirstParty(new Jar(), AGENT.email, 'https://evil.test/');
    assert.equal(await errorCode(asked), 'return_target_invalid');
  });

  it('lets a configured approver of a tenant without managers in, as a user of their own', async () => {
    const browser = new Jar();
    assert.deepEqual(await h.store.findUsersByEmail('globex', 'lead@globex.test'), []);
    assert.equal(
      (await askFirstParty(browser, 'Lead@Globex.test', '/t/globex/collection', 'globex')).status,
      202,
    );
    const used = await useLinkOf('lead@globex.test', browser, 'globex');
    assert.equal(used.status, 303);
    const [lead] = await h.store.findUsersByEmail('globex', 'lead@globex.test');
    assert.ok(lead?.confirmed, 'created, confirmed');
    assert.deepEqual(lead.roles, ['deepdesk.agent']);
    const collection = await h.page('/t/globex/collection', browser);
    assert.equal(collection.status, 200);
  });
});
