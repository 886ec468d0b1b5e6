// The handoff against a driven browser: a page the attacker controls can navigate and click in the agent's
// tab, but only the SDK that started an attempt knows the code that releases it without the proof.
import assert from 'node:assert/strict';
import { MAX_CONFIRM_FAILURES } from '@deskgate/core';
import { paths, type RedeemAttemptResponse } from '@deskgate/protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  CHOOSER_CLICK,
  CX_ORIGIN,
  createAttempt,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  popupSignIn,
  proofFrom,
  startSso,
  TENANT,
} from './test/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

/** What our own completion form sends: a same-origin POST (Origin: null under no-referrer, as Chromium does). */
const FORM_POST = {
  origin: 'null',
  'sec-fetch-site': 'same-origin',
  'content-type': 'application/x-www-form-urlencoded',
};

function typeCode(
  popup: Jar,
  attemptId: string,
  code: string | undefined,
  headers: Record<string, string> = {},
) {
  return h.page(paths.attemptConfirm(TENANT, attemptId), popup, {
    method: 'POST',
    headers: { ...FORM_POST, ...headers },
    body: code === undefined ? '' : new URLSearchParams({ code }).toString(),
  });
}

async function poll(attemptId: string, verifier: string, jar?: Jar) {
  return h.sdk(paths.attemptRedeem(TENANT, attemptId), { body: { verifier }, jar });
}

/** An attempt signed in at the IdP in `popup`, its completion page open, waiting for the code. */
async function completedAttempt() {
  const created = await createAttempt(h);
  const { callback, popup } = await popupSignIn(h, created.attempt.signInUrl);
  const completion = await h.page(callback.headers.get('location')!, popup);
  return { ...created, popup, completion, html: await completion.text() };
}

describe('the completion page without a verified opener', () => {
  it('asks the agent to type the code from their overlay and never shows it', async () => {
    const { attempt, completion, html } = await completedAttempt();
    assert.equal(completion.status, 200);
    assert.ok(!html.includes(attempt.confirmationCode), 'the page must not show the code');
    assert.ok(!html.includes(attempt.confirmationCode.replace('-', '')));
    assert.match(html, /type the code that Deepdesk shows on your agent desktop/);
    assert.match(html, /Never type a code that a website, an email or another person gave you/);
    assert.match(html, /<input id="code" name="code"[^>]* data-guard>/);
    assert.match(html, /<button class="button" type="submit" data-guard>Confirm sign-in<\/button>/);
    assert.doesNotMatch(html, /autofocus/, 'keys typed elsewhere must not land in the field');
    assert.match(html, /<script src="\/assets\/pages.js" defer><\/script>/);
  });

  it('speaks Dutch for nl-NL, warning the same way', async () => {
    const { popup, attempt } = await completedAttempt();
    const html = await (
      await h.page(`${paths.complete(TENANT)}?attempt=${attempt.attemptId}&locale=nl-NL`, popup)
    ).text();
    assert.match(html, /Typ ter afronding de code die Deepdesk op je agentscherm toont/);
    assert.match(html, /Typ nooit een code die je van een website/);
  });
});

describe('POST /t/{tenant}/auth/attempts/{id}/confirm (the typed code)', () => {
  it('releases the attempt when the agent types the code, in any case and spacing', async () => {
    const { verifier, attempt, popup, sdkJar } = await completedAttempt();
    const pending = (await (await poll(attempt.attemptId, verifier, sdkJar)).json()) as RedeemAttemptResponse;
    assert.deepEqual(pending, {
      status: 'confirmation_required',
      confirmationCode: attempt.confirmationCode,
    });
    const typed = ` ${attempt.confirmationCode.toLowerCase().replace('-', ' ')} `;
    const confirmed = await typeCode(popup, attempt.attemptId, typed);
    assert.equal(confirmed.status, 200);
    const page = await confirmed.text();
    assert.match(page, /Sign-in confirmed/);
    assert.match(page, /<p data-closes>/, 'the confirmed window closes by itself, as the chooser says');
    const done = (await (await poll(attempt.attemptId, verifier, sdkJar)).json()) as RedeemAttemptResponse;
    assert.equal(done.status, 'signed_in');
  });

  it('does not release the attempt on a click alone (no code, or an empty one)', async () => {
    const { verifier, attempt, popup } = await completedAttempt();
    for (const code of [undefined, '']) {
      const response = await typeCode(popup, attempt.attemptId, code);
      assert.equal(response.status, 400);
      assert.match(await errorCode(response), /^(validation_failed|confirmation_code_mismatch)$/);
    }
    assert.equal((await h.store.getAttempt(TENANT, attempt.attemptId))?.confirmedAt, null);
    const status = ((await (await poll(attempt.attemptId, verifier)).json()) as RedeemAttemptResponse).status;
    assert.equal(status, 'confirmation_required');
  });

  it(`answers a wrong code with the form again and the tries left, and burns the attempt at the ${MAX_CONFIRM_FAILURES}th`, async () => {
    const { verifier, attempt, popup, sdkJar } = await completedAttempt();
    const wrong = attempt.confirmationCode === 'AAA-AAA' ? 'BBB-BBB' : 'AAA-AAA';
    for (let i = 1; i < MAX_CONFIRM_FAILURES; i++) {
      const response = await typeCode(popup, attempt.attemptId, wrong);
      assert.equal(response.status, 400);
      const html = await response.text();
      assert.match(html, /data-error-code="confirmation_code_mismatch"/);
      assert.match(html, new RegExp(`Tries left: ${MAX_CONFIRM_FAILURES - i}\\.`));
      assert.match(html, /<input id="code"/, 'the agent can try again');
      assert.equal((await h.store.getAttempt(TENANT, attempt.attemptId))?.confirmFailures, i);
    }
    const last = await typeCode(popup, attempt.attemptId, wrong);
    assert.equal(last.status, 410);
    assert.equal(await errorCode(last), 'attempt_locked');

    // Burnt for good: the right code, the completion page and the SDK's poll all say so, and no cookie.
    const right = await typeCode(popup, attempt.attemptId, attempt.confirmationCode);
    assert.equal(await errorCode(right), 'attempt_locked');
    const page = await h.page(`${paths.complete(TENANT)}?attempt=${attempt.attemptId}`, popup);
    assert.equal(await errorCode(page), 'attempt_locked');
    const redeem = await poll(attempt.attemptId, verifier, sdkJar);
    assert.equal(redeem.status, 410);
    assert.deepEqual(redeem.headers.getSetCookie(), []);
    assert.equal(await errorCode(redeem), 'attempt_locked');
    assert.equal((await h.store.getAttempt(TENANT, attempt.attemptId))?.confirmedAt, null);
  });

  it('even a burnt attempt cannot be released by its proof', async () => {
    const { verifier, attempt, popup, html } = await completedAttempt();
    for (let i = 0; i < MAX_CONFIRM_FAILURES; i++) await typeCode(popup, attempt.attemptId, 'ZZZ-ZZZ');
    const redeem = await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), {
      body: { verifier, proof: proofFrom(html) },
    });
    assert.equal(await errorCode(redeem), 'attempt_locked');
  });

  it('accepts only our own form: a foreign origin, Origin null alone, or another browser confirm nothing', async () => {
    const { attempt, popup } = await completedAttempt();
    const foreign = await typeCode(popup, attempt.attemptId, attempt.confirmationCode, {
      origin: 'https://evil.test',
      'sec-fetch-site': 'cross-site',
    });
    assert.equal(foreign.status, 403);
    assert.equal(await errorCode(foreign), 'origin_not_allowed');
    const nullOnly = await typeCode(popup, attempt.attemptId, attempt.confirmationCode, {
      'sec-fetch-site': '',
    });
    assert.equal(await errorCode(nullOnly), 'origin_not_allowed', 'Origin: null alone proves nothing');
    const otherBrowser = await typeCode(new Jar(), attempt.attemptId, attempt.confirmationCode);
    assert.equal(await errorCode(otherBrowser), 'sso_browser_mismatch');
    const stored = await h.store.getAttempt(TENANT, attempt.attemptId);
    assert.equal(stored?.confirmedAt, null);
    assert.equal(stored?.confirmFailures, 0, 'refused requests are not counted as guesses');
  });

  it('says what happened to an attempt that was already used, instead of "Sign-in confirmed"', async () => {
    const { verifier, attempt, popup, html } = await completedAttempt();
    await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), {
      body: { verifier, proof: proofFrom(html) },
    });
    const late = await typeCode(popup, attempt.attemptId, attempt.confirmationCode);
    assert.equal(late.status, 409);
    const text = await late.text();
    assert.match(text, /data-error-code="attempt_already_redeemed"/);
    assert.doesNotMatch(text, /Sign-in confirmed/);
  });

  it('says so when the attempt was already confirmed', async () => {
    const { attempt, popup } = await completedAttempt();
    assert.equal((await typeCode(popup, attempt.attemptId, attempt.confirmationCode)).status, 200);
    const again = await typeCode(popup, attempt.attemptId, attempt.confirmationCode);
    assert.equal(again.status, 200);
    assert.match(await again.text(), /already confirmed/);
  });
});

describe('GET /t/{tenant}/auth/sso/start only from the chooser', () => {
  async function boundAttempt() {
    const { attempt } = await createAttempt(h);
    const popup = new Jar();
    assert.equal((await h.page(attempt.signInUrl, popup)).status, 200);
    return {
      attempt,
      popup,
      url: `${paths.ssoStart(TENANT)}?attempt=${attempt.attemptId}&provider=acme-idp`,
    };
  }

  it('refuses a navigation that did not come from a click on our chooser, as a page with a code', async () => {
    const { popup, url } = await boundAttempt();
    const driven: Record<string, string>[] = [
      {}, // no Fetch Metadata: not a current browser, or not a browser at all
      { ...CHOOSER_CLICK, 'sec-fetch-site': 'cross-site' }, // opener.location = ... from a foreign page
      { ...CHOOSER_CLICK, 'sec-fetch-site': 'same-site' }, // a sibling subdomain
      { ...CHOOSER_CLICK, 'sec-fetch-site': 'none' }, // typed or pasted into the address bar
      { ...CHOOSER_CLICK, 'sec-fetch-user': '' }, // script navigation, no user activation
      { ...CHOOSER_CLICK, 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' }, // an <img> on our site
    ];
    for (const headers of driven) {
      const response = await h.page(url, popup, { headers });
      assert.equal(response.status, 403, JSON.stringify(headers));
      assert.equal(response.headers.get('location'), null);
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.equal(await errorCode(response), 'signin_chooser_required');
    }
  });

  it('starts SSO on a click on the chooser link', async () => {
    const { popup, url } = await boundAttempt();
    const response = await h.page(url, popup, { headers: CHOOSER_CLICK });
    assert.equal(response.status, 302);
    assert.ok(response.headers.get('location')?.startsWith(h.idp.issuer));
  });

  it('guards the chooser links against clicks meant for another page', async () => {
    const { attempt } = await createAttempt(h);
    const html = await (await h.page(attempt.signInUrl, new Jar())).text();
    assert.match(html, /<a class="button" data-guard href="[^"]*\/sso\/start\?/);
  });
});

describe('the driven-tab attack, step by step', () => {
  it('gives the attacker nothing: the chooser cannot be skipped, and neither clicks nor the page release the attempt', async () => {
    // The attacker's server creates an attempt with a forged Origin and keeps the verifier.
    const mallory = await createAttempt(h, new Jar());
    // A page the agent visits drives the agent's tab to the sign-in link: it binds to the agent's browser...
    const agentBrowser = new Jar();
    assert.equal((await h.page(mallory.attempt.signInUrl, agentBrowser)).status, 200);
    // ...and straight on to /sso/start: refused, the navigation was not the agent's click on the chooser.
    const skipped = await h.page(
      `${paths.ssoStart(TENANT)}?attempt=${mallory.attempt.attemptId}&provider=acme-idp`,
      agentBrowser,
      { headers: { ...CHOOSER_CLICK, 'sec-fetch-site': 'cross-site' } },
    );
    assert.equal(await errorCode(skipped), 'signin_chooser_required');

    // Suppose the agent is talked into clicking through SSO: the page then waits for a code the agent's
    // overlay does not show, and a click, a double click or Enter without it releases nothing.
    const { callback } = await popupSignIn(h, mallory.attempt.signInUrl, agentBrowser);
    const completion = await h.page(callback.headers.get('location')!, agentBrowser);
    assert.ok(!(await completion.text()).includes(mallory.attempt.confirmationCode));
    for (let i = 0; i < 3; i++) await typeCode(agentBrowser, mallory.attempt.attemptId, '');
    const status = await poll(mallory.attempt.attemptId, mallory.verifier, mallory.sdkJar);
    assert.equal(((await status.json()) as RedeemAttemptResponse).status, 'confirmation_required');
    assert.deepEqual(status.headers.getSetCookie(), []);
    assert.equal(mallory.sdkJar.cookies.size, 0, 'no session for the attacker');
  });
});

describe('the browser binding', () => {
  it('is one per browser, so two sign-ins started in one browser both go on', async () => {
    const browser = new Jar();
    const first = await createAttempt(h);
    const second = await createAttempt(h);
    await h.page(first.attempt.signInUrl, browser);
    await h.page(second.attempt.signInUrl, browser);
    // The second sign-in page must not have replaced the first one's binding.
    assert.ok(await startSso(h, first.attempt.signInUrl, browser));
    assert.ok(await startSso(h, second.attempt.signInUrl, browser));
    const [a, b] = await Promise.all(
      [first, second].map((x) => h.store.getAttempt(TENANT, x.attempt.attemptId)),
    );
    assert.equal(a?.bindingDigest, b?.bindingDigest);
  });

  it('still keeps another browser out', async () => {
    const { attempt } = await createAttempt(h);
    await h.page(attempt.signInUrl, new Jar());
    const other = await h.page(attempt.signInUrl, new Jar());
    assert.equal(await errorCode(other), 'sso_browser_mismatch');
  });
});

describe('CORS', () => {
  it('is answered on the SDK endpoints and never on hosted pages', async () => {
    const sdk = await h.sdk(paths.attempts(TENANT), { method: 'OPTIONS' });
    assert.equal(sdk.headers.get('access-control-allow-origin'), CX_ORIGIN);

    const { attempt, popup } = await completedAttempt();
    const pages = [
      attempt.signInUrl,
      `${paths.complete(TENANT)}?attempt=${attempt.attemptId}`,
      `${paths.ssoStart(TENANT)}?attempt=${attempt.attemptId}&provider=acme-idp`,
      `${paths.ssoCallback(TENANT)}?state=x&code=y`,
    ];
    for (const page of pages) {
      for (const method of ['GET', 'OPTIONS']) {
        const response = await h.page(page, popup, { method, headers: { origin: CX_ORIGIN } });
        assert.equal(response.headers.get('access-control-allow-origin'), null, `${method} ${page}`);
        assert.equal(response.headers.get('access-control-allow-credentials'), null, `${method} ${page}`);
      }
    }
    const confirm = await typeCode(popup, attempt.attemptId, 'AAA-AAA', { origin: CX_ORIGIN });
    assert.equal(confirm.headers.get('access-control-allow-origin'), null);
  });
});
