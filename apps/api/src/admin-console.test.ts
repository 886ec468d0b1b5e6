// The admin console's page (/t/{tenant}/admin) and its built files (/admin/assets/*): a strict CSP, no cookie,
// the first-party sign-in without a session, 404 when the console was not built, immutable content-hashed files.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { AdminAssets } from './deps.ts';
import { createHarness, errorCode, type Harness, Jar, sessionAs, TENANT } from './test/harness.ts';

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** A stand-in build, so these tests do not depend on `pnpm build` having run. */
const ADMIN: AdminAssets = {
  script: 'admin.abc123.js',
  style: 'admin.def456.css',
  files: new Map([
    [
      'admin.abc123.js',
      { body: 'console.log(1)', etag: '"js-etag"', contentType: 'text/javascript; charset=utf-8' },
    ],
    [
      'admin.def456.css',
      { body: 'body{margin:0}', etag: '"css-etag"', contentType: 'text/css; charset=utf-8' },
    ],
  ]),
};

let h: Harness;
let unbuilt: Harness;

beforeAll(async () => {
  [h, unbuilt] = await Promise.all([createHarness({ admin: ADMIN }), createHarness({ admin: null })]);
});
afterAll(() => Promise.all([h.close(), unbuilt.close()]));

describe('GET /t/{tenant}/admin', () => {
  it('serves the shell under the console CSP, not cached, setting no cookie', async () => {
    const { jar } = await sessionAs(h, ['deepdesk.manager']);
    const response = await h.page(`/t/${TENANT}/admin?locale=nl-NL`, jar);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-security-policy'), CSP);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.deepEqual(response.headers.getSetCookie(), []);
    const html = await response.text();
    assert.match(html, /<html lang="nl-NL">/);
    assert.match(html, /<link rel="stylesheet" href="\/admin\/assets\/admin\.def456\.css">/);
    assert.match(html, /<script type="module" src="\/admin\/assets\/admin\.abc123\.js"><\/script>/);
    assert.match(html, /<main id="app" data-tenant="acme" data-locale="nl-NL" data-product="Deepdesk">/);
    assert.doesNotMatch(html, /<script>|<style|style=/);
  });

  it('an agent gets the same shell (the app shows "no access"; the API judges every request)', async () => {
    const { jar } = await sessionAs(h, ['deepdesk.agent']);
    assert.equal((await h.page(`/t/${TENANT}/admin`, jar)).status, 200);
  });

  it('without a session, redirects to the first-party sign-in that comes back, keeping the locale', async () => {
    const response = await h.page(`/t/${TENANT}/admin?locale=nl-NL`, new Jar());
    assert.equal(response.status, 303);
    assert.equal(
      response.headers.get('location'),
      `/t/${TENANT}/signin?return=${encodeURIComponent(`/t/${TENANT}/admin?locale=nl-NL`)}`,
    );
    assert.equal(response.headers.get('content-security-policy'), CSP);
    assert.deepEqual(response.headers.getSetCookie(), []);
  });

  it('answers 404 with a clear message when the console was not built', async () => {
    const { jar } = await sessionAs(unbuilt, ['deepdesk.manager']);
    const response = await unbuilt.page(`/t/${TENANT}/admin`, jar);
    assert.equal(response.status, 404);
    const html = await response.clone().text();
    assert.match(html, /admin console is not built/);
    assert.equal(await errorCode(response), 'not_found');
  });

  it('answers tenant_not_found for an unknown tenant', async () => {
    const response = await h.page('/t/nosuchtenant/admin', new Jar());
    assert.equal(response.status, 404);
    assert.equal(await errorCode(response), 'tenant_not_found');
  });
});

describe('GET /admin/assets/{file}', () => {
  it('serves the script and the stylesheet with their types, immutable, with an ETag', async () => {
    for (const [file, type, body] of [
      ['admin.abc123.js', 'text/javascript; charset=utf-8', 'console.log(1)'],
      ['admin.def456.css', 'text/css; charset=utf-8', 'body{margin:0}'],
    ] as const) {
      const response = await h.app.request(`https://auth.test/admin/assets/${file}`);
      assert.equal(response.status, 200, file);
      assert.equal(response.headers.get('content-type'), type);
      assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.ok(response.headers.get('etag'));
      assert.equal(await response.text(), body);
    }
    const again = await h.app.request('https://auth.test/admin/assets/admin.abc123.js', {
      headers: { 'if-none-match': '"js-etag"' },
    });
    assert.equal(again.status, 304);
  });

  it('answers 404 for any other file, and for every file when the console was not built', async () => {
    for (const file of ['admin.other.js', 'manifest.json', '..%2Fmanifest.json'])
      assert.equal((await h.app.request(`https://auth.test/admin/assets/${file}`)).status, 404, file);
    assert.equal((await unbuilt.app.request('https://auth.test/admin/assets/admin.abc123.js')).status, 404);
  });
});
