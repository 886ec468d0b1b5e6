// Schema pieces every route declaration shares: locales, the tenant path, coded error responses, pages.
import { statusForCode } from '@deskgate/core';
import { type ErrorCode, TENANT_CODE_PATTERN } from '@deskgate/protocol';
import { type DescribeRouteOptions, resolver } from 'hono-openapi';
import * as v from 'valibot';
import { LOCALES } from '../pages/messages.ts';

type Responses = NonNullable<DescribeRouteOptions['responses']>;

const LOCALE_EXPECTED = `must be one of ${LOCALES.join(', ')}`;

/** A locale the JSON API insists on. */
export const Locale = v.picklist(LOCALES, LOCALE_EXPECTED);

/**
 * `?locale=` on a hosted page: anything else falls back to Accept-Language (a popup should still open
 * in some language rather than show a validation error), yet the document lists the real choices.
 */
export const PageLocale = v.fallback(
  v.optional(
    v.pipe(
      v.picklist(LOCALES, LOCALE_EXPECTED),
      v.description('The page language; any other value falls back to Accept-Language'),
    ),
  ),
  undefined,
);

/** A query parameter Hono hands over as a list when it is repeated. */
export const queryText = (description: string) =>
  v.optional(v.pipe(v.string('must be given once'), v.description(description)));

/**
 * `/t/{tenant}`. loadTenant has already answered tenant_not_found for a code that does not match, before
 * any validator runs; the schema is here so the document states the pattern.
 */
export const TenantPath = v.object({
  tenant: v.pipe(
    v.string('must be a tenant code'),
    v.regex(TENANT_CODE_PATTERN),
    v.description('Tenant code: lowercase letters and digits, three or more'),
  ),
});

const HTML_ERROR = {
  'text/html': {
    schema: {
      type: 'string' as const,
      description: 'For browser navigations (Accept: text/html): an error page carrying data-error-code',
    },
  },
};

/** Responses for the given error codes, grouped by the HTTP status each code is answered with. */
export function errorResponses(
  codes: readonly ErrorCode[],
  options?: {
    html?: boolean;
    /** Codes a route answers with another status than their usual one (user_disabled: 401 on a session). */
    status?: Partial<Record<ErrorCode, number>>;
  },
): Responses {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = options?.status?.[code] ?? statusForCode(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Responses = {};
  for (const [status, list] of byStatus) {
    const body = v.object({
      error: v.object({ code: v.picklist(list), message: v.pipe(v.string(), v.description('For humans')) }),
    });
    responses[status] = {
      description: list.join(' | '),
      content: {
        'application/json': { schema: resolver(body) },
        ...(options?.html ? HTML_ERROR : {}),
      },
    };
  }
  return responses;
}

/** Every tenant route may answer these: an unknown tenant, or a page Origin the tenant does not allow. */
export const TENANT_ERRORS = ['tenant_not_found', 'origin_not_allowed'] as const;
/** Cookie-authenticated writes: an allowed Origin and JSON or the SDK header (requireSdkWrite). */
export const SDK_WRITE_ERRORS = [...TENANT_ERRORS, 'csrf_header_required'] as const;

/** A hosted page: server-rendered HTML under the strict page CSP. */
export const htmlPage = (description: string) => ({
  description,
  content: { 'text/html': { schema: { type: 'string' as const } } },
});

/** Security requirement of SDK writes; the schemes themselves are in the document (routes/openapi.ts). */
export const SDK_WRITE = [{ originAllowed: [] }];

/** Missing or unknown, an attempt is attempt_not_found: the agent then sees that page, in their language. */
export const attemptQuery = queryText('The attempt id from signInUrl');

/** Errors of the popup's first steps, answered as an HTML page to navigations. */
export const ATTEMPT_PAGE_ERRORS = [
  ...TENANT_ERRORS,
  'validation_failed',
  'attempt_not_found',
  'attempt_expired',
  'attempt_already_redeemed',
  'attempt_already_completed',
  'sso_browser_mismatch',
  'rate_limited',
] as const;
