// Request body limits: every route that reads a body declares how much it accepts, enforced while the body
// streams in, before anything parses it.

import { IncomingMessage } from 'node:http';
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

/** The request as Node's HTTP server received it, when @hono/node-server serves the app (not in app.request). */
function nodeRequest(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  // Unread so far: once anything has read it (the adapter's own Request body), that is the way to the rest.
  return incoming instanceof IncomingMessage && !incoming.readableDidRead ? incoming : undefined;
}

/**
 * A body read straight from Node's request stream, or `too_large` as soon as it passes the limit (reading
 * stops; the answer closes the connection). Why not through `c.req.raw.body`: under @hono/node-server that
 * builds a full WebStreams Request around the Node stream, which cost a refresh some 15% of its time.
 */
function readNodeBody(incoming: IncomingMessage, maxBytes: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        done();
        incoming.pause();
        resolve('too_large');
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const onClose = () => {
      done();
      reject(new Error('the client closed the connection before the body ended'));
    };
    incoming.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** The body through the Fetch API's stream (other runtimes, app.request in tests), or `too_large`. */
async function readWebBody(raw: Request, maxBytes: number): Promise<Buffer | 'too_large'> {
  const reader = raw.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return 'too_large';
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Reads the body into memory, at most `maxBytes`: a declared Content-Length above it is refused without
 * reading anything, and a streamed (chunked) body is refused as soon as it passes the limit. The bytes then
 * sit in Hono's body cache, where every later reader (`c.req.json()`, `text()`, the validators) finds them.
 */
export async function bufferBody(c: Context, maxBytes: number): Promise<void> {
  if (c.req.bodyCache.arrayBuffer) return;
  const declared = c.req.header('content-length');
  if (declared !== undefined && (!/^\d+$/.test(declared) || Number(declared) > maxBytes))
    tooLarge(c, maxBytes);
  const incoming = nodeRequest(c);
  let body: Buffer | 'too_large';
  if (incoming) {
    // HTTP/1.1: a request without Content-Length or Transfer-Encoding has no body; Node ends it at once.
    body = await readNodeBody(incoming, maxBytes);
  } else {
    if (!c.req.raw.body) return;
    body = await readWebBody(c.req.raw, maxBytes);
  }
  if (body === 'too_large') tooLarge(c, maxBytes);
  // A copy of its own: a small Buffer is a slice of Node's shared pool, whose whole ArrayBuffer it names.
  const bytes = new Uint8Array(body);
  // Hono keeps promises in its cache, although its type names the values.
  const cache = c.req.bodyCache as Record<string, Promise<unknown>>;
  cache.arrayBuffer = Promise.resolve(bytes.buffer);
  // What Body.text() would give: UTF-8, malformed bytes replaced, a leading BOM dropped.
  cache.text = Promise.resolve(new TextDecoder().decode(bytes));
}

/** The body limit of a route that reads its body some other way than the validators (which limit their own). */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> & BodyLimited {
  const limit: MiddlewareHandler<AppEnv> = async function limitBody(c, next) {
    await bufferBody(c, maxBytes);
    await next();
  };
  return Object.assign(limit, { [BODY_LIMIT]: maxBytes });
}
