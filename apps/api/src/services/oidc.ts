// The OIDC relying party: discovery, the authorization redirect and the callback, on oauth4webapi + jose.
// IdP tokens are judged by the wall clock (the IdP's clock), never by the app's movable clock.
import {
  DeskgateError,
  isLoopbackHost,
  knownRoles,
  mapPlatformRoles,
  type OidcProviderConfig,
  type PlatformProfile,
  rolesForSignIn,
  type TenantConfig,
  type VerifiedProfile,
} from '@deskgate/core';
import { createRemoteJWKSet, errors as joseErrors, customFetch as joseFetch, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { RoleLookupService } from './role-lookup.ts';
import type { TenantService } from './tenants.ts';

const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const FORBIDDEN_ALGS = new Set(['none', 'HS256', 'HS384', 'HS512']);

export interface AuthorizationRequest {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export class OidcService {
  readonly #tenants: TenantService;
  readonly #fetch: typeof fetch;
  readonly #discovery = new Map<string, { at: number; as: oauth.AuthorizationServer }>();
  readonly #jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  readonly #lookups: RoleLookupService;

  constructor(deps: { tenants: TenantService; fetch?: typeof fetch }) {
    this.#tenants = deps.tenants;
    this.#fetch = deps.fetch ?? globalThis.fetch;
    this.#lookups = new RoleLookupService({ fetch: this.#fetch });
  }

  #options(provider: OidcProviderConfig) {
    // Plain http is tolerated only for loopback development IdPs (tenant validation enforces that too).
    const insecure = isLoopbackHost(new URL(provider.issuer).hostname);
    return { [oauth.allowInsecureRequests]: insecure, [oauth.customFetch]: this.#fetch };
  }

  #client(provider: OidcProviderConfig): oauth.Client {
    return { client_id: provider.clientId };
  }

  async #server(provider: OidcProviderConfig): Promise<oauth.AuthorizationServer> {
    // Plain OAuth2 (no `openid`: Genesys Cloud) has no discovery and no ID token, so no keys either.
    const openid = provider.scopes.includes('openid');
    if (provider.authorizationEndpoint && provider.tokenEndpoint && (provider.jwksUri || !openid)) {
      return {
        issuer: provider.issuer,
        authorization_endpoint: provider.authorizationEndpoint,
        token_endpoint: provider.tokenEndpoint,
        ...(provider.jwksUri ? { jwks_uri: provider.jwksUri } : {}),
        ...(provider.userinfoEndpoint ? { userinfo_endpoint: provider.userinfoEndpoint } : {}),
        id_token_signing_alg_values_supported: provider.idTokenSigningAlgs ?? ['RS256'],
      };
    }
    const cached = this.#discovery.get(provider.issuer);
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.as;
    const issuer = new URL(provider.issuer);
    let as: oauth.AuthorizationServer;
    try {
      as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...this.#options(provider) }),
      );
    } catch (error) {
      // Unreachable, not found or not a valid discovery document: the agent can only retry later.
      throw new DeskgateError(
        'sso_idp_unreachable',
        'The identity provider’s configuration could not be read',
        {
          cause: error,
        },
      );
    }
    this.#discovery.set(provider.issuer, { at: Date.now(), as });
    return as;
  }

  async #network<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (error instanceof DeskgateError) throw error;
      if (error instanceof oauth.ResponseBodyError || error instanceof oauth.AuthorizationResponseError)
        throw error;
      if (error instanceof oauth.OperationProcessingError) throw error;
      throw new DeskgateError('sso_idp_unreachable', 'The identity provider could not be reached', {
        cause: error,
      });
    }
  }

  async authorizationRequest(
    provider: OidcProviderConfig,
    redirectUri: string,
  ): Promise<AuthorizationRequest> {
    const as = await this.#server(provider);
    if (!as.authorization_endpoint)
      throw new DeskgateError('sso_not_configured', 'The IdP has no authorization endpoint');
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint);
    for (const [key, value] of Object.entries(provider.extraAuthParams)) url.searchParams.set(key, value);
    url.searchParams.set('client_id', provider.clientId);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('response_type', 'code');
    if (provider.scopes.length) url.searchParams.set('scope', provider.scopes.join(' '));
    url.searchParams.set('state', state);
    if (provider.scopes.includes('openid')) url.searchParams.set('nonce', nonce);
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
    url.searchParams.set('code_challenge_method', 'S256');
    return { url: url.href, state, nonce, codeVerifier };
  }

  /**
   * Validates the callback and the ID token as OIDC Core requires, and returns the verified profile with the
   * roles it brings (rolesForSignIn: null with role-based IAM off). With a role lookup, the platform API is
   * asked with the user's access token; a plain OAuth2 provider (no `openid` scope) has no ID token, and the
   * lookup then also says who the user is. A failed lookup is reported to `onLookupFailed` (log, audit) and
   * grants no role: the default role, or roles_required under require roles; without an ID token it refuses.
   */
  async callback(
    _tenant: TenantConfig,
    provider: OidcProviderConfig,
    input: {
      currentUrl: URL;
      redirectUri: string;
      state: string;
      nonce: string;
      codeVerifier: string;
      onLookupFailed?: (error: DeskgateError) => Promise<void>;
      /** The ID token's validated claims, for a caller that judges more of them (staff SSO's `hd`). */
      onClaims?: (claims: Record<string, unknown>) => void;
    },
  ): Promise<VerifiedProfile> {
    const openid = provider.scopes.includes('openid');
    let result: oauth.TokenEndpointResponse;
    let claims: oauth.IDToken | undefined;
    try {
      const as = await this.#server(provider);
      const client = this.#client(provider);
      // Checks state, the RFC 9207 `iss` parameter where the IdP advertises it, and error responses.
      const params = oauth.validateAuthResponse(as, client, input.currentUrl, input.state);
      // A tenant's secret is stored encrypted; the deployment's staff provider has its own in memory.
      const secret = provider.clientSecret ?? (await this.#tenants.clientSecret(_tenant, provider));
      const response = await this.#network(() =>
        oauth.authorizationCodeGrantRequest(
          as,
          client,
          oauth.ClientSecretBasic(secret),
          params,
          input.redirectUri,
          input.codeVerifier,
          this.#options(provider),
        ),
      );
      result = await oauth.processAuthorizationCodeResponse(
        as,
        client,
        response,
        openid ? { expectedNonce: input.nonce, requireIdToken: true } : {},
      );
      if (openid) {
        claims = oauth.getValidatedIdTokenClaims(result);
        if (!claims || !result.id_token)
          throw new DeskgateError('sso_id_token_invalid', 'The IdP returned no ID token');
        checkAudience(claims, provider.clientId);
        await this.#verifySignature(as, provider, result.id_token);
        input.onClaims?.(claims as Record<string, unknown>);
      }
    } catch (error) {
      throw mapOidcError(error);
    }
    let platform: PlatformProfile | null = null;
    if (provider.roleLookup) {
      try {
        platform = await this.#lookups.lookup(provider.roleLookup, result.access_token);
      } catch (error) {
        if (!(error instanceof DeskgateError)) throw error;
        await input.onLookupFailed?.(error);
        if (!claims) throw error;
      }
    }
    const found = provider.roleLookup
      ? platform && mapPlatformRoles(platform.platformRoles, provider.roleLookup.roleMap)
      : knownRoles(claims?.[provider.roleClaim]);
    const roles = rolesForSignIn(provider, found);
    if (claims)
      return {
        issuer: claims.iss,
        subject: claims.sub,
        email: typeof claims.email === 'string' ? claims.email.toLowerCase() : null,
        name: typeof claims.name === 'string' ? claims.name : null,
        roles,
        confirmed: true,
      };
    // No ID token: the platform's own user record, under the provider's configured issuer.
    const user = platform!;
    return {
      issuer: provider.issuer,
      subject: user.subject,
      email: user.email,
      name: user.name,
      roles,
      confirmed: true,
    };
  }

  /** oauth4webapi checks the claims; the signature is checked here against the IdP's JWKS. */
  async #verifySignature(as: oauth.AuthorizationServer, provider: OidcProviderConfig, idToken: string) {
    if (!as.jwks_uri) throw new DeskgateError('sso_id_token_invalid', 'The IdP publishes no JWKS');
    let jwks = this.#jwks.get(as.jwks_uri);
    if (!jwks) {
      // jose refetches the JWKS once when a token names an unknown kid (key rotation at the IdP).
      jwks = createRemoteJWKSet(new URL(as.jwks_uri), { [joseFetch]: this.#fetch });
      this.#jwks.set(as.jwks_uri, jwks);
    }
    const algorithms = (
      as.id_token_signing_alg_values_supported ??
      provider.idTokenSigningAlgs ?? ['RS256']
    ).filter((alg) => !FORBIDDEN_ALGS.has(alg));
    try {
      await jwtVerify(idToken, jwks, {
        issuer: as.issuer,
        audience: provider.clientId,
        algorithms,
      });
    } catch (error) {
      if (error instanceof joseErrors.JWKSTimeout || error instanceof TypeError) {
        throw new DeskgateError('sso_idp_unreachable', 'The identity provider’s keys could not be fetched', {
          cause: error,
        });
      }
      throw new DeskgateError('sso_id_token_invalid', 'The ID token signature could not be verified', {
        cause: error,
      });
    }
  }
}

/**
 * OIDC Core 3.1.3.7 steps 3 and 5, stricter than oauth4webapi: it accepts `aud: [us, other]` when `azp` names
 * us, and reads `azp` only beside several audiences. We trust no audience but our own client (a token also
 * meant for another client is one that client could replay to us), and an `azp` must name us.
 */
function checkAudience(claims: oauth.IDToken, clientId: string) {
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (audiences.some((aud) => aud !== clientId))
    throw new DeskgateError('sso_id_token_invalid', 'The ID token is also meant for another client');
  if (claims.azp !== undefined && claims.azp !== clientId)
    throw new DeskgateError('sso_id_token_invalid', 'The ID token was issued to another client');
}

/**
 * The IdP's `error` value as we may repeat it: the shape of every registered OAuth and OIDC error code
 * (`access_denied`, `login_required`, ...). Anything else came from whoever wrote the URL, so it is never
 * reflected, not even escaped.
 */
export function reportableOAuthError(value: unknown): string {
  return typeof value === 'string' && /^[a-z][a-z0-9_]{0,63}$/.test(value) ? value : 'unrecognised error';
}

function mapOidcError(error: unknown): DeskgateError {
  if (error instanceof DeskgateError) return error;
  if (error instanceof oauth.AuthorizationResponseError) {
    return new DeskgateError(
      'sso_idp_error',
      `The identity provider refused the sign-in (${reportableOAuthError(error.error)})`,
    );
  }
  if (error instanceof oauth.ResponseBodyError) {
    return new DeskgateError(
      'sso_idp_error',
      `The identity provider rejected the code (${reportableOAuthError(error.error)})`,
    );
  }
  if (error instanceof oauth.OperationProcessingError) {
    const cause = error.cause as
      | { claim?: string; parameter?: string; claims?: Record<string, unknown>; header?: unknown }
      | undefined;
    // We always send a nonce, so an ID token without one was not minted for this sign-in either.
    if (
      (error.code === oauth.JWT_CLAIM_COMPARISON && cause?.claim === 'nonce') ||
      (cause?.claims && cause.claims.nonce === undefined)
    ) {
      return new DeskgateError('sso_nonce_mismatch', 'The ID token nonce does not match this sign-in');
    }
    // A failure that carries the ID token's claims or header is the ID token's fault (a missing sub, iat
    // or aud, an alg the IdP does not advertise), not the rest of the response's.
    if (
      error.code === oauth.JWT_CLAIM_COMPARISON ||
      error.code === oauth.JWT_TIMESTAMP_CHECK ||
      cause?.claims ||
      cause?.header
    ) {
      return new DeskgateError('sso_id_token_invalid', 'The ID token is not valid for this sign-in');
    }
    // The token endpoint failed (a 5xx and its HTML error page): the IdP is down, the agent retries later.
    if (
      error.code === oauth.RESPONSE_IS_NOT_CONFORM &&
      error.cause instanceof Response &&
      error.cause.status >= 500
    ) {
      return new DeskgateError('sso_idp_unreachable', 'The identity provider failed to answer');
    }
    if (cause?.parameter === 'state') {
      return new DeskgateError('sso_state_mismatch', 'The state does not match this sign-in');
    }
    return new DeskgateError('sso_response_invalid', 'The identity provider sent an invalid response');
  }
  return new DeskgateError('sso_response_invalid', 'The identity provider sent an invalid response');
}
