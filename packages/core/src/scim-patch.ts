// SCIM PATCH (RFC 7644 §3.5.2) of users and groups. Clients are lenient about the RFC, so known quirks are
// normalised before validation: op names in any case, "True"/"False" strings for booleans, path-less values
// with dotted or filtered keys (Entra), extension objects as values, writes of the id, meta or schemas a resource
// already has (Okta), group member removal by value array (Entra). A user PATCH is applied with the scim-patch
// library, guarded against paths that reach shared prototypes, its errors mapped to SCIM ones; a group PATCH is
// read into the membership change for the store. Error details never echo more than 100 characters of input.

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
import { SCIM_SCHEMA_GROUP, SCIM_SCHEMA_PATCH, SCIM_SCHEMA_USER, ScimError } from './scim-base.ts';
import { parseScimUser } from './scim-resources.ts';
import {
  asBoolean,
  CANONICAL,
  echo,
  fail,
  get,
  hasSchema,
  isObject,
  keyOf,
  MAX_NAME,
  memberIdsOf,
  optionalString,
  requiredName,
  userBody,
} from './scim-values.ts';

const SCIM_SCHEMA_ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const MAX_OPERATIONS = 100;
const MAX_PATH = 1000;

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

// ---------------------------------------------------------------------------------------------------------------
// Users: applied with the scim-patch library

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
