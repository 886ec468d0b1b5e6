// Abuse limits: request body sizes (413 before parsing) and store-counted rate limits (429 with Retry-After).
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultRateLimits, type RateLimitSettings, sha256 } from '@deskgate/core';
import { paths } from '@deskgate/protocol';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { BODY_LIMIT, JSON_BODY_LIMIT } from './http/body-limit.ts';
import {
  CHOOSER_CLICK,
  COOKIE_REFRESH,
  createAttempt,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  PUBLIC_URL,
  popupSignIn,
  randomVerifier,
  signIn,
  socket,
  TENANT,
} from './test/harness.ts';

const MINUTE = 60_000;

function limits(overrides: Partial<Record<keyof RateLimitSettings, number>>): RateLimitSettings {
  const settings = defaultRateLimits();
  for (const [name, limit] of Object.entries(overrides))
    settings[name as keyof RateLimitSettings].limit = limit;
  return settings;
}

async function newChallenge() {
  return { challenge: await sha256(randomVerifier()), challengeMethod: 'S256' };
}

describe('request body limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  /** A raw SDK-style POST with the given body and headers. */
  function post(
    path: string,
    body: string | ReadableStream<Uint8Array>,
    headers: Record<string, string> = {},
  ) {
    return h.app.request(
      `${PUBLIC_URL}${path}`,
      {
        method: 'POST',
        headers: {
          origin: 'https://cx.test',
          'content-type': 'application/json',
          'x-deskgate-sdk': '1',
          ...headers,
        },
        body,
        // A stream body needs this in Node's fetch Request.
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit,
      socket(),
    );
  }

  /** A body of `bytes` that streams in chunks with no Content-Length, counting what was pulled from it. */
  function stream(bytes: number) {
    const read = { bytes: 0 };
    const chunk = new TextEncoder().encode(`{"pad":"${'x'.repeat(1024)}`);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (read.bytes >= bytes) return controller.close();
        read.bytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return { body, read };
  }

  it('refuses a declared Content-Length above the limit with 413 body_too_large, unread and unparsed', async () => {
    const body = JSON.stringify({ ...(await newChallenge()), pad: 'x'.repeat(100 * 1024) });
    const response = await post(paths.attempts(TENANT), body);
    assert.equal(response.status, 413);
    assert.equal(await errorCode(response), 'body_too_large');
    assert.equal(response.headers.get('connection'), 'close');
  });

  it('refuses a streamed body as soon as it passes the limit, without reading the rest', async () => {
    const { body, read } = stream(10 * 1024 * 1024);
    const response = await post(paths.attempts(TENANT), body);
    assert.equal(response.status, 413);
    assert.equal(await errorCode(response), 'body_too_large');
    assert.ok(read.bytes < 64 * 1024, `read ${read.bytes} bytes of a 10 MB body`);
  });

  it('accepts a valid request just inside the limit', async () => {
    const base = JSON.stringify({ ...(await newChallenge()), pad: '' });
    const body = JSON.stringify({
      ...(await newChallenge()),
      pad: 'x'.repeat(JSON_BODY_LIMIT - base.length),
    });
    assert.equal(new TextEncoder().encode(body).byteLength, JSON_BODY_LIMIT);
    assert.equal((await post(paths.attempts(TENANT), body)).status, 201);
    const over = JSON.stringify({
      ...(await newChallenge()),
      pad: 'x'.repeat(JSON_BODY_LIMIT - base.length + 1),
    });
    assert.equal((await post(paths.attempts(TENANT), over)).status, 413);
  });

  it('limits every route that takes a body, each to what it accepts', async () => {
    const { attempt } = await createAttempt(h);
    const big = 'x'.repeat(64 * 1024);
    const routes = [
      paths.attempts(TENANT),
      paths.attemptRedeem(TENANT, attempt.attemptId),
      paths.refresh(TENANT),
      paths.logout(TENANT),
      paths.legacyLogout(TENANT),
    ];
    for (const path of routes) {
      const response = await post(path, big);
      assert.equal(response.status, 413, path);
      assert.equal(await errorCode(response), 'body_too_large', path);
    }
    const confirm = await h.page(paths.attemptConfirm(TENANT, attempt.attemptId), new Jar(), {
      method: 'POST',
      headers: { origin: PUBLIC_URL, 'content-type': 'application/x-www-form-urlencoded' },
      body: `code=${big}`,
    });
    assert.equal(confirm.status, 413);
    assert.equal(await errorCode(confirm), 'body_too_large');
  });

  it('declares a body limit on every route that is not a GET (the inventory a new route cannot skip)', () => {
    const writes = new Map<string, boolean>();
    for (const route of h.app.routes) {
      if (['GET', 'HEAD', 'ALL', 'OPTIONS'].includes(route.method) || route.path.endsWith('/*')) continue;
      const key = `${route.method} ${route.path}`;
      writes.set(key, (writes.get(key) ?? false) || BODY_LIMIT in route.handler);
    }
    assert.ok(writes.size >= 6, [...writes.keys()].join(', '));
    for (const [route, limited] of writes) assert.ok(limited, `${route} declares no body limit`);
  });

  it("reads bodies from Node's request stream on a real server exactly as app.request reads them", async () => {
    const server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const headers = { origin: 'https://cx.test', 'content-type': 'application/json', 'x-deskgate-sdk': '1' };
    /** Status and error code of the same POST through app.request and through the server. */
    const both = async (path: string, body: () => string | ReadableStream<Uint8Array>) => {
      const answers = [];
      for (const viaServer of [false, true]) {
        const sent = body();
        const init = {
          method: 'POST',
          headers,
          body: sent,
          ...(typeof sent === 'string' ? {} : { duplex: 'half' }),
        } as RequestInit;
        const response = viaServer
          ? await fetch(`http://127.0.0.1:${port}${path}`, init)
          : await h.app.request(`${PUBLIC_URL}${path}`, init, socket());
        const text = await response.text();
        answers.push({
          status: response.status,
          code: text.includes('"error"') ? JSON.parse(text).error.code : null,
        });
      }
      assert.deepEqual(answers[1], answers[0], path);
      return answers[1]!;
    };
    /** `text` in chunks of 7 bytes, so that multi-byte characters are split between chunks. */
    const chunked = (text: string) => () => {
      const bytes = new TextEncoder().encode(text);
      let at = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= bytes.length) return controller.close();
          controller.enqueue(bytes.slice(at, at + 7));
          at += 7;
        },
      });
    };
    try {
      const challenge = await newChallenge();
      const valid = JSON.stringify({ ...challenge, pad: 'é'.repeat(100) });
      assert.equal((await both(paths.attempts(TENANT), () => valid)).status, 201);
      assert.equal((await both(paths.attempts(TENANT), chunked(valid))).status, 201);
      // A UTF-8 byte order mark is dropped, as the Fetch API's text() drops it.
      assert.equal((await both(paths.attempts(TENANT), () => `\uFEFF${valid}`)).status, 201);
      const base = JSON.stringify({ ...challenge, pad: '' });
      const atLimit = JSON.stringify({ ...challenge, pad: 'x'.repeat(JSON_BODY_LIMIT - base.length) });
      assert.equal((await both(paths.attempts(TENANT), chunked(atLimit))).status, 201);
      assert.deepEqual(await both(paths.attempts(TENANT), chunked(`${atLimit} `)), {
        status: 413,
        code: 'body_too_large',
      });
      for (const bad of ['', '{', '[]', 'null', '\xff\xfe']) {
        assert.deepEqual(await both(paths.attempts(TENANT), () => bad), {
          status: 400,
          code: 'validation_failed',
        });
      }
    } finally {
      server.close();
    }
  });

  it('refuses a 600 MB stream to a real server with 413 and closes the connection early', async () => {
    const server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
        let sent = 0;
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: paths.attempts(TENANT),
          headers: {
            origin: 'https://cx.test',
            'content-type': 'application/json',
            'x-deskgate-sdk': '1',
            'transfer-encoding': 'chunked',
          },
        });
        const chunk = Buffer.alloc(64 * 1024, 'x');
        let answered = false;
        req.on('response', (res) => {
          answered = true;
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, sent }));
        });
        req.on('error', (error) => (answered ? undefined : reject(error)));
        const pump = () => {
          while (!answered && sent < 600 * 1024 * 1024) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          if (!answered) req.end();
        };
        pump();
      });
      assert.equal(result.status, 413);
      assert.equal(JSON.parse(result.body).error.code, 'body_too_large');
      assert.ok(result.sent < 600 * 1024 * 1024, 'the server answered before the whole body was sent');
    } finally {
      server.close();
    }
  });
});

describe('rate limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      rateLimits: limits({
        'attempts.create.ip': 3,
        'attempts.create.tenant': 5,
        'attempts.redeem.attempt': 4,
        'attempts.redeem.failures.ip': 3,
        'refresh.failures.ip': 3,
        'session.failures.ip': 3,
        'methods.start.attempt': 2,
        'confirm.ip': 3,
        'pages.ip': 50,
      }),
    });
  });
  afterAll(() => h.close());

  /** Moves the clock to the start of the next minute window, so a test starts with fresh counters. */
  function nextWindow() {
    h.advance(MINUTE - (h.now() % MINUTE) + 1);
  }

  function createFrom(ip: string) {
    return newChallenge().then((body) => h.sdk(paths.attempts(TENANT), { body, ip }));
  }

  it('answers 429 rate_limited with Retry-After once an address created too many attempts, until the window ends', async () => {
    nextWindow();
    for (let i = 0; i < 3; i++) assert.equal((await createFrom('198.51.100.1')).status, 201);
    const limited = await createFrom('198.51.100.1');
    assert.equal(limited.status, 429);
    assert.equal(await errorCode(limited), 'rate_limited');
    assert.equal(limited.headers.get('access-control-allow-origin'), 'https://cx.test');
    assert.match(
      limited.headers.get('access-control-expose-headers') ?? '',
      /Retry-After/i,
      'the SDK must read it',
    );
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
    assert.equal((await createFrom('198.51.100.2')).status, 201, 'another address is not limited');
    h.advance(retryAfter * 1000);
    assert.equal((await createFrom('198.51.100.1')).status, 201, 'a new window starts over');
  });

  it('limits a tenant across addresses', async () => {
    nextWindow();
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await createFrom(`203.0.113.${i + 1}`)).status);
    assert.deepEqual(statuses, [201, 201, 201, 201, 201, 429]);
  });

  it('counts an IPv6 client by its /64, so rotating addresses inside it does not help', async () => {
    nextWindow();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await createFrom(`2001:db8:7:7::${i + 1}`)).status);
    assert.deepEqual(statuses, [201, 201, 201, 429]);
  });

  it('limits redeem polling per attempt, and other attempts poll on', async () => {
    nextWindow();
    const one = await createAttempt(h);
    const two = await createAttempt(h);
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (
          await h.sdk(paths.attemptRedeem(TENANT, one.attempt.attemptId), {
            body: { verifier: one.verifier },
          })
        ).status,
      );
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 429]);
    const other = await h.sdk(paths.attemptRedeem(TENANT, two.attempt.attemptId), {
      body: { verifier: two.verifier },
    });
    assert.equal(other.status, 200);
  });

  it('counts failed redeems (verifier guessing) per address, not pending polls', async () => {
    nextWindow();
    h.advance(10 * MINUTE); // a fresh 10-minute window for the failure counter
    const ip = '198.51.100.77';
    const { attempt, verifier } = await createAttempt(h);
    const guess = () =>
      h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), { body: { verifier: randomVerifier() }, ip });
    for (let i = 0; i < 3; i++) assert.equal(await errorCode(await guess()), 'attempt_verifier_mismatch');
    const blocked = await guess();
    assert.equal(blocked.status, 429);
    // The honest SDK elsewhere is not affected, and its pending polls count nothing.
    const fresh = await createAttempt(h);
    for (let i = 0; i < 4; i++) {
      const pending = await h.sdk(paths.attemptRedeem(TENANT, fresh.attempt.attemptId), {
        body: { verifier: fresh.verifier },
      });
      assert.equal(pending.status, 200);
    }
    // The blocked address is refused even with the right verifier until the window ends.
    const right = await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), { body: { verifier }, ip });
    assert.equal(right.status, 429);
  });

  it('lets a signed-in agent refresh as often as needed: only failed refreshes count', async () => {
    nextWindow();
    const { jar } = await signIn(h);
    for (let i = 0; i < 6; i++) {
      h.advance(20 * 1000); // past the grace window each time
      assert.equal((await h.sdk(paths.refresh(TENANT), { method: 'POST', jar })).status, 200, `refresh ${i}`);
    }
    const guesser = new Jar();
    const guess = () => {
      guesser.cookies.set(COOKIE_REFRESH, {
        value: `rt1.${randomVerifier()}`,
        path: paths.refresh(TENANT),
        attributes: '',
      });
      return h.sdk(paths.refresh(TENANT), { method: 'POST', jar: guesser, ip: '198.51.100.9' });
    };
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(await errorCode(await guess()));
    assert.deepEqual(
      codes.slice(0, 3).every((c) => c.startsWith('refresh_')),
      true,
      codes.join(),
    );
    assert.equal(codes[3], 'rate_limited');
  });

  it('limits failed session checks per address', async () => {
    nextWindow();
    const codes = [];
    for (let i = 0; i < 4; i++) {
      const jar = new Jar();
      jar.cookies.set('__Secure-access_token_cookie', {
        value: 'not.a.jwt',
        path: '/t/acme',
        attributes: '',
      });
      codes.push(await errorCode(await h.sdk(paths.session(TENANT), { jar, ip: '198.51.100.10' })));
    }
    assert.deepEqual(codes, ['session_invalid', 'session_invalid', 'session_invalid', 'rate_limited']);
  });

  it('counts a forged access cookie on the status probe too, although it answers 200', async () => {
    nextWindow();
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const jar = new Jar();
      jar.cookies.set('__Secure-access_token_cookie', {
        value: 'not.a.jwt',
        path: '/t/acme',
        attributes: '',
      });
      statuses.push((await h.sdk(paths.sessionStatus(TENANT), { jar, ip: '198.51.100.11' })).status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
  });

  it('does not count the normal end of an access token (session_expired) as a failure', async () => {
    nextWindow();
    const { jar } = await signIn(h);
    h.advance(16 * MINUTE - (h.now() % MINUTE)); // the JWT expired; still inside one minute window
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push(await errorCode(await h.sdk(paths.session(TENANT), { jar })));
    assert.deepEqual(codes, Array(5).fill('session_expired'));
  });

  it('limits SSO starts per attempt, answered as a page with Retry-After', async () => {
    nextWindow();
    h.advance(10 * MINUTE);
    const { attempt } = await createAttempt(h);
    const popup = new Jar();
    await h.page(attempt.signInUrl, popup);
    const start = () =>
      h.page(`${paths.ssoStart(TENANT)}?attempt=${attempt.attemptId}&provider=acme-idp`, popup, {
        headers: CHOOSER_CLICK,
      });
    assert.equal((await start()).status, 302);
    assert.equal((await start()).status, 302);
    const limited = await start();
    assert.equal(limited.status, 429);
    assert.match(limited.headers.get('content-type') ?? '', /text\/html/);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.match(limited.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(await errorCode(limited), 'rate_limited');
  });

  it('limits confirmation entries per address, on top of the per-attempt burn', async () => {
    // The start of a 10-minute window, so the minute steps below (fresh attempt-creation counters) stay inside it.
    h.advance(10 * MINUTE - (h.now() % (10 * MINUTE)) + 1);
    const ip = '198.51.100.11';
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      if (i > 0) nextWindow();
      const { attempt } = await createAttempt(h);
      const { callback, popup } = await popupSignIn(h, attempt.signInUrl);
      await h.page(callback.headers.get('location')!, popup);
      const response = await h.page(paths.attemptConfirm(TENANT, attempt.attemptId), popup, {
        method: 'POST',
        headers: { origin: PUBLIC_URL, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'code=ZZZ-ZZZ',
        ip,
      });
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [400, 400, 400, 429]);
  });
});

describe('the client address behind proxies', () => {
  it('ignores X-Forwarded-For without trusted proxies, so rotating it does not evade a limit', async () => {
    const h = await createHarness({ rateLimits: limits({ 'attempts.create.ip': 2 }) });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        const body = await newChallenge();
        statuses.push(
          (await h.sdk(paths.attempts(TENANT), { body, headers: { 'x-forwarded-for': `203.0.113.${i}` } }))
            .status,
        );
      }
      assert.deepEqual(statuses, [201, 201, 429]);
    } finally {
      await h.close();
    }
  });

  it('counts by the address the trusted proxy saw, not what the client wrote left of it', async () => {
    const h = await createHarness({ rateLimits: limits({ 'attempts.create.ip': 2 }), trustedProxyHops: 1 });
    try {
      const send = async (forwardedFor: string) =>
        (
          await h.sdk(paths.attempts(TENANT), {
            body: await newChallenge(),
            headers: { 'x-forwarded-for': forwardedFor },
            ip: '10.0.0.5', // the proxy
          })
        ).status;
      // Two clients behind one proxy have their own counters...
      assert.deepEqual(
        [await send('203.0.113.1'), await send('203.0.113.1'), await send('203.0.113.1')],
        [201, 201, 429],
      );
      assert.equal(await send('203.0.113.2'), 201);
      // ...and a forged entry on the left does not make a new client.
      assert.equal(await send('1.1.1.1, 203.0.113.1'), 429);
    } finally {
      await h.close();
    }
  });
});
