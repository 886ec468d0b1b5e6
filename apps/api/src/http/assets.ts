// One way to answer with a static file of our own (hosted pages' and the reference viewer's assets).
import type { Context } from 'hono';

/** Assets change only with a deploy; an hour keeps a deploy's fixes from waiting long. */
export const ASSET_CACHE = 'public, max-age=3600';

export function assetResponse(c: Context, body: string | Uint8Array<ArrayBuffer>, contentType: string) {
  return c.body(body, 200, {
    'Content-Type': contentType,
    'Cache-Control': ASSET_CACHE,
    'X-Content-Type-Options': 'nosniff',
  });
}
