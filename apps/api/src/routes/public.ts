// Tenant-independent routes: JWKS, OpenAPI, health, the SDK files and the hosted pages' assets.
import { paths } from '@deskgate/protocol';
import { Hono } from 'hono';
import type { AppEnv } from '../deps.ts';
import { openApiDocument } from '../openapi.ts';
import { COMPLETE_JS, PAGES_CSS } from '../pages/assets.ts';
import type { Services } from './context.ts';

/** The loader URL never changes, so it is cached briefly; hashed chunks are immutable. */
const LOADER_CACHE = 'public, max-age=300, stale-while-revalidate=3600';
const CHUNK_CACHE = 'public, max-age=31536000, immutable';

export function publicRoutes({ deps, keyring }: Services) {
  const app = new Hono<AppEnv>();

  app.get(paths.health, (c) => c.json({ status: 'ok' }));

  app.get(paths.jwks, async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    c.header('Access-Control-Allow-Origin', '*');
    return c.json(await keyring.jwks(deps.now()));
  });

  app.get(paths.openapi, (c) => {
    c.header('Access-Control-Allow-Origin', '*');
    return c.json(openApiDocument(deps.publicUrl));
  });

  app.get('/sdk/:file', (c) => {
    const file = c.req.param('file');
    const asset = file === 'deskgate.js' ? deps.sdk?.loader : deps.sdk?.chunks.get(file);
    if (!asset) return c.notFound();
    // Loaded cross-origin by CX pages, the overlay chunk as a module script (which needs CORS).
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Cross-Origin-Resource-Policy', 'cross-origin');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('ETag', asset.etag);
    c.header('Cache-Control', file === 'deskgate.js' ? LOADER_CACHE : CHUNK_CACHE);
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
    return c.body(asset.body, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
  });

  app.get('/assets/pages.css', (c) =>
    c.body(PAGES_CSS, 200, {
      'Content-Type': 'text/css; charset=utf-8',
      'Cache-Control': 'public, max-age=3600',
    }),
  );
  app.get('/assets/complete.js', (c) =>
    c.body(COMPLETE_JS, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=3600',
    }),
  );

  return app;
}
