// A real OpenID Provider (oidc-provider) that plays the CX platform's IdP in the demo and in tests.
/// <reference path="./oidc-provider.d.ts" />
// The reference carries our oidc-provider typings into programs that import this package (e2e, API tests).

import { createHash, generateKeyPair, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import Provider, { errors, type Interaction, type KoaContext } from 'oidc-provider';
import type { DevAccount } from './accounts.ts';
import { DEMO_ACCOUNTS } from './accounts.ts';
import { createMemoryAdapterFactory } from './memory-adapter.ts';
import { indexPage, loginPage, logoutPage, messagePage, PAGE_CSP } from './pages.ts';

export interface DevIdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** A registered client authenticates one way (oidc-provider enforces it); the OAuth default is basic. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
}

export interface DevIdpOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default http://{host}:{port}. An origin only: the provider's routes are served at the root. */
  issuer?: string;
  clients: DevIdpClient[];
  /** Default DEMO_ACCOUNTS. */
  accounts?: readonly DevAccount[];
}

export interface DevIdp {
  issuer: string;
  close(): Promise<void>;
}

const generateKeyPairAsync = promisify(generateKeyPair);

const INTERACTION_PATH = /^\/interaction\/([\w-]+)(\/login)?$/;
const MAX_FORM_BYTES = 16 * 1024;

export async function startDevIdp(options: DevIdpOptions): Promise<DevIdp> {
  const host = options.host ?? '127.0.0.1';
  const accounts = options.accounts ?? DEMO_ACCOUNTS;
  let provider: Provider | undefined;
  let handleProvider: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;

  const server = createServer((req, res) => {
    if (!provider || !handleProvider) {
      res.writeHead(503).end();
      return;
    }
    route(provider, handleProvider, accounts, req, res).catch((error: unknown) => {
      console.error('[dev-idp] request failed', error);
      if (!res.headersSent)
        sendHtml(res, 500, messagePage('Something went wrong', 'The dev IdP hit an error.'));
      else res.destroy();
    });
  });

  // The issuer may depend on the port the OS picked, so listen before building the provider.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  try {
    const { port } = server.address() as AddressInfo;
    const issuer = options.issuer ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    assertIssuer(issuer);
    provider = await createProvider(issuer, options.clients, accounts);
    handleProvider = provider.callback();
    return {
      issuer,
      close: () =>
        new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          server.closeAllConnections();
        }),
    };
  } catch (error) {
    server.close();
    throw error;
  }
}

function assertIssuer(issuer: string): void {
  const url = new URL(issuer);
  if (url.pathname !== '/' || url.search || url.hash || issuer.endsWith('/')) {
    throw new Error(`dev IdP issuer must be a bare origin such as http://127.0.0.1:8788, got ${issuer}`);
  }
  // Plain http is fine for this dev/test IdP, but only where no network can see it: loopback.
  const loopback =
    ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.endsWith('.localhost');
  if (url.protocol === 'http:' && !loopback) {
    throw new Error(`dev IdP refuses an http issuer off loopback: ${issuer}`);
  }
}

async function createProvider(
  issuer: string,
  clients: DevIdpClient[],
  accounts: readonly DevAccount[],
): Promise<Provider> {
  const [rsa, ec] = await Promise.all([
    generateKeyPairAsync('rsa', { modulusLength: 2048 }),
    generateKeyPairAsync('ec', { namedCurve: 'P-256' }),
  ]);
  const bySub = new Map(accounts.map((account) => [account.sub, account]));

  const provider = new Provider(issuer, {
    adapter: createMemoryAdapterFactory(),
    clients: clients.map((client) => ({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      redirect_uris: client.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: client.tokenEndpointAuthMethod ?? 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    })),
    // Fresh keys per start: relying parties must fetch the JWKS, never pin a key.
    jwks: { keys: [rsa.privateKey.export({ format: 'jwk' }), ec.privateKey.export({ format: 'jwk' })] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    responseTypes: ['code'],
    // No offline_access: this IdP never issues refresh tokens.
    scopes: ['openid'],
    claims: {
      // roles rides on openid so any OIDC request gets it, like Entra ID's `roles` claim.
      // role_name too: the other common shape (a single string), for a test's account that brings it.
      // hd: Google Workspace's hosted domain, for a test's staff accounts (staff SSO).
      openid: ['sub', 'roles', 'role_name', 'hd'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // By default a code-flow ID token carries only `sub` and the rest waits at userinfo; relying parties
    // here read email, name and roles straight from the ID token.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256'] },
    clientBasedCORS: () => false,
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: KoaContext, form: string) => {
          ctx.set('content-security-policy', PAGE_CSP);
          ctx.type = 'html';
          ctx.body = logoutPage(ctx.host, form);
        },
        postLogoutSuccessSource: (ctx: KoaContext) => {
          ctx.set('content-security-policy', PAGE_CSP);
          ctx.type = 'html';
          ctx.body = messagePage('Signed out', 'You are signed out of Acme SSO.');
        },
      },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx: unknown, sub: string) => {
      const account = bySub.get(sub);
      if (!account) return undefined;
      return {
        accountId: account.sub,
        claims: async () => {
          const claims: Record<string, unknown> = {
            sub: account.sub,
            email: account.email,
            email_verified: true,
            name: account.name,
            roles: [...account.roles],
            ...account.claims,
          };
          for (const [key, value] of Object.entries(claims)) if (value === null) delete claims[key];
          return claims as { sub: string };
        },
      };
    },
    renderError: (ctx: KoaContext, out: Record<string, string>) => {
      ctx.set('content-security-policy', PAGE_CSP);
      ctx.type = 'html';
      ctx.body = messagePage('Sign-in failed', 'The sign-in request could not be processed.', out);
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
  });

  provider.on('server_error', (_ctx: unknown, error: unknown) =>
    console.error('[dev-idp] server_error', error),
  );
  return provider;
}

async function route(
  provider: Provider,
  handleProvider: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  accounts: readonly DevAccount[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { pathname } = new URL(req.url ?? '/', 'http://dev-idp');
  if (pathname === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
    sendHtml(res, 200, indexPage(provider.issuer));
    return;
  }
  const match = INTERACTION_PATH.exec(pathname);
  if (!match) {
    await handleProvider(req, res);
    return;
  }

  let interaction: Interaction;
  try {
    interaction = await provider.interactionDetails(req, res);
  } catch (error) {
    if (!(error instanceof errors.SessionNotFound)) throw error;
    sendHtml(res, 400, expiredPage());
    return;
  }
  // The cookie names the interaction; the URL must agree, or the page would act on another request.
  if (interaction.uid !== match[1]) {
    sendHtml(res, 400, expiredPage());
    return;
  }

  const isSubmit = match[2] === '/login';
  if (!isSubmit && req.method === 'GET') {
    await showInteraction(provider, interaction, req, res);
  } else if (isSubmit && req.method === 'POST') {
    await submitLogin(provider, interaction, accounts, req, res);
  } else {
    res.writeHead(405, { allow: isSubmit ? 'POST' : 'GET' }).end();
  }
}

async function showInteraction(
  provider: Provider,
  interaction: Interaction,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { prompt, params } = interaction;
  if (prompt.name === 'login') {
    sendHtml(
      res,
      200,
      loginPage({
        action: `/interaction/${interaction.uid}/login`,
        clientId: String(params.client_id ?? ''),
        email: typeof params.login_hint === 'string' ? params.login_hint : '',
      }),
    );
    return;
  }
  if (prompt.name === 'consent') {
    await grantConsent(provider, interaction, req, res);
    return;
  }
  sendHtml(res, 400, messagePage('Unsupported prompt', `The dev IdP cannot handle "${prompt.name}".`));
}

/** Every client of this IdP is first-party, so consent is implied: grant what was asked and move on. */
async function grantConsent(
  provider: Provider,
  interaction: Interaction,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { prompt, params, session, grantId } = interaction;
  const accountId = session?.accountId;
  const clientId = params.client_id;
  if (!accountId || typeof clientId !== 'string') {
    sendHtml(res, 400, expiredPage());
    return;
  }
  const grant =
    (grantId ? await provider.Grant.find(grantId) : undefined) ?? new provider.Grant({ accountId, clientId });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const savedGrantId = await grant.save();
  // An existing grant was extended in place; a new one must be handed to the provider.
  const consent = grantId === savedGrantId ? {} : { grantId: savedGrantId };
  await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
}

async function submitLogin(
  provider: Provider,
  interaction: Interaction,
  accounts: readonly DevAccount[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const form = await readForm(req);
  if (!form) {
    sendHtml(res, 400, messagePage('Bad request', 'Expected a form submission.'));
    return;
  }
  if (form.get('action') === 'cancel') {
    // Finishing with an error sends the relying party `error=access_denied`, as a real IdP does.
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The user cancelled the sign-in.' },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (interaction.prompt.name !== 'login') {
    sendHtml(res, 400, expiredPage());
    return;
  }

  const email = (form.get('email') ?? '').trim();
  const password = form.get('password') ?? '';
  const account = accounts.find((candidate) => candidate.email.toLowerCase() === email.toLowerCase());
  if (!account || !samePassword(account.password, password)) {
    sendHtml(
      res,
      200,
      loginPage({
        action: `/interaction/${interaction.uid}/login`,
        clientId: String(interaction.params.client_id ?? ''),
        email,
        error: 'Wrong email or password.',
      }),
    );
    return;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: account.sub, amr: ['pwd'] } },
    { mergeWithLastSubmission: false },
  );
}

function samePassword(expected: string, actual: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(expected), digest(actual));
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function expiredPage(): string {
  return messagePage(
    'Sign-in expired',
    'This sign-in request has expired or was already used. Go back to the application and start again.',
  );
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': PAGE_CSP,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(html);
}
