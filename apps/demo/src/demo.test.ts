// The demo page loads the SDK the way integrators will, under the CSP they will need.

import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { type Demo, startDemo } from './index.ts';

let demo: Demo;

beforeAll(async () => {
  demo = await startDemo({ port: 0, host: '127.0.0.1', apiUrl: 'http://127.0.0.1:8787/', tenant: 'demo' });
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
