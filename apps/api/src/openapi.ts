// The HTTP API as an OpenAPI 3.1 document, served at /openapi.json; a test keeps it in step with the routes.
import { COOKIE_ACCESS, COOKIE_REFRESH, ERROR_CODES, SDK_HEADER } from '@deskgate/protocol';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const html = { 'text/html': { schema: { type: 'string' } } };
const error = (description: string) => ({ description, content: json(ref('Error')) });
const tenantParam = {
  name: 'tenant',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-z0-9]{3,}$' },
};
const attemptQuery = { name: 'attempt', in: 'query', required: true, schema: { type: 'string' } };
const localeQuery = { name: 'locale', in: 'query', schema: { type: 'string', enum: ['en-US', 'nl-NL'] } };
const sdkWrite = [{ originAllowed: [] }];

export function openApiDocument(publicUrl: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'deskgate API',
      version: '0.1.0',
      description:
        'Sign-in for agent-assist widgets inside CX platforms. Tenant routes live under /t/{tenant}. ' +
        `Cookie-authenticated writes need an allowed Origin and JSON or the \`${SDK_HEADER}\` header. ` +
        'Every error is {"error":{"code","message"}}; hosted pages answer browser navigations with an HTML page.',
    },
    servers: [{ url: publicUrl }],
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
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string', enum: [...ERROR_CODES] }, message: { type: 'string' } },
            },
          },
        },
        SessionInfo: {
          type: 'object',
          required: ['tenant', 'user', 'accessExpiresAt', 'sessionExpiresAt'],
          properties: {
            tenant: { type: 'string' },
            user: {
              type: 'object',
              required: ['id', 'email', 'name', 'roles', 'confirmed'],
              properties: {
                id: { type: 'string' },
                email: { type: ['string', 'null'] },
                name: { type: ['string', 'null'] },
                roles: { type: 'array', items: { type: 'string' } },
                confirmed: { type: 'boolean' },
              },
            },
            accessExpiresAt: { type: 'string', format: 'date-time' },
            sessionExpiresAt: { type: 'string', format: 'date-time' },
          },
        },
        CreateAttemptRequest: {
          type: 'object',
          required: ['challenge', 'challengeMethod'],
          properties: {
            challenge: {
              type: 'string',
              description: 'base64url(SHA-256(verifier))',
              minLength: 43,
              maxLength: 43,
            },
            challengeMethod: { const: 'S256' },
            locale: { type: 'string', enum: ['en-US', 'nl-NL'] },
          },
        },
        CreateAttemptResponse: {
          type: 'object',
          required: ['attemptId', 'signInUrl', 'confirmationCode', 'expiresAt', 'pollIntervalMs'],
          properties: {
            attemptId: { type: 'string' },
            signInUrl: { type: 'string', format: 'uri' },
            confirmationCode: { type: 'string', examples: ['K7Q-X2M'] },
            expiresAt: { type: 'string', format: 'date-time' },
            pollIntervalMs: { type: 'integer' },
          },
        },
        RedeemAttemptRequest: {
          type: 'object',
          required: ['verifier'],
          properties: {
            verifier: { type: 'string', minLength: 43, maxLength: 128 },
            proof: { type: 'string' },
          },
        },
        RedeemAttemptResponse: {
          oneOf: [
            { type: 'object', required: ['status'], properties: { status: { const: 'pending' } } },
            {
              type: 'object',
              required: ['status', 'confirmationCode'],
              properties: {
                status: { const: 'confirmation_required' },
                confirmationCode: { type: 'string' },
              },
            },
            {
              type: 'object',
              required: ['status', 'session'],
              properties: { status: { const: 'signed_in' }, session: ref('SessionInfo') },
            },
          ],
        },
      },
    },
    paths: {
      '/healthz': { get: { summary: 'Liveness', responses: { 200: { description: 'Up' } } } },
      '/.well-known/jwks.json': {
        get: {
          summary: "deskgate's public signing keys (access tokens)",
          responses: { 200: { description: 'JWKS' } },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } },
      },
      '/sdk/{file}': {
        get: {
          summary: 'SDK loader (deskgate.js, cached 5 min) and content-hashed chunks (immutable)',
          parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            200: { description: 'JavaScript' },
            304: { description: 'Not modified' },
            404: error('No such file'),
          },
        },
      },
      '/assets/pages.css': {
        get: { summary: 'Hosted pages stylesheet', responses: { 200: { description: 'CSS' } } },
      },
      '/assets/complete.js': {
        get: { summary: 'Completion page script', responses: { 200: { description: 'JS' } } },
      },
      '/t/{tenant}/auth/session': {
        get: {
          summary: 'The current session, from the access cookie',
          parameters: [tenantParam],
          security: [{ accessCookie: [] }],
          responses: {
            200: { description: 'Signed in', content: json(ref('SessionInfo')) },
            401: error('session_missing | session_invalid | session_expired | session_revoked'),
            403: error('origin_not_allowed'),
            404: error('tenant_not_found'),
          },
        },
      },
      '/t/{tenant}/auth/refresh': {
        post: {
          summary: 'Rotate the refresh cookie and issue a new access cookie',
          parameters: [tenantParam],
          security: [{ refreshCookie: [], originAllowed: [] }],
          responses: {
            200: { description: 'New cookies set', content: json(ref('SessionInfo')) },
            401: error(
              'refresh_missing | refresh_invalid | refresh_expired | refresh_reused | session_revoked',
            ),
            403: error('origin_not_allowed | csrf_header_required'),
            404: error('tenant_not_found'),
          },
        },
      },
      '/t/{tenant}/auth/logout': {
        post: {
          summary: 'End the session server-side and clear both cookies',
          parameters: [tenantParam],
          security: sdkWrite,
          responses: {
            204: { description: 'Signed out' },
            403: error('origin_not_allowed | csrf_header_required'),
          },
        },
      },
      '/t/{tenant}/auth/attempts': {
        post: {
          summary: 'Create a sign-in attempt (the SDK keeps the verifier)',
          parameters: [tenantParam],
          security: sdkWrite,
          requestBody: { required: true, content: json(ref('CreateAttemptRequest')) },
          responses: {
            201: { description: 'Created', content: json(ref('CreateAttemptResponse')) },
            400: error('validation_failed'),
            403: error('origin_not_allowed | csrf_header_required'),
          },
        },
      },
      '/t/{tenant}/auth/attempts/{id}/redeem': {
        post: {
          summary:
            'Redeem a completed attempt: with the proof from the opener, or after confirmation (polling)',
          parameters: [tenantParam, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          security: sdkWrite,
          requestBody: { required: true, content: json(ref('RedeemAttemptRequest')) },
          responses: {
            200: {
              description: 'Status, or signed in (cookies set)',
              content: json(ref('RedeemAttemptResponse')),
            },
            400: error('validation_failed'),
            403: error('attempt_verifier_mismatch | attempt_proof_invalid | origin_not_allowed'),
            404: error('attempt_not_found'),
            409: error('attempt_already_redeemed'),
            410: error('attempt_expired'),
          },
        },
      },
      '/t/{tenant}/auth/attempts/{id}/confirm': {
        post: {
          summary: 'Hosted form: the agent confirms the code on the completion page (same-origin only)',
          parameters: [
            tenantParam,
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            localeQuery,
          ],
          responses: {
            200: { description: 'Confirmed page', content: html },
            400: error('sso_browser_mismatch'),
            403: error('origin_not_allowed'),
          },
        },
      },
      '/t/{tenant}/auth/signin': {
        get: {
          summary: 'Hosted page in the popup: choose a sign-in method; binds the attempt to this browser',
          parameters: [tenantParam, attemptQuery, localeQuery],
          responses: { 200: { description: 'Chooser page', content: html }, 404: error('attempt_not_found') },
        },
      },
      '/t/{tenant}/auth/sso/start': {
        get: {
          summary: 'Redirect to the IdP with code + PKCE S256 + state + nonce',
          parameters: [
            tenantParam,
            attemptQuery,
            { name: 'provider', in: 'query', required: true, schema: { type: 'string' } },
          ],
          responses: {
            302: { description: 'To the IdP' },
            400: error('sso_browser_mismatch'),
            404: error('sso_not_configured'),
          },
        },
      },
      '/t/{tenant}/auth/sso/callback': {
        get: {
          summary: 'OIDC redirect URI: validates the response and ID token, completes the attempt',
          parameters: [tenantParam],
          responses: {
            303: { description: 'To the completion page' },
            400: error(
              'sso_state_mismatch | sso_browser_mismatch | sso_idp_error | sso_nonce_mismatch | sso_id_token_invalid | sso_response_invalid',
            ),
            502: error('sso_idp_unreachable'),
          },
        },
      },
      '/t/{tenant}/auth/complete': {
        get: {
          summary: 'Hosted completion page: posts the proof to the opener, else asks to confirm the code',
          parameters: [tenantParam, attemptQuery, localeQuery],
          responses: { 200: { description: 'Completion page', content: html } },
        },
      },
    },
  };
}
