// Platform-JWT claims: where a profile's JSON pointers find the user in a payload, checked for type, and the
// roles a platform's groups map to. Pure.
import { ROLES } from '@deskgate/protocol';
import { DeskgateError } from './errors.ts';
import { type ClaimMapping, isJsonPointer } from './platform-jwt-config.ts';

const MAX_ID_LENGTH = 255;
const MAX_EMAIL_LENGTH = 254;

export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export interface MappedIdentity {
  id: string | null;
  email: string | null;
  name: string | null;
  groups: string[];
}

/** The value at an RFC 6901 pointer (own members only), or undefined when nothing is there. */
export function readJsonPointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let current = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
      current = current[Number(token)];
    } else if (typeof current === 'object' && current !== null && Object.hasOwn(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}

function claimsError(message: string): DeskgateError {
  return new DeskgateError('jwt_claims_invalid', message);
}

function normalizeEmail(value: string, pointer: string): string {
  const email = value.trim().normalize('NFC').toLowerCase().normalize('NFC');
  const at = email.indexOf('@');
  const valid =
    email.length <= MAX_EMAIL_LENGTH &&
    at > 0 &&
    at < email.length - 1 &&
    email.indexOf('@', at + 1) === -1 &&
    !/[\s\p{Cc}]/u.test(email);
  if (!valid) throw claimsError(`The claim at ${pointer} is not an email address`);
  return email;
}

/** Maps the payload to a user through the profile's pointers; throws jwt_claims_invalid naming the pointer. */
export function mapClaims(payload: Record<string, unknown>, mapping: ClaimMapping): MappedIdentity {
  const at = (field: keyof ClaimMapping): { pointer: string; value: unknown } | undefined => {
    const pointer = mapping[field];
    if (pointer === undefined) return undefined;
    if (!isJsonPointer(pointer)) throw claimsError(`The ${field} mapping is not a JSON pointer`);
    const value = readJsonPointer(payload, pointer);
    // An absent member and null are the same to a platform that leaves a field out.
    return value === undefined || value === null ? undefined : { pointer, value };
  };
  const optionalString = (field: keyof ClaimMapping): string | undefined => {
    const found = at(field);
    if (!found) return undefined;
    if (typeof found.value !== 'string') throw claimsError(`The claim at ${found.pointer} is not a string`);
    return found.value.trim();
  };

  let id: string | null = null;
  const rawId = at('id');
  if (rawId) {
    const { pointer, value } = rawId;
    if (typeof value === 'string') id = value === '' ? null : value;
    else if (isNumber(value)) id = String(value);
    else throw claimsError(`The claim at ${pointer} is not a string or a number`);
    if (id !== null && id.length > MAX_ID_LENGTH)
      throw claimsError(`The claim at ${pointer} is longer than ${MAX_ID_LENGTH} characters`);
  }

  let email: string | null = null;
  const rawEmail = at('email');
  if (rawEmail) {
    if (typeof rawEmail.value !== 'string')
      throw claimsError(`The claim at ${rawEmail.pointer} is not a string`);
    if (rawEmail.value.trim() !== '') email = normalizeEmail(rawEmail.value, rawEmail.pointer);
  }
  const rawEmails = at('emails');
  if (rawEmails) {
    const { pointer, value } = rawEmails;
    if (!Array.isArray(value) || value.some((e) => typeof e !== 'string'))
      throw claimsError(`The claim at ${pointer} is not an array of strings`);
    const emails = (value as string[]).map((e) => normalizeEmail(e, pointer));
    email ??= emails[0] ?? null;
  }

  const name = optionalString('name');
  const first = optionalString('firstName');
  const last = optionalString('lastName');
  const fullName = name || [first, last].filter(Boolean).join(' ');

  const groups: string[] = [];
  const rawGroups = at('groups');
  if (rawGroups) {
    const { pointer, value } = rawGroups;
    if (!Array.isArray(value) || value.some((g) => typeof g !== 'string' && !isNumber(g)))
      throw claimsError(`The claim at ${pointer} is not an array of strings or numbers`);
    for (const group of value as (string | number)[]) {
      const text = String(group);
      if (!groups.includes(text)) groups.push(text);
    }
  }

  if (id === null && email === null) throw claimsError('The token names no user: neither an id nor an email');
  return { id, email, name: fullName || null, groups };
}

/** The union of the roles mapped to the groups, in ROLES order; none mapped means `fallback`. */
export function rolesFromGroups(
  groups: string[],
  groupRoles: Record<string, string[]>,
  fallback: string[],
): string[] {
  const granted = new Set<string>();
  for (const group of groups) {
    // Own members only: a group called "constructor" must not reach Object.prototype.
    if (Object.hasOwn(groupRoles, group)) for (const role of groupRoles[group] ?? []) granted.add(role);
  }
  const roles = ROLES.filter((role) => granted.has(role));
  return roles.length > 0 ? roles : [...fallback];
}
