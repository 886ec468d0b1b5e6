// A FAKE of Genesys Cloud's "who am I" endpoint, for tests only: a small, faithful stand-in for
// `GET /api/v2/users/me` on loopback. Written from Genesys Cloud's public Platform API as described by the
// generated platform-client SDK docs (MyPureCloud/platform-client-sdk-python and -java, build/docs):
//   - UsersApi `get_users_me` / `getUsersMe`: GET /api/v2/users/me, "Get current user details", requires no
//     permissions, not valid with the Client Credentials grant; optional `expand` (a list; `authorization` and
//     `authorization.unusedRoles` among the values).
//   - UserMe model: `id`, `name`, `email`, `state` (active | inactive | deleted), `username`, `version`,
//     `division`, `authorization` (only when expanded), `selfUri`, ...
//   - UserAuthorization model: `roles` and `unusedRoles` (lists of DomainRole), `permissions` (strings).
//   - DomainRole model: `id`, `name`.
//   - ErrorBody model: `message`, `code`, `status`, `contextId`, `details`, `errors`, ...; an invalid token is
//     answered 401 with code `bad.credentials` ("Invalid login credentials."), and the API sends the request's
//     correlation id in the `ININ-Correlation-Id` response header.
// Only what deskgate's role lookup touches is modelled; nothing here is Genesys's own code or text.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeGenesysFailure = 'none' | 'error500' | 'unauthorized' | 'hang' | 'malformed';

export interface FakeGenesysCloud {
  /** The API's base URL, e.g. `http://127.0.0.1:41234` (the `apiBaseUrl` of a role lookup). */
  url: string;
  /** Makes `token` a valid bearer token for `user` (a UserMe body, `authorization` included). */
  addUser(token: string, user: object): void;
  setFailure(mode: FakeGenesysFailure): void;
  /** Every request received, in order. */
  requests: Array<{ path: string; query: string; authorization: string | undefined }>;
  /** Stops the server, dropping open connections (including hung requests). */
  close(): Promise<void>;
  /**
   * The login server's half (login.{region}: `/oauth/authorize`, `/oauth/token`), for a plain OAuth2 sign-in:
   * the next authorization signs in as the user that `token` belongs to (no login page), and the code it
   * gives exchanges for that token once, with PKCE S256 and client_secret_basic checked.
   */
  login: { client: { id: string; secret: string }; signInNextAs(token: string): void };
}

const USERS_ME = '/api/v2/users/me';
const AUTHORIZE = '/oauth/authorize';
const TOKEN = '/oauth/token';

/** An authorization code waiting for its token request. */
interface PendingCode {
  token: string;
  clientId: string;
  redirectUri: string;
  challenge: string;
}

function send(res: ServerResponse, status: number, body: string, contextId: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'inin-correlation-id': contextId,
  });
  res.end(body);
}

function errorBody(status: number, code: string, message: string, contextId: string): string {
  return JSON.stringify({ message, code, status, contextId, details: [], errors: [] });
}

/** The `expand` values of a query: repeated (`expand=a&expand=b`, as the SDKs send) or comma-separated. */
function expands(params: URLSearchParams): Set<string> {
  return new Set(
    params
      .getAll('expand')
      .flatMap((value) => value.split(','))
      .map((value) => value.trim())
      .filter(Boolean),
  );
}

/** The user as the API shows it: `authorization` only when expanded, `unusedRoles` only when asked for too. */
function present(user: Record<string, unknown>, expand: Set<string>): Record<string, unknown> {
  const { authorization, ...rest } = user;
  const shown: Record<string, unknown> = { ...rest };
  if (typeof rest.id === 'string' && rest.selfUri === undefined) shown.selfUri = `/api/v2/users/${rest.id}`;
  if (
    (expand.has('authorization') || expand.has('authorization.unusedRoles')) &&
    authorization !== undefined
  ) {
    const { unusedRoles, ...granted } = authorization as Record<string, unknown>;
    shown.authorization =
      expand.has('authorization.unusedRoles') && unusedRoles !== undefined
        ? { ...granted, unusedRoles }
        : granted;
  }
  return shown;
}

/**
 * `resolveToken`: the real API knows the access tokens its own login server issued. A test that signs in
 * through another login server (the dev IdP) passes how to learn whose token it is; addUser() covers the rest.
 */
export async function startFakeGenesysCloud(
  options: { resolveToken?: (token: string) => Promise<object | undefined> } = {},
): Promise<FakeGenesysCloud> {
  const users = new Map<string, Record<string, unknown>>();
  const requests: FakeGenesysCloud['requests'] = [];
  let failure: FakeGenesysFailure = 'none';

  const client = { id: 'fake-genesys-client', secret: randomUUID() };
  const codes = new Map<string, PendingCode>();
  let nextSignIn: string | undefined;

  /** GET /oauth/authorize: straight back to redirect_uri with a code (the user is taken as signed in). */
  const authorize = (url: URL, res: ServerResponse) => {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri') ?? '';
    if (
      q.get('client_id') !== client.id ||
      q.get('response_type') !== 'code' ||
      q.get('code_challenge_method') !== 'S256' ||
      !q.get('code_challenge') ||
      !redirectUri ||
      nextSignIn === undefined
    ) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad authorization request');
      return;
    }
    const code = randomUUID();
    codes.set(code, {
      token: nextSignIn,
      clientId: client.id,
      redirectUri,
      challenge: q.get('code_challenge')!,
    });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', q.get('state') ?? '');
    res.writeHead(302, { location: back.href }).end();
  };

  /** POST /oauth/token (authorization_code): the access token, once per code. */
  const tokenRequest = async (req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const form = new URLSearchParams(raw);
    // client_secret_basic: both halves form-urlencoded before base64 (RFC 6749, 2.3.1).
    const [id, secret] = Buffer.from(
      /^Basic (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '',
      'base64',
    )
      .toString()
      .split(':')
      .map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
    const pending = codes.get(form.get('code') ?? '');
    codes.delete(form.get('code') ?? '');
    const verifier = form.get('code_verifier') ?? '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const json = (status: number, body: object) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(text);
    };
    if (id !== client.id || secret !== client.secret) return json(401, { error: 'invalid_client' });
    if (
      form.get('grant_type') !== 'authorization_code' ||
      !pending ||
      pending.redirectUri !== form.get('redirect_uri') ||
      pending.challenge !== challenge
    )
      return json(400, { error: 'invalid_grant' });
    return json(200, { access_token: pending.token, token_type: 'bearer', expires_in: 86399 });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake-genesys.invalid');
    if (req.method === 'GET' && url.pathname === AUTHORIZE) return authorize(url, res);
    if (req.method === 'POST' && url.pathname === TOKEN) return tokenRequest(req, res);
    const authorization = req.headers.authorization;
    requests.push({ path: url.pathname, query: url.search.replace(/^\?/, ''), authorization });
    const contextId = randomUUID();
    if (failure === 'hang') return; // never answered; close() drops the connection
    if (req.method !== 'GET' || url.pathname !== USERS_ME) {
      send(
        res,
        404,
        errorBody(404, 'not.found', 'The requested resource was not found.', contextId),
        contextId,
      );
      return;
    }
    const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    const user =
      token === undefined
        ? undefined
        : (users.get(token) ??
          ((await options.resolveToken?.(token)) as Record<string, unknown> | undefined));
    if (failure === 'unauthorized' || user === undefined) {
      send(res, 401, errorBody(401, 'bad.credentials', 'Invalid login credentials.', contextId), contextId);
      return;
    }
    if (failure === 'error500') {
      send(
        res,
        500,
        errorBody(500, 'internal.server.error', 'The server encountered an internal error.', contextId),
        contextId,
      );
      return;
    }
    if (failure === 'malformed') {
      send(res, 200, '{"id":"truncated","authorization":{"roles":[', contextId);
      return;
    }
    send(res, 200, JSON.stringify(present(user, expands(url.searchParams))), contextId);
  };

  const server = createServer((req, res) => {
    // Other requests' bodies (none for GET) are drained so keep-alive connections stay usable.
    if (!(req.method === 'POST' && req.url?.startsWith(TOKEN))) req.resume();
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    addUser(token, user) {
      users.set(token, structuredClone(user) as Record<string, unknown>);
    },
    setFailure(mode) {
      failure = mode;
    },
    requests,
    login: {
      client,
      signInNextAs(token) {
        nextSignIn = token;
      },
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
