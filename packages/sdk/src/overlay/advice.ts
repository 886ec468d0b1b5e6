// What an integrator reads on the console when login() met an error before the overlay was shown. It lives in
// the overlay chunk, which such a page loads anyway, so the loader that every signed-in page downloads stays
// small.
import type { DeskgateErrorInfo } from '../types.ts';

/** Codes that mean this page is not set up for the tenant: nothing the agent can do, so no sign-in button. */
export const UNAVAILABLE = ['tenant_not_found', 'origin_not_allowed', 'signed_user_info_required'];

export function advice(problem: DeskgateErrorInfo, tenant: string, apiUrl: string): string | undefined {
  const { code, message } = problem;
  const origin = location.origin;
  const fix: Record<string, string> = {
    tenant_not_found: `Check the tenant code given to deskgate (data-tenant or the tenant option): "${tenant}".`,
    origin_not_allowed: `Check the tenant code ("${tenant}"), and have an operator allow this page's origin: deskgate tenant set ${tenant} --add-origin ${origin}`,
    signed_user_info_required: 'Pass signedUserInfo (docs/platform-jwt.md).',
  };
  if (fix[code]) return `deskgate: ${code}: ${message}. ${fix[code]}`;
  if (code === 'network_error')
    return `deskgate: network_error: could not reach ${apiUrl} (${message}). Check apiUrl, that the API is running, and that this page's Content-Security-Policy allows connect-src ${new URL(apiUrl).origin}.`;
  return undefined;
}
