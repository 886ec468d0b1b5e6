// Contract of the tenant-independent routes: JWKS and key rotation, OpenAPI coverage, SDK files.
import assert from 'node:assert/strict';
import { DEFAULT_KEY_ROTATION, statusForCode } from '@deskgate/core';
import { ERROR_CODES, type ErrorCode, paths, TENANT_CODE_PATTERN } from '@deskgate/protocol';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type App, createApp } from './app.ts';
import { LOCALES } from './pages/messages.ts';
import {
  COOKIE_ACCESS,
  COOKIE_REFRESH,
  createHarness,
  type Harness,
  signIn,
  TENANT,
} from './test/harness.ts';

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

interface Operation {
  operationId?: string;
  summary?: string;
  parameters?: { in: string; name: string; schema: { pattern?: string } }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { content?: Record<string, { schema: ErrorSchema & { $ref?: string } }> }>;
}
interface ErrorSchema {
  properties?: { error?: { properties: { code: { enum: string[] } } } };
}
interface OpenApiDocument {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { required?: string[]; properties: Record<string, Record<string, unknown>> }>;
    securitySchemes: Record<string, { in: string; name: string }>;
  };
}

async function openApi(app: { request: App['request'] } = h.app): Promise<OpenApiDocument> {
  const response = await app.request('https://auth.test/openapi.json');
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('access-control-allow-origin'), '*');
  return (await response.json()) as OpenApiDocument;
}

/** `METHOD /path` of every route the app serves without a declaration (summary, operationId, responses). */
function undocumented(app: App, doc: OpenApiDocument): string[] {
  const served = new Set(
    app.routes
      // ALL routes are middleware (the request log, tenant loading) and the unknown-tenant fallback.
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
  );
  return [...served].filter((route) => {
    const [method = '', path = ''] = route.split(' ');
    const operation = doc.paths[path]?.[method.toLowerCase()];
    return !operation?.summary || !operation.operationId || Object.keys(operation.responses).length === 0;
  });
}

const errorCodes = (operation: Operation | undefined, status: number) =>
  operation?.responses[status]?.content?.['application/json']?.schema.properties?.error?.properties.code.enum;

describe('GET /openapi.json', () => {
  it('documents every route the app serves, and serves every route it documents', async () => {
    const doc = await openApi();
    assert.deepEqual(undocumented(h.app, doc), []);
    const served = new Set(h.app.routes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`));
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) {
        assert.ok(
          served.has(`${method.toUpperCase()} ${path}`),
          `${method} ${path} is documented but not served`,
        );
      }
    }
    for (const path of ['/healthz', '/.well-known/jwks.json', '/openapi.json', '/reference', '/sdk/{file}']) {
      assert.ok(doc.paths[path]?.get, `${path} is documented`);
    }
    assert.ok(doc.paths['/assets/swagger-ui/{file}']?.get && doc.paths['/assets/pages.css']?.get);
  });

  it('notices a plain route added without a declaration', async () => {
    const app = createApp(h.deps);
    app.get('/undeclared', (c) => c.text('nobody described me'));
    assert.deepEqual(undocumented(app, await openApi(app)), ['GET /undeclared']);
  });

  it('is OpenAPI 3.1 for this server, with the cookie and Origin security schemes', async () => {
    const doc = await openApi();
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.servers, [{ url: 'https://auth.test' }]);
    const schemes = doc.components.securitySchemes;
    assert.deepEqual([schemes.accessCookie?.in, schemes.accessCookie?.name], ['cookie', COOKIE_ACCESS]);
    assert.deepEqual([schemes.refreshCookie?.in, schemes.refreshCookie?.name], ['cookie', COOKIE_REFRESH]);
    assert.deepEqual([schemes.originAllowed?.in, schemes.originAllowed?.name], ['header', 'Origin']);
  });

  it('carries the request schemas the validators enforce', async () => {
    const doc = await openApi();
    const create = doc.components.schemas.CreateAttemptRequest;
    assert.deepEqual(create?.required, ['challenge', 'challengeMethod']);
    assert.deepEqual(
      [create?.properties.challenge?.minLength, create?.properties.challenge?.maxLength],
      [43, 43],
    );
    assert.equal(create?.properties.challengeMethod?.const, 'S256');
    assert.deepEqual(create?.properties.locale?.enum, [...LOCALES]);
    const redeem = doc.components.schemas.RedeemAttemptRequest;
    assert.deepEqual(redeem?.required, ['verifier']);
    assert.deepEqual(
      [redeem?.properties.verifier?.minLength, redeem?.properties.verifier?.maxLength],
      [43, 128],
    );
    assert.equal(redeem?.properties.proof?.type, 'string');
    const body = doc.paths['/t/{tenant}/auth/attempts']?.post?.requestBody;
    assert.equal(body?.required, true);
    assert.equal(body?.content['application/json']?.schema.$ref, '#/components/schemas/CreateAttemptRequest');
    for (const name of ['SessionInfo', 'CreateAttemptResponse', 'RedeemAttemptResponse']) {
      assert.ok(doc.components.schemas[name], `${name} is a component`);
    }
    for (const [path, operations] of Object.entries(doc.paths)) {
      if (!path.startsWith('/t/')) continue;
      for (const operation of Object.values(operations)) {
        const tenant = operation.parameters?.find((p) => p.in === 'path' && p.name === 'tenant');
        assert.equal(tenant?.schema.pattern, TENANT_CODE_PATTERN.source, path);
      }
    }
  });

  it('lists the error codes of each route under the status each is answered with', async () => {
    const doc = await openApi();
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const status of Object.keys(operation.responses)) {
          for (const code of errorCodes(operation, Number(status)) ?? []) {
            assert.ok((ERROR_CODES as readonly string[]).includes(code), code);
            // A disabled user's session (read, refresh, an outbound link) ends with 401, as any ended session.
            const expected =
              code === 'user_disabled' && Number(status) === 401 ? 401 : statusForCode(code as ErrorCode);
            assert.equal(expected, Number(status), `${method} ${path}: ${code}`);
          }
        }
      }
    }
    const redeem = doc.paths['/t/{tenant}/auth/attempts/{id}/redeem']?.post;
    assert.deepEqual(errorCodes(redeem, 400), ['validation_failed']);
    assert.deepEqual(errorCodes(redeem, 403)?.toSorted(), [
      'attempt_proof_invalid',
      'attempt_verifier_mismatch',
      'csrf_header_required',
      'origin_not_allowed',
      'user_disabled',
    ]);
    assert.deepEqual(errorCodes(redeem, 409), ['attempt_already_redeemed']);
    assert.deepEqual(errorCodes(redeem, 410)?.toSorted(), ['attempt_expired', 'attempt_locked']);
    assert.deepEqual(errorCodes(redeem, 413), ['body_too_large']);
    assert.deepEqual(errorCodes(redeem, 429), ['rate_limited']);
    const session = doc.paths['/t/{tenant}/auth/session']?.get;
    assert.deepEqual(errorCodes(session, 401)?.toSorted(), [
      'session_expired',
      'session_invalid',
      'session_missing',
      'session_revoked',
      'user_disabled',
    ]);
    const callback = doc.paths['/t/{tenant}/auth/sso/callback']?.get;
    assert.ok(callback?.responses[400]?.content?.['text/html'], 'navigations get the error as a page');
    assert.ok(doc.paths['/t/{tenant}/auth/signin']?.get?.responses[200]?.content?.['text/html']);
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
