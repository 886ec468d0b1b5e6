// Tenant-independent routes: JWKS, health, the SDK files and the hosted pages' assets.
import { paths } from '@deskgate/protocol';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { assetResponse } from '../http/assets.ts';
import { params } from '../http/validation.ts';
import { ICON_SVG, PAGES_CSS, PAGES_JS } from '../pages/assets.ts';
import { setPageHeaders } from '../pages/headers.ts';
import { landingPage } from '../pages/render.ts';
import { errorResponses } from '../schemas/common.ts';
import type { Services } from './context.ts';

/** The loader URL never changes, so it is cached briefly; hashed chunks are immutable. */
const LOADER_CACHE = 'public, max-age=300, stale-while-revalidate=3600';
const CHUNK_CACHE = 'public, max-age=31536000, immutable';

const SdkPath = v.object({
  file: v.pipe(
    v.string('must be a file name'),
    v.description('deskgate.js (the loader), or a content-hashed chunk it names'),
    v.metadata({ examples: ['deskgate.js'] }),
  ),
});

const text = (type: string, description: string) => ({
  description,
  content: { [type]: { schema: { type: 'string' as const } } },
});

export function publicRoutes({ deps, keyring, productName }: Services) {
  const app = new Hono<AppEnv>();

  app.get(
    '/',
    describeRoute({
      operationId: 'landingPage',
      tags: ['operations'],
      summary: 'A small page naming the service, with links to the API reference and the OpenAPI document',
      responses: { 200: text('text/html', 'HTML') },
    }),
    (c) => {
      setPageHeaders(c);
      return c.html(landingPage(productName));
    },
  );

  for (const path of ['/assets/icon.svg', '/favicon.ico']) {
    app.get(
      path,
      describeRoute({
        operationId: path === '/favicon.ico' ? 'favicon' : 'icon',
        tags: ['assets'],
        summary: "The hosted pages' icon (SVG)",
        responses: { 200: text('image/svg+xml', 'SVG') },
      }),
      (c) => assetResponse(c, ICON_SVG, 'image/svg+xml'),
    );
  }

  app.get(
    paths.jwks,
    describeRoute({
      operationId: 'jwks',
      tags: ['operations'],
      summary: "deskgate's public signing keys, to verify the access token elsewhere (cached 5 min)",
      responses: {
        200: {
          description: 'JWKS (RFC 7517): the current key and those still publishing or retiring',
          content: { 'application/json': { schema: { type: 'object', required: ['keys'] } } },
        },
      },
    }),
    async (c) => {
      c.header('Cache-Control', 'public, max-age=300');
      c.header('Access-Control-Allow-Origin', '*');
      return c.json(await keyring.jwks(deps.now()));
    },
  );

  app.get(
    '/sdk/:file',
    describeRoute({
      operationId: 'sdkFile',
      tags: ['assets'],
      summary: 'SDK loader (deskgate.js, cached 5 min) and content-hashed chunks (immutable)',
      responses: {
        200: text('text/javascript', 'JavaScript, with CORS so CX pages can load the overlay as a module'),
        304: { description: 'Not modified (If-None-Match)' },
        ...errorResponses(['not_found']),
      },
    }),
    params(SdkPath),
    (c) => {
      const { file } = c.req.valid('param');
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
    },
  );

  app.get(
    '/assets/pages.css',
    describeRoute({
      operationId: 'pagesCss',
      tags: ['assets'],
      summary: "The hosted pages' stylesheet",
      responses: { 200: text('text/css', 'CSS') },
    }),
    (c) => assetResponse(c, PAGES_CSS, 'text/css; charset=utf-8'),
  );

  app.get(
    '/assets/pages.js',
    describeRoute({
      operationId: 'pagesJs',
      tags: ['assets'],
      summary: "The hosted pages' script: the click guard, and the completion page's proof to the opener",
      responses: { 200: text('text/javascript', 'JavaScript') },
    }),
    (c) => assetResponse(c, PAGES_JS, 'text/javascript; charset=utf-8'),
  );

  return app;
}
