// SCIM Users and Groups (RFC 7643 §4): a POST or PUT body read into what the store keeps, and a stored user or
// group shaped back into its resource. Attribute names are matched ignoring case and Entra's "True"/"False"
// strings are taken as booleans; everything of a user worth reading back is kept in its `attributes`.

import { SCIM_SCHEMA_GROUP, SCIM_SCHEMA_USER } from './scim-base.ts';
import {
  asBoolean,
  CANONICAL,
  fail,
  get,
  hasSchema,
  isObject,
  MAX_NAME,
  memberIdsOf,
  NAME_PARTS,
  optionalString,
  requiredName,
  USER_RESERVED,
  USER_STRINGS,
  userBody,
} from './scim-values.ts';

const MAX_STRING = 2048;
const MAX_ATTRIBUTES_JSON = 64 * 1024;

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
// Groups

export interface ScimGroupInput {
  displayName: string;
  externalId: string | null;
  memberIds: string[];
}

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
