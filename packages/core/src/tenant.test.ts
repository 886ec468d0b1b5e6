import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { DeskgateError } from './errors.ts';
import {
  ACCESS_TTL_SECONDS,
  isAllowedOrigin,
  isLoopbackHost,
  parseOrigin,
  parseTenantConfig,
  redactTenant,
  SESSION_TTL_SECONDS,
  type TenantConfig,
} from './tenant.ts';

const provider = () => ({
  issuer: 'https://idp.example.com',
  clientId: 'deskgate-client',
  clientSecret: 'client-secret-value',
});

const tenant = (overrides: Record<string, unknown> = {}) => ({
  code: 'acme',
  allowedOrigins: ['https://cx.example.com'],
  oidc: [provider()],
  ...overrides,
});

const withProvider = (overrides: Record<string, unknown>) =>
  tenant({ oidc: [{ ...provider(), ...overrides }] });

/** Asserts a validation_failed DeskgateError whose message starts with the offending field path. */
function rejects(input: unknown, path: string) {
  assert.throws(
    () => parseTenantConfig(input),
    (e: unknown) => {
      assert.ok(e instanceof DeskgateError, `expected a DeskgateError, got ${String(e)}`);
      assert.equal(e.code, 'validation_failed');
      assert.equal(e.status, 400);
      assert.ok(e.message.startsWith(`${path}: `), `"${e.message}" does not name ${path}`);
      return true;
    },
  );
}

describe('parseTenantConfig', () => {
  it('fills the documented defaults', () => {
    assert.deepEqual(parseTenantConfig(tenant()), {
      code: 'acme',
      displayName: 'acme',
      allowedOrigins: ['https://cx.example.com'],
      oidc: [
        {
          id: 'sso',
          displayName: 'Single sign-on',
          issuer: 'https://idp.example.com',
          clientId: 'deskgate-client',
          clientSecret: 'client-secret-value',
          scopes: ['openid', 'email', 'profile'],
          extraAuthParams: {},
          roleClaim: 'roles',
          roleIam: false,
          requireRoles: false,
        },
      ],
      sessions: { accessTtlSeconds: 900, sessionTtlSeconds: 86400 },
      platformJwt: { profiles: {}, requireSignedUserInfo: false, allowUserCreation: true, groupRoles: {} },
      apiKeys: { enabled: true },
      outboundLinks: { ttlSeconds: 300, targets: [] },
      magicLink: { enabled: false, ttlSeconds: 600, approverEmails: [] },
      trial: { enabled: false, seats: 10, invitedEmails: [] },
      scim: { groupRoles: {} },
    });
    assert.equal(ACCESS_TTL_SECONDS, 900);
    assert.equal(SESSION_TTL_SECONDS, 86400);
  });

  it('accepts a tenant without origins or providers', () => {
    const t = parseTenantConfig({ code: 'abc' });
    assert.deepEqual(t.allowedOrigins, []);
    assert.deepEqual(t.oidc, []);
  });

  it('keeps explicit values', () => {
    const t = parseTenantConfig(
      tenant({
        displayName: 'Acme Corp',
        oidc: [
          {
            ...provider(),
            id: 'azure-ad',
            displayName: 'Acme Entra ID',
            scopes: ['openid', 'email'],
            extraAuthParams: { prompt: 'select_account' },
            roleClaim: 'groups',
            idTokenSigningAlgs: ['RS256', 'ES256'],
          },
        ],
        sessions: { accessTtlSeconds: 300, sessionTtlSeconds: 3600 },
      }),
    );
    assert.equal(t.displayName, 'Acme Corp');
    const p = t.oidc[0]!;
    assert.equal(p.id, 'azure-ad');
    assert.equal(p.displayName, 'Acme Entra ID');
    assert.deepEqual(p.scopes, ['openid', 'email']);
    assert.deepEqual(p.extraAuthParams, { prompt: 'select_account' });
    assert.equal(p.roleClaim, 'groups');
    assert.deepEqual(p.idTokenSigningAlgs, ['RS256', 'ES256']);
    assert.deepEqual(t.sessions, { accessTtlSeconds: 300, sessionTtlSeconds: 3600 });
  });

  it('accepts a single provider object in place of an array', () => {
    const t = parseTenantConfig(tenant({ oidc: provider() }));
    assert.equal(t.oidc.length, 1);
    assert.equal(t.oidc[0]!.id, 'sso');
  });

  it('accepts an already encrypted client secret instead of a plaintext one', () => {
    const { clientSecret: _omit, ...rest } = provider();
    const t = parseTenantConfig(tenant({ oidc: [{ ...rest, clientSecretEncrypted: 'enc.v1.iv.data' }] }));
    assert.equal(t.oidc[0]!.clientSecretEncrypted, 'enc.v1.iv.data');
    assert.equal(t.oidc[0]!.clientSecret, undefined);
  });

  it('rejects input that is not an object', () => {
    rejects(null, 'tenant');
    rejects('acme', 'tenant');
  });

  for (const code of ['AB', 'ab', 'a-b', 'Acme', 'ac me', 'acmé', '']) {
    it(`rejects the tenant code ${JSON.stringify(code)}`, () => {
      rejects(tenant({ code }), 'tenant.code');
    });
  }

  it('rejects a missing tenant code', () => {
    rejects({ allowedOrigins: [] }, 'tenant.code');
  });

  it('accepts a tenant code of three lowercase letters or digits', () => {
    assert.equal(parseTenantConfig(tenant({ code: 'a1b' })).code, 'a1b');
  });

  for (const origin of [
    'https://cx.example.com/app',
    'https://cx.example.com/',
    'https://cx.example.com?x=1',
    'https://CX.example.com',
    'https://cx.example.com:443',
    'cx.example.com',
    'ftp://cx.example.com',
    'null',
    '*',
  ]) {
    it(`rejects the non-exact origin ${JSON.stringify(origin)}`, () => {
      rejects(tenant({ allowedOrigins: ['https://ok.example.com', origin] }), 'tenant.allowedOrigins[1]');
    });
  }

  it('rejects a wildcard origin', () => {
    rejects(tenant({ allowedOrigins: ['https://*.example.com'] }), 'tenant.allowedOrigins[0]');
  });

  it('rejects allowedOrigins that is not an array', () => {
    rejects(tenant({ allowedOrigins: 'https://cx.example.com' }), 'tenant.allowedOrigins');
  });

  it('accepts exact origins with a non-default port and loopback http', () => {
    const origins = ['https://cx.example.com:8443', 'http://localhost:5173', 'http://127.0.0.1:3000'];
    assert.deepEqual(parseTenantConfig(tenant({ allowedOrigins: origins })).allowedOrigins, origins);
  });

  it('takes role-based IAM, require roles and a role lookup per provider', () => {
    const [p] = parseTenantConfig(
      withProvider({
        roleIam: true,
        requireRoles: true,
        roleClaim: 'role_name',
        roleLookup: { kind: 'genesys-cloud', apiBaseUrl: 'https://api.mypurecloud.com' },
      }),
    ).oidc;
    assert.equal(p?.roleIam, true);
    assert.equal(p?.requireRoles, true);
    assert.equal(p?.roleClaim, 'role_name');
    assert.equal(p?.roleLookup?.kind, 'genesys-cloud');
  });

  it('rejects require roles without role-based IAM, and flags that are not booleans', () => {
    rejects(withProvider({ requireRoles: true }), 'tenant.oidc[0].requireRoles');
    rejects(withProvider({ roleIam: 'yes' }), 'tenant.oidc[0].roleIam');
    rejects(withProvider({ roleLookup: { kind: 'okta' } }), 'tenant.oidc[0].roleLookup.kind');
  });

  it('accepts a plain OAuth2 provider (no openid scope) only with a role lookup and both endpoints', () => {
    const genesys = {
      scopes: [],
      authorizationEndpoint: 'https://login.mypurecloud.com/oauth/authorize',
      tokenEndpoint: 'https://login.mypurecloud.com/oauth/token',
      roleLookup: { kind: 'genesys-cloud', apiBaseUrl: 'https://api.mypurecloud.com' },
    };
    assert.deepEqual(parseTenantConfig(withProvider(genesys)).oidc[0]?.scopes, []);
    rejects(withProvider({ ...genesys, roleLookup: undefined }), 'tenant.oidc[0].scopes');
    rejects(withProvider({ ...genesys, tokenEndpoint: undefined }), 'tenant.oidc[0]');
  });

  it('rejects an http issuer on a non-loopback host', () => {
    rejects(withProvider({ issuer: 'http://idp.example.com' }), 'tenant.oidc[0].issuer');
  });

  it('rejects an http issuer on a host that only starts like a loopback name', () => {
    rejects(withProvider({ issuer: 'http://localhost.example.com' }), 'tenant.oidc[0].issuer');
    rejects(withProvider({ issuer: 'http://127.0.0.1.example.com' }), 'tenant.oidc[0].issuer');
  });

  it('accepts an http issuer on loopback development hosts', () => {
    for (const issuer of ['http://127.0.0.1:9000', 'http://localhost:9000/oidc', 'http://[::1]:9000']) {
      assert.equal(parseTenantConfig(withProvider({ issuer })).oidc[0]!.issuer, issuer);
    }
  });

  it('rejects an issuer that is not an absolute URL', () => {
    rejects(withProvider({ issuer: 'idp.example.com' }), 'tenant.oidc[0].issuer');
  });

  it('rejects a missing issuer and client id', () => {
    const { issuer: _i, ...noIssuer } = provider();
    rejects(tenant({ oidc: [noIssuer] }), 'tenant.oidc[0].issuer');
    const { clientId: _c, ...noClient } = provider();
    rejects(tenant({ oidc: [noClient] }), 'tenant.oidc[0].clientId');
  });

  for (const key of [
    'client_id',
    'redirect_uri',
    'response_type',
    'state',
    'nonce',
    'scope',
    'code_challenge',
    'code_challenge_method',
  ]) {
    it(`rejects the reserved extraAuthParams key ${key}`, () => {
      rejects(
        withProvider({ extraAuthParams: { prompt: 'login', [key]: 'x' } }),
        `tenant.oidc[0].extraAuthParams.${key}`,
      );
    });
  }

  it('rejects extraAuthParams with non-string values', () => {
    rejects(withProvider({ extraAuthParams: { max_age: 0 } }), 'tenant.oidc[0].extraAuthParams');
  });

  it('rejects extraAuthParams given as an array', () => {
    rejects(withProvider({ extraAuthParams: ['prompt=login'] }), 'tenant.oidc[0].extraAuthParams');
  });

  it('rejects sessions that is not an object', () => {
    rejects(tenant({ sessions: 'short' }), 'tenant.sessions');
  });

  for (const present of [
    ['authorizationEndpoint'],
    ['tokenEndpoint'],
    ['jwksUri'],
    ['authorizationEndpoint', 'tokenEndpoint'],
    ['tokenEndpoint', 'jwksUri'],
  ]) {
    it(`rejects partial explicit endpoints (${present.join(', ')})`, () => {
      const endpoints = Object.fromEntries(present.map((k) => [k, `https://idp.example.com/${k}`]));
      rejects(withProvider(endpoints), 'tenant.oidc[0]');
    });
  }

  it('accepts a complete set of explicit endpoints', () => {
    const p = parseTenantConfig(
      withProvider({
        authorizationEndpoint: 'https://idp.example.com/authorize',
        tokenEndpoint: 'https://idp.example.com/token',
        jwksUri: 'https://idp.example.com/jwks',
        userinfoEndpoint: 'https://idp.example.com/userinfo',
      }),
    ).oidc[0]!;
    assert.equal(p.authorizationEndpoint, 'https://idp.example.com/authorize');
    assert.equal(p.tokenEndpoint, 'https://idp.example.com/token');
    assert.equal(p.jwksUri, 'https://idp.example.com/jwks');
    assert.equal(p.userinfoEndpoint, 'https://idp.example.com/userinfo');
  });

  it('rejects an http explicit endpoint on a non-loopback host', () => {
    rejects(
      withProvider({
        authorizationEndpoint: 'https://idp.example.com/authorize',
        tokenEndpoint: 'http://idp.example.com/token',
        jwksUri: 'https://idp.example.com/jwks',
      }),
      'tenant.oidc[0].tokenEndpoint',
    );
  });

  for (const [key, value] of [
    ['accessTtlSeconds', 59],
    ['accessTtlSeconds', 3601],
    ['accessTtlSeconds', 900.5],
    ['accessTtlSeconds', '900'],
    ['sessionTtlSeconds', 299],
    ['sessionTtlSeconds', 30 * 24 * 60 * 60 + 1],
  ] as const) {
    it(`rejects sessions.${key} = ${JSON.stringify(value)}`, () => {
      rejects(tenant({ sessions: { [key]: value } }), `tenant.sessions.${key}`);
    });
  }

  it('accepts the ttl range boundaries', () => {
    const low = parseTenantConfig(tenant({ sessions: { accessTtlSeconds: 60, sessionTtlSeconds: 300 } }));
    assert.deepEqual(low.sessions, { accessTtlSeconds: 60, sessionTtlSeconds: 300 });
    const high = parseTenantConfig(
      tenant({ sessions: { accessTtlSeconds: 3600, sessionTtlSeconds: 2592000 } }),
    );
    assert.deepEqual(high.sessions, { accessTtlSeconds: 3600, sessionTtlSeconds: 2592000 });
  });

  it('reads outboundLinks: TTL 10 s to 1 h (default 300 s), paths and http(s) URLs as targets', () => {
    assert.deepEqual(parseTenantConfig(tenant()).outboundLinks, { ttlSeconds: 300, targets: [] });
    const set = parseTenantConfig(
      tenant({
        outboundLinks: { ttlSeconds: 3600, targets: ['/reports/', 'https://auth.example.com/help'] },
      }),
    );
    assert.deepEqual(set.outboundLinks, {
      ttlSeconds: 3600,
      targets: ['/reports/', 'https://auth.example.com/help'],
    });
    assert.equal(
      parseTenantConfig(tenant({ outboundLinks: { ttlSeconds: 10 } })).outboundLinks.ttlSeconds,
      10,
    );
  });

  for (const [value, path] of [
    [[], 'tenant.outboundLinks'],
    [{ ttlSeconds: 9 }, 'tenant.outboundLinks.ttlSeconds'],
    [{ ttlSeconds: 3601 }, 'tenant.outboundLinks.ttlSeconds'],
    [{ ttlSeconds: '300' }, 'tenant.outboundLinks.ttlSeconds'],
    [{ targets: '/reports/' }, 'tenant.outboundLinks.targets'],
    [{ targets: ['//evil.example/'] }, 'tenant.outboundLinks.targets[0]'],
    [{ targets: ['/\\evil.example'] }, 'tenant.outboundLinks.targets[0]'],
    [{ targets: ['/ok', 'javascript:alert(1)'] }, 'tenant.outboundLinks.targets[1]'],
    [{ targets: ['https://user@auth.example.com/x'] }, 'tenant.outboundLinks.targets[0]'],
    [{ targets: [42] }, 'tenant.outboundLinks.targets[0]'],
    [{ ttl: 300 }, 'tenant.outboundLinks.ttl'],
  ] as const) {
    it(`rejects outboundLinks ${JSON.stringify(value)}`, () => {
      rejects(tenant({ outboundLinks: value }), path);
    });
  }

  it('reads magicLink: off by default, TTL 60 s to 1 h (default 600 s), normalised approver emails', () => {
    assert.deepEqual(parseTenantConfig(tenant()).magicLink, {
      enabled: false,
      ttlSeconds: 600,
      approverEmails: [],
    });
    const set = parseTenantConfig(
      tenant({ magicLink: { enabled: true, ttlSeconds: 60, approverEmails: [' Boss@Example.com '] } }),
    );
    assert.deepEqual(set.magicLink, { enabled: true, ttlSeconds: 60, approverEmails: ['boss@example.com'] });
  });

  for (const [value, path] of [
    [true, 'tenant.magicLink'],
    [{ enabled: 'yes' }, 'tenant.magicLink.enabled'],
    [{ ttlSeconds: 59 }, 'tenant.magicLink.ttlSeconds'],
    [{ ttlSeconds: 3601 }, 'tenant.magicLink.ttlSeconds'],
    [{ approverEmails: 'boss@example.com' }, 'tenant.magicLink.approverEmails'],
    [{ approverEmails: ['boss'] }, 'tenant.magicLink.approverEmails[0]'],
    [{ approvers: [] }, 'tenant.magicLink.approvers'],
  ] as const) {
    it(`rejects magicLink ${JSON.stringify(value)}`, () => {
      rejects(tenant({ magicLink: value }), path);
    });
  }

  it('rejects a provider without clientSecret or clientSecretEncrypted', () => {
    const { clientSecret: _omit, ...rest } = provider();
    rejects(tenant({ oidc: [rest] }), 'tenant.oidc[0].clientSecret');
  });

  it('rejects an empty clientSecret', () => {
    rejects(withProvider({ clientSecret: '  ' }), 'tenant.oidc[0].clientSecret');
  });

  it('rejects scopes without openid', () => {
    rejects(withProvider({ scopes: ['email', 'profile'] }), 'tenant.oidc[0].scopes');
  });

  it('rejects a provider id with capitals or underscores', () => {
    rejects(withProvider({ id: 'Azure_AD' }), 'tenant.oidc[0].id');
  });

  it('rejects duplicate provider ids', () => {
    rejects(tenant({ oidc: [provider(), { ...provider(), clientId: 'other' }] }), 'tenant.oidc');
  });

  it('names the index of the failing provider', () => {
    rejects(
      tenant({ oidc: [provider(), { ...provider(), id: 'two', issuer: 'http://idp.example.com' }] }),
      'tenant.oidc[1].issuer',
    );
  });

  it('uses the given root path in error messages', () => {
    assert.throws(() => parseTenantConfig({ code: 'AB' }, 'seed.tenants[2]'), {
      code: 'validation_failed',
      message: /^seed\.tenants\[2\]\.code: /,
    });
  });

  it('does not echo the client secret in error messages', () => {
    assert.throws(
      () =>
        parseTenantConfig(withProvider({ clientSecret: 'super-secret-1', issuer: 'http://idp.example.com' })),
      (e: unknown) => e instanceof DeskgateError && !e.message.includes('super-secret-1'),
    );
  });
});

describe('parseOrigin', () => {
  it('returns an exact origin unchanged', () => {
    assert.equal(parseOrigin('https://cx.example.com', 'o'), 'https://cx.example.com');
  });

  it('rejects a non-string with the given path', () => {
    assert.throws(() => parseOrigin(42, 'o.x'), { code: 'validation_failed', message: /^o\.x: / });
  });
});

describe('isLoopbackHost', () => {
  it('recognises localhost, 127.0.0.0/8 and [::1]', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]'])
      assert.equal(isLoopbackHost(host), true, host);
  });

  it('rejects other hosts', () => {
    for (const host of ['example.com', '10.0.0.1', 'localhost.example.com', '127.0.0.1.example.com', '::1']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});

describe('redactTenant', () => {
  const parsed = (): TenantConfig =>
    parseTenantConfig(
      tenant({
        oidc: [
          { ...provider(), id: 'one', clientSecret: 'plain-secret-1' },
          { ...provider(), id: 'two', clientSecret: undefined, clientSecretEncrypted: 'enc.v1.iv.sealed-2' },
        ],
      }),
    );

  it('hides clientSecret and clientSecretEncrypted behind a marker', () => {
    const redacted = redactTenant(parsed());
    for (const p of redacted.oidc) {
      assert.equal(p.clientSecret, '(encrypted)');
      assert.equal('clientSecretEncrypted' in p, false);
    }
    const json = JSON.stringify(redacted);
    assert.equal(json.includes('plain-secret-1'), false);
    assert.equal(json.includes('sealed-2'), false);
  });

  it('keeps every other field', () => {
    const original = parsed();
    const redacted = redactTenant(original);
    assert.equal(redacted.code, 'acme');
    assert.deepEqual(redacted.allowedOrigins, original.allowedOrigins);
    assert.deepEqual(redacted.sessions, original.sessions);
    assert.deepEqual(
      redacted.oidc.map((p) => [p.id, p.issuer, p.clientId]),
      [
        ['one', 'https://idp.example.com', 'deskgate-client'],
        ['two', 'https://idp.example.com', 'deskgate-client'],
      ],
    );
  });

  it('leaves the original tenant untouched', () => {
    const original = parsed();
    redactTenant(original);
    assert.equal(original.oidc[0]!.clientSecret, 'plain-secret-1');
    assert.equal(original.oidc[1]!.clientSecretEncrypted, 'enc.v1.iv.sealed-2');
  });
});

describe('isAllowedOrigin', () => {
  const t = parseTenantConfig(
    tenant({ allowedOrigins: ['https://cx.example.com', 'http://localhost:5173'] }),
  );

  it('accepts an origin on the list', () => {
    assert.equal(isAllowedOrigin(t, 'https://cx.example.com'), true);
    assert.equal(isAllowedOrigin(t, 'http://localhost:5173'), true);
  });

  for (const origin of [
    'https://cx.example.com/',
    'https://CX.example.com',
    'http://cx.example.com',
    'https://cx.example.com:443',
    'https://evil.cx.example.com',
    'https://cx.example.com.evil.com',
    'http://localhost:5174',
    'null',
    '',
  ]) {
    it(`rejects the near miss ${JSON.stringify(origin)}`, () => {
      assert.equal(isAllowedOrigin(t, origin), false);
    });
  }

  it('rejects a missing Origin header', () => {
    assert.equal(isAllowedOrigin(t, null), false);
    assert.equal(isAllowedOrigin(t, undefined), false);
  });
});
