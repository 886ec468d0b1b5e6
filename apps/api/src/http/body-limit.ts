// Request body limits: every route that reads a body declares how much it accepts, enforced while the body
// streams in, before anything parses it.
import { DeskgateError } from '@deskgate/core';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps.ts';

/** A JSON request of the SDK (challenge, verifier, proof): a few hundred bytes. */
export const JSON_BODY_LIMIT = 4 * 1024;
/** A POST that takes no body; the SDK sends `{}`. */
export const EMPTY_BODY_LIMIT = 256;
/** A hosted page's form (a typed code). */
export const FORM_BODY_LIMIT = 1024;

/** Marks a route handler as enforcing a body limit: the route inventory test requires one on every write. */
export const BODY_LIMIT = Symbol('deskgate.bodyLimit');

export interface BodyLimited {
  [BODY_LIMIT]: number;
}

function tooLarge(c: Context, maxBytes: number): never {
  // The rest of the body is not worth reading: answer and drop the connection.
  c.header('Connection', 'close');
  throw new DeskgateError('body_too_large', `The request body must be at most ${maxBytes} bytes`);
}

/**
 * Reads the body into memory, at most `maxBytes`: a declared Content-Length above it is refused without
 * reading anything, and a streamed (chunked) body is refused as soon as it passes the limit. The request
 * then carries the buffered bytes, so later readers (validators) see the same body.
 */
export async function bufferBody(c: Context, maxBytes: number): Promise<void> {
  const raw = c.req.raw;
  if (!raw.body) return;
  const declared = c.req.header('content-length');
  if (declared !== undefined && (!/^\d+$/.test(declared) || Number(declared) > maxBytes))
    tooLarge(c, maxBytes);
  const reader = raw.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      tooLarge(c, maxBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  c.req.raw = new Request(raw.url, { method: raw.method, headers: raw.headers, body, signal: raw.signal });
}

/** The body limit of a route that reads its body some other way than the validators (which limit their own). */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> & BodyLimited {
  const limit: MiddlewareHandler<AppEnv> = async function limitBody(c, next) {
    await bufferBody(c, maxBytes);
    await next();
  };
  return Object.assign(limit, { [BODY_LIMIT]: maxBytes });
}
