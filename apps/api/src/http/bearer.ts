// Credentials in the Authorization header (API keys), and the rate-limit subject they name.
import { parseApiKey, SCIM_TOKEN_PREFIX } from '@deskgate/core';

/** The key from `Authorization: Bearer <key>`, if that is what the header holds. */
export function bearerKey(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** The rate-limit subject of a request: the key id of a well-formed key (or one bucket for the rest). */
export function apiKeySubject(header: string | undefined): string {
  return `apikey:${parseApiKey(bearerKey(header))?.kid ?? '-'}`;
}

/** The rate-limit subject of a SCIM request: the id of a well-formed SCIM token (or one bucket for the rest). */
export function scimTokenSubject(header: string | undefined): string {
  return `scim:${parseApiKey(bearerKey(header), SCIM_TOKEN_PREFIX)?.kid ?? '-'}`;
}
