// First-party sign-in on the API site (issue 10, item 4): /t/{tenant}/signin?return=… with the tenant's
// methods, ending in this site's session cookies and a redirect to a validated same-site path.
import assert from 'node:assert/strict';
import { loginHeadless } from '@deskgate/dev-idp';
import { paths } from '@deskgate/protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
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

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ tenant: { magicLink: { enabled: true } } });
});
afterAll(() => h.close());

const COLLECTION = paths.collection(TENANT);
const signInPage = (returnTo: string) =>
  `${paths.signInFirstParty(TENANT)}?return=${encodeURIComponent(returnTo)}&locale=en-US`;

/** The chooser, then its SSO link (a click), then the IdP: returns the callback URL the IdP sent back. */
async function throughIdp(browser: Jar, returnTo = `${COLLECTION}?tab=replies`) {
  const chooser = await h.page(signInPage(returnTo), browser);
  assert.equal(chooser.status, 200);
  const html = await chooser.text();
  assert.doesNotMatch(html, /magic-link/, 'the email link is offered in the popup only');
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
