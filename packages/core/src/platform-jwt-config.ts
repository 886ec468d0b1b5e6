// The tenant's `platformJwt` section (F5, F6, F7, D6): profiles, claim mapping, group roles, remote login.
// Validation of operator input only; verification itself is in platform-jwt.ts.
import { ROLES } from '@deskgate/protocol';
import { DeskgateError } from './errors.ts';

export type JwtProfileName = 'session' | 'one-time';
export const JWT_PROFILES: readonly JwtProfileName[] = ['session', 'one-time'];

/** RFC 6901 JSON pointers into the payload. */
export interface ClaimMapping {
  id?: string;
  email?: string;
  emails?: string;
  name?: string;
  firstName?: string;
  lastName?: string;
  groups?: string;
}
const CLAIM_FIELDS = ['id', 'email', 'emails', 'name', 'firstName', 'lastName', 'groups'] as const;

export type JwtPreset = 'tracebuzz' | 'messenger' | 'deskpro' | 'custom';
export const JWT_PRESETS: readonly JwtPreset[] = ['tracebuzz', 'messenger', 'deskpro', 'custom'];

export interface JwtProfileConfig {
  preset: JwtPreset;
  /** The preset's mapping with the operator's `claims` entries laid over it. */
  claims: ClaimMapping;
  /** tracebuzz: identity.account must equal this; undefined means the tenant code. */
  account?: string;
  audience?: string[];
  issuer?: string;
  typ?: string;
  /** exp - (iat, else now) may not exceed it. session: default 86400 (max 7 days); one-time: default 300, max 300. */
  maxLifetimeSeconds: number;
  /** Asymmetric tokens verified by this JWKS instead of the tenant's secrets (the API fetches it). */
  jwksUri?: string;
  /** With jwksUri: allowed algorithms, a subset of RS256, PS256, ES256, EdDSA; default all four. */
  algorithms?: string[];
}

export interface PlatformJwtConfig {
  profiles: Partial<Record<JwtProfileName, JwtProfileConfig>>;
  /** Refuse sessions that did not come from a platform JWT. Default false. */
  requireSignedUserInfo: boolean;
  /** Create unknown users on first use (on-demand pattern). Default true. */
  allowUserCreation: boolean;
  /** Platform group id (string form of usergroup_ids entries) -> roles (each one of ROLES). */
  groupRoles: Record<string, string[]>;
  /** Deskpro-style remote login (F6). */
  remoteLogin?: { url: string; returnUrls: string[]; logoutRedirectUrl?: string };
}

/** Algorithms of the tenant's shared secrets (HMAC). */
export const SECRET_ALGORITHMS: readonly string[] = ['HS256', 'HS384', 'HS512'];
/** Algorithms a profile's JWKS may use; the default of `algorithms`. */
export const JWKS_ALGORITHMS: readonly string[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

export const DEFAULT_PLATFORM_JWT: PlatformJwtConfig = Object.freeze({
  profiles: Object.freeze({}),
  requireSignedUserInfo: false,
  allowUserCreation: true,
  groupRoles: Object.freeze({}),
}) as PlatformJwtConfig;

const LIFETIME: Record<JwtProfileName, { fallback: number; max: number }> = {
  session: { fallback: 24 * 60 * 60, max: 7 * 24 * 60 * 60 },
  'one-time': { fallback: 5 * 60, max: 5 * 60 },
};

/** Each preset's mapping and the profiles it belongs to. */
export const JWT_PRESET_MAPPINGS: Readonly<
  Record<JwtPreset, { profiles: readonly JwtProfileName[]; claims: Readonly<ClaimMapping> }>
> = {
  // F5: {"identity":{"account","user_id","user_name","user_email"},"type":"access"}
  tracebuzz: {
    profiles: ['session'],
    claims: { id: '/identity/user_id', email: '/identity/user_email', name: '/identity/user_name' },
  },
  // F7: Deskpro Messenger's signedUserInfo; every field optional.
  messenger: {
    profiles: ['session'],
    claims: {
      id: '/deskpro_id',
      email: '/email',
      emails: '/emails',
      name: '/name',
      firstName: '/first_name',
      lastName: '/last_name',
      groups: '/usergroup_ids',
    },
  },
  // F6: Deskpro remote login: id, email, name or first_name/last_name, iat, exp, jti.
  deskpro: {
    profiles: ['one-time'],
    claims: { id: '/id', email: '/email', name: '/name', firstName: '/first_name', lastName: '/last_name' },
  },
  custom: { profiles: ['session', 'one-time'], claims: {} },
};

type Json = Record<string, unknown>;

function fail(path: string, message: string): never {
  throw new DeskgateError('validation_failed', `${path}: ${message}`);
}

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object');
  return value as Json;
}

function onlyKeys(obj: Json, allowed: readonly string[], path: string): void {
  const unknown = Object.keys(obj).find((key) => !allowed.includes(key));
  if (unknown !== undefined) fail(`${path}.${unknown}`, 'is not a known setting');
}

function text(obj: Json, key: string, path: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') fail(`${path}.${key}`, 'must be a non-empty string');
  return v.trim();
}

function bool(obj: Json, key: string, path: string, fallback: boolean): boolean {
  const v = obj[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') fail(`${path}.${key}`, 'must be true or false');
  return v;
}

/** Same rule as tenant.ts `isLoopbackHost` (not imported: tenant.ts imports this module). */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function url(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(path, 'must be a non-empty string');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    fail(path, 'must be an absolute URL');
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopback(parsed.hostname))) {
    fail(path, 'must use https (http is accepted only for loopback development hosts)');
  }
  return value;
}

/** A JSON pointer per RFC 6901 that points inside the payload (not the empty pointer, the whole payload). */
export function isJsonPointer(value: unknown): value is string {
  return typeof value === 'string' && /^(\/([^~/]|~[01])*)+$/.test(value);
}

function parseClaims(value: unknown, path: string, base: Readonly<ClaimMapping>): ClaimMapping {
  const claims: ClaimMapping = { ...base };
  if (value === undefined) return claims;
  const obj = object(value, path);
  onlyKeys(obj, CLAIM_FIELDS, path);
  for (const field of CLAIM_FIELDS) {
    const pointer = obj[field];
    if (pointer === undefined) continue;
    // null removes a preset's entry (e.g. a messenger tenant that does not take groups from the token).
    if (pointer === null) delete claims[field];
    else if (!isJsonPointer(pointer))
      fail(`${path}.${field}`, 'must be a JSON pointer such as "/identity/user_id" (RFC 6901)');
    else claims[field] = pointer;
  }
  return claims;
}

const PROFILE_KEYS = [
  'preset',
  'claims',
  'account',
  'audience',
  'issuer',
  'typ',
  'maxLifetimeSeconds',
  'jwksUri',
  'algorithms',
];

function parseProfile(input: unknown, name: JwtProfileName, path: string): JwtProfileConfig {
  const o = object(input, path);
  onlyKeys(o, PROFILE_KEYS, path);
  const preset = o.preset ?? 'custom';
  if (typeof preset !== 'string' || !(JWT_PRESETS as readonly string[]).includes(preset))
    fail(`${path}.preset`, `must be one of ${JWT_PRESETS.join(', ')}`);
  const spec = JWT_PRESET_MAPPINGS[preset as JwtPreset];
  if (!spec.profiles.includes(name))
    fail(`${path}.preset`, `"${preset}" is a preset of the ${spec.profiles.join(', ')} profile, not ${name}`);
  const claims = parseClaims(o.claims, `${path}.claims`, spec.claims);
  if (!claims.id && !claims.email && !claims.emails)
    fail(`${path}.claims`, 'must map id or email: a token must name its user');
  const profile: JwtProfileConfig = { preset: preset as JwtPreset, claims, maxLifetimeSeconds: 0 };

  const account = text(o, 'account', path);
  if (account !== undefined) {
    if (preset !== 'tracebuzz') fail(`${path}.account`, 'applies to the tracebuzz preset only');
    profile.account = account;
  }
  if (o.audience !== undefined) {
    const list = typeof o.audience === 'string' ? [o.audience] : o.audience;
    if (!Array.isArray(list) || list.length === 0 || list.some((a) => typeof a !== 'string' || a === ''))
      fail(`${path}.audience`, 'must be a non-empty string or array of them');
    profile.audience = [...new Set(list as string[])];
  }
  const issuer = text(o, 'issuer', path);
  if (issuer !== undefined) profile.issuer = issuer;
  const typ = text(o, 'typ', path);
  if (typ !== undefined) profile.typ = typ;

  const { fallback, max } = LIFETIME[name];
  const lifetime = o.maxLifetimeSeconds ?? fallback;
  if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < 1 || lifetime > max)
    fail(`${path}.maxLifetimeSeconds`, `must be an integer between 1 and ${max} seconds`);
  profile.maxLifetimeSeconds = lifetime;

  if (o.jwksUri !== undefined) profile.jwksUri = url(o.jwksUri, `${path}.jwksUri`);
  if (o.algorithms !== undefined) {
    if (profile.jwksUri === undefined)
      fail(`${path}.algorithms`, 'applies with jwksUri only (secrets carry their own algorithm)');
    const algs = o.algorithms;
    if (
      !Array.isArray(algs) ||
      algs.length === 0 ||
      algs.some((a) => typeof a !== 'string' || !JWKS_ALGORITHMS.includes(a))
    )
      fail(`${path}.algorithms`, `must be a non-empty array of ${JWKS_ALGORITHMS.join(', ')}`);
    profile.algorithms = [...new Set(algs as string[])];
  } else if (profile.jwksUri !== undefined) {
    profile.algorithms = [...JWKS_ALGORITHMS];
  }
  return profile;
}

function parseGroupRoles(value: unknown, path: string): Record<string, string[]> {
  if (value === undefined) return {};
  const obj = object(value, path);
  const known: readonly string[] = ROLES;
  // Object.fromEntries defines own properties, so a group named "__proto__" stays a plain key.
  return Object.fromEntries(
    Object.entries(obj).map(([group, roles]) => {
      const at = `${path}.${group}`;
      if (group.trim() === '') fail(path, 'group ids must be non-empty');
      if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string'))
        fail(at, 'must be an array of roles');
      const bad = (roles as string[]).find((r) => !known.includes(r));
      if (bad !== undefined) fail(at, `"${bad}" is not a role (one of ${ROLES.join(', ')})`);
      return [group, [...new Set(roles as string[])]];
    }),
  );
}

function parseRemoteLogin(value: unknown, path: string): NonNullable<PlatformJwtConfig['remoteLogin']> {
  const o = object(value, path);
  onlyKeys(o, ['url', 'returnUrls', 'logoutRedirectUrl'], path);
  const returnUrls = o.returnUrls;
  if (!Array.isArray(returnUrls) || returnUrls.length === 0)
    fail(`${path}.returnUrls`, 'must be a non-empty array of URLs');
  const remote: NonNullable<PlatformJwtConfig['remoteLogin']> = {
    url: url(o.url, `${path}.url`),
    returnUrls: returnUrls.map((u, i) => url(u, `${path}.returnUrls[${i}]`)),
  };
  if (o.logoutRedirectUrl !== undefined)
    remote.logoutRedirectUrl = url(o.logoutRedirectUrl, `${path}.logoutRedirectUrl`);
  return remote;
}

/** Validates the tenant's `platformJwt` section; absent means DEFAULT_PLATFORM_JWT (no profile configured). */
export function parsePlatformJwtConfig(input: unknown, path: string): PlatformJwtConfig {
  if (input === undefined) return { ...DEFAULT_PLATFORM_JWT, profiles: {}, groupRoles: {} };
  const o = object(input, path);
  onlyKeys(o, ['profiles', 'requireSignedUserInfo', 'allowUserCreation', 'groupRoles', 'remoteLogin'], path);
  const profiles: PlatformJwtConfig['profiles'] = {};
  if (o.profiles !== undefined) {
    const raw = object(o.profiles, `${path}.profiles`);
    onlyKeys(raw, JWT_PROFILES, `${path}.profiles`);
    for (const name of JWT_PROFILES) {
      if (raw[name] !== undefined) profiles[name] = parseProfile(raw[name], name, `${path}.profiles.${name}`);
    }
  }
  const config: PlatformJwtConfig = {
    profiles,
    requireSignedUserInfo: bool(o, 'requireSignedUserInfo', path, false),
    allowUserCreation: bool(o, 'allowUserCreation', path, true),
    groupRoles: parseGroupRoles(o.groupRoles, `${path}.groupRoles`),
  };
  if (o.remoteLogin !== undefined) {
    config.remoteLogin = parseRemoteLogin(o.remoteLogin, `${path}.remoteLogin`);
    if (!profiles['one-time'])
      fail(`${path}.remoteLogin`, 'needs profiles.one-time (remote login tokens are one-time tokens)');
  }
  if (config.requireSignedUserInfo && Object.keys(profiles).length === 0)
    fail(`${path}.requireSignedUserInfo`, 'needs a configured profile (else nobody could sign in)');
  return config;
}
