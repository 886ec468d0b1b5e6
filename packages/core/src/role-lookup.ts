// Platform role lookup: for OAuth2 platforms without OIDC (Genesys Cloud), deskgate asks the platform's API who
// the signed-in user is and which roles they hold, with the user's own platform access token. This module is
// the pure part: the operator's configuration, reading the platform's answer and mapping its roles. The HTTP
// call itself is in the API (apps/api/src/services/role-lookup.ts).
import { ROLES } from '@deskgate/protocol';
import { DeskgateError } from './errors.ts';

export type RoleLookupKind = 'genesys-cloud';
export const ROLE_LOOKUP_KINDS: readonly RoleLookupKind[] = ['genesys-cloud'];

export interface RoleLookupConfig {
  kind: RoleLookupKind;
  /** The platform API's origin, e.g. `https://api.mypurecloud.com` (no trailing slash). */
  apiBaseUrl: string;
  /** Platform role name -> deskgate role (one of ROLES). */
  roleMap: Record<string, string>;
  /** The whole lookup (connect, headers, body) is abandoned after this long. */
  timeoutMs: number;
}

export const ROLE_LOOKUP_TIMEOUT_MS = 3000;
export const ROLE_LOOKUP_TIMEOUT_RANGE = [100, 30_000] as const;

/** What the platform says about the user behind an access token. */
export interface PlatformProfile {
  /** The platform's user id. */
  subject: string;
  /** Lowercased; null when the platform has none. */
  email: string | null;
  name: string | null;
  /** The names of the roles the platform grants, in the platform's order, without duplicates. */
  platformRoles: string[];
}

/** The platform could not tell who the user is: role_lookup_failed (502: the platform, not the agent, is at fault). */
export function roleLookupFailed(message: string): DeskgateError {
  return new DeskgateError('role_lookup_failed', message);
}

type Json = Record<string, unknown>;

function fail(path: string, message: string): never {
  throw new DeskgateError('validation_failed', `${path}: ${message}`);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Same rule as tenant.ts `isLoopbackHost` (not imported, so tenant.ts may import this module). */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function baseUrl(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(path, 'must be a non-empty string');
  let parsed: URL;
  try {
    parsed = new URL(value.trim());
  } catch {
    fail(path, 'must be an absolute URL');
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopback(parsed.hostname))) {
    fail(path, 'must use https (http is accepted only for loopback development hosts)');
  }
  if (parsed.username || parsed.password) fail(path, 'must not contain credentials');
  if (parsed.search || parsed.hash) fail(path, 'must not have a query or a fragment');
  return parsed.origin + parsed.pathname.replace(/\/+$/, '');
}

function roleMap(value: unknown, path: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value)) fail(path, 'must be an object of platform role name -> deskgate role');
  const entries: [string, string][] = [];
  for (const [name, role] of Object.entries(value)) {
    if (name.trim() === '') fail(path, 'platform role names must be non-empty');
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
      fail(`${path}.${name}`, `must be one of ${ROLES.join(', ')}`);
    }
    entries.push([name, role]);
  }
  // Object.fromEntries defines own properties, so a key such as `__proto__` stays a plain key.
  return Object.fromEntries(entries);
}

function timeout(value: unknown, path: string): number {
  if (value === undefined) return ROLE_LOOKUP_TIMEOUT_MS;
  const [min, max] = ROLE_LOOKUP_TIMEOUT_RANGE;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(path, `must be an integer from ${min} to ${max} (milliseconds)`);
  }
  return value;
}

const CONFIG_KEYS = ['kind', 'apiBaseUrl', 'roleMap', 'timeoutMs'];

/** Validates the operator's role lookup section; throws validation_failed naming the offending field. */
export function parseRoleLookupConfig(value: unknown, path: string): RoleLookupConfig {
  if (!isObject(value)) fail(path, 'must be an object');
  const unknown = Object.keys(value).find((key) => !CONFIG_KEYS.includes(key));
  if (unknown !== undefined) fail(`${path}.${unknown}`, 'is not a known setting');
  const kind = value.kind;
  if (typeof kind !== 'string' || !(ROLE_LOOKUP_KINDS as readonly string[]).includes(kind)) {
    fail(`${path}.kind`, `must be one of ${ROLE_LOOKUP_KINDS.join(', ')}`);
  }
  return {
    kind: kind as RoleLookupKind,
    apiBaseUrl: baseUrl(value.apiBaseUrl, `${path}.apiBaseUrl`),
    roleMap: roleMap(value.roleMap, `${path}.roleMap`),
    timeoutMs: timeout(value.timeoutMs, `${path}.timeoutMs`),
  };
}

function optionalText(body: Json, key: string): string | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw roleLookupFailed(`The platform's user has a ${key} that is not a string`);
  return v.trim() === '' ? null : v.trim();
}

/**
 * Reads Genesys Cloud's `GET /api/v2/users/me?expand=authorization` answer (the `UserMe` model): `id`, `name`,
 * `email`, `state` and `authorization.roles[]` (`DomainRole`: `id`, `name`). Without `authorization` (the
 * expand was not honoured) the user has no platform roles. A `state` other than `active` (Genesys also has
 * `inactive` and `deleted`) is refused: such an account must not sign in, whatever its token says. A missing
 * `state` is accepted, as the field is optional in the model. Role entries without a name are skipped (the
 * role map is by name); anything else of the wrong type is refused as a malformed answer.
 */
export function parseGenesysUserMe(body: unknown): PlatformProfile {
  if (!isObject(body)) throw roleLookupFailed("The platform's user is not a JSON object");
  const id = body.id;
  if (typeof id !== 'string' || id.trim() === '') throw roleLookupFailed("The platform's user has no id");
  const state = body.state;
  if (state !== undefined && state !== null) {
    if (typeof state !== 'string')
      throw roleLookupFailed("The platform's user has a state that is not a string");
    if (state !== 'active') throw roleLookupFailed(`The platform's user is not active (state ${state})`);
  }
  const email = optionalText(body, 'email');
  const name = optionalText(body, 'name');
  const platformRoles: string[] = [];
  const authorization = body.authorization;
  if (authorization !== undefined && authorization !== null) {
    if (!isObject(authorization)) throw roleLookupFailed("The platform's authorization is not an object");
    const roles = authorization.roles;
    if (roles !== undefined && roles !== null) {
      if (!Array.isArray(roles)) throw roleLookupFailed("The platform's authorization roles are not a list");
      for (const role of roles) {
        if (!isObject(role)) throw roleLookupFailed("The platform's authorization roles are not objects");
        if (typeof role.name !== 'string' || role.name.trim() === '') continue;
        if (!platformRoles.includes(role.name)) platformRoles.push(role.name);
      }
    }
  }
  return { subject: id, email: email?.toLowerCase() ?? null, name, platformRoles };
}

/**
 * Deskgate roles for the platform's role names: by `roleMap` (exact name, else the first key equal ignoring
 * case and surrounding spaces), plus names that are deskgate roles themselves. Unknown names are ignored;
 * the result is sorted, without duplicates, and may be empty (the caller decides the default).
 */
export function mapPlatformRoles(platformRoles: string[], roleMap: Record<string, string>): string[] {
  const known = ROLES as readonly string[];
  const folded = new Map<string, string>();
  for (const key of Object.keys(roleMap).sort()) {
    const fold = key.trim().toLowerCase();
    if (!folded.has(fold)) folded.set(fold, roleMap[key]!);
  }
  const roles = new Set<string>();
  for (const name of platformRoles) {
    if (typeof name !== 'string') continue;
    const mapped = Object.hasOwn(roleMap, name) ? roleMap[name] : folded.get(name.trim().toLowerCase());
    if (mapped !== undefined && known.includes(mapped)) roles.add(mapped);
    if (known.includes(name)) roles.add(name);
  }
  return [...roles].sort();
}
