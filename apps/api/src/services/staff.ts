// Staff SSO (F11, D13; docs/staff-sso.md): the deployment's staff OIDC provider (DESKGATE_STAFF_*), and the
// staff session: a short JWT signed with the API's own keys in a host-only cookie, naming the staff member and
// nothing of any tenant. It opens every tenant's admin console with the staff permissions; no per-tenant
// account is ever made for it.
import {
  type OidcProviderConfig,
  parseStaffPermissions,
  type StaffIdentity,
  type TenantConfig,
} from '@deskgate/core';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { KeyRing } from './keyring.ts';

/** How long a staff session lasts: a working day; then the staff member signs in again. */
export const STAFF_SESSION_SECONDS = 8 * 60 * 60;
/** Host-only (`__Host-`), path /, SameSite=Lax: sent to this site's own pages only. */
export const STAFF_COOKIE = '__Host-deskgate_staff';
const STAFF_TYP = 'staff+jwt';

export interface StaffSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The staff's Google Workspace domain: the `hd` an ID token must carry. */
  domain: string;
  /** `area:action` entries the staff may use in any tenant's console. */
  permissions: string[];
}

/**
 * DESKGATE_STAFF_ISSUER, _CLIENT_ID, _CLIENT_SECRET and _DOMAIN together turn staff SSO on (all or none);
 * DESKGATE_STAFF_PERMISSIONS narrows or widens what staff may do (default: read only). Throws on a half setup.
 */
export function staffSettings(env: Record<string, string | undefined>): StaffSettings | undefined {
  const names = ['ISSUER', 'CLIENT_ID', 'CLIENT_SECRET', 'DOMAIN'] as const;
  const values = names.map((name) => env[`DESKGATE_STAFF_${name}`]?.trim() || undefined);
  if (values.every((value) => value === undefined)) return undefined;
  const missing = names.filter((_, i) => values[i] === undefined);
  if (missing.length)
    throw new TypeError(
      `Staff SSO needs all of DESKGATE_STAFF_ISSUER, _CLIENT_ID, _CLIENT_SECRET and _DOMAIN; missing: ${missing.map((n) => `DESKGATE_STAFF_${n}`).join(', ')}`,
    );
  const [issuer, clientId, clientSecret, domain] = values as string[];
  if (!/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(domain!))
    throw new TypeError('DESKGATE_STAFF_DOMAIN must be a domain name such as vendor.example');
  return {
    issuer: issuer!,
    clientId: clientId!,
    clientSecret: clientSecret!,
    domain: domain!.toLowerCase(),
    permissions: parseStaffPermissions(env.DESKGATE_STAFF_PERMISSIONS),
  };
}

/** A verified staff session. */
export interface StaffSession extends StaffIdentity {
  permissions: string[];
  expiresAt: number;
}

export class StaffService {
  readonly settings: StaffSettings;
  readonly #keyring: KeyRing;
  readonly #audience: string;

  constructor(settings: StaffSettings, keyring: KeyRing, publicUrl: string) {
    this.settings = settings;
    this.#keyring = keyring;
    this.#audience = `${publicUrl}/staff`;
  }

  /** The staff provider as the OIDC relying party takes it; `hd` asks Google to offer staff accounts only. */
  provider(): OidcProviderConfig {
    return {
      id: 'staff',
      displayName: 'Staff',
      issuer: this.settings.issuer,
      clientId: this.settings.clientId,
      clientSecret: this.settings.clientSecret,
      scopes: ['openid', 'email', 'profile'],
      extraAuthParams: { hd: this.settings.domain },
      roleClaim: 'roles',
      roleIam: false,
      requireRoles: false,
    };
  }

  /** The staff session token for the cookie. */
  async sign(staff: StaffIdentity, now: number): Promise<{ token: string; maxAgeSeconds: number }> {
    const key = await this.#keyring.signingKey(now);
    const iat = Math.floor(now / 1000);
    const token = await new SignJWT({ email: staff.email, name: staff.name })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: STAFF_TYP })
      .setIssuer(this.#audience)
      .setAudience(this.#audience)
      .setSubject(staff.subject)
      .setIssuedAt(iat)
      .setExpirationTime(iat + STAFF_SESSION_SECONDS)
      .sign(key.privateKey);
    return { token, maxAgeSeconds: STAFF_SESSION_SECONDS };
  }

  /** The staff session a cookie holds, or undefined for none, a forged, an expired or a tenant's token. */
  async verify(token: string | undefined, now: number): Promise<StaffSession | undefined> {
    if (!token) return undefined;
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const key = header.kid ? await this.#keyring.verificationKey(header.kid, now) : undefined;
          if (!key) throw new joseErrors.JWKSNoMatchingKey();
          return key;
        },
        {
          issuer: this.#audience,
          audience: this.#audience,
          algorithms: ['ES256'],
          typ: STAFF_TYP,
          currentDate: new Date(now),
          requiredClaims: ['sub', 'exp'],
        },
      );
      if (typeof payload.email !== 'string') return undefined;
      return {
        subject: payload.sub!,
        email: payload.email,
        name: typeof payload.name === 'string' ? payload.name : null,
        permissions: this.settings.permissions,
        expiresAt: payload.exp! * 1000,
      };
    } catch {
      return undefined;
    }
  }

  /** The tenant a staff sign-in may go on to: its console (a path of this site under the tenant). */
  consolePath(tenant: TenantConfig): string {
    return `/t/${tenant.code}/admin`;
  }
}
