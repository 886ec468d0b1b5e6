// The helpers the SCIM modules share (scim-resources.ts, scim-patch.ts, scim-filter.ts): reading attributes
// ignoring case, validating strings, names and booleans (with Entra's "True"/"False"), failing with a ScimError
// whose detail never echoes more than 100 characters of input; and the user and group shapes that both parsing
// and PATCH build. Internal: scim.ts does not re-export it.

import { SCIM_SCHEMA_USER, ScimError } from './scim-base.ts';

export const MAX_NAME = 256;
const ECHO = 100;

/** Input quoted in an error detail: at most 100 characters. */
export const echo = (value: unknown): string => {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > ECHO ? `${text.slice(0, ECHO)}…` : text);
};

export const fail = (scimType: string, detail: string): never => {
  throw new ScimError(400, scimType, detail);
};

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Attribute names are case-insensitive (RFC 7643 §2.1): the own key matching `name`, if any. */
export const keyOf = (object: Record<string, unknown>, name: string): string | undefined => {
  if (Object.hasOwn(object, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === lower);
};

export const get = (object: Record<string, unknown>, name: string): unknown => {
  const key = keyOf(object, name);
  return key === undefined ? undefined : object[key];
};

export const hasSchema = (body: Record<string, unknown>, schema: string): boolean => {
  const schemas = get(body, 'schemas');
  return (
    Array.isArray(schemas) &&
    schemas.some((item) => typeof item === 'string' && item.toLowerCase() === schema.toLowerCase())
  );
};

/** Booleans, and Entra's "True"/"False" strings (any case); anything else is undefined. */
export const asBoolean = (value: unknown): boolean | undefined => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
};

export const optionalString = (value: unknown, name: string, max: number): string | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return fail('invalidValue', `${name} must be a string`);
  if (value.length > max) return fail('invalidValue', `${name} is longer than ${max} characters`);
  return value === '' ? null : value;
};

export const requiredName = (value: unknown, name: string): string => {
  if (typeof value !== 'string' || value.trim() === '') return fail('invalidValue', `${name} is required`);
  if (value.length > MAX_NAME) return fail('invalidValue', `${name} is longer than ${MAX_NAME} characters`);
  return value;
};

/** Attributes never kept in `attributes` (compared ignoring case). */
export const USER_RESERVED = new Set([
  'id',
  'meta',
  'schemas',
  'username',
  'externalid',
  'active',
  'password',
  'groups',
]);
/** Single-valued string attributes of the core User schema. */
export const USER_STRINGS = [
  'displayName',
  'nickName',
  'profileUrl',
  'title',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
];
export const NAME_PARTS = [
  'formatted',
  'familyName',
  'givenName',
  'middleName',
  'honorificPrefix',
  'honorificSuffix',
];

/** Known attribute names, lower case to canonical: PATCH paths are matched ignoring case. */
export const CANONICAL = new Map(
  [
    'id',
    'meta',
    'schemas',
    'userName',
    'externalId',
    'active',
    'password',
    'groups',
    'name',
    'emails',
    'phoneNumbers',
    'addresses',
    'photos',
    'ims',
    'roles',
    'entitlements',
    'x509Certificates',
    'value',
    'type',
    'primary',
    'display',
    'members',
    'employeeNumber',
    'costCenter',
    'organization',
    'division',
    'department',
    'manager',
    ...USER_STRINGS,
    ...NAME_PARTS,
  ].map((name) => [name.toLowerCase(), name]),
);

/** The schemas a user resource names: core User, plus each extension present in its attributes. */
const userSchemas = (attributes: Record<string, unknown>): string[] => [
  SCIM_SCHEMA_USER,
  ...Object.keys(attributes).filter(
    (key) => key.toLowerCase().startsWith('urn:') && isObject(attributes[key]),
  ),
];

export const userBody = (
  id: string,
  user: { userName: string; externalId: string | null; active: boolean; attributes: Record<string, unknown> },
  meta: unknown,
) => {
  const attributes = Object.fromEntries(
    Object.entries(user.attributes).filter(([key]) => !USER_RESERVED.has(key.toLowerCase())),
  );
  return {
    schemas: userSchemas(attributes),
    id,
    ...(user.externalId === null ? {} : { externalId: user.externalId }),
    userName: user.userName,
    active: user.active,
    ...attributes,
    meta,
  };
};

/** The ids of a `members` value (an array of `{ value }`), without repeats. */
export const memberIdsOf = (value: unknown): string[] => {
  if (!Array.isArray(value)) return fail('invalidValue', 'members must be an array');
  const ids = value.map((member) => {
    const id = isObject(member) ? get(member, 'value') : undefined;
    if (typeof id !== 'string' || id.trim() === '') return fail('invalidValue', 'Each member needs a value');
    if (id.length > MAX_NAME)
      return fail('invalidValue', `A member value is longer than ${MAX_NAME} characters`);
    return id;
  });
  return [...new Set(ids)];
};
