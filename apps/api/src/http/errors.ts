// One mapping from failures to `{"error":{"code","message"}}` responses; unknown failures become 500.
import { DeskgateError } from '@deskgate/core';
import type { ErrorBody, ErrorCode } from '@deskgate/protocol';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from '../deps.ts';

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

export function onError(error: Error, c: Context<AppEnv>) {
  if (error instanceof DeskgateError) {
    c.get('log')?.info({ code: error.code, status: error.status }, 'request failed');
    return c.json(errorBody(error.code, error.message), error.status as ContentfulStatusCode, error.headers);
  }
  // Never echo an unexpected error: it may quote a token or a connection string.
  // The stack's first line repeats the message, so only the frames are logged.
  const frames = error.stack?.split('\n').slice(1).join('\n');
  (c.get('log') ?? console).error({ err: { name: error.name, frames } }, 'unhandled error');
  return c.json(errorBody('internal_error', 'Something went wrong on our side'), 500);
}

export function notFound(c: Context<AppEnv>) {
  return c.json(errorBody('not_found', 'No such endpoint'), 404);
}
