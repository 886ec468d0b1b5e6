// The access token (D5): a short JWT signed by deskgate, carried in the access cookie, verifiable via JWKS.
import type { SessionInfo } from '@deskgate/protocol';
import type { JWTPayload } from 'jose';
import { DeskgateError } from './errors.ts';
import { type Es256Key, signEs256, verifyEs256 } from './jws.ts';
import type { SessionRecord, UserRecord } from './store.ts';

export interface AccessClaims extends JWTPayload {
  sub: string;
  sid: string;
  tenant: string;
  email: string | null;
  name: string | null;
  roles: string[];
  confirmed: boolean;
  /** The identity the session signed in with: its issuer and subject (absent when unknown). */
  idp?: { iss: string; sub: string };
}

export function accessAudience(issuer: string, tenant: string): string {
  return `${issuer}/t/${tenant}`;
}

export async function signAccessToken(input: {
  issuer: string;
  user: UserRecord;
  session: SessionRecord;
  now: number;
  ttlSeconds: number;
  key: { kid: string; privateKey: Es256Key };
}): Promise<{ token: string; expiresAt: number }> {
  const { user, session } = input;
  const iat = Math.floor(input.now / 1000);
  // Never outlive the session itself.
  const exp = Math.min(iat + input.ttlSeconds, Math.floor(session.expiresAt / 1000));
  const claims: AccessClaims = {
    sid: session.id,
    tenant: session.tenant,
    email: user.email,
    name: user.name,
    roles: user.roles,
    confirmed: user.confirmed,
    ...(session.identityIssuer &&
      session.identitySubject && { idp: { iss: session.identityIssuer, sub: session.identitySubject } }),
    iss: input.issuer,
    aud: accessAudience(input.issuer, session.tenant),
    sub: user.id,
    iat,
    exp,
  };
  const token = signEs256({ kid: input.key.kid, typ: 'at+jwt' }, claims, input.key.privateKey);
  return { token, expiresAt: exp * 1000 };
}

const invalid = () => new DeskgateError('session_invalid', 'The session cookie is not valid');
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** `typ` as RFC 8725 compares it: case-insensitive, an `application/` prefix ignored. */
function typeOf(typ: unknown): string | undefined {
  return typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : undefined;
}

/** Verifies an access token for `tenant`; maps every failure to a session_* code. */
export async function verifyAccessToken(
  token: string,
  input: {
    issuer: string;
    tenant: string;
    now: number;
    getKey: (kid: string) => Promise<Es256Key | undefined>;
    /** Logout still needs to know which session an expired (but authentic) token names. */
    acceptExpired?: boolean;
  },
): Promise<AccessClaims> {
  const verified = await verifyEs256(token, async (header) =>
    typeof header.kid === 'string' && header.kid ? input.getKey(header.kid) : undefined,
  );
  if (!verified.ok) {
    if (verified.reason === 'unknown_key')
      throw new DeskgateError('session_invalid', 'The session was signed with an unknown key');
    throw invalid();
  }
  const { header } = verified;
  const payload = verified.payload as AccessClaims;
  // The claims of an authentic token, as jose checked them before: type, issuer, audience, required claims.
  const audience = accessAudience(input.issuer, input.tenant);
  const aud = payload.aud;
  if (
    typeOf(header.typ) !== 'at+jwt' ||
    payload.iss !== input.issuer ||
    !(aud === audience || (Array.isArray(aud) && aud.includes(audience))) ||
    typeof payload.sub !== 'string' ||
    typeof payload.sid !== 'string' ||
    !isNumber(payload.exp) ||
    !isNumber(payload.iat) ||
    (payload.nbf !== undefined && !isNumber(payload.nbf))
  )
    throw invalid();
  const now = Math.floor(input.now / 1000);
  if (payload.nbf !== undefined && payload.nbf > now) throw invalid();
  if (payload.tenant !== input.tenant)
    throw new DeskgateError('session_invalid', 'The session is for another tenant');
  if (payload.exp <= now) {
    if (input.acceptExpired) return payload;
    throw new DeskgateError('session_expired', 'The session has expired');
  }
  return payload;
}

export function sessionInfo(claims: AccessClaims, sessionExpiresAt: number): SessionInfo {
  return {
    tenant: claims.tenant,
    user: {
      id: claims.sub,
      email: claims.email,
      name: claims.name,
      roles: claims.roles,
      confirmed: claims.confirmed,
      identity: isIdp(claims.idp) ? { issuer: claims.idp.iss, subject: claims.idp.sub } : null,
    },
    accessExpiresAt: new Date((claims.exp ?? 0) * 1000).toISOString(),
    sessionExpiresAt: new Date(sessionExpiresAt).toISOString(),
  };
}

function isIdp(value: unknown): value is { iss: string; sub: string } {
  const v = value as { iss?: unknown; sub?: unknown } | null | undefined;
  return typeof v?.iss === 'string' && typeof v.sub === 'string';
}
