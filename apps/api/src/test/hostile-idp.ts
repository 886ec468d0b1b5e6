// A hostile OpenID Provider for the relying-party conformance tests (rp-conformance.test.ts).
//
// Why purpose-built: the real provider the other tests sign in with (oidc-provider, via @deskgate/dev-idp)
// is a conformant OP. It signs every ID token correctly, with the right iss, aud, nonce and kid, and there is
// no switch to make it send an ID token without `sub`, sign with `alg: none`, HMAC with its public key, name
// an unknown kid or advertise one issuer and sign as another. Tampering with its answers on the way (a fetch
// wrapper) breaks the signature, so it cannot test a claim check behind a valid signature either. This
// provider is a few hundred lines of plain protocol whose every answer a test can bend, one fault at a time,
// in the spirit of the OpenID Foundation's RP certification tests.
//
// It serves discovery, a JWKS, an authorization endpoint that answers at once (302 back to the redirect URI
// with code, state and the RFC 9207 `iss`), a token endpoint (client_secret_basic, PKCE S256) and userinfo,
// on plain http on loopback (which our RP tolerates for loopback issuers only).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT } from 'jose';

/** The provider's signing keys: two RSA keys (rotation, several keys) and one P-256 key. */
export type KeyName = 'rs' | 'rs2' | 'es';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  publicJwk: JWK;
  /** The public key as PEM (SPKI): the HMAC secret of the key-confusion attack. */
  publicPem: string;
}

/** How the provider behaves as a whole: its metadata and the keys it publishes. Changeable mid-test. */
export interface ProviderSettings {
  /** The issuer its discovery document names. @default the provider's own issuer */
  discoveryIssuer?: string;
  /** id_token_signing_alg_values_supported. @default ['RS256', 'ES256'] */
  algs?: string[];
  /** authorization_response_iss_parameter_supported (RFC 9207). @default true */
  issParameterSupported?: boolean;
  /** What the JWKS holds: named keys, or raw JWK objects (broken ones included). @default ['rs', 'es'] */
  jwks?: (KeyName | Record<string, unknown>)[];
}

/** How the provider answers one sign-in: set with `next()` before the sign-in starts. */
export interface SignInFault {
  /** The key that signs the ID token. @default 'rs' */
  key?: KeyName;
  /** Merged over the correct claims; a value of `undefined` removes the claim. */
  claims?: Record<string, unknown>;
  /** Merged over the correct JOSE header ({ alg, kid, typ }); `undefined` removes a parameter. */
  header?: Record<string, unknown>;
  /**
   * How the ID token is signed: correctly; unsigned (`alg: none`); HS256 with the signing key's public PEM
   * as the HMAC secret (key confusion); HS256 with the client secret (valid OIDC, but an algorithm we do not
   * accept); or correctly and then one signature byte changed.
   * @default 'valid'
   */
  sign?: 'valid' | 'none' | 'hs256-with-public-key' | 'hs256-with-client-secret' | 'bad-signature';
  /** The authorization response's `iss`: another value, or `null` to leave it out. @default the issuer */
  authIss?: string | null;
  /** An authorization error response instead of a code (`access_denied`). */
  authError?: string;
  /** The token endpoint's answer instead of tokens. */
  tokenError?: { status: number; body: string; contentType: string };
  /** The `sub` userinfo answers with. @default the ID token's */
  userinfoSub?: string;
}

export interface HostileIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The subject of the correct ID token. */
  subject: string;
  /** Requests served, by endpoint: discovery, jwks, authorize, token, userinfo. */
  hits: Record<'discovery' | 'jwks' | 'authorize' | 'token' | 'userinfo', number>;
  /** The fault for the next sign-in (the next authorization request takes it). */
  next(fault: SignInFault): void;
  /** Changes the provider's settings (merged). */
  configure(settings: ProviderSettings): void;
  close(): Promise<void>;
}

/** Keys are slow to make (RSA): made once per test file and shared by every provider it starts. */
let keysOnce: Promise<Record<KeyName, SigningKey>> | undefined;
function signingKeys() {
  keysOnce ??= (async () => {
    const make = async (kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> => {
      const pair = await generateKeyPair(alg, { extractable: true });
      const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' };
      const publicPem = await exportSPKI(pair.publicKey);
      return { kid, alg, privateKey: pair.privateKey, publicJwk, publicPem };
    };
    const [rs, rs2, es] = await Promise.all([
      make('rs-1', 'RS256'),
      make('rs-2', 'RS256'),
      make('es-1', 'ES256'),
    ]);
    return { rs, rs2, es };
  })();
  return keysOnce;
}

const b64u = (value: string) => Buffer.from(value).toString('base64url');

interface Grant {
  clientId: string;
  redirectUri: string;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  fault: SignInFault;
}

export async function startHostileIdp(options?: {
  clientId?: string;
  clientSecret?: string;
  settings?: ProviderSettings;
}): Promise<HostileIdp> {
  const keys = await signingKeys();
  const clientId = options?.clientId ?? 'hostile-client';
  const clientSecret = options?.clientSecret ?? 'hostile-client-secret-0123456789';
  const subject = 'hostile-subject-1';
  let settings: ProviderSettings = { ...options?.settings };
  let pending: SignInFault = {};
  const grants = new Map<string, Grant>();
  const accessTokens = new Map<string, SignInFault>();
  const hits: HostileIdp['hits'] = { discovery: 0, jwks: 0, authorize: 0, token: 0, userinfo: 0 };
  let issuer = '';

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  async function idToken(grant: Grant): Promise<string> {
    const { fault } = grant;
    const key = keys[fault.key ?? 'rs'];
    const now = Math.floor(Date.now() / 1000);
    const claims = withOverrides(
      {
        iss: issuer,
        sub: subject,
        aud: grant.clientId,
        exp: now + 300,
        iat: now,
        nonce: grant.nonce,
        email: 'hostile.user@acme.test',
        name: 'Hostile User',
      },
      fault.claims,
    );
    const sign = fault.sign ?? 'valid';
    if (sign === 'none') {
      const header = withOverrides({ alg: 'none', typ: 'JWT' }, fault.header);
      return `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}.`;
    }
    if (sign === 'hs256-with-public-key' || sign === 'hs256-with-client-secret') {
      // The classic confusion: an RP that lets the token pick the algorithm would check this HMAC with the
      // "key" it found for the kid, the provider's public key, which anyone can download.
      const publicKey = sign === 'hs256-with-public-key';
      const header = withOverrides(
        publicKey ? { alg: 'HS256', kid: key.kid, typ: 'JWT' } : { alg: 'HS256', typ: 'JWT' },
        fault.header,
      );
      const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
      const secret = publicKey ? key.publicPem : clientSecret;
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    }
    const header = withOverrides({ alg: key.alg, kid: key.kid, typ: 'JWT' }, fault.header);
    const jwt = await new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
    if (sign === 'valid') return jwt;
    // A changed first character changes real signature bits (the last one may only be padding).
    const [h, p, s = ''] = jwt.split('.');
    return `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', issuer);
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /.well-known/openid-configuration':
        hits.discovery++;
        return json(res, 200, {
          issuer: settings.discoveryIssuer ?? issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          userinfo_endpoint: `${issuer}/userinfo`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: settings.algs ?? ['RS256', 'ES256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic'],
          authorization_response_iss_parameter_supported: settings.issParameterSupported ?? true,
        });
      case 'GET /jwks':
        hits.jwks++;
        return json(res, 200, {
          keys: (settings.jwks ?? ['rs', 'es']).map((k) => (typeof k === 'string' ? keys[k].publicJwk : k)),
        });
      case 'GET /authorize': {
        hits.authorize++;
        const q = url.searchParams;
        const redirectUri = q.get('redirect_uri');
        if (!redirectUri || q.get('client_id') !== clientId)
          return json(res, 400, { error: 'invalid_request' });
        const fault = pending;
        pending = {};
        const back = new URL(redirectUri);
        if (fault.authError) back.searchParams.set('error', fault.authError);
        else {
          const code = randomBytes(16).toString('base64url');
          grants.set(code, {
            clientId,
            redirectUri,
            nonce: q.get('nonce') ?? undefined,
            codeChallenge: q.get('code_challenge') ?? undefined,
            fault,
          });
          back.searchParams.set('code', code);
        }
        const state = q.get('state');
        if (state !== null) back.searchParams.set('state', state);
        const iss = fault.authIss === undefined ? issuer : fault.authIss;
        if (iss !== null) back.searchParams.set('iss', iss);
        res.writeHead(302, { location: back.href });
        return res.end();
      }
      case 'POST /token': {
        hits.token++;
        const form = new URLSearchParams(await body(req));
        if (!basicAuthMatches(req.headers.authorization, clientId, clientSecret))
          return json(res, 401, { error: 'invalid_client' });
        const code = form.get('code') ?? '';
        const grant = grants.get(code);
        grants.delete(code);
        if (grant?.fault.tokenError) {
          const { status, body: text, contentType } = grant.fault.tokenError;
          res.writeHead(status, { 'content-type': contentType });
          return res.end(text);
        }
        // The provider is hostile in its answers, not careless: PKCE and the redirect URI hold, so a test
        // failure means the RP accepted a bad answer, not that the exchange itself went astray.
        const verifier = form.get('code_verifier') ?? '';
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        if (
          !grant ||
          form.get('grant_type') !== 'authorization_code' ||
          form.get('redirect_uri') !== grant.redirectUri ||
          challenge !== grant.codeChallenge
        )
          return json(res, 400, { error: 'invalid_grant' });
        const accessToken = randomBytes(24).toString('base64url');
        accessTokens.set(accessToken, grant.fault);
        return json(res, 200, {
          access_token: accessToken,
          token_type: 'Bearer',
          expires_in: 300,
          id_token: await idToken(grant),
        });
      }
      case 'GET /userinfo': {
        hits.userinfo++;
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        const fault = token === undefined ? undefined : accessTokens.get(token);
        if (!fault) return json(res, 401, { error: 'invalid_token' });
        return json(res, 200, {
          sub: fault.userinfoSub ?? subject,
          email: 'someone.else@acme.test',
          name: 'Someone Else',
        });
      }
      default:
        return json(res, 404, { error: 'not_found' });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    clientId,
    clientSecret,
    subject,
    hits,
    next(fault) {
      pending = fault;
    },
    configure(next) {
      settings = { ...settings, ...next };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** `base` with `overrides` applied; an override of `undefined` removes the member. */
function withOverrides(base: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  const result: Record<string, unknown> = { ...base, ...overrides };
  for (const [name, value] of Object.entries(result)) if (value === undefined) delete result[name];
  return result;
}

/** client_secret_basic (RFC 6749 2.3.1): both halves form-urlencoded before the base64. */
function basicAuthMatches(header: string | undefined, clientId: string, clientSecret: string) {
  const encoded = /^Basic (.+)$/.exec(header ?? '')?.[1];
  if (!encoded) return false;
  const [user = '', password = ''] = Buffer.from(encoded, 'base64').toString('utf8').split(':');
  const decode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
  return decode(user) === clientId && decode(password) === clientSecret;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
