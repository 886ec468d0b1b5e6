// One mapping from failures to `{"error":{"code","message"}}` responses; unknown failures become 500.
import { DeskgateError, ScimError, StoreUnavailableError, scimErrorBody } from '@deskgate/core';
import type { ErrorBody, ErrorCode } from '@deskgate/protocol';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from '../deps.ts';

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/** How long a client should wait before it retries a request the unreachable store turned away. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** The answer when the database is unreachable: 503 and a code, fast, so clients and balancers retry. */
export function storeUnavailable(): DeskgateError {
  return new DeskgateError('store_unavailable', 'The service cannot reach its database; try again shortly', {
    headers: { 'Retry-After': String(STORE_RETRY_AFTER_SECONDS) },
  });
}

export function onError(raised: Error, c: Context<AppEnv>) {
  // Logged without its cause: pg's message can name the host and the database.
  const error = raised instanceof StoreUnavailableError ? storeUnavailable() : raised;
  if (error instanceof DeskgateError) {
    c.get('log')?.info({ code: error.code, status: error.status }, 'request failed');
    return c.json(errorBody(error.code, error.message), error.status as ContentfulStatusCode, error.headers);
  }
  // A SCIM refusal (a 404, a 409): Hono hands it here before scimErrors() answers it in SCIM's shape and logs
  // it, so it is no bug to log as one (found by fuzz.test.ts: every SCIM 404 logged an "unhandled error").
  if (error instanceof ScimError) return c.json(scimErrorBody(error), error.status as ContentfulStatusCode);
  // Never echo an unexpected error: it may quote a token or a connection string.
  // The stack's first line repeats the message, so only the frames are logged.
  const frames = error.stack?.split('\n').slice(1).join('\n');
  (c.get('log') ?? console).error({ err: { name: error.name, frames } }, 'unhandled error');
  return c.json(errorBody('internal_error', 'Something went wrong on our side'), 500);
}

export function notFound(c: Context<AppEnv>) {
  return c.json(errorBody('not_found', 'No such endpoint'), 404);
}
