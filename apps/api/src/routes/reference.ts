// GET /reference: the interactive API reference, and the viewer's files it loads from this origin.
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { assetResponse } from '../http/assets.ts';
import { params } from '../http/validation.ts';
import { setPageHeaders } from '../pages/headers.ts';
import { REFERENCE_CSP, REFERENCE_JS, referencePage } from '../pages/reference.ts';
import { errorResponses, htmlPage } from '../schemas/common.ts';
import type { Services } from './context.ts';

export const REFERENCE_PATH = '/reference';

const ViewerPath = v.object({
  file: v.pipe(
    v.string('must be a file name'),
    v.description('A file of swagger-ui-dist that the reference page loads'),
    v.metadata({ examples: ['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png'] }),
  ),
});

export function referenceRoutes({ deps }: Services) {
  const app = new Hono<AppEnv>();

  app.get(
    REFERENCE_PATH,
    describeRoute({
      operationId: 'apiReference',
      tags: ['documentation'],
      summary: 'Interactive API reference, rendering /openapi.json',
      responses: {
        200: htmlPage('The reference page (loads /assets/reference.js and the viewer)'),
        ...errorResponses(['not_found']),
      },
    }),
    (c) => {
      if (!deps.reference) return c.notFound();
      setPageHeaders(c, REFERENCE_CSP);
      return c.html(referencePage('deskgate API reference'));
    },
  );

  app.get(
    '/assets/reference.js',
    describeRoute({
      operationId: 'referenceJs',
      tags: ['assets'],
      summary: "The reference page's script: starts the viewer on /openapi.json",
      responses: {
        200: { description: 'JavaScript', content: { 'text/javascript': { schema: { type: 'string' } } } },
      },
    }),
    (c) => assetResponse(c, REFERENCE_JS, 'text/javascript; charset=utf-8'),
  );

  app.get(
    '/assets/swagger-ui/:file',
    describeRoute({
      operationId: 'referenceViewerFile',
      tags: ['assets'],
      summary: "The reference viewer's script, stylesheet and icon (swagger-ui-dist)",
      responses: {
        200: {
          description: 'The file',
          content: {
            'text/javascript': { schema: { type: 'string' } },
            'text/css': { schema: { type: 'string' } },
            'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
          },
        },
        ...errorResponses(['not_found']),
      },
    }),
    params(ViewerPath),
    (c) => {
      const asset = deps.reference?.get(c.req.valid('param').file);
      if (!asset) return c.notFound();
      return assetResponse(c, asset.body, asset.contentType);
    },
  );

  return app;
}
