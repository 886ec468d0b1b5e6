// SCIM 2.0 (RFC 7643 schema, RFC 7644 protocol) for the provisioning endpoint `/t/{tenant}/scim/v2/`: parsing
// and validating what Microsoft Entra ID and Okta send (users, groups, PATCH, filters, paging) and shaping what
// goes back. Pure: no I/O. Clients are lenient about the RFC, so known quirks are normalised before validation
// (op names in any case, "True"/"False" strings for booleans, path-less PATCH values with dotted or filtered keys,
// group member removal by value array). Error details never echo more than 100 characters of input.

import { type ScimPatchOperation, type ScimResource, scimPatch } from 'scim-patch';
import {
  FilterArrayTargetNotFound,
  FilterOnEmptyArray,
  InvalidScimPatchOp,
  InvalidScimPatchRequest,
  InvalidScimRemoveValue,
  NoPathInScimPatchOp,
  NoTarget,
} from 'scim-patch/lib/src/errors/scimErrors.js';
import type { Filter } from 'scim2-parse-filter';
import { parse as parseFilterText } from 'scim2-parse-filter';

export const SCIM_SCHEMA_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_SCHEMA_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const SCIM_SCHEMA_LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SCIM_SCHEMA_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_SCHEMA_PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SCIM_CONTENT_TYPE = 'application/scim+json';

const SCIM_SCHEMA_ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const MAX_NAME = 256;
const MAX_STRING = 2048;
const MAX_ATTRIBUTES_JSON = 64 * 1024;
const MAX_OPERATIONS = 100;
const MAX_FILTER = 1000;
const MAX_PATH = 1000;
const MAX_COUNT = 200;
const DEFAULT_COUNT = 100;
const ECHO = 100;

/** A failure reported as a SCIM error response (RFC 7644 §3.12). */
export class ScimError extends Error {
  status: number;
  scimType: string | undefined;

  constructor(status: number, scimType: string | undefined, detail: string) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
  }
}

/** The error response body: `status` is a string (RFC 7644 §3.12). */
export function scimErrorBody(error: ScimError): object {
  return {
    schemas: [SCIM_SCHEMA_ERROR],
    status: String(error.status),
    ...(error.scimType === undefined ? {} : { scimType: error.scimType }),
    detail: error.message,
  };
}

/** Input quoted in an error detail: at most 100 characters. */
const echo = (value: unknown): string => {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > ECHO ? `${text.slice(0, ECHO)}…` : text);
};

const fail = (scimType: string, detail: string): never => {
  throw new ScimError(400, scimType, detail);
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Attribute names are case-insensitive (RFC 7643 §2.1): the own key matching `name`, if any. */
const keyOf = (object: Record<string, unknown>, name: string): string | undefined => {
  if (Object.hasOwn(object, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === lower);
};

const get = (object: Record<string, unknown>, name: string): unknown => {
  const key = keyOf(object, name);
  return key === undefined ? undefined : object[key];
};

const hasSchema = (body: Record<string, unknown>, schema: string): boolean => {
  const schemas = get(body, 'schemas');
  return (
    Array.isArray(schemas) &&
    schemas.some((item) => typeof item === 'string' && item.toLowerCase() === schema.toLowerCase())
  );
};

/** Booleans, and Entra's "True"/"False" strings (any case); anything else is undefined. */
const asBoolean = (value: unknown): boolean | undefined => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
};

const optionalString = (value: unknown, name: string, max: number): string | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return fail('invalidValue', `${name} must be a string`);
  if (value.length > max) return fail('invalidValue', `${name} is longer than ${max} characters`);
  return value === '' ? null : value;
};

const requiredName = (value: unknown, name: string): string => {
  if (typeof value !== 'string' || value.trim() === '') return fail('invalidValue', `${name} is required`);
  if (value.length > MAX_NAME) return fail('invalidValue', `${name} is longer than ${MAX_NAME} characters`);
  return value;
};

// ---------------------------------------------------------------------------------------------------------------
// Users

export interface ScimUserInput {
  userName: string;
  externalId: string | null;
  active: boolean;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  /** The primary (or first work, or first) email, lowercased. */
  email: string | null;
  /**
   * Everything else of the resource worth reading back (name, displayName, emails, title, preferredLanguage,
   * locale, timezone, nickName, the enterprise extension, ...); never id, meta, schemas, userName, externalId,
   * active, password or groups.
   */
  attributes: Record<string, unknown>;
}

/** Attributes never kept in `attributes` (compared ignoring case). */
const USER_RESERVED = new Set([
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
const USER_STRINGS = [
  'displayName',
  'nickName',
  'profileUrl',
  'title',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
];
const NAME_PARTS = [
  'formatted',
  'familyName',
  'givenName',
  'middleName',
  'honorificPrefix',
  'honorificSuffix',
];

/** Known attribute names, lower case to canonical: PATCH paths are matched ignoring case. */
const CANONICAL = new Map(
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

const parseEmails = (value: unknown): Record<string, unknown>[] | null => {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) return fail('invalidValue', 'emails must be an array');
  if (value.length > 100) return fail('invalidValue', 'too many emails');
  return value.map((item) => {
    if (!isObject(item)) return fail('invalidValue', 'each email must be an object');
    const out: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(item)) {
      const name = CANONICAL.get(key.toLowerCase()) ?? key;
      if (raw === null) continue;
      if (name === 'primary') {
        const primary = asBoolean(raw);
        if (primary === undefined) return fail('invalidValue', 'emails.primary must be a boolean');
        out.primary = primary;
      } else if (name === 'value' || name === 'type' || name === 'display') {
        const text = optionalString(raw, `emails.${name}`, MAX_NAME);
        if (text !== null) out[name] = text;
      } else out[name] = raw;
    }
    if (typeof out.value !== 'string') return fail('invalidValue', 'each email needs a value');
    return out;
  });
};

const primaryEmail = (emails: Record<string, unknown>[] | null): string | null => {
  if (!emails || emails.length === 0) return null;
  const chosen =
    emails.find((email) => email.primary === true) ??
    emails.find((email) => typeof email.type === 'string' && email.type.toLowerCase() === 'work') ??
    emails[0];
  return typeof chosen?.value === 'string' ? chosen.value.trim().toLowerCase() : null;
};

/** A User from a POST or PUT body (or a patched resource). */
export function parseScimUser(body: unknown): ScimUserInput {
  if (!isObject(body)) return fail('invalidSyntax', 'The body must be a JSON object');
  if (!hasSchema(body, SCIM_SCHEMA_USER))
    return fail('invalidSyntax', `schemas must contain ${SCIM_SCHEMA_USER}`);
  const userName = requiredName(get(body, 'userName'), 'userName');
  const externalId = optionalString(get(body, 'externalId'), 'externalId', MAX_NAME);
  const rawActive = get(body, 'active');
  const active = rawActive === undefined || rawActive === null ? true : asBoolean(rawActive);
  if (active === undefined) return fail('invalidValue', 'active must be a boolean');

  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (USER_RESERVED.has(key.toLowerCase()) || value === null || value === undefined) continue;
    attributes[CANONICAL.get(key.toLowerCase()) ?? key] = value;
  }
  for (const name of USER_STRINGS) {
    const text = optionalString(attributes[name], name, MAX_STRING);
    if (text === null) delete attributes[name];
    else attributes[name] = text;
  }
  let givenName: string | null = null;
  let familyName: string | null = null;
  if (attributes.name !== undefined) {
    if (!isObject(attributes.name)) return fail('invalidValue', 'name must be an object');
    const name: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(attributes.name)) {
      if (value === null) continue;
      const part = CANONICAL.get(key.toLowerCase()) ?? key;
      name[part] = NAME_PARTS.includes(part) ? optionalString(value, `name.${part}`, MAX_STRING) : value;
      if (name[part] === null) delete name[part];
    }
    givenName = typeof name.givenName === 'string' ? name.givenName : null;
    familyName = typeof name.familyName === 'string' ? name.familyName : null;
    attributes.name = name;
  }
  const emails = parseEmails(attributes.emails);
  if (emails === null) delete attributes.emails;
  else attributes.emails = emails;
  if (JSON.stringify(attributes).length > MAX_ATTRIBUTES_JSON)
    return fail('invalidValue', 'The user has too much data');

  const displayName = (attributes.displayName as string | undefined) ?? null;
  return {
    userName,
    externalId,
    active,
    displayName,
    givenName,
    familyName,
    email: primaryEmail(emails),
    attributes,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The schemas a user resource names: core User, plus each extension present in its attributes. */
const userSchemas = (attributes: Record<string, unknown>): string[] => [
  SCIM_SCHEMA_USER,
  ...Object.keys(attributes).filter(
    (key) => key.toLowerCase().startsWith('urn:') && isObject(attributes[key]),
  ),
];

const userBody = (
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

/** The SCIM User JSON for a stored user. */
export function scimUserResource(
  input: {
    id: string;
    userName: string;
    externalId: string | null;
    active: boolean;
    attributes: Record<string, unknown>;
    created: number;
    lastModified: number;
    version: number;
  },
  location: string,
): object {
  return userBody(input.id, input, {
    resourceType: 'User',
    created: iso(input.created),
    lastModified: iso(input.lastModified),
    version: `W/"${input.version}"`,
    location,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// PATCH (RFC 7644 §3.5.2)

type Op = 'add' | 'remove' | 'replace';
interface NormalOp {
  op: Op;
  /** Canonical path, or undefined for a path-less op (only ever left path-less when the value is no object). */
  path: string | undefined;
  /** The path's first attribute, lower case, after any core schema URN ('' when path-less). */
  attribute: string;
  /** The path's text after the first attribute (sub-attribute, filter), as given. */
  rest: string;
  /** The extension URN the path is under, if any. */
  urn: string | undefined;
  value: unknown;
  hasValue: boolean;
}

/**
 * Names that reach inherited properties of the objects, arrays and strings in a resource: scim-patch walks paths
 * with `obj[key]` and creates what is missing, so `__proto__.x` or `constructor.x` would write into shared
 * prototypes or constructors.
 */
const FORBIDDEN = (segment: string): boolean =>
  segment in Object.prototype || segment in Array.prototype || segment in String.prototype;

const checkKeys = (value: unknown, depth = 0): void => {
  if (depth > 20) fail('invalidValue', 'The value is nested too deeply');
  if (Array.isArray(value)) for (const item of value) checkKeys(item, depth + 1);
  else if (isObject(value))
    for (const [key, item] of Object.entries(value)) {
      if (key.split('.').some(FORBIDDEN)) fail('invalidPath', `Attribute ${echo(key)} is not supported`);
      checkKeys(item, depth + 1);
    }
};

/** Splits `urn:...:attr.sub[filter].x` into the schema URN (if any), the first attribute and the rest. */
const splitPath = (
  raw: string,
  coreSchema: string,
): { urn: string | undefined; attribute: string; rest: string; path: string } => {
  if (raw.length > MAX_PATH) return fail('invalidPath', 'The path is too long');
  let text = raw.trim();
  let urn: string | undefined;
  if (text.toLowerCase().startsWith('urn:')) {
    const bracket = text.indexOf('[');
    const head = bracket < 0 ? text : text.slice(0, bracket);
    const known = [coreSchema, SCIM_SCHEMA_ENTERPRISE_USER].find((schema) =>
      head.toLowerCase().startsWith(`${schema.toLowerCase()}:`),
    );
    const end = known ? known.length : head.lastIndexOf(':');
    if (end <= 'urn:'.length) return fail('invalidPath', `Path ${echo(raw)} is not valid`);
    urn = known ?? head.slice(0, end);
    text = text.slice(end + 1);
    if (urn === coreSchema) urn = undefined;
  }
  const match = /^([A-Za-z][\w$-]*)(.*)$/s.exec(text);
  if (!match) return fail('invalidPath', `Path ${echo(raw)} is not valid`);
  const first = match[1] ?? '';
  const rest = match[2] ?? '';
  // scim-patch takes the last ':' of a path as the end of its schema URN, even inside a quoted filter value.
  if (rest.includes(':')) return fail('invalidPath', `Path ${echo(raw)} is not supported`);
  if (rest !== '' && !/^(\[[^\]]*\])?(\.[A-Za-z][\w$-]*)?$/.test(rest))
    return fail('invalidPath', `Path ${echo(raw)} is not valid`);
  const attribute = urn === undefined ? (CANONICAL.get(first.toLowerCase()) ?? first) : first;
  const sub = /^(\[[^\]]*\])?(?:\.([A-Za-z][\w$-]*))?$/.exec(rest);
  const subName = sub?.[2];
  const canonicalRest = `${sub?.[1] ?? ''}${subName ? `.${CANONICAL.get(subName.toLowerCase()) ?? subName}` : ''}`;
  for (const segment of [first, subName]) {
    if (segment !== undefined && FORBIDDEN(segment))
      fail('invalidPath', `Attribute ${echo(segment)} is not supported`);
  }
  return {
    urn,
    attribute: attribute.toLowerCase(),
    rest: canonicalRest,
    path: `${urn === undefined ? '' : `${urn}:`}${attribute}${canonicalRest}`,
  };
};

/**
 * Validates a PatchOp body and normalises it: op names lower-cased, a path-less add/replace split into one op
 * per key of its value (Entra sends keys such as `name.givenName` and `emails[type eq "work"].value`), an
 * extension object split into one op per extension attribute, "True"/"False" made booleans where a boolean is
 * meant (`active`, `primary`).
 */
const normaliseOps = (body: unknown, coreSchema: string): NormalOp[] => {
  if (!isObject(body)) return fail('invalidSyntax', 'The body must be a JSON object');
  if (!hasSchema(body, SCIM_SCHEMA_PATCH))
    return fail('invalidSyntax', `schemas must contain ${SCIM_SCHEMA_PATCH}`);
  const operations = get(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0)
    return fail('invalidSyntax', 'Operations must be a non-empty array');
  if (operations.length > MAX_OPERATIONS)
    return fail('tooMany', `At most ${MAX_OPERATIONS} operations are allowed in one request`);

  const out: NormalOp[] = [];
  const push = (op: Op, rawPath: string, value: unknown, hasValue: boolean) => {
    const { urn, attribute, rest, path } = splitPath(rawPath, coreSchema);
    let normal = value;
    if ((attribute === 'active' && rest === '') || (rest.endsWith('.primary') && urn === undefined)) {
      const flag = asBoolean(value);
      if (flag !== undefined) normal = flag;
    }
    out.push({ op, path, attribute, rest, urn, value: normal, hasValue });
  };
  const extensionOf = (key: string): string | undefined => {
    const trimmed = key.trim();
    if (!/^urn:/i.test(trimmed) || /[[\].]/.test(trimmed.slice(trimmed.lastIndexOf(':')))) return undefined;
    // A bare schema URN ends in its resource type (…:User); an attribute path ends in an attribute name.
    return /:(User|Group)$/i.test(trimmed) ? trimmed : undefined;
  };
  const extensionPath = (path: string): string | undefined => {
    const extension = extensionOf(path);
    if (extension?.toLowerCase() === coreSchema.toLowerCase())
      return fail('invalidPath', 'A path must name an attribute, not the core schema');
    return extension;
  };

  for (const raw of operations) {
    if (!isObject(raw)) return fail('invalidSyntax', 'Each operation must be an object');
    checkKeys(raw);
    const rawOp = get(raw, 'op');
    const op = typeof rawOp === 'string' ? rawOp.trim().toLowerCase() : undefined;
    if (op !== 'add' && op !== 'remove' && op !== 'replace')
      return fail('invalidSyntax', `Operation ${echo(rawOp ?? null)} is not add, remove or replace`);
    const pathKey = keyOf(raw, 'path');
    const rawPath = pathKey === undefined ? undefined : raw[pathKey];
    if (rawPath !== undefined && rawPath !== null && typeof rawPath !== 'string')
      return fail('invalidPath', 'path must be a string');
    const path = typeof rawPath === 'string' && rawPath.trim() !== '' ? rawPath : undefined;
    const valueKey = keyOf(raw, 'value');
    const hasValue = valueKey !== undefined;
    const value = valueKey === undefined ? undefined : raw[valueKey];

    if (op === 'remove') {
      if (path === undefined) return fail('noTarget', 'A remove operation needs a path');
      const extension = extensionPath(path);
      if (extension !== undefined) {
        out.push({ op, path: extension, attribute: '', rest: '', urn: extension, value, hasValue });
        continue;
      }
      push(op, path, value, hasValue);
      continue;
    }
    if (!hasValue) return fail('invalidSyntax', `An ${op} operation needs a value`);
    if (path !== undefined) {
      const extension = extensionPath(path);
      if (extension === undefined) {
        push(op, path, value, hasValue);
        continue;
      }
      if (!isObject(value)) return fail('invalidValue', 'An extension schema takes an object value');
      for (const [key, item] of Object.entries(value)) push(op, `${extension}:${key}`, item, true);
      continue;
    }
    if (!isObject(value))
      return fail('invalidValue', `An ${op} operation without a path takes an object of attributes`);
    for (const [key, item] of Object.entries(value)) {
      const extension = extensionOf(key);
      if (extension === undefined) push(op, key, item, true);
      else if (!isObject(item)) return fail('invalidValue', 'An extension schema takes an object value');
      else for (const [sub, subItem] of Object.entries(item)) push(op, `${extension}:${sub}`, subItem, true);
    }
  }
  return out;
};

const READ_ONLY = new Set(['id', 'meta', 'schemas']);

/** Refuses changes to id, meta and schemas; a write of the value they already have (Okta does) is dropped. */
const withoutReadOnly = (ops: NormalOp[], resource: Record<string, unknown>): NormalOp[] =>
  ops.filter((op) => {
    if (op.urn !== undefined || !READ_ONLY.has(op.attribute)) return true;
    if (op.op !== 'remove' && op.rest === '' && sameJson(op.value, resource[op.attribute])) return false;
    return fail('mutability', `${op.attribute} cannot be changed`);
  });

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const patchError = (error: unknown, op: NormalOp): never => {
  if (error instanceof ScimError) throw error;
  const where = op.path === undefined ? '' : ` at ${echo(op.path)}`;
  if (error instanceof NoTarget || error instanceof NoPathInScimPatchOp)
    return fail('noTarget', `No value matches the filter${where}`);
  if (error instanceof FilterArrayTargetNotFound || error instanceof FilterOnEmptyArray)
    return fail('noTarget', `No value matches the filter${where}`);
  if (error instanceof InvalidScimRemoveValue)
    return fail('invalidValue', `A remove with a value needs a multi-valued attribute${where}`);
  if (error instanceof InvalidScimPatchRequest)
    return fail('invalidSyntax', `The operation is not valid${where}`);
  if (error instanceof InvalidScimPatchOp) return fail('invalidPath', `The path is not valid${where}`);
  return fail('invalidValue', `The operation cannot be applied${where}`);
};

/**
 * Applies a PATCH to a user resource (as scimUserResource returns; not mutated) and returns the patched
 * resource in canonical form. The result is validated as a user (so removing userName fails).
 */
export function applyScimUserPatch(resource: object, body: unknown): object {
  const ops = withoutReadOnly(normaliseOps(body, SCIM_SCHEMA_USER), resource as Record<string, unknown>);
  let current = structuredClone(resource) as Record<string, unknown>;
  for (const op of ops) {
    try {
      if (op.attribute === '' && op.urn !== undefined) {
        // Removal of a whole extension, which scim-patch cannot address.
        const key = keyOf(current, op.urn);
        if (key !== undefined) delete current[key];
        continue;
      }
      const operation = { op: op.op, path: op.path, ...(op.hasValue ? { value: op.value } : {}) };
      current = scimPatch(current as unknown as ScimResource, [operation as ScimPatchOperation], {
        mutateDocument: true,
        treatMissingAsAdd: true,
      }) as unknown as Record<string, unknown>;
    } catch (error) {
      patchError(error, op);
    }
  }
  const user = parseScimUser(current);
  return userBody(
    String((resource as Record<string, unknown>).id ?? ''),
    user,
    (resource as { meta?: unknown }).meta,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Groups

export interface ScimGroupInput {
  displayName: string;
  externalId: string | null;
  memberIds: string[];
}

const memberIdsOf = (value: unknown): string[] => {
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

/** A Group from a POST or PUT body. */
export function parseScimGroup(body: unknown): ScimGroupInput {
  if (!isObject(body)) return fail('invalidSyntax', 'The body must be a JSON object');
  if (!hasSchema(body, SCIM_SCHEMA_GROUP))
    return fail('invalidSyntax', `schemas must contain ${SCIM_SCHEMA_GROUP}`);
  const displayName = requiredName(get(body, 'displayName'), 'displayName');
  const externalId = optionalString(get(body, 'externalId'), 'externalId', MAX_NAME);
  const members = get(body, 'members');
  return {
    displayName,
    externalId,
    memberIds: members === undefined || members === null ? [] : memberIdsOf(members),
  };
}

/** The SCIM Group JSON for a stored group. */
export function scimGroupResource(
  input: {
    id: string;
    displayName: string;
    externalId: string | null;
    memberIds: string[];
    created: number;
    lastModified: number;
    version: number;
  },
  location: string,
  memberLocation: (id: string) => string,
): object {
  return {
    schemas: [SCIM_SCHEMA_GROUP],
    id: input.id,
    ...(input.externalId === null ? {} : { externalId: input.externalId }),
    displayName: input.displayName,
    members: input.memberIds.map((id) => ({ value: id, $ref: memberLocation(id) })),
    meta: {
      resourceType: 'Group',
      created: iso(input.created),
      lastModified: iso(input.lastModified),
      version: `W/"${input.version}"`,
      location,
    },
  };
}

/** The member ids a `members[value eq "x"]` filter names (`or` of several allowed). */
const membersFilterIds = (filterText: string): string[] => {
  let filter: Filter;
  try {
    filter = parseFilterText(filterText);
  } catch {
    return fail('invalidPath', `Filter ${echo(filterText)} is not valid`);
  }
  const ids: string[] = [];
  const walk = (node: Filter): void => {
    if (node.op === 'or') for (const part of node.filters) walk(part);
    else if (
      node.op === 'eq' &&
      node.attrPath.toLowerCase() === 'value' &&
      typeof node.compValue === 'string'
    )
      ids.push(node.compValue);
    else fail('invalidPath', 'Only members[value eq "id"] is supported');
  };
  walk(filter);
  return ids;
};

/**
 * A PATCH of a group (resource as scimGroupResource returns) as the change to make: displayName and externalId
 * after the patch, and the membership change: `replaceMembers` when the patch sets the whole list (replace of
 * members, or a remove of all members), else the ids to `add` and to `remove` (not checked against the current
 * members: adding a member twice or removing a non-member is for the store to take as a no-op).
 */
export function applyScimGroupPatch(
  resource: object,
  body: unknown,
): {
  displayName: string;
  externalId: string | null;
  add: string[];
  remove: string[];
  replaceMembers: string[] | null;
} {
  const current = resource as Record<string, unknown>;
  const ops = withoutReadOnly(normaliseOps(body, SCIM_SCHEMA_GROUP), current);
  let displayName = typeof current.displayName === 'string' ? current.displayName : '';
  let externalId = typeof current.externalId === 'string' ? current.externalId : null;
  let replaceMembers: string[] | null = null;
  const add = new Set<string>();
  const remove = new Set<string>();
  const adding = (ids: string[]) => {
    for (const id of ids) {
      if (replaceMembers) {
        if (!replaceMembers.includes(id)) replaceMembers.push(id);
      } else {
        remove.delete(id);
        add.add(id);
      }
    }
  };
  const removing = (ids: string[]) => {
    for (const id of ids) {
      if (replaceMembers) replaceMembers = replaceMembers.filter((member) => member !== id);
      else {
        add.delete(id);
        remove.add(id);
      }
    }
  };

  for (const op of ops) {
    const where = echo(op.path ?? '');
    if (op.urn !== undefined) return fail('invalidPath', `Attribute ${where} is not supported on a group`);
    if (op.attribute === 'displayname' && op.rest === '') {
      if (op.op === 'remove') return fail('invalidValue', 'displayName is required');
      displayName = requiredName(op.value, 'displayName');
    } else if (op.attribute === 'externalid' && op.rest === '') {
      externalId = op.op === 'remove' ? null : optionalString(op.value, 'externalId', MAX_NAME);
    } else if (op.attribute === 'members') {
      const filter = /^\[(.*)\]$/s.exec(op.rest);
      if (op.rest !== '' && !filter) return fail('invalidPath', `Path ${where} is not supported on a group`);
      if (filter) {
        if (op.op !== 'remove') return fail('invalidPath', `Only remove takes a filtered members path`);
        removing(membersFilterIds(filter[1] ?? ''));
      } else if (op.op === 'remove') {
        // Entra removes members by listing them in the value; no value means every member.
        if (op.value === undefined || op.value === null) {
          replaceMembers = [];
          add.clear();
          remove.clear();
        } else removing(memberIdsOf(Array.isArray(op.value) ? op.value : [op.value]));
      } else if (op.op === 'add') adding(memberIdsOf(Array.isArray(op.value) ? op.value : [op.value]));
      else {
        replaceMembers =
          op.value === null ? [] : memberIdsOf(Array.isArray(op.value) ? op.value : [op.value]);
        add.clear();
        remove.clear();
      }
    } else return fail('invalidPath', `Attribute ${where} is not supported on a group`);
  }
  return { displayName, externalId, add: [...add], remove: [...remove], replaceMembers };
}

// ---------------------------------------------------------------------------------------------------------------
// Filters (RFC 7644 §3.4.2.2): only the equality filters provisioning clients send.

export interface ScimUserFilter {
  userName?: string;
  externalId?: string;
  email?: string;
}

export interface ScimGroupFilter {
  id?: string;
  displayName?: string;
  externalId?: string;
  memberId?: string;
}

const filterFail = (detail: string): never => fail('invalidFilter', detail);

/** The terms of a filter joined by `and`, as [attribute (lower case, core schema URN dropped), node]. */
const andTerms = (text: string | undefined, coreSchema: string): Filter[] => {
  if (text === undefined || text.trim() === '') return [];
  if (text.length > MAX_FILTER) return filterFail(`The filter is longer than ${MAX_FILTER} characters`);
  let filter: Filter;
  try {
    filter = parseFilterText(text);
  } catch {
    return filterFail(`Filter ${echo(text)} is not valid`);
  }
  const terms: Filter[] = [];
  const walk = (node: Filter): void => {
    if (node.op === 'and') for (const part of node.filters) walk(part);
    else if (node.op === 'or' || node.op === 'not') filterFail(`"${node.op}" is not supported in filters`);
    else terms.push(node);
  };
  walk(filter);
  const prefix = `${coreSchema.toLowerCase()}:`;
  return terms.map((term) => {
    if (!('attrPath' in term)) return term;
    const lower = term.attrPath.toLowerCase();
    return { ...term, attrPath: lower.startsWith(prefix) ? lower.slice(prefix.length) : lower } as Filter;
  });
};

const eqString = (term: Filter): string => {
  if (term.op !== 'eq') return filterFail(`Operator "${term.op}" is not supported; use eq`);
  if (typeof term.compValue !== 'string') return filterFail('Filters compare with a quoted string');
  return term.compValue;
};

/** The `value` a `[...]` sub-filter asks for; other `eq` terms in it (type, primary) are read and ignored. */
const subFilterValue = (node: Filter, attribute: string): string => {
  const terms: Filter[] = [];
  const walk = (part: Filter): void => {
    if (part.op === 'and') for (const sub of part.filters) walk(sub);
    else if (part.op === 'or' || part.op === 'not') filterFail(`"${part.op}" is not supported in filters`);
    else terms.push(part);
  };
  walk(node);
  const values: string[] = [];
  for (const term of terms) {
    if (term.op === '[]' || !('attrPath' in term))
      return filterFail(`Filter on ${echo(attribute)} is not supported`);
    const value = eqString(term);
    const sub = term.attrPath.toLowerCase();
    if (sub === 'value') values.push(value);
    else if (sub !== 'type' && sub !== 'primary' && sub !== 'display')
      filterFail(`Filter on ${echo(`${attribute}.${term.attrPath}`)} is not supported`);
  }
  if (values.length !== 1) return filterFail(`A ${attribute}[...] filter needs exactly one value eq`);
  return values[0] ?? '';
};

const setOnce = <T extends object>(out: T, key: keyof T, value: string) => {
  const existing = out[key] as unknown;
  if (existing !== undefined && existing !== value)
    filterFail(`The filter names ${String(key)} twice with different values`);
  (out as Record<keyof T, unknown>)[key] = value;
};

/** `userName eq "x"`, `externalId eq "x"`, `emails.value eq "x"`, `emails[value eq "x"]`, joined by `and`. */
export function parseScimUserFilter(text: string | undefined): ScimUserFilter {
  const out: ScimUserFilter = {};
  for (const term of andTerms(text, SCIM_SCHEMA_USER)) {
    if (term.op === '[]') {
      if (term.attrPath !== 'emails') filterFail(`Filter on ${echo(term.attrPath)} is not supported`);
      setOnce(out, 'email', subFilterValue(term.valFilter, 'emails'));
      continue;
    }
    if (!('attrPath' in term)) return filterFail('The filter is not supported');
    if (term.attrPath === 'username') setOnce(out, 'userName', eqString(term));
    else if (term.attrPath === 'externalid') setOnce(out, 'externalId', eqString(term));
    else if (term.attrPath === 'emails.value') setOnce(out, 'email', eqString(term));
    else filterFail(`Filter on ${echo(term.attrPath)} is not supported`);
  }
  return out;
}

/** `id eq`, `displayName eq`, `externalId eq`, `members[value eq "x"]` / `members.value eq "x"`, joined by `and`. */
export function parseScimGroupFilter(text: string | undefined): ScimGroupFilter {
  const out: ScimGroupFilter = {};
  for (const term of andTerms(text, SCIM_SCHEMA_GROUP)) {
    if (term.op === '[]') {
      if (term.attrPath !== 'members') filterFail(`Filter on ${echo(term.attrPath)} is not supported`);
      setOnce(out, 'memberId', subFilterValue(term.valFilter, 'members'));
      continue;
    }
    if (!('attrPath' in term)) return filterFail('The filter is not supported');
    if (term.attrPath === 'id') setOnce(out, 'id', eqString(term));
    else if (term.attrPath === 'displayname') setOnce(out, 'displayName', eqString(term));
    else if (term.attrPath === 'externalid') setOnce(out, 'externalId', eqString(term));
    else if (term.attrPath === 'members.value') setOnce(out, 'memberId', eqString(term));
    else filterFail(`Filter on ${echo(term.attrPath)} is not supported`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Paging and lists

const integer = (raw: string | undefined, name: string): number | undefined => {
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^\s*[+-]?\d{1,20}\s*$/.test(raw)) return fail('invalidValue', `${name} must be an integer`);
  return Math.min(Number(raw), Number.MAX_SAFE_INTEGER);
};

/** startIndex (1-based; default 1, below 1 taken as 1) and count (default 100, negative taken as 0, at most 200). */
export function parseScimPaging(
  startIndex: string | undefined,
  count: string | undefined,
): { startIndex: number; count: number } {
  const start = integer(startIndex, 'startIndex') ?? 1;
  const size = integer(count, 'count') ?? DEFAULT_COUNT;
  return { startIndex: Math.max(1, start), count: Math.min(MAX_COUNT, Math.max(0, size)) };
}

/** A ListResponse (RFC 7644 §3.4.2). */
export function scimListResponse(total: number, startIndex: number, resources: object[]): object {
  return {
    schemas: [SCIM_SCHEMA_LIST],
    totalResults: total,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
