// GET /openapi.json: the OpenAPI 3.1 document, generated from the route declarations of the whole app.
import { COOKIE_ACCESS, COOKIE_REFRESH, paths, SDK_HEADER } from '@deskgate/protocol';
import { Hono } from 'hono';
import { describeRoute, type GenerateSpecOptions, generateSpecs } from 'hono-openapi';
import type { AppEnv } from '../deps.ts';
import type { Services } from './context.ts';
import { REFERENCE_PATH } from './reference.ts';

function documentOptions(publicUrl: string): Partial<GenerateSpecOptions> {
  return {
    documentation: {
      openapi: '3.1.0',
      info: {
        title: 'deskgate API',
        version: '0.1.0',
        description:
          'Sign-in for agent-assist widgets inside CX platforms. Tenant routes live under /t/{tenant}. ' +
          `Cookie-authenticated writes need an allowed Origin and JSON or the \`${SDK_HEADER}\` header. ` +
          'Every error is {"error":{"code","message"}}; hosted pages answer browser navigations with an HTML ' +
          'page. While the database is unreachable, any route that reads it answers 503 `store_unavailable` ' +
          `with Retry-After. Interactive reference: ${REFERENCE_PATH}.`,
      },
      servers: [{ url: publicUrl }],
      tags: [
        { name: 'session', description: 'The SDK and the session cookies' },
        { name: 'attempts', description: 'The sign-in handoff, SDK side' },
        { name: 'hosted pages', description: 'The popup, first-party on this origin' },
        { name: 'operations' },
        { name: 'documentation' },
        { name: 'assets' },
      ],
      components: {
        securitySchemes: {
          accessCookie: { type: 'apiKey', in: 'cookie', name: COOKIE_ACCESS },
          refreshCookie: { type: 'apiKey', in: 'cookie', name: COOKIE_REFRESH },
          originAllowed: {
            type: 'apiKey',
            in: 'header',
            name: 'Origin',
            description: `An exact allowed origin of the tenant, plus JSON or the ${SDK_HEADER} header (CSRF)`,
          },
          scimToken: {
            type: 'http',
            scheme: 'bearer',
            description:
              'A SCIM token of the tenant (`dgs_…`, `pnpm deskgate scim-token create`): docs/provisioning.md',
          },
        },
      },
    },
    // Our routes ending in a file name (/openapi.json, /.well-known/jwks.json, /assets/*) are routes too.
    excludeStaticFile: false,
    // Each route lists validation_failed itself when it can answer it, with the other codes of that status.
    defaultValidationErrorResponse: false,
  };
}

/** `root` is the assembled app: the document is made, once, from every route declared on it. */
export function openApiRoutes(root: Hono<AppEnv>, { deps }: Services) {
  const app = new Hono<AppEnv>();
  let document: ReturnType<typeof generateSpecs> | undefined;

  app.get(
    paths.openapi,
    describeRoute({
      operationId: 'openapi',
      tags: ['documentation'],
      summary: 'This document (OpenAPI 3.1)',
      responses: {
        200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } },
      },
    }),
    async (c) => {
      document ??= generateSpecs(root, documentOptions(deps.publicUrl));
      c.header('Access-Control-Allow-Origin', '*');
      return c.json(await document);
    },
  );

  return app;
}
