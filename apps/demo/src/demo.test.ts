// The demo page loads the SDK the way integrators will, under the CSP they will need.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { afterAll, beforeAll, test } from 'vitest';
import { type Demo, startDemo } from './index.ts';

let demo: Demo;

beforeAll(async () => {
  demo = await startDemo({
    port: 0,
    host: '127.0.0.1',
    apiUrl: 'http://127.0.0.1:8787/',
    tenant: 'demo',
    origin: 'http://localhost:5173',
  });
});

afterAll(() => demo.close());

test('serves the agent desktop with the SDK script tag and a strict CSP', async () => {
  const response = await fetch(`${demo.url}/`);
  assert.equal(response.status, 200);
  assert.equal(
    response.headers.get('content-security-policy'),
    "script-src 'self' http://127.0.0.1:8787; connect-src 'self' http://127.0.0.1:8787; " +
      "style-src 'self'; frame-src 'none'; object-src 'none'; base-uri 'none'",
  );
  assert.equal(response.headers.get('cross-origin-opener-policy'), null);
  const html = await response.text();
  assert.match(html, /Acme Contact Centre/);
  assert.match(
    html,
    /<script src="http:\/\/127\.0\.0\.1:8787\/sdk\/deskgate\.js" data-tenant="demo" data-anchor="#composer" async><\/script>/,
  );
  assert.match(html, /<script src="\/demo\.js"><\/script>/);
  assert.match(html, /<textarea id="composer"/);
  for (const id of ['agent-status', 'sign-out', 'call-api', 'api-result'])
    assert.match(html, new RegExp(`id="${id}"`));
  assert.doesNotMatch(html, /<script>|<style>|\son\w+=/, 'nothing inline that the CSP would block');
});

test('?locale sets data-locale, and junk is ignored', async () => {
  assert.match(
    await (await fetch(`${demo.url}/?locale=nl-NL`)).text(),
    /data-anchor="#composer" data-locale="nl-NL"/,
  );
  assert.doesNotMatch(await (await fetch(`${demo.url}/?locale="><script>`)).text(), /data-locale|"><script>/);
});

test('?tenant tries another tenant code, and junk is ignored', async () => {
  assert.match(await (await fetch(`${demo.url}/?tenant=nosuch`)).text(), /data-tenant="nosuch" data-anchor/);
  assert.match(await (await fetch(`${demo.url}/?tenant="><b>`)).text(), /data-tenant="demo" data-anchor/);
});

test('names the origin the tenant allows, for the page to say when it is opened elsewhere', async () => {
  assert.match(
    await (await fetch(`${demo.url}/`)).text(),
    /<body [^>]*data-origin="http:\/\/localhost:5173">/,
  );
});

test('?twice=1 includes the SDK script tag twice', async () => {
  const tags = (html: string) => html.match(/<script src="[^"]*\/sdk\/deskgate\.js"/g)?.length;
  assert.equal(tags(await (await fetch(`${demo.url}/?twice=1`)).text()), 2);
  assert.equal(tags(await (await fetch(`${demo.url}/?twice=yes`)).text()), 1);
});

test('?coop opts into Cross-Origin-Opener-Policy to exercise the popup fallback', async () => {
  const response = await fetch(`${demo.url}/?coop=same-origin`);
  await response.body?.cancel();
  assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
});

test('serves its script and styles from its own origin', async () => {
  const script = await fetch(`${demo.url}/demo.js`);
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type') ?? '', /text\/javascript/);
  assert.match(await script.text(), /deskgate:ready/);
  const styles = await fetch(`${demo.url}/demo.css`);
  assert.equal(styles.status, 200);
  assert.match(styles.headers.get('content-type') ?? '', /text\/css/);
  await styles.body?.cancel();
  const missing = await fetch(`${demo.url}/nope`);
  await missing.body?.cancel();
  assert.equal(missing.status, 404);
});

test('pnpm dev serves the same page from Vite’s dev server, with its hot-reload client and the same CSP', async () => {
  const dev = await startDemo({
    port: 0,
    host: '127.0.0.1',
    apiUrl: 'http://127.0.0.1:8787/',
    tenant: 'demo',
    dev: true,
  });
  try {
    const response = await fetch(`${dev.url}/?locale=nl-NL&coop=same-origin`);
    assert.equal(response.status, 200);
    assert.equal(
      response.headers.get('content-security-policy'),
      "script-src 'self' http://127.0.0.1:8787; connect-src 'self' http://127.0.0.1:8787; " +
        "style-src 'self'; frame-src 'none'; object-src 'none'; base-uri 'none'",
    );
    assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
    const html = await response.text();
    assert.match(html, /<script type="module" src="\/@vite\/client"><\/script>/);
    assert.match(
      html,
      /<script src="http:\/\/127\.0\.0\.1:8787\/sdk\/deskgate\.js" data-tenant="demo" data-anchor="#composer" data-locale="nl-NL" async><\/script>/,
    );
    assert.doesNotMatch(html, /\{\{|deskgate:sdk/, 'every placeholder is filled');
    const post = await fetch(`${dev.url}/`, { method: 'POST' });
    assert.equal(post.status, 405);
  } finally {
    await dev.close();
  }
});

test('the preview server refuses what a static page does not take, and answers HEAD without a body', async () => {
  const post = await fetch(`${demo.url}/`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  const head = await fetch(`${demo.url}/`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  assert.ok(head.headers.get('content-security-policy'));
});

test('answers only to the host names it is given (Vite’s DNS-rebinding guard)', async () => {
  // fetch() sets Host from the URL; a raw request can name another host, as a rebinding page's would.
  const status = (host: string) =>
    new Promise<number | undefined>((resolve, reject) => {
      request(`${demo.url}/`, { headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on('error', reject)
        .end();
    });
  assert.equal(await status('evil.example'), 403);
  assert.equal(await status(new URL(demo.url).host), 200);
});
