// The dev IdP behaves like the real IdP the API will meet: discovery, PKCE, sign-in, cancel, ID token claims.

import assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { DEMO_ACCOUNTS, type DevIdp, loginHeadless, startDevIdp } from './index.ts';

const CLIENT = { clientId: 'test-rp', clientSecret: 'test-secret', redirectUris: ['http://127.0.0.1:9/cb'] };
const POST_CLIENT = {
  clientId: 'test-rp-post',
  clientSecret: 'post-secret',
  redirectUris: ['http://127.0.0.1:9/cb'],
  tokenEndpointAuthMethod: 'client_secret_post' as const,
};

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  authorization_response_iss_parameter_supported?: boolean;
  code_challenge_methods_supported?: string[];
  response_types_supported?: string[];
  grant_types_supported?: string[];
  claims_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
}

let idp: DevIdp;
let discovery: Discovery;

beforeAll(async () => {
  idp = await startDevIdp({ port: 0, clients: [CLIENT, POST_CLIENT] });
  const response = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
  discovery = (await response.json()) as Discovery;
});

afterAll(() => idp.close());

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizationUrl(challenge: string | undefined, clientId = CLIENT.clientId): string {
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: CLIENT.redirectUris[0]!,
    response_type: 'code',
    scope: 'openid email profile',
    state: 'state-123',
    nonce: 'nonce-456',
    ...(challenge ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}),
  }).toString();
  return url.href;
}

async function exchange(code: string, verifier: string, client: typeof CLIENT | typeof POST_CLIENT = CLIENT) {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: CLIENT.redirectUris[0]!,
    code_verifier: verifier,
  });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client === POST_CLIENT) {
    body.set('client_id', client.clientId);
    body.set('client_secret', client.clientSecret);
  } else {
    headers.authorization = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
  }
  const response = await fetch(discovery.token_endpoint, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function verifiedIdTokenClaims(idToken: string): Promise<Record<string, unknown>> {
  const [header = '', payload = '', signature = ''] = idToken.split('.');
  const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as {
    kid: string;
    alg: string;
  };
  assert.equal(alg, 'RS256');
  const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: Array<{ kid: string }> };
  const jwk = jwks.keys.find((key) => key.kid === kid);
  assert.ok(jwk, 'signing key is published in the JWKS');
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  assert.ok(verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url')));
  return JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
}

describe('discovery', () => {
  test('advertises RFC 9207 iss, S256 only, code flow only, roles and both client_secret methods', () => {
    assert.equal(discovery.issuer, idp.issuer);
    assert.equal(discovery.authorization_response_iss_parameter_supported, true);
    assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(discovery.response_types_supported, ['code']);
    assert.deepEqual(discovery.grant_types_supported, ['authorization_code']);
    assert.ok(discovery.claims_supported?.includes('roles'));
    assert.deepEqual(discovery.token_endpoint_auth_methods_supported, [
      'client_secret_basic',
      'client_secret_post',
    ]);
  });
});

describe('sign-in', () => {
  test('valid credentials yield a code with state and iss, and the ID token carries email, name and roles', async () => {
    const { verifier, challenge } = pkce();
    const agent = DEMO_ACCOUNTS[0]!;
    const callback = await loginHeadless(authorizationUrl(challenge), {
      email: agent.email,
      password: agent.password,
    });

    assert.equal(`${callback.origin}${callback.pathname}`, CLIENT.redirectUris[0]);
    assert.equal(callback.searchParams.get('state'), 'state-123');
    assert.equal(callback.searchParams.get('iss'), idp.issuer);
    const code = callback.searchParams.get('code');
    assert.ok(code);

    const tokens = await exchange(code, verifier);
    assert.equal(tokens.status, 200);
    assert.equal(tokens.body.refresh_token, undefined);
    const claims = await verifiedIdTokenClaims(String(tokens.body.id_token));
    assert.equal(claims.iss, idp.issuer);
    assert.equal(claims.aud, CLIENT.clientId);
    assert.equal(claims.nonce, 'nonce-456');
    assert.equal(claims.sub, agent.sub);
    assert.equal(claims.email, 'agent@demo.test');
    assert.equal(claims.email_verified, true);
    assert.equal(claims.name, 'Ada Agent');
    assert.deepEqual(claims.roles, ['deepdesk.agent']);
  });

  test('the code is bound to the PKCE verifier', async () => {
    const { challenge } = pkce();
    const callback = await loginHeadless(authorizationUrl(challenge), {
      email: 'manager@demo.test',
      password: 'manager',
    });
    const tokens = await exchange(callback.searchParams.get('code')!, pkce().verifier);
    assert.equal(tokens.status, 400);
    assert.equal(tokens.body.error, 'invalid_grant');
  });

  test('a client registered for client_secret_post authenticates with it', async () => {
    const { verifier, challenge } = pkce();
    const callback = await loginHeadless(authorizationUrl(challenge, POST_CLIENT.clientId), {
      email: 'manager@demo.test',
      password: 'manager',
    });
    const tokens = await exchange(callback.searchParams.get('code')!, verifier, POST_CLIENT);
    assert.equal(tokens.status, 200);
    const claims = await verifiedIdTokenClaims(String(tokens.body.id_token));
    assert.deepEqual(claims.roles, ['deepdesk.manager']);
  });

  test('a wrong password re-renders the form with an error and yields no code', async () => {
    await assert.rejects(
      loginHeadless(authorizationUrl(pkce().challenge), { email: 'agent@demo.test', password: 'nope' }),
      /Wrong email or password/,
    );
  });

  test('cancel sends access_denied back to the relying party', async () => {
    const callback = await loginHeadless(authorizationUrl(pkce().challenge), 'cancel');
    assert.equal(`${callback.origin}${callback.pathname}`, CLIENT.redirectUris[0]);
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(callback.searchParams.get('state'), 'state-123');
    assert.equal(callback.searchParams.get('iss'), idp.issuer);
    assert.equal(callback.searchParams.get('code'), null);
  });

  test('a request without PKCE is refused', async () => {
    const callback = await loginHeadless(authorizationUrl(undefined), 'cancel');
    assert.equal(callback.searchParams.get('error'), 'invalid_request');
    assert.match(callback.searchParams.get('error_description') ?? '', /PKCE/);
  });
});

describe('login page', () => {
  test('is plain, labelled HTML under a strict CSP', async () => {
    const start = await fetch(authorizationUrl(pkce().challenge), { redirect: 'manual' });
    const location = start.headers.get('location') ?? '';
    assert.match(location, /^\/interaction\//);
    const cookie = start.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const page = await fetch(new URL(location, idp.issuer), { headers: { cookie } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await page.text();
    assert.match(html, /<label for="email">/);
    assert.match(html, /<input id="email"/);
    assert.match(html, /<label for="password">/);
    assert.match(html, /<input id="password"/);
    assert.match(html, />Sign in<\/button>/);
    assert.match(html, />Cancel<\/button>/);
    assert.doesNotMatch(html, /<script|https?:\/\/(?!127\.0\.0\.1)/);
  });
});
