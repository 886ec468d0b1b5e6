// A refused cross-origin SDK request is readable by the page it refuses, and tells foreign origins nothing.
import assert from 'node:assert/strict';
import { paths } from '@deskgate/protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ALLOWED_ORIGINS_TTL_MS, TenantService } from './services/tenants.ts';
import { CX_ORIGIN, createHarness, errorCode, type Harness, Jar, signIn, TENANT } from './test/harness.ts';

const EVIL = 'https://evil.test';
const BETA_ORIGIN = 'https://beta.test';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  // A second tenant that the CX page's origin is not allowed to use.
  await new TenantService(h.store, h.deps.keys, h.now).save(
    { code: 'beta', displayName: 'Beta', allowedOrigins: [BETA_ORIGIN] },
    'create',
  );
});
afterAll(() => h.close());

async function refusal(response: Response) {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return {
    status: response.status,
    code: body.error.code,
    message: body.error.message,
    allowOrigin: response.headers.get('access-control-allow-origin'),
    allowCredentials: response.headers.get('access-control-allow-credentials'),
    vary: response.headers.get('vary'),
    cookies: response.headers.getSetCookie(),
  };
}

describe('a foreign origin that no tenant allows', () => {
  it('reads 403 origin_not_allowed naming the origin and the tenant, and gets no cookie', async () => {
    const response = await h.sdk(paths.session(TENANT), { jar: new Jar(), origin: EVIL });
    assert.deepEqual(await refusal(response), {
      status: 403,
      code: 'origin_not_allowed',
      message: `The origin ${EVIL} may not use tenant "${TENANT}": it is not one of the tenant's allowed origins, or there is no such tenant`,
      allowOrigin: EVIL,
      allowCredentials: 'true',
      vary: 'Origin',
      cookies: [],
    });
  });

  it('gets the same answer for an unknown tenant as for one that does not allow it, on every SDK path', async () => {
    const jar = (await signIn(h)).jar;
    for (const [method, path] of [
      ['GET', paths.session],
      ['GET', paths.sessionStatus],
      ['POST', paths.refresh],
      ['POST', paths.logout],
      ['POST', paths.attempts],
      ['POST', (t: string) => paths.attemptRedeem(t, 'x'.repeat(22))],
    ] as const) {
      const body = method === 'POST' ? {} : undefined;
      const known = await refusal(await h.sdk(path(TENANT), { method, body, jar, origin: EVIL }));
      const unknown = await refusal(await h.sdk(path('nosuch'), { method, body, jar, origin: EVIL }));
      assert.equal(known.code, 'origin_not_allowed', path(TENANT));
      assert.deepEqual(
        { ...unknown, message: unknown.message.replace('"nosuch"', `"${TENANT}"`) },
        known,
        path(TENANT),
      );
    }
  });

  it('gets no CORS grant on a preflight, so nothing that needs one is ever sent', async () => {
    for (const tenant of [TENANT, 'nosuch']) {
      const response = await h.app.request(`https://auth.test${paths.refresh(tenant)}`, {
        method: 'OPTIONS',
        headers: { origin: EVIL, 'access-control-request-method': 'POST' },
      });
      assert.equal(response.status, 403, tenant);
      assert.equal(response.headers.get('access-control-allow-origin'), null);
      assert.equal(response.headers.get('access-control-allow-credentials'), null);
    }
  });

  it('never echoes a malformed or opaque Origin', async () => {
    for (const origin of [
      'null',
      'https://evil.test/path',
      'javascript:alert(1)',
      'https://evil.test\u0000',
    ]) {
      const response = await h.sdk(paths.session(TENANT), { jar: new Jar(), origin: encodeURI(origin) });
      const body = await refusal(response);
      assert.equal(body.status, 403, origin);
      assert.equal(body.code, 'origin_not_allowed');
      assert.equal(body.allowOrigin, null);
      assert.match(body.message, /^This origin may not use tenant "acme"/);
    }
  });

  it('is named in the log with the tenant code, for the operator', async () => {
    const before = h.logs.length;
    await h.sdk(paths.session('nosuch'), { jar: new Jar(), origin: EVIL });
    await h.sdk(paths.session(TENANT), { jar: new Jar(), origin: EVIL });
    const lines = h.logs.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>);
    const refusals = lines.filter((line) => line.origin === EVIL);
    assert.deepEqual(
      refusals.map(({ level, tenant, msg }) => ({ level, tenant, msg })),
      [
        { level: 40, tenant: 'nosuch', msg: 'no such tenant (cross-origin request)' },
        { level: 40, tenant: TENANT, msg: 'origin not allowed for this tenant' },
      ],
    );
  });
});

describe('an origin that some tenant allows (an integrator)', () => {
  it('learns that a tenant code does not exist: 404 tenant_not_found, readable', async () => {
    const response = await h.sdk(paths.session('acmee'), { jar: new Jar() });
    assert.deepEqual(await refusal(response), {
      status: 404,
      code: 'tenant_not_found',
      message: 'There is no tenant "acmee"',
      allowOrigin: CX_ORIGIN,
      allowCredentials: 'true',
      vary: 'Origin',
      cookies: [],
    });
  });

  it('learns that another tenant does not allow it: 403 origin_not_allowed naming it, readable', async () => {
    const response = await h.sdk(paths.sessionStatus('beta'), { jar: new Jar() });
    const body = await refusal(response);
    assert.equal(body.status, 403);
    assert.equal(body.code, 'origin_not_allowed');
    assert.match(body.message, /^The origin https:\/\/cx\.test may not use tenant "beta"/);
    assert.equal(body.allowOrigin, CX_ORIGIN);
  });

  it('is recognised within ALLOWED_ORIGINS_TTL_MS of being allowed by another instance or the CLI', async () => {
    const origin = 'https://gamma.test';
    const before = await h.sdk(paths.session('nosuch'), { jar: new Jar(), origin });
    assert.equal(await errorCode(before), 'origin_not_allowed');
    await new TenantService(h.store, h.deps.keys, h.now).save(
      { code: 'gamma', displayName: 'Gamma', allowedOrigins: [origin] },
      'create',
    );
    // The tenant's own list is read fresh: the new origin may use it at once.
    assert.equal((await h.sdk(paths.sessionStatus('gamma'), { jar: new Jar(), origin })).status, 200);
    h.advance(ALLOWED_ORIGINS_TTL_MS);
    const after = await h.sdk(paths.session('nosuch'), { jar: new Jar(), origin });
    assert.equal(after.status, 404);
    assert.equal(await errorCode(after), 'tenant_not_found');
  });
});

describe('requests without a foreign Origin', () => {
  it('still get 404 tenant_not_found for an unknown tenant, with no CORS headers', async () => {
    const response = await h.app.request(`https://auth.test${paths.session('nosuch')}`);
    assert.equal(response.status, 404);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    assert.equal(await errorCode(response), 'tenant_not_found');
  });
});
