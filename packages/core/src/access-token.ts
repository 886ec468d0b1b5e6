// The access token (D5): a short JWT signed by deskgate, carried in the access cookie, verifiable via JWKS.
import type { SessionInfo } from '@deskgate/protocol';
import { type CryptoKey, errors, type JWTPayload, jwtVerify, type KeyObject, SignJWT } from 'jose';
import { DeskgateError } from './errors.ts';
import { SIGNING_ALG } from './signing-keys.ts';
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
  key: { kid: string; privateKey: CryptoKey | KeyObject };
}): Promise<{ token: string; expiresAt: number }> {
  const { user, session } = input;
  const iat = Math.floor(input.now / 1000);
  // Never outlive the session itself.
  const exp = Math.min(iat + input.ttlSeconds, Math.floor(session.expiresAt / 1000));
  const token = await new SignJWT({
    sid: session.id,
    tenant: session.tenant,
    email: user.email,
    name: user.name,
    roles: user.roles,
    confirmed: user.confirmed,
    ...(session.identityIssuer &&
      session.identitySubject && { idp: { iss: session.identityIssuer, sub: session.identitySubject } }),
  })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: input.key.kid, typ: 'at+jwt' })
    .setIssuer(input.issuer)
    .setAudience(accessAudience(input.issuer, session.tenant))
    .setSubject(user.id)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(input.key.privateKey);
  return { token, expiresAt: exp * 1000 };
}

/** Verifies an access token for `tenant`; maps every failure to a session_* code. */
export async function verifyAccessToken(
  token: string,
  input: {
    issuer: string;
    tenant: string;
    now: number;
    getKey: (kid: string) => Promise<CryptoKey | KeyObject | undefined>;
    /** Logout still needs to know which session an expired (but authentic) token names. */
    acceptExpired?: boolean;
  },
): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify<AccessClaims>(
      token,
      async (header) => {
        const key = header.kid ? await input.getKey(header.kid) : undefined;
        if (!key) throw new DeskgateError('session_invalid', 'The session was signed with an unknown key');
        return key;
      },
      {
        issuer: input.issuer,
        audience: accessAudience(input.issuer, input.tenant),
        algorithms: [SIGNING_ALG],
        typ: 'at+jwt',
        currentDate: new Date(input.now),
        requiredClaims: ['sub', 'sid', 'exp', 'iat'],
      },
    );
    if (payload.tenant !== input.tenant)
      throw new DeskgateError('session_invalid', 'The session is for another tenant');
    return payload;
  } catch (error) {
    if (error instanceof DeskgateError) throw error;
    if (error instanceof errors.JWTExpired) {
      // jose checks claims only after the signature, so an expired token's payload is authentic.
      const payload = error.payload as AccessClaims;
      if (input.acceptExpired && payload.tenant === input.tenant && typeof payload.sid === 'string')
        return payload;
      throw new DeskgateError('session_expired', 'The session has expired');
    }
    throw new DeskgateError('session_invalid', 'The session cookie is not valid');
  }
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
