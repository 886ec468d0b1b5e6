// Contract of the API reference page: strict CSP, nothing inline, every file served from this origin.
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createApp } from './app.ts';
import { REFERENCE_CSP } from './pages/reference.ts';
import { createHarness, errorCode, type Harness } from './test/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const get = (path: string) => h.app.request(`https://auth.test${path}`);

const CONTENT_TYPES: Record<string, RegExp> = {
  js: /^text\/javascript; charset=utf-8$/,
  css: /^text\/css; charset=utf-8$/,
  png: /^image\/png$/,
};

describe('GET /reference', () => {
  it('is served under the strict page CSP, widened only for fetching /openapi.json and data: icons', async () => {
    const response = await get('/reference');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.equal(csp, REFERENCE_CSP);
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ]) {
      assert.ok(csp.split('; ').includes(directive), directive);
    }
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*|https?:|blob:/);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  });

  it('has no inline script, style or handler, and loads only same-origin files that answer 200', async () => {
    const html = await (await get('/reference')).text();
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, 'no inline style or event handler');
    const urls = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1] ?? '');
    assert.deepEqual(urls.toSorted(), [
      '/assets/reference.js',
      '/assets/swagger-ui/favicon-32x32.png',
      '/assets/swagger-ui/swagger-ui-bundle.js',
      '/assets/swagger-ui/swagger-ui.css',
    ]);
    for (const url of urls) {
      const response = await get(url);
      assert.equal(response.status, 200, url);
      const extension = url.split('.').pop() ?? '';
      assert.match(response.headers.get('content-type') ?? '', CONTENT_TYPES[extension] ?? /^$/, url);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', url);
    }
  });

  it('points the viewer at this origin’s /openapi.json', async () => {
    const script = await (await get('/assets/reference.js')).text();
    assert.match(script, /url:"\/openapi\.json"/);
    assert.doesNotMatch(script, /https?:/);
    const bundle = await get('/assets/swagger-ui/swagger-ui-bundle.js');
    assert.match(await bundle.text(), /SwaggerUIBundle/);
  });

  it('answers 404 not_found for a file the viewer does not have', async () => {
    for (const path of ['/assets/swagger-ui/index.html', '/assets/swagger-ui/..%2Fpackage.json']) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      assert.equal(await errorCode(response), 'not_found');
    }
  });

  it('answers 404 not_found when the viewer is not installed', async () => {
    const app = createApp({ ...h.deps, reference: undefined });
    for (const path of ['/reference', '/assets/swagger-ui/swagger-ui.css']) {
      const response = await app.request(`https://auth.test${path}`);
      assert.equal(response.status, 404, path);
      assert.equal(await errorCode(response), 'not_found');
    }
  });
});

describe('the API root and the icon', () => {
  it('shows a small page at / with links to the reference and the OpenAPI document, under the page CSP', async () => {
    const response = await get('/');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await response.text();
    assert.match(html, /href="\/reference"/);
    assert.match(html, /href="\/openapi.json"/);
  });

  it('serves the icon the hosted pages name, and /favicon.ico, so a popup logs no 404', async () => {
    for (const path of ['/assets/icon.svg', '/favicon.ico']) {
      const response = await get(path);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-type'), 'image/svg+xml');
      assert.match(await response.text(), /^<svg /);
    }
  });
});
