// The origin rule (CSRF) every cookie-authenticated write and every sign-in start declares. The declaration
// rides on the guard middleware (REQUEST_ORIGIN), so a test can list every write from the app's route table,
// require exactly one rule on each, and try every kind of Origin and content type against it (csrf-matrix.test.ts).
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps.ts';

export const REQUEST_ORIGIN = Symbol('deskgate.requestOrigin');

/**
 * - `sdk`: the SDK's credentialed writes (requireSdkWrite): one of the tenant's exact origins, and JSON or the
 *   SDK header, both of which force a CORS preflight only those origins pass.
 * - `same-origin`: a form of our own hosted pages (requireSameOrigin): Origin is this site, or `null`/absent
 *   with `Sec-Fetch-Site: same-origin`.
 * - `chooser`: a sign-in method's start (requireChooserNavigation): a same-origin, user-activated navigation.
 * - `console`: the admin console's JSON writes (requireConsoleWrite): same-origin as above, and JSON.
 * - `bearer-only`: a token in the Authorization header is the only credential (SCIM): no cookie is read, so
 *   a forged request carries nothing that could act.
 */
export type RequestOriginKind = 'sdk' | 'same-origin' | 'chooser' | 'console' | 'bearer-only';

export interface OriginGuarded {
  [REQUEST_ORIGIN]: RequestOriginKind;
}

/** Declares which origin rule `guard` enforces. */
export function originGuard(
  kind: RequestOriginKind,
  guard: MiddlewareHandler<AppEnv>,
): MiddlewareHandler<AppEnv> & OriginGuarded {
  return Object.assign(guard, { [REQUEST_ORIGIN]: kind });
}
