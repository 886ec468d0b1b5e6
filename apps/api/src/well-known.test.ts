// Contract of the tenant-independent routes: JWKS and key rotation, OpenAPI coverage, SDK files.
import assert from 'node:assert/strict';
import { DEFAULT_KEY_ROTATION } from '@deskgate/core';
import { paths } from '@deskgate/protocol';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createApp } from './app.ts';
import { COOKIE_ACCESS, createHarness, type Harness, signIn, TENANT } from './test/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

async function jwks() {
  const response = await h.app.request(`https://auth.test${paths.jwks}`);
  assert.equal(response.status, 200);
  return (await response.json()) as { keys: { kid: string; d?: string }[] };
}

describe('GET /.well-known/jwks.json', () => {
  it('is never empty: the first key is created when the JWKS is first asked for', async () => {
    const fresh = await createHarness();
    try {
      const response = await fresh.app.request(`https://auth.test${paths.jwks}`);
      assert.equal(((await response.json()) as { keys: unknown[] }).keys.length, 1);
      assert.match(response.headers.get('cache-control') ?? '', /max-age=300/);
    } finally {
      await fresh.close();
    }
  });

  it('publishes the public key that verifies the access cookie, and no private parts', async () => {
    const { jar } = await signIn(h);
    const set = await jwks();
    assert.equal(
      set.keys.every((k) => k.d === undefined),
      true,
    );
    const { payload } = await jwtVerify(jar.get(COOKIE_ACCESS)!, createLocalJWKSet(set as never), {
      issuer: 'https://auth.test',
      audience: 'https://auth.test/t/acme',
      currentDate: new Date(h.now()),
    });
    assert.equal(payload.tenant, TENANT);
  });

  it('publishes a new key before it signs, and keeps the old one until its tokens have expired', async () => {
    const first = decodeProtectedHeader((await signIn(h)).jar.get(COOKIE_ACCESS)!).kid!;
    h.advance(DEFAULT_KEY_ROTATION.rotateAfterMs + 1);
    // The rotation is triggered by signing; the old key still signs during the publish lead.
    const during = decodeProtectedHeader((await signIn(h)).jar.get(COOKIE_ACCESS)!).kid!;
    assert.equal(during, first);
    const published = (await jwks()).keys.map((k) => k.kid);
    assert.equal(published.length, 2);
    const next = published.find((kid) => kid !== first)!;

    h.advance(DEFAULT_KEY_ROTATION.publishLeadMs + 1);
    const after = decodeProtectedHeader((await signIn(h)).jar.get(COOKIE_ACCESS)!).kid!;
    assert.equal(after, next);
    assert.deepEqual((await jwks()).keys.map((k) => k.kid).sort(), [first, next].sort());

    h.advance(DEFAULT_KEY_ROTATION.retainAfterSupersededMs + 1);
    await signIn(h);
    assert.deepEqual(
      (await jwks()).keys.map((k) => k.kid),
      [next],
    );
  });
});

describe('GET /openapi.json', () => {
  it('documents every route the app serves', async () => {
    const doc = (await (await h.app.request('https://auth.test/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    const documented = new Set(Object.keys(doc.paths));
    const served = new Set(
      h.app.routes
        .filter((r) => r.method !== 'ALL')
        .map((r) =>
          r.path.replace(/:(\w+)/g, '{$1}').replace('/t/{tenant}/auth/t/{tenant}/auth', '/t/{tenant}/auth'),
        ),
    );
    for (const path of served) assert.ok(documented.has(path), `${path} is served but not documented`);
    for (const path of documented) assert.ok(served.has(path), `${path} is documented but not served`);
  });
});

describe('GET /sdk/{file}', () => {
  const sdk = {
    loader: { body: 'loader();', etag: '"l1"' },
    chunks: new Map([['overlay.abc123.js', { body: 'export{}', etag: '"o1"' }]]),
  };
  const app = () => createApp({ ...h.deps, sdk });

  it('serves the loader with a short cache and CORS for module loading', async () => {
    const response = await app().request('https://auth.test/sdk/deskgate.js');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('cache-control') ?? '', /max-age=300/);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(await response.text(), 'loader();');
  });

  it('serves hashed chunks as immutable and answers 304 to a matching ETag', async () => {
    const response = await app().request('https://auth.test/sdk/overlay.abc123.js');
    assert.match(response.headers.get('cache-control') ?? '', /immutable/);
    const again = await app().request('https://auth.test/sdk/overlay.abc123.js', {
      headers: { 'if-none-match': '"o1"' },
    });
    assert.equal(again.status, 304);
  });

  it('answers 404 not_found for an unknown file', async () => {
    const response = await app().request('https://auth.test/sdk/other.js');
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'not_found');
  });
});
