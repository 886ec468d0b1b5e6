// The demo page loads the SDK the way integrators will, under the CSP they will need.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, test } from 'vitest';
import {
  apiKeyFromSeed,
  type Demo,
  PLATFORM_AGENT,
  type PlatformSettings,
  platformKeysFromSeed,
  startDemo,
  WIDGET_AGENT,
  widgetUrl,
} from './index.ts';

let demo: Demo;

const PLATFORM: PlatformSettings = {
  session: { kid: 'test-session', secret: 'test-session-secret-0123456789abcdefgh' },
  oneTime: { kid: 'test-one-time', secret: 'test-one-time-secret-0123456789abcdefg' },
};
const CALLBACK = 'http://127.0.0.1:8787/t/demo/auth/remote-login/callback';
/** Any string will do: the demo only passes it on in the widget link. */
const API_KEY = `dgk_abcdefghijkl_${'A'.repeat(38)}`;
const CSP =
  "script-src 'self' http://127.0.0.1:8787; connect-src 'self' http://127.0.0.1:8787; " +
  "style-src 'self'; frame-src 'none'; object-src 'none'; base-uri 'none'";
const WIDGET_SDK_TAG =
  /<script src="http:\/\/127\.0\.0\.1:8787\/sdk\/deskgate\.js" data-tenant="demo" data-api-url="http:\/\/127\.0\.0\.1:8787" data-from-url async><\/script>/;

/** A compact HS256 JWT's header and claims, once its signature checks out with `secret`. */
function verifyJwt(token: string, secret: string) {
  const [header, payload, signature, ...rest] = token.split('.');
  assert.equal(rest.length, 0, 'three parts');
  assert.ok(header && payload && signature);
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  assert.equal(signature, expected, 'HS256 signature with the secret');
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  return { header: decode(header), claims: decode(payload) };
}

beforeAll(async () => {
  demo = await startDemo({
    port: 0,
    host: '127.0.0.1',
    apiUrl: 'http://127.0.0.1:8787/',
    tenant: 'demo',
    origin: 'http://localhost:5173',
    apiKey: API_KEY,
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
  assert.match(html, /<button type="button" id="personal-collection" disabled>Personal collection<\/button>/);
  assert.doesNotMatch(html, /<script>|<style>|\son\w+=/, 'nothing inline that the CSP would block');
});

test('links to the LiveEngage-style widget with the API key and the demo agent', async () => {
  const html = await (await fetch(`${demo.url}/`)).text();
  const href = html.match(
    /<a id="widget-link" href="([^"]+)"[^>]*>Open the\s+LiveEngage-style widget<\/a>/,
  )?.[1];
  assert.ok(href, 'the link');
  const url = new URL(href.replaceAll('&amp;', '&'), demo.url);
  assert.equal(url.pathname, '/widget.html');
  assert.deepEqual(Object.fromEntries(url.searchParams), {
    apiKey: API_KEY,
    agentId: 'le-agent-1',
    agentName: 'Lee Widget',
  });
  assert.equal(
    widgetUrl(API_KEY, 'http://localhost:5173'),
    `http://localhost:5173${url.pathname}${url.search}`,
  );
  assert.deepEqual(WIDGET_AGENT, { id: 'le-agent-1', name: 'Lee Widget' });
  const script = await (await fetch(`${demo.url}/demo.js`)).text();
  assert.match(script, /window\.deskgate\.openOutbound\(`\/t\/\$\{config\(\)\.tenant\}\/collection`\)/);
});

test('serves the LiveEngage-style widget page: the SDK tag with data-from-url, under the same CSP', async () => {
  for (const path of ['/widget.html', '/widget.html?apiKey=x&agentId=a&agentName=b', '/widget']) {
    const response = await fetch(`${demo.url}${path}`);
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get('content-security-policy'), CSP, path);
    assert.equal(response.headers.get('cache-control'), 'no-store', path);
    const html = await response.text();
    assert.match(html, /<title>Deepdesk widget \(LiveEngage-style\)<\/title>/, path);
    assert.match(html, /<h1 id="widget-title">Deepdesk widget \(LiveEngage-style\)<\/h1>/, path);
    assert.match(html, WIDGET_SDK_TAG, path);
    assert.match(html, /<script src="\/widget\.js"><\/script>/, path);
    assert.match(html, /<body data-api-url="http:\/\/127\.0\.0\.1:8787" data-tenant="demo"/, path);
    for (const id of ['widget-status', 'widget-error', 'personal-collection'])
      assert.match(html, new RegExp(`id="${id}"`), path);
    assert.doesNotMatch(html, /\{\{|deskgate:sdk|data-anchor/, `${path}: every placeholder filled`);
    assert.doesNotMatch(html, /<script>|<style>|\son\w+=/, 'nothing inline that the CSP would block');
  }
  assert.match(
    await (await fetch(`${demo.url}/widget.html?locale=nl-NL`)).text(),
    /data-from-url data-locale="nl-NL"/,
  );
  assert.match(await (await fetch(`${demo.url}/widget.html?tenant=nosuch`)).text(), /data-tenant="nosuch"/);
  const script = await fetch(`${demo.url}/widget.js`);
  assert.equal(script.status, 200);
  const code = await script.text();
  for (const event of ['deskgate:ready', 'deskgate:error'])
    assert.match(code, new RegExp(`addEventListener\\('${event}'`));
  assert.match(code, /Signed in as \$\{who\(state\.session\)\}/);
  assert.match(
    code,
    /window\.deskgate\.openOutbound\(`\/t\/\$\{document\.body\.dataset\.tenant\}\/collection`\)/,
  );
  const styles = await fetch(`${demo.url}/widget.css`);
  assert.equal(styles.status, 200);
  await styles.body?.cancel();
});

test('the widget link knows the key apps/demo/seed.json gives the demo tenant', () => {
  const seed = fileURLToPath(new URL('../seed.json', import.meta.url));
  assert.match(apiKeyFromSeed(seed, 'demo') ?? '', /^dgk_[a-z0-9]{12}_[A-Za-z0-9]{38}$/);
  assert.equal(apiKeyFromSeed(seed, 'nosuch'), undefined);
  assert.equal(apiKeyFromSeed(fileURLToPath(new URL('./nope.json', import.meta.url)), 'demo'), undefined);
  assert.equal(
    widgetUrl(undefined),
    '/widget.html?agentId=le-agent-1&agentName=Lee+Widget',
    'without a key the link carries none',
  );
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

test('?platform=1 marks the page for platform mode (demo.js reads it before the SDK runs)', async () => {
  assert.match(await (await fetch(`${demo.url}/?platform=1`)).text(), /<html lang="en" data-platform="1">/);
  for (const query of ['', '?platform=0', '?platform=yes'])
    assert.match(await (await fetch(`${demo.url}/${query}`)).text(), /<html lang="en" data-platform="">/);
  const script = await (await fetch(`${demo.url}/demo.js`)).text();
  assert.match(script, /window\.deskgateSignedUserInfo = /);
  assert.match(script, /fetch\('\/platform\/token'\)/);
});

test('without platform settings, the demo platform backend is not there: /platform/* is 404', async () => {
  for (const path of ['/platform/token', `/platform/remote-login?return=${encodeURIComponent(CALLBACK)}`]) {
    const response = await fetch(`${demo.url}${path}`);
    await response.body?.cancel();
    assert.equal(response.status, 404, path);
  }
});

describe('the demo platform backend', () => {
  let platformDemo: Demo;
  let clock = Date.UTC(2026, 10, 22, 12, 0, 0);

  beforeAll(async () => {
    platformDemo = await startDemo({
      port: 0,
      host: '127.0.0.1',
      apiUrl: 'http://127.0.0.1:8787/',
      tenant: 'demo',
      platform: { ...PLATFORM, now: () => clock },
    });
  });
  afterAll(() => platformDemo.close());

  test('GET /platform/token: a session-profile JWT (Messenger claims) signed with the session key', async () => {
    const response = await fetch(`${platformDemo.url}/platform/token`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const { header, claims } = verifyJwt(await response.text(), PLATFORM.session!.secret);
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT', kid: 'test-session' });
    const iat = clock / 1000;
    assert.deepEqual(claims, {
      deskpro_id: 'demo-agent-1',
      email: 'platform.agent@demo.test',
      name: 'Platform Agent',
      iat,
      exp: iat + 600,
    });
    const again = await (await fetch(`${platformDemo.url}/platform/token`)).text();
    assert.throws(() => verifyJwt(again, PLATFORM.oneTime!.secret), /signature/, 'not the one-time key');
  });

  test('GET /platform/remote-login: the platform page links back to `return` with a one-time token', async () => {
    clock += 60_000;
    const response = await fetch(
      `${platformDemo.url}/platform/remote-login?return=${encodeURIComponent(CALLBACK)}`,
    );
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(
      response.headers.get('content-security-policy') ?? '',
      /default-src 'none'.*style-src 'self'/,
    );
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    const html = await response.text();
    assert.match(html, /Acme platform: you are signed in as <strong>Platform Agent<\/strong>/);
    assert.doesNotMatch(html, /<script|<style|\son\w+=/, 'nothing inline that its CSP would block');
    const href = html.match(/<a class="button" href="([^"]+)">Continue<\/a>/)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(href, 'a Continue link');
    const target = new URL(href);
    assert.equal(target.origin + target.pathname, CALLBACK);
    const { header, claims } = verifyJwt(target.searchParams.get('jwt') ?? '', PLATFORM.oneTime!.secret);
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT', kid: 'test-one-time' });
    const iat = clock / 1000;
    assert.deepEqual(
      { ...claims, jti: undefined },
      {
        id: PLATFORM_AGENT.id,
        email: PLATFORM_AGENT.email,
        name: PLATFORM_AGENT.name,
        iat,
        exp: iat + 120,
        jti: undefined,
      },
    );
    assert.match(claims.jti, /^[0-9a-f-]{36}$/);

    const second = await (
      await fetch(`${platformDemo.url}/platform/remote-login?return=${encodeURIComponent(`${CALLBACK}?x=1`)}`)
    ).text();
    const next = new URL(second.match(/href="(http[^"]+)"/)?.[1]?.replaceAll('&amp;', '&') ?? '');
    assert.equal(next.searchParams.get('x'), '1', 'the return URL keeps its own query');
    const jti = verifyJwt(next.searchParams.get('jwt') ?? '', PLATFORM.oneTime!.secret).claims.jti;
    assert.notEqual(jti, claims.jti, 'a fresh jti per token');
  });

  test('GET /platform/remote-login sends browsers back to deskgate only: any other `return` is 400', async () => {
    for (const value of [
      undefined,
      '',
      '/t/demo/auth/remote-login/callback',
      'https://127.0.0.1:8787/t/demo/auth/remote-login/callback',
      'http://127.0.0.1:8788/t/demo/auth/remote-login/callback',
      'http://localhost:8787/t/demo/auth/remote-login/callback',
      'http://evil.example/t/demo/auth/remote-login/callback',
      'http://user:pw@127.0.0.1:8787/t/demo/auth/remote-login/callback',
      'javascript:alert(1)//127.0.0.1:8787/',
      'not a url',
    ]) {
      const query = value === undefined ? '' : `?return=${encodeURIComponent(value)}`;
      const response = await fetch(`${platformDemo.url}/platform/remote-login${query}`);
      assert.equal(response.status, 400, String(value));
      assert.doesNotMatch(await response.text(), /jwt|eyJ/, 'no token for a foreign return');
    }
  });

  test('unknown /platform paths and writes are refused', async () => {
    const missing = await fetch(`${platformDemo.url}/platform/nope`);
    await missing.body?.cancel();
    assert.equal(missing.status, 404);
    const post = await fetch(`${platformDemo.url}/platform/token`, { method: 'POST' });
    await post.body?.cancel();
    assert.equal(post.status, 405);
  });

  test('under an API URL with a path, `return` must be under that path', async () => {
    const nested = await startDemo({
      port: 0,
      host: '127.0.0.1',
      apiUrl: 'http://127.0.0.1:8787/auth',
      tenant: 'demo',
      platform: PLATFORM,
    });
    try {
      const status = async (back: string) => {
        const response = await fetch(
          `${nested.url}/platform/remote-login?return=${encodeURIComponent(back)}`,
        );
        await response.body?.cancel();
        return response.status;
      };
      assert.equal(await status('http://127.0.0.1:8787/auth/t/demo/auth/remote-login/callback'), 200);
      assert.equal(await status('http://127.0.0.1:8787/authx/t/demo/auth/remote-login/callback'), 400);
      assert.equal(await status('http://127.0.0.1:8787/t/demo/auth/remote-login/callback'), 400);
    } finally {
      await nested.close();
    }
  });
});

test('the demo platform signs with the keys apps/demo/seed.json gives the demo tenant', () => {
  const seed = fileURLToPath(new URL('../seed.json', import.meta.url));
  const keys = platformKeysFromSeed(seed, 'demo');
  assert.equal(keys?.session?.kid, 'demo-platform-session');
  assert.equal(keys?.oneTime?.kid, 'demo-platform-one-time');
  assert.ok((keys?.session?.secret.length ?? 0) >= 32);
  assert.equal(platformKeysFromSeed(seed, 'nosuch'), undefined);
  assert.equal(
    platformKeysFromSeed(fileURLToPath(new URL('./nope.json', import.meta.url)), 'demo'),
    undefined,
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
    platform: PLATFORM,
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
    const token = await fetch(`${dev.url}/platform/token`);
    assert.equal(token.status, 200, 'the demo platform backend on the dev server too');
    assert.equal(verifyJwt(await token.text(), PLATFORM.session!.secret).header.kid, 'test-session');
    const page = await fetch(`${dev.url}/platform/remote-login?return=${encodeURIComponent(CALLBACK)}`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(await page.text(), /@vite\/client/, 'the platform page is not a Vite page');
    assert.match(await (await fetch(`${dev.url}/?platform=1`)).text(), /<html lang="en" data-platform="1">/);
    assert.match(
      await (await fetch(`${dev.url}/`)).text(),
      /href="\/widget\.html\?agentId=le-agent-1&amp;agentName=Lee\+Widget"/,
      'no apiKey given: the link carries none',
    );
    const widget = await fetch(`${dev.url}/widget.html?apiKey=x`);
    assert.equal(widget.status, 200);
    assert.equal(
      widget.headers.get('content-security-policy'),
      response.headers.get('content-security-policy'),
    );
    const widgetHtml = await widget.text();
    assert.match(widgetHtml, WIDGET_SDK_TAG);
    assert.match(widgetHtml, /<script type="module" src="\/@vite\/client"><\/script>/);
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
