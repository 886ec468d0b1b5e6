// Platform role lookup (the I/O half; the pure half is core's role-lookup.ts): after the authorization-code
// exchange with a platform that has no OIDC, the platform's API is asked, with the user's own platform access
// token, who the user is and which roles they hold. The token is a credential: it goes in the Authorization
// header and nowhere else (no message, no log line, no error cause).
import {
  DeskgateError,
  type PlatformProfile,
  parseGenesysUserMe,
  type RoleLookupConfig,
  roleLookupFailed,
} from '@deskgate/core';
import { BodyRefused, readBoundedJson } from '../http/bounded-json.ts';

/** A platform's answer larger than this is refused (users/me with roles and permissions is a few KiB). */
export const ROLE_LOOKUP_MAX_BYTES = 1024 * 1024;

export interface PlatformRoleLookup {
  lookup(
    config: RoleLookupConfig,
    accessToken: string,
    options: { fetch: typeof fetch; signal: AbortSignal },
  ): Promise<PlatformProfile>;
}

/** The body of a 2xx answer, parsed as JSON; at most ROLE_LOOKUP_MAX_BYTES. */
async function readJson(response: Response): Promise<unknown> {
  try {
    return await readBoundedJson(response, ROLE_LOOKUP_MAX_BYTES);
  } catch (error) {
    if (!(error instanceof BodyRefused)) throw error;
    throw roleLookupFailed(
      error.reason === 'too_large'
        ? 'The platform role lookup answer is too large'
        : 'The platform role lookup answer is not JSON',
    );
  }
}

const genesysCloud: PlatformRoleLookup = {
  async lookup(config, accessToken, { fetch, signal }) {
    const response = await fetch(`${config.apiBaseUrl}/api/v2/users/me?expand=authorization`, {
      method: 'GET',
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      // Never follow a redirect with the user's token: the configured API is the only place it may go.
      redirect: 'manual',
      signal,
    });
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel().catch(() => {});
      // The status only: the body may echo request details, and is the platform's business.
      throw roleLookupFailed(
        response.status === 401
          ? 'The platform refused the access token for the role lookup (HTTP 401)'
          : `The platform role lookup failed (HTTP ${response.status})`,
      );
    }
    return parseGenesysUserMe(await readJson(response));
  },
};

export const ROLE_LOOKUPS: Record<RoleLookupConfig['kind'], PlatformRoleLookup> = {
  'genesys-cloud': genesysCloud,
};

export class RoleLookupService {
  readonly #fetch: typeof fetch;

  constructor(deps: { fetch?: typeof fetch } = {}) {
    this.#fetch = deps.fetch ?? globalThis.fetch;
  }

  /**
   * The user behind `accessToken` according to the platform, within `config.timeoutMs` for all of it
   * (connect, headers, body). Every failure is role_lookup_failed (502) whose message names no token.
   */
  async lookup(config: RoleLookupConfig, accessToken: string): Promise<PlatformProfile> {
    const lookup = Object.hasOwn(ROLE_LOOKUPS, config.kind) ? ROLE_LOOKUPS[config.kind] : undefined;
    if (!lookup) throw roleLookupFailed('The platform role lookup kind is not supported');
    const signal = AbortSignal.timeout(config.timeoutMs);
    try {
      return await lookup.lookup(config, accessToken, { fetch: this.#fetch, signal });
    } catch (error) {
      if (error instanceof DeskgateError) throw error;
      if (signal.aborted) throw roleLookupFailed('The platform role lookup timed out');
      // No cause: a network error's text is not needed by the agent and could, with a custom fetch, carry the
      // request (and its Authorization header).
      throw roleLookupFailed('The platform role lookup could not reach the platform');
    }
  }
}
