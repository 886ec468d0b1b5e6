// SCIM filters (RFC 7644 §3.4.2.2) and paging of the Users and Groups lists: only the equality filters
// provisioning clients send (joined by `and`; attribute names ignoring case, with or without the core schema URN),
// read into the query the store answers; startIndex and count clamped rather than refused where the RFC allows.

import type { Filter } from 'scim2-parse-filter';
import { parse as parseFilterText } from 'scim2-parse-filter';
import { SCIM_SCHEMA_GROUP, SCIM_SCHEMA_USER } from './scim-base.ts';
import { echo, fail } from './scim-values.ts';

const MAX_FILTER = 1000;
const MAX_COUNT = 200;
const DEFAULT_COUNT = 100;

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
// Paging

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
