// The attempt's language carries through every page of the sign-in, whatever the IdP sends back.
import assert from 'node:assert/strict';
import { sha256 } from '@deskgate/core';
import { type CreateAttemptResponse, paths } from '@deskgate/protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createHarness, type Harness, Jar, popupSignIn, randomVerifier, TENANT } from './test/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

/** The browser says English; only the attempt says Dutch. */
const ENGLISH_BROWSER = { 'accept-language': 'en-US,en;q=0.9' };

async function dutchAttempt() {
  const response = await h.sdk(paths.attempts(TENANT), {
    body: { challenge: await sha256(randomVerifier()), challengeMethod: 'S256', locale: 'nl-NL' },
  });
  return (await response.json()) as CreateAttemptResponse;
}

function withoutLocale(location: string) {
  const url = new URL(location, 'https://auth.test');
  url.searchParams.delete('locale');
  return url.pathname + url.search;
}

describe('a sign-in started in Dutch', () => {
  it('comes back from the IdP to a Dutch completion page, and confirms in Dutch', async () => {
    const attempt = await dutchAttempt();
    const { callback, popup } = await popupSignIn(h, attempt.signInUrl);
    const location = callback.headers.get('location')!;
    assert.equal(new URL(location, 'https://auth.test').searchParams.get('locale'), 'nl-NL');

    // Even when the locale is lost from the URL (an IdP or a proxy dropping it), the attempt knows it.
    const page = await h.page(withoutLocale(location), popup, { headers: ENGLISH_BROWSER });
    const html = await page.text();
    assert.match(html, /<html lang="nl-NL">/);
    assert.match(html, /Typ ter afronding de code/);
    assert.match(html, /action="[^"]*\/confirm\?locale=nl-NL"/);

    const confirmed = await h.page(paths.attemptConfirm(TENANT, attempt.attemptId), popup, {
      method: 'POST',
      headers: {
        ...ENGLISH_BROWSER,
        origin: 'https://auth.test',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ code: attempt.confirmationCode }).toString(),
    });
    const done = await confirmed.text();
    assert.match(done, /<html lang="nl-NL">/);
    assert.match(done, /Aanmelding bevestigd/);
  });

  it('shows the IdP-cancel error page in Dutch', async () => {
    const attempt = await dutchAttempt();
    const { callback } = await popupSignIn(h, attempt.signInUrl, new Jar(), 'cancel');
    assert.equal(callback.status, 400);
    const html = await callback.text();
    assert.match(html, /<html lang="nl-NL">/);
    assert.match(html, /De aanmelddienst van je organisatie heeft je niet aangemeld/);
    assert.match(html, /data-error-code="sso_idp_error"/);
  });

  it('lets an explicit ?locale= on a page win over the attempt', async () => {
    const attempt = await dutchAttempt();
    const url = new URL(attempt.signInUrl);
    url.searchParams.set('locale', 'en-US');
    const html = await (await h.page(url.href, new Jar())).text();
    assert.match(html, /<html lang="en-US">/);
  });

  it('leaves an attempt without a locale to the browser', async () => {
    const response = await h.sdk(paths.attempts(TENANT), {
      body: { challenge: await sha256(randomVerifier()), challengeMethod: 'S256' },
    });
    const attempt = (await response.json()) as CreateAttemptResponse;
    const html = await (
      await h.page(attempt.signInUrl, new Jar(), { headers: { 'accept-language': 'nl-NL' } })
    ).text();
    assert.match(html, /<html lang="nl-NL">/);
  });
});
