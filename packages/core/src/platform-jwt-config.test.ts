import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { DeskgateError } from './errors.ts';
import {
  DEFAULT_PLATFORM_JWT,
  isJsonPointer,
  JWKS_ALGORITHMS,
  JWT_PROFILES,
  parsePlatformJwtConfig,
} from './platform-jwt-config.ts';

const PATH = 'tenant.platformJwt';
const parse = (input: unknown) => parsePlatformJwtConfig(input, PATH);

/** Asserts a validation_failed DeskgateError whose message starts with the offending field path. */
function rejects(input: unknown, path: string) {
  assert.throws(
    () => parse(input),
    (e: unknown) => {
      assert.ok(e instanceof DeskgateError, `expected a DeskgateError, got ${String(e)}`);
      assert.equal(e.code, 'validation_failed');
      assert.ok(e.message.startsWith(`${path}: `), `"${e.message}" does not name ${path}`);
      return true;
    },
  );
}

const session = (profile: Record<string, unknown>) => ({ profiles: { session: profile } });
const oneTime = (profile: Record<string, unknown>) => ({ profiles: { 'one-time': profile } });

describe('parsePlatformJwtConfig', () => {
  it('absent means the defaults: no profile, optional JWT, users created on first use', () => {
    assert.deepEqual(parse(undefined), DEFAULT_PLATFORM_JWT);
    assert.deepEqual(parse({}), {
      profiles: {},
      requireSignedUserInfo: false,
      allowUserCreation: true,
      groupRoles: {},
    });
    assert.deepEqual(JWT_PROFILES, ['session', 'one-time']);
  });

  it('the tracebuzz preset maps identity.* and keeps a one-day default lifetime', () => {
    const config = parse(session({ preset: 'tracebuzz', account: 'platform-a' }));
    assert.deepEqual(config.profiles.session, {
      preset: 'tracebuzz',
      claims: { id: '/identity/user_id', email: '/identity/user_email', name: '/identity/user_name' },
      account: 'platform-a',
      maxLifetimeSeconds: 86400,
    });
  });

  it('the messenger preset maps every Messenger field', () => {
    const config = parse(session({ preset: 'messenger' }));
    assert.deepEqual(config.profiles.session?.claims, {
      id: '/deskpro_id',
      email: '/email',
      emails: '/emails',
      name: '/name',
      firstName: '/first_name',
      lastName: '/last_name',
      groups: '/usergroup_ids',
    });
  });

  it('the deskpro preset is a one-time profile with a five-minute lifetime', () => {
    const config = parse(oneTime({ preset: 'deskpro' }));
    assert.deepEqual(config.profiles['one-time'], {
      preset: 'deskpro',
      claims: { id: '/id', email: '/email', name: '/name', firstName: '/first_name', lastName: '/last_name' },
      maxLifetimeSeconds: 300,
    });
  });

  it("lays the operator's claims over the preset's; null removes an entry", () => {
    const config = parse(session({ preset: 'messenger', claims: { id: '/sub', groups: null } }));
    const claims = config.profiles.session!.claims;
    assert.equal(claims.id, '/sub');
    assert.equal(claims.email, '/email');
    assert.equal('groups' in claims, false);
  });

  it('custom takes only the given claims, and is the preset when none is named', () => {
    const config = parse(session({ claims: { email: '/user/mail' } }));
    assert.deepEqual(config.profiles.session, {
      preset: 'custom',
      claims: { email: '/user/mail' },
      maxLifetimeSeconds: 86400,
    });
  });

  it('takes audience (string or array), issuer, typ and a lifetime', () => {
    const config = parse(
      session({
        preset: 'custom',
        claims: { id: '/sub' },
        audience: 'deskgate',
        issuer: 'https://platform.example.com',
        typ: 'JWT',
        maxLifetimeSeconds: 3600,
      }),
    );
    assert.deepEqual(config.profiles.session, {
      preset: 'custom',
      claims: { id: '/sub' },
      audience: ['deskgate'],
      issuer: 'https://platform.example.com',
      typ: 'JWT',
      maxLifetimeSeconds: 3600,
    });
    assert.deepEqual(
      parse(session({ claims: { id: '/sub' }, audience: ['a', 'b'] })).profiles.session?.audience,
      ['a', 'b'],
    );
  });

  it('a JWKS profile allows the four asymmetric algorithms unless narrowed', () => {
    const all = parse(session({ claims: { id: '/sub' }, jwksUri: 'https://platform.example.com/jwks.json' }));
    assert.deepEqual(all.profiles.session?.algorithms, JWKS_ALGORITHMS);
    const narrowed = parse(
      session({
        claims: { id: '/sub' },
        jwksUri: 'http://localhost:8080/jwks',
        algorithms: ['ES256', 'EdDSA'],
      }),
    );
    assert.deepEqual(narrowed.profiles.session?.algorithms, ['ES256', 'EdDSA']);
  });

  it('takes group roles, user creation, signed-user-info and remote login', () => {
    const config = parse({
      profiles: { session: { preset: 'messenger' }, 'one-time': { preset: 'deskpro' } },
      requireSignedUserInfo: true,
      allowUserCreation: false,
      groupRoles: { '3': ['deepdesk.editor'], '4': ['deepdesk.manager', 'deepdesk.agent'] },
      remoteLogin: {
        url: 'https://intranet.example.com/deskgate-login',
        returnUrls: ['https://auth.example.com/t/acme/auth/remote/return'],
        logoutRedirectUrl: 'https://intranet.example.com/',
      },
    });
    assert.equal(config.requireSignedUserInfo, true);
    assert.equal(config.allowUserCreation, false);
    assert.deepEqual(config.groupRoles, {
      '3': ['deepdesk.editor'],
      '4': ['deepdesk.manager', 'deepdesk.agent'],
    });
    assert.equal(config.remoteLogin?.url, 'https://intranet.example.com/deskgate-login');
    assert.equal(config.remoteLogin?.logoutRedirectUrl, 'https://intranet.example.com/');
  });

  it('keeps a group named __proto__ as a plain key', () => {
    const config = parse(JSON.parse('{"groupRoles":{"__proto__":["deepdesk.editor"]}}'));
    assert.ok(Object.hasOwn(config.groupRoles, '__proto__'));
    assert.equal(Object.getPrototypeOf(config.groupRoles), Object.prototype);
  });

  describe('rejects, naming the field', () => {
    it('a preset on the wrong profile', () => {
      rejects(session({ preset: 'deskpro' }), `${PATH}.profiles.session.preset`);
      rejects(oneTime({ preset: 'tracebuzz' }), `${PATH}.profiles.one-time.preset`);
      rejects(oneTime({ preset: 'messenger' }), `${PATH}.profiles.one-time.preset`);
    });
    it('an unknown preset', () => rejects(session({ preset: 'okta' }), `${PATH}.profiles.session.preset`));
    it('a claim that is not an RFC 6901 pointer', () => {
      for (const pointer of ['sub', '', '/a~2', '/a~', 7]) {
        rejects(session({ claims: { id: pointer } }), `${PATH}.profiles.session.claims.id`);
      }
    });
    it('a mapping that names no user', () =>
      rejects(session({ preset: 'custom', claims: { name: '/name' } }), `${PATH}.profiles.session.claims`));
    it('an unknown claim field', () =>
      rejects(session({ claims: { id: '/sub', phone: '/phone' } }), `${PATH}.profiles.session.claims.phone`));
    it('an unknown role', () => rejects({ groupRoles: { '3': ['deepdesk.admin'] } }, `${PATH}.groupRoles.3`));
    it('roles that are not an array', () =>
      rejects({ groupRoles: { '3': 'deepdesk.editor' } }, `${PATH}.groupRoles.3`));
    it('a jwksUri over http to a public host, or not a URL', () => {
      rejects(
        session({ claims: { id: '/sub' }, jwksUri: 'http://platform.example.com/jwks' }),
        `${PATH}.profiles.session.jwksUri`,
      );
      rejects(
        session({ claims: { id: '/sub' }, jwksUri: 'ftp://platform.example.com/jwks' }),
        `${PATH}.profiles.session.jwksUri`,
      );
      rejects(session({ claims: { id: '/sub' }, jwksUri: 'jwks.json' }), `${PATH}.profiles.session.jwksUri`);
    });
    it('algorithms outside the four, or without jwksUri', () => {
      const jwksUri = 'https://platform.example.com/jwks';
      rejects(
        session({ claims: { id: '/sub' }, jwksUri, algorithms: ['HS256'] }),
        `${PATH}.profiles.session.algorithms`,
      );
      rejects(
        session({ claims: { id: '/sub' }, jwksUri, algorithms: [] }),
        `${PATH}.profiles.session.algorithms`,
      );
      rejects(
        session({ claims: { id: '/sub' }, algorithms: ['ES256'] }),
        `${PATH}.profiles.session.algorithms`,
      );
    });
    it('a lifetime above the profile maximum', () => {
      rejects(
        session({ claims: { id: '/sub' }, maxLifetimeSeconds: 7 * 86400 + 1 }),
        `${PATH}.profiles.session.maxLifetimeSeconds`,
      );
      rejects(
        oneTime({ preset: 'deskpro', maxLifetimeSeconds: 301 }),
        `${PATH}.profiles.one-time.maxLifetimeSeconds`,
      );
      rejects(
        oneTime({ preset: 'deskpro', maxLifetimeSeconds: 0 }),
        `${PATH}.profiles.one-time.maxLifetimeSeconds`,
      );
      rejects(
        oneTime({ preset: 'deskpro', maxLifetimeSeconds: 1.5 }),
        `${PATH}.profiles.one-time.maxLifetimeSeconds`,
      );
    });
    it('an account on another preset than tracebuzz', () =>
      rejects(session({ preset: 'messenger', account: 'x' }), `${PATH}.profiles.session.account`));
    it('an empty audience or issuer', () => {
      rejects(session({ claims: { id: '/sub' }, audience: [] }), `${PATH}.profiles.session.audience`);
      rejects(session({ claims: { id: '/sub' }, issuer: ' ' }), `${PATH}.profiles.session.issuer`);
    });
    it('unknown keys anywhere in the section', () => {
      rejects({ profile: {} }, `${PATH}.profile`);
      rejects({ profiles: { refresh: {} } }, `${PATH}.profiles.refresh`);
      rejects(session({ claims: { id: '/sub' }, secret: 'x' }), `${PATH}.profiles.session.secret`);
      rejects(
        { remoteLogin: { url: 'https://a.example', returnUrls: ['https://b.example'], extra: 1 } },
        `${PATH}.remoteLogin.extra`,
      );
    });
    it('a section, profile or claims that is not an object', () => {
      rejects('yes', PATH);
      rejects({ profiles: [] }, `${PATH}.profiles`);
      rejects(session(null as never), `${PATH}.profiles.session`);
      rejects(session({ claims: ['/sub'] }), `${PATH}.profiles.session.claims`);
    });
    it('booleans that are not booleans', () => {
      rejects({ allowUserCreation: 'no' }, `${PATH}.allowUserCreation`);
      rejects({ requireSignedUserInfo: 1 }, `${PATH}.requireSignedUserInfo`);
    });
    it('requireSignedUserInfo without any profile', () =>
      rejects({ requireSignedUserInfo: true }, `${PATH}.requireSignedUserInfo`));
    it('remote login with bad URLs, no return URL, or no one-time profile', () => {
      const base = { profiles: { 'one-time': { preset: 'deskpro' } } };
      const remote = {
        url: 'https://intranet.example.com/login',
        returnUrls: ['https://auth.example.com/r'],
      };
      rejects(
        { ...base, remoteLogin: { ...remote, url: 'http://intranet.example.com/login' } },
        `${PATH}.remoteLogin.url`,
      );
      rejects({ ...base, remoteLogin: { ...remote, returnUrls: [] } }, `${PATH}.remoteLogin.returnUrls`);
      rejects(
        { ...base, remoteLogin: { ...remote, returnUrls: ['/relative'] } },
        `${PATH}.remoteLogin.returnUrls[0]`,
      );
      rejects(
        { ...base, remoteLogin: { ...remote, logoutRedirectUrl: 'javascript:alert(1)' } },
        `${PATH}.remoteLogin.logoutRedirectUrl`,
      );
      rejects({ remoteLogin: remote }, `${PATH}.remoteLogin`);
    });
  });
});

describe('isJsonPointer', () => {
  it('accepts RFC 6901 pointers into the document and nothing else', () => {
    for (const p of ['/a', '/a/b', '/', '//', '/a~0b', '/a~1b', '/0', '/ü nicode'])
      assert.ok(isJsonPointer(p), p);
    for (const p of ['', 'a', 'a/b', '/a~', '/a~2', '/~x', 3, null]) assert.ok(!isJsonPointer(p), String(p));
  });
});
