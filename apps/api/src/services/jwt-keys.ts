// Platform-JWT secrets of a tenant: made or imported by the operator, stored encrypted, shown once, revoked.
import {
  type DerivedKeys,
  DeskgateError,
  encryptSecret,
  JWT_PROFILES,
  type JwtKeyRecord,
  type JwtProfileName,
  openSecret,
  type PlatformJwtConfig,
  randomToken,
  readJwtHeader,
  type Store,
  StoreConflictError,
  type VerificationKey,
} from '@deskgate/core';
import type { Logger } from 'pino';
import { JwksCache } from './jwks.ts';

/** A generated secret's entropy, and the least an imported one must have without --allow-weak-secret. */
export const MIN_SECRET_BYTES = 32;
export const KID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const;

/** What an operator sees of a key: everything but the secret. */
export type JwtKeyInfo = Omit<JwtKeyRecord, 'secretEncrypted'>;

export interface NewJwtKey {
  tenant: string;
  profile: JwtProfileName;
  kid: string;
  /** Shown once. The HMAC key is its UTF-8 bytes, as JWT libraries use a string secret. */
  secret: string;
  alg: string;
}

export function secretContext(tenant: string, kid: string): string {
  return `tenant:${tenant}:jwt-key:${kid}`;
}

/** Opened secrets kept (about 100 bytes each): far more than the active keys of every tenant together. */
const OPENED_SECRETS = 10_000;

export class JwtKeyService {
  readonly #store: Store;
  /**
   * Each secret opened once, by its sealed text: opening (AES-GCM through WebCrypto) on every platform-JWT
   * sign-in was a tenth of the request's time (bench/findings.md). The sealed text is the key, so a secret
   * stored again under the same kid is opened again; revocation is read from the store on every request.
   */
  readonly #opened = new Map<string, Uint8Array>();
  readonly #keys: DerivedKeys;
  readonly #now: () => number;
  readonly #jwks: JwksCache;

  /** `jwks`: outbound fetch and logger of the JWKS profiles' cache, which lives as long as this service. */
  constructor(
    store: Store,
    keys: DerivedKeys,
    now: () => number,
    jwks: { fetch?: typeof fetch; logger?: Pick<Logger, 'warn'> } = {},
  ) {
    this.#store = store;
    this.#keys = keys;
    this.#now = now;
    this.#jwks = new JwksCache({ now, ...jwks });
  }

  /** Generates 32 random bytes (base64url: 43 characters), stores them encrypted and returns them once. */
  async create(tenant: string, profile: JwtProfileName, alg = 'HS256'): Promise<NewJwtKey> {
    const secret = randomToken(MIN_SECRET_BYTES);
    const kid = `${profile === 'session' ? 's' : 'o'}-${randomToken(6)}`;
    await this.#insert(tenant, profile, kid, secret, alg, false);
    return { tenant, profile, kid, secret, alg };
  }

  /** Stores a secret the platform already has; shorter than 32 bytes only with `allowWeak`. */
  async import(
    tenant: string,
    profile: JwtProfileName,
    secret: string,
    options: { kid?: string; alg?: string; allowWeak?: boolean } = {},
  ): Promise<JwtKeyInfo> {
    const bytes = new TextEncoder().encode(secret).length;
    if (bytes === 0) throw new DeskgateError('validation_failed', 'The secret is empty');
    const weak = bytes < MIN_SECRET_BYTES;
    if (weak && !options.allowWeak) {
      throw new DeskgateError(
        'validation_failed',
        `The secret is ${bytes} bytes; at least ${MIN_SECRET_BYTES} are required (--allow-weak-secret accepts it, and is logged)`,
      );
    }
    const kid = options.kid ?? `${profile === 'session' ? 's' : 'o'}-${randomToken(6)}`;
    return this.#insert(tenant, profile, kid, secret, options.alg ?? 'HS256', weak);
  }

  async #insert(
    tenant: string,
    profile: JwtProfileName,
    kid: string,
    secret: string,
    alg: string,
    weak: boolean,
  ): Promise<JwtKeyInfo> {
    if (!KID_PATTERN.test(kid))
      throw new DeskgateError('validation_failed', 'A key id is 1-64 of A-Z a-z 0-9 . _ -');
    if (!(HMAC_ALGS as readonly string[]).includes(alg))
      throw new DeskgateError('validation_failed', `alg must be one of ${HMAC_ALGS.join(', ')}`);
    const record: JwtKeyRecord = {
      tenant,
      kid,
      profile,
      alg,
      secretEncrypted: await encryptSecret(this.#keys.secrets, secret, secretContext(tenant, kid)),
      weak,
      createdAt: this.#now(),
      revokedAt: null,
    };
    try {
      await this.#store.createJwtKey(record);
    } catch (error) {
      if (error instanceof StoreConflictError)
        throw new DeskgateError('validation_failed', `Tenant "${tenant}" already has a key "${kid}"`);
      throw error;
    }
    const { secretEncrypted: _, ...info } = record;
    return info;
  }

  async #open(tenant: string, kid: string, sealed: string): Promise<Uint8Array> {
    const cacheKey = `${tenant}\0${kid}\0${sealed}`;
    let secret = this.#opened.get(cacheKey);
    if (!secret) {
      secret = new TextEncoder().encode(await openSecret(this.#keys, sealed, secretContext(tenant, kid)));
      if (this.#opened.size >= OPENED_SECRETS) this.#opened.delete(this.#opened.keys().next().value!);
      this.#opened.set(cacheKey, secret);
    }
    return secret;
  }

  async list(tenant: string): Promise<JwtKeyInfo[]> {
    return (await this.#store.listJwtKeys(tenant)).map(({ secretEncrypted: _, ...info }) => info);
  }

  /** True when this call revoked it; unknown or already revoked: false. */
  revoke(tenant: string, kid: string): Promise<boolean> {
    return this.#store.revokeJwtKey(tenant, kid, this.#now());
  }

  /**
   * The keys that may verify the tenant's tokens: the JWKS keys of every profile with `jwksUri` (its
   * `algorithms` only), and the active secrets of the other profiles. A kid in `token` that no key has makes
   * the JWKS of the tenant's profiles be fetched again (key rotation at the platform), at most once per
   * cooldown per URL.
   */
  async verificationKeys(
    tenant: string,
    platformJwt: PlatformJwtConfig,
    token: string,
  ): Promise<VerificationKey[]> {
    const profiles = JWT_PROFILES.flatMap((name) => {
      const profile = platformJwt.profiles[name];
      return profile?.jwksUri ? [{ name, jwksUri: profile.jwksUri, algorithms: profile.algorithms }] : [];
    });
    const viaJwks = new Set<string>(profiles.map((p) => p.name));
    const fromJwks = (refresh: boolean) =>
      Promise.all(profiles.map((p) => this.#jwks.keys(p.jwksUri, p.name, p.algorithms, { refresh })));

    const active = (await this.#store.listJwtKeys(tenant)).filter(
      (key) => key.revokedAt === null && !viaJwks.has(key.profile),
    );
    const secrets = await Promise.all(
      active.map(async (key) => ({
        kid: key.kid,
        alg: key.alg,
        profile: key.profile as JwtProfileName,
        key: await this.#open(tenant, key.kid, key.secretEncrypted),
      })),
    );
    let published = (await fromJwks(false)).flat();
    const kid = profiles.length > 0 ? kidOf(token) : undefined;
    if (kid !== undefined && ![...secrets, ...published].some((key) => key.kid === kid))
      published = (await fromJwks(true)).flat();
    return [...secrets, ...published];
  }
}

/** The token's kid when its header reads; a malformed token is left to verification to refuse. */
function kidOf(token: string): string | undefined {
  try {
    return readJwtHeader(token).kid;
  } catch {
    return undefined;
  }
}
