// Validators from route schemas: 400 validation_failed naming the field and what it must be, never the value.
import { DeskgateError } from '@deskgate/core';
import type { Context, MiddlewareHandler } from 'hono';
import { uniqueSymbol, validator } from 'hono-openapi';
import type { GenericSchema } from 'valibot';
import { BODY_LIMIT, bufferBody, FORM_BODY_LIMIT, JSON_BODY_LIMIT } from './body-limit.ts';

type PathItem = PropertyKey | { readonly key: unknown };
interface ValidationResult {
  success: boolean;
  data: unknown;
  error?: readonly { readonly path?: readonly PathItem[] | undefined }[];
}

/** What a schema node exposes at runtime: its message, the entries of an object, what an optional wraps. */
interface SchemaNode {
  message?: unknown;
  entries?: Record<string, unknown>;
  wrapped?: unknown;
}

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
const BODY_EXPECTED = 'body: must be a JSON object sent as application/json';

function unwrap(node: unknown): SchemaNode | undefined {
  let current = node as SchemaNode | undefined;
  while (current?.wrapped) current = current.wrapped as SchemaNode;
  return current;
}

/**
 * A field's expectation is the message given to its type schema (`v.string('must be ...')`); it stands
 * for every check in the field's pipe, so the library's own texts, which quote the input, never reach
 * a client.
 */
function expectationOf(schema: GenericSchema, keys: string[]): string | undefined {
  let node = unwrap(schema);
  for (const key of keys) node = unwrap(node?.entries?.[key]);
  return typeof node?.message === 'string' ? node.message : undefined;
}

function isPresent(input: unknown, keys: string[]): boolean {
  let current = input;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null || !(key in current)) return false;
    current = (current as Record<string, unknown>)[key];
  }
  return true;
}

export function validationMessage(schema: GenericSchema, result: ValidationResult): string {
  const messages = new Set<string>();
  for (const issue of result.error ?? []) {
    const keys = (issue.path ?? []).map((item) => String(typeof item === 'object' ? item.key : item));
    if (keys.length === 0) {
      messages.add(BODY_EXPECTED);
      continue;
    }
    const field = keys.join('.');
    const expected = expectationOf(schema, keys);
    if (!isPresent(result.data, keys)) {
      messages.add(expected ? `${field}: is required and ${expected}` : `${field}: is required`);
    } else {
      messages.add(`${field}: ${expected ?? 'is not valid'}`);
    }
  }
  return [...messages].join('; ');
}

function failWith(schema: GenericSchema) {
  return (result: ValidationResult) => {
    if (!result.success) throw new DeskgateError('validation_failed', validationMessage(schema, result));
  };
}

/** Query parameters, validated and typed for `c.req.valid('query')`. */
export function query<S extends GenericSchema>(schema: S) {
  return validator('query', schema, failWith(schema));
}

/** Path parameters, validated and typed for `c.req.valid('param')`. */
export function params<S extends GenericSchema>(schema: S) {
  return validator('param', schema, failWith(schema));
}

/**
 * A JSON object body of at most `maxBytes`, refused with 413 body_too_large before it is parsed.
 * Hono's own JSON reading answers a plain-text 400 for malformed JSON and hands `{}` on for other media
 * types, so the body is checked here first: anything but a JSON object sent as application/json (not
 * JSON, an array, null, nothing) is validation_failed.
 */
export function jsonBody<S extends GenericSchema>(schema: S, maxBytes = JSON_BODY_LIMIT) {
  const validate = validator('json', schema, failWith(schema));
  const guarded: typeof validate = async (c, next) => {
    await bufferBody(c, maxBytes);
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim() ?? '';
    let body: unknown;
    try {
      body = JSON_MEDIA_TYPE.test(mediaType) ? await c.req.json() : undefined;
    } catch {
      // fall through to the validation error
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new DeskgateError('validation_failed', BODY_EXPECTED);
    }
    return validate(c, next);
  };
  // hono-openapi finds a route's declaration under this symbol; the guard carries its validator's.
  return Object.assign(guarded, {
    [uniqueSymbol]: Reflect.get(validate, uniqueSymbol),
    [BODY_LIMIT]: maxBytes,
  }) as typeof validate;
}

const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';
const FORM_EXPECTED = `body: must be a form sent as ${FORM_MEDIA_TYPE}`;

/** A hosted page's form body (urlencoded) of at most `maxBytes`, validated like the other inputs. */
export function formBody<S extends GenericSchema>(schema: S, maxBytes = FORM_BODY_LIMIT) {
  const validate = validator('form', schema, failWith(schema));
  const guarded: typeof validate = async (c, next) => {
    await bufferBody(c, maxBytes);
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType !== FORM_MEDIA_TYPE) throw new DeskgateError('validation_failed', FORM_EXPECTED);
    return validate(c, next);
  };
  return Object.assign(guarded, {
    [uniqueSymbol]: Reflect.get(validate, uniqueSymbol),
    [BODY_LIMIT]: maxBytes,
  }) as typeof validate;
}

/**
 * A body that is either JSON (API clients) or the urlencoded form of a hosted page, validated by one schema;
 * read it with `readFormOrJson(c)`. The form's limit applies to both.
 */
export function formOrJsonBody<S extends GenericSchema>(schema: S) {
  const json = jsonBody(schema, FORM_BODY_LIMIT);
  const form = formBody(schema, FORM_BODY_LIMIT);
  const guarded: MiddlewareHandler = (c, next) =>
    isJsonRequest(c) ? json(c as never, next) : form(c as never, next);
  return Object.assign(guarded, { [BODY_LIMIT]: FORM_BODY_LIMIT });
}

/** True when the request says it sends JSON. */
export function isJsonRequest(c: Context): boolean {
  return (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** The validated body of a formOrJsonBody route. */
export function readFormOrJson<T>(c: Context): T {
  return (isJsonRequest(c) ? c.req.valid('json' as never) : c.req.valid('form' as never)) as T;
}
