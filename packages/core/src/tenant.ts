// Tenant configuration: its shape, defaults and validation of operator input (seed files, CLI).
import { ROLES, TENANT_CODE_PATTERN } from '@deskgate/protocol';
import { DeskgateError } from './errors.ts';
import { MAGIC_LINK_TTL_RANGE, MAGIC_LINK_TTL_SECONDS, normalizeEmail } from './magic-link.ts';
import { EXCHANGE_TTL_RANGE, EXCHANGE_TTL_SECONDS } from './outbound.ts';
import { type PlatformJwtConfig, parsePlatformJwtConfig } from './platform-jwt-config.ts';
import { parseRoleLookupConfig, type RoleLookupConfig } from './role-lookup.ts';
import { parseTrialConfig, type TrialConfig } from './role-policy.ts';

export const ACCESS_TTL_SECONDS = 15 * 60;
export const SESSION_TTL_SECONDS = 24 * 60 * 60;
const ACCESS_TTL_RANGE = [60, 60 * 60] as const;
const SESSION_TTL_RANGE = [5 * 60, 30 * 24 * 60 * 60] as const;

export interface OidcProviderConfig {
  /** Slug used in URLs (`?provider=`), unique within the tenant. */
  id: string;
  displayName: string;
  issuer: string;
  /** Explicit endpoints for IdPs without discovery; when all are absent, discovery is used. */
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  userinfoEndpoint?: string;
  jwksUri?: string;
  /** Allowed ID-token algorithms when not discovered. @default ['RS256'] */
  idTokenSigningAlgs?: string[];
  clientId: string;
  /** Plaintext only in operator input and in memory; stored as `clientSecretEncrypted`. */
  clientSecret?: string;
  clientSecretEncrypted?: string;
  /** @default ['openid', 'email', 'profile'] */
  scopes: string[];
  /** Extra authorization request parameters (F10), e.g. `{ "prompt": "select_account" }`. */
  extraAuthParams: Record<string, string>;
  /** ID-token claim holding roles, string or array (D4). @default 'roles' */
  roleClaim: string;
  /** Role-based IAM (D4): roles from the IdP (`roleClaim`, or `roleLookup`), re-synced at every sign-in. @default false */
  roleIam: boolean;
  /** Under role-based IAM: refuse a sign-in that brings no valid role (roles_required). @default false */
  requireRoles: boolean;
  /**
   * A platform API asked with the user's access token after the token exchange (Genesys Cloud): the user's
   * roles, and for a plain OAuth2 provider (no `openid` scope) who the user is.
   */
  roleLookup?: RoleLookupConfig;
}

export interface TenantConfig {
  code: string;
  displayName: string;
  /** Exact origins (scheme://host[:port]) of CX pages allowed to embed the SDK. */
  allowedOrigins: string[];
  oidc: OidcProviderConfig[];
  sessions: { accessTtlSeconds: number; sessionTtlSeconds: number };
  /** Platform-JWT sign-in (signedUserInfo, remote login): profiles, presets, provisioning. */
  platformJwt: PlatformJwtConfig;
  /** API-key sign-in (docs/api-key.md): weak by nature (F13), so a tenant can turn it off. */
  apiKeys: { enabled: boolean };
  /**
   * Outbound links (docs/outbound-links.md): how long an exchange token lives, and the paths (or exact URLs)
   * on the API's site a link may open besides the personal collection.
   */
  outboundLinks: { ttlSeconds: number; targets: string[] };
  /**
   * Magic-link sign-in (docs/magic-link.md): off unless enabled; how long a link lives; who approves access
   * requests while the tenant has no manager.
   */
  magicLink: { enabled: boolean; ttlSeconds: number; approverEmails: string[] };
  /** Trial mode (D1, docs/roles.md): automatic user creation only for invited emails, up to a seat cap. */
  trial: TrialConfig;
  /**
   * SCIM provisioning (docs/provisioning.md): which role the members of a group hold, by the group's
   * displayName (a group named after a role, e.g. `deepdesk.manager`, holds it without an entry).
   */
  scim: { groupRoles: Record<string, string> };
}

type Json = Record<string, unknown>;

function fail(path: string, message: string): never {
  throw new DeskgateError('validation_failed', `${path}: ${message}`);
}

function str(obj: Json, key: string, path: string, optional = false): string | undefined {
  const v = obj[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v.trim() === '') fail(`${path}.${key}`, 'must be a non-empty string');
  return v.trim();
}

function strings(obj: Json, key: string, path: string, fallback: string[]): string[] {
  const v = obj[key];
  if (v === undefined) return fallback;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s === '')) {
    fail(`${path}.${key}`, 'must be an array of non-empty strings');
  }
  return v as string[];
}

function url(value: string | undefined, path: string): string | undefined {
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    fail(path, 'must be an absolute URL');
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname))) {
    fail(path, 'must use https (http is accepted only for loopback development hosts)');
  }
  return value;
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** An exact origin: scheme, host and port only, as the browser sends it in the Origin header. */
export function parseOrigin(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, 'must be a string');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    fail(path, `"${value}" is not an origin`);
  }
  const exact = parsed.origin === value && !parsed.hostname.includes('*');
  if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || !exact) {
    fail(path, `"${value}" is not an exact origin such as https://cx.example.com`);
  }
  return value;
}

function ttl(obj: Json, key: string, path: string, fallback: number, [min, max]: readonly [number, number]) {
  const v = obj[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(`${path}.${key}`, `must be an integer between ${min} and ${max} seconds`);
  }
  return v;
}

function parseProvider(input: unknown, path: string): OidcProviderConfig {
  if (typeof input !== 'object' || input === null) fail(path, 'must be an object');
  const o = input as Json;
  const id = str(o, 'id', path, true) ?? 'sso';
  if (!/^[a-z0-9-]{1,40}$/.test(id)) fail(`${path}.id`, 'must be lowercase letters, digits or dashes');
  const extra = o.extraAuthParams ?? {};
  if (
    typeof extra !== 'object' ||
    extra === null ||
    Array.isArray(extra) ||
    Object.values(extra).some((v) => typeof v !== 'string')
  ) {
    fail(`${path}.extraAuthParams`, 'must be an object of strings');
  }
  const reserved = [
    'client_id',
    'redirect_uri',
    'response_type',
    'state',
    'nonce',
    'code_challenge',
    'scope',
  ];
  const clash = Object.keys(extra).find((k) => reserved.includes(k) || k.startsWith('code_challenge'));
  if (clash) fail(`${path}.extraAuthParams.${clash}`, 'is set by deskgate and cannot be overridden');
  if (o.clientSecret === undefined && o.clientSecretEncrypted === undefined) {
    fail(`${path}.clientSecret`, 'is required');
  }
  const provider: OidcProviderConfig = {
    id,
    displayName: str(o, 'displayName', path, true) ?? 'Single sign-on',
    issuer: url(str(o, 'issuer', path), `${path}.issuer`)!,
    clientId: str(o, 'clientId', path)!,
    scopes: strings(o, 'scopes', path, ['openid', 'email', 'profile']),
    extraAuthParams: extra as Record<string, string>,
    roleClaim: str(o, 'roleClaim', path, true) ?? 'roles',
    roleIam: flag(o, 'roleIam', path),
    requireRoles: flag(o, 'requireRoles', path),
  };
  if (o.roleLookup !== undefined)
    provider.roleLookup = parseRoleLookupConfig(o.roleLookup, `${path}.roleLookup`);
  if (provider.requireRoles && !provider.roleIam)
    fail(`${path}.requireRoles`, 'needs roleIam: with grants, every user has a role');
  // A plain OAuth2 provider (Genesys Cloud) has no ID token: the role lookup then says who the user is.
  if (!provider.scopes.includes('openid') && !provider.roleLookup)
    fail(`${path}.scopes`, 'must include "openid" (or set roleLookup for a plain OAuth2 platform)');
  for (const key of ['authorizationEndpoint', 'tokenEndpoint', 'userinfoEndpoint', 'jwksUri'] as const) {
    const value = url(str(o, key, path, true), `${path}.${key}`);
    if (value) provider[key] = value;
  }
  const explicit = provider.authorizationEndpoint || provider.tokenEndpoint || provider.jwksUri;
  if (!provider.scopes.includes('openid')) {
    // Plain OAuth2 has no discovery document and no ID token to verify.
    if (!(provider.authorizationEndpoint && provider.tokenEndpoint))
      fail(path, 'a plain OAuth2 provider needs authorizationEndpoint and tokenEndpoint');
  } else if (explicit && !(provider.authorizationEndpoint && provider.tokenEndpoint && provider.jwksUri)) {
    fail(path, 'explicit endpoints need authorizationEndpoint, tokenEndpoint and jwksUri together');
  }
  if (o.idTokenSigningAlgs !== undefined)
    provider.idTokenSigningAlgs = strings(o, 'idTokenSigningAlgs', path, []);
  const secret = str(o, 'clientSecret', path, true);
  if (secret) provider.clientSecret = secret;
  const sealed = str(o, 'clientSecretEncrypted', path, true);
  if (sealed) provider.clientSecretEncrypted = sealed;
  return provider;
}

function flag(obj: Json, key: string, path: string): boolean {
  const v = obj[key];
  if (v !== undefined && typeof v !== 'boolean') fail(`${path}.${key}`, 'must be true or false');
  return v ?? false;
}

function parseApiKeysConfig(input: unknown, path: string): TenantConfig['apiKeys'] {
  if (input === undefined) return { enabled: true };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail(path, 'must be an object');
  const { enabled, ...rest } = input as Json;
  if (Object.keys(rest).length) fail(`${path}.${Object.keys(rest)[0]}`, 'is not a known setting');
  if (enabled !== undefined && typeof enabled !== 'boolean') fail(`${path}.enabled`, 'must be true or false');
  return { enabled: enabled ?? true };
}

function parseOutboundLinksConfig(input: unknown, path: string): TenantConfig['outboundLinks'] {
  if (input === undefined) return { ttlSeconds: EXCHANGE_TTL_SECONDS, targets: [] };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail(path, 'must be an object');
  const o = input as Json;
  const unknown = Object.keys(o).find((key) => key !== 'ttlSeconds' && key !== 'targets');
  if (unknown) fail(`${path}.${unknown}`, 'is not a known setting');
  const targets = o.targets ?? [];
  if (!Array.isArray(targets)) fail(`${path}.targets`, 'must be an array of paths or URLs');
  return {
    ttlSeconds: ttl(o, 'ttlSeconds', path, EXCHANGE_TTL_SECONDS, EXCHANGE_TTL_RANGE),
    targets: targets.map((target, i) => {
      const at = `${path}.targets[${i}]`;
      if (typeof target !== 'string') fail(at, 'must be a string');
      // A path on the API's site (not `//host`), or an absolute http(s) URL (it must be on the API's site too).
      if (target.startsWith('/')) {
        if (/^\/[/\\]/.test(target) || /[\s\\]/.test(target)) fail(at, 'must be a path such as /reports/');
        return target;
      }
      let url: URL | undefined;
      try {
        url = new URL(target);
      } catch {}
      if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password)
        fail(at, 'must be a path such as /reports/ or an absolute http(s) URL on the API site');
      return url.href;
    }),
  };
}

function parseMagicLinkConfig(input: unknown, path: string): TenantConfig['magicLink'] {
  if (input === undefined) return { enabled: false, ttlSeconds: MAGIC_LINK_TTL_SECONDS, approverEmails: [] };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail(path, 'must be an object');
  const o = input as Json;
  const unknown = Object.keys(o).find((key) => !['enabled', 'ttlSeconds', 'approverEmails'].includes(key));
  if (unknown) fail(`${path}.${unknown}`, 'is not a known setting');
  if (o.enabled !== undefined && typeof o.enabled !== 'boolean')
    fail(`${path}.enabled`, 'must be true or false');
  const approvers = o.approverEmails ?? [];
  if (!Array.isArray(approvers)) fail(`${path}.approverEmails`, 'must be an array of emails');
  return {
    enabled: o.enabled ?? false,
    ttlSeconds: ttl(o, 'ttlSeconds', path, MAGIC_LINK_TTL_SECONDS, MAGIC_LINK_TTL_RANGE),
    approverEmails: approvers.map((value, i) => {
      const email = normalizeEmail(value);
      if (!email) fail(`${path}.approverEmails[${i}]`, 'must be an email');
      return email;
    }),
  };
}

/** Validates operator input into a TenantConfig; throws DeskgateError('validation_failed') naming the field. */
export function parseTenantConfig(input: unknown, path = 'tenant'): TenantConfig {
  if (typeof input !== 'object' || input === null) fail(path, 'must be an object');
  const o = input as Json;
  const code = str(o, 'code', path)!;
  if (!TENANT_CODE_PATTERN.test(code)) fail(`${path}.code`, 'must be 3+ lowercase letters or digits');
  const origins = o.allowedOrigins ?? [];
  if (!Array.isArray(origins)) fail(`${path}.allowedOrigins`, 'must be an array of origins');
  const rawOidc = o.oidc === undefined ? [] : Array.isArray(o.oidc) ? o.oidc : [o.oidc];
  const oidc = rawOidc.map((p, i) => parseProvider(p, `${path}.oidc[${i}]`));
  if (new Set(oidc.map((p) => p.id)).size !== oidc.length)
    fail(`${path}.oidc`, 'provider ids must be unique');
  const sessions = (o.sessions ?? {}) as Json;
  if (typeof sessions !== 'object' || sessions === null || Array.isArray(sessions))
    fail(`${path}.sessions`, 'must be an object');
  return {
    code,
    displayName: str(o, 'displayName', path, true) ?? code,
    allowedOrigins: origins.map((v, i) => parseOrigin(v, `${path}.allowedOrigins[${i}]`)),
    oidc,
    sessions: {
      accessTtlSeconds: ttl(
        sessions,
        'accessTtlSeconds',
        `${path}.sessions`,
        ACCESS_TTL_SECONDS,
        ACCESS_TTL_RANGE,
      ),
      sessionTtlSeconds: ttl(
        sessions,
        'sessionTtlSeconds',
        `${path}.sessions`,
        SESSION_TTL_SECONDS,
        SESSION_TTL_RANGE,
      ),
    },
    platformJwt: parsePlatformJwtConfig(o.platformJwt, `${path}.platformJwt`),
    apiKeys: parseApiKeysConfig(o.apiKeys, `${path}.apiKeys`),
    outboundLinks: parseOutboundLinksConfig(o.outboundLinks, `${path}.outboundLinks`),
    magicLink: parseMagicLinkConfig(o.magicLink, `${path}.magicLink`),
    trial: parseTrialConfig(o.trial, `${path}.trial`),
    scim: parseScimConfig(o.scim, `${path}.scim`),
  };
}

function parseScimConfig(input: unknown, path: string): TenantConfig['scim'] {
  if (input === undefined) return { groupRoles: {} };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail(path, 'must be an object');
  const { groupRoles = {}, ...rest } = input as Json;
  if (Object.keys(rest).length) fail(`${path}.${Object.keys(rest)[0]}`, 'is not a known setting');
  if (typeof groupRoles !== 'object' || groupRoles === null || Array.isArray(groupRoles))
    fail(`${path}.groupRoles`, 'must be an object of group name to role');
  const roles: Record<string, string> = {};
  for (const [group, role] of Object.entries(groupRoles as Json)) {
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role))
      fail(`${path}.groupRoles.${group}`, `must be one of ${ROLES.join(', ')}`);
    roles[group] = role;
  }
  return { groupRoles: roles };
}

/** What `redactTenant` shows instead of a secret; never a secret itself (the CLI resolves it to the stored one). */
export const REDACTED_SECRET = '(encrypted)';

/** The tenant as operators may see it: secrets replaced by a marker. */
export function redactTenant(tenant: TenantConfig): TenantConfig {
  return {
    ...tenant,
    oidc: tenant.oidc.map(({ clientSecret: _s, clientSecretEncrypted: _e, ...p }) => ({
      ...p,
      clientSecret: REDACTED_SECRET,
    })),
  };
}

export function isAllowedOrigin(tenant: TenantConfig, origin: string | null | undefined): origin is string {
  return typeof origin === 'string' && tenant.allowedOrigins.includes(origin);
}
